import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { identifyCustomer, mergeCustomers, unmerge } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import {
  checkLedger,
  createCouponTemplate,
  earnPointsForOrderNumbers,
  getAccount,
  issueCoupons,
  listCustomerCoupons,
  listPostings,
  postPoints,
  reversePointsForRefunds,
  saveProgram,
  tierHistory,
  type SaveProgramInput,
} from './index.ts';

const day = 86_400_000;
const random = () => Math.random();

// Merges take the transaction's time (identity resolution has no clock), so the postings here are dated
// shortly before the real now, and lots expire a year after them.
const rules: SaveProgramInput['rules'] = {
  expiry: { kind: 'rolling', months: 12 },
  tiers: {
    metric: 'points',
    window: { kind: 'rolling', months: 12 },
    levels: [
      { code: 'silver', name: 'Silver', threshold: 100 },
      { code: 'gold', name: 'Gold', threshold: 1000 },
      { code: 'platinum', name: 'Platinum', threshold: 1500 },
    ],
  },
};

describe.each(testStores())('loyalty across profile merges on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  const setup = async () => {
    const clock = manualClock(new Date(Date.now() - 60 * day));
    const ws: Workspace = await testWorkspace(h.db);
    const program = await saveProgram(h.db, ws.id, { name: 'Members', rules }, clock);
    const customer = async (name: string) => (await h.db.insertInto('customers').values({ workspace_id: ws.id, name }).returning('id').executeTakeFirstOrThrow()).id;
    const merge = (survivor: number, merged: number) =>
      h.db.transaction().execute(async (trx) => {
        await trx.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).where('id', 'in', [survivor, merged]).forUpdate().execute();
        return mergeCustomers(trx, ws.id, survivor, merged, 'test');
      });
    const earn = (c: number, key: string, amountMinor: number) => postPoints(h.db, ws, c, { type: 'earn', idempotencyKey: key, amountMinor, reason: 'purchase' }, clock);
    const lots = (c: number) =>
      h.db
        .selectFrom('loyalty_lots')
        .select(['points', 'remaining', 'earned_at', 'expires_at'])
        .where('workspace_id', '=', ws.id)
        .where('customer_id', '=', c)
        .where('remaining', '>', 0)
        .orderBy('expires_at')
        .execute();
    const tierEvents = async (c: number) =>
      (await h.db.selectFrom('events').select('properties').where('workspace_id', '=', ws.id).where('name', '=', 'Tier Changed').where('customer_id', '=', c).orderBy('id').execute()).map(
        (e) => [e.properties.from, e.properties.to],
      );
    return { clock, ws, program, customer, merge, earn, lots, tierEvents };
  };

  it('merges two accounts with points, tiers and coupons into one, and an unmerge gives back what is left', async () => {
    const { clock, ws, program, customer, merge, earn, lots, tierEvents } = await setup();
    const a = await customer('A');
    const b = await customer('B');
    await earn(b, 'b1', 120_000); // 1,200 points 60 days ago: gold
    clock.advance(30 * day);
    await earn(a, 'a1', 50_000); // 500 points 30 days ago: silver
    await postPoints(h.db, ws, b, { type: 'redeem', idempotencyKey: 'b-r', points: 200, reward: 'mug' }, clock);
    const template = await createCouponTemplate(h.db, ws.id, { name: '¥10 off', discountKind: 'amount_off', amountOffMinor: 1000 });
    const coupon = (await issueCoupons(h.db, ws.id, template.id, [b], { source: 'api', clock, random })).issued[0]!;
    const bLotBefore = (await lots(b))[0]!;
    expect((await getAccount(h.db, ws, a)).tier?.code).toBe('silver');
    expect((await getAccount(h.db, ws, b)).tier?.code).toBe('gold');

    const mergeId = await merge(a, b);
    const merged = await getAccount(h.db, ws, a);
    expect(merged.balance).toBe(1500);
    // Gold from B, then platinum on the combined points earned (500 + 1,200 over the window).
    expect(merged.tier?.code).toBe('platinum');
    expect((await tierHistory(h.db, ws.id, program.id, a)).map((t) => [t.reason, t.toTier])).toEqual([
      ['qualified', 'platinum'],
      ['merge', 'gold'],
      ['qualified', 'silver'],
    ]);
    // B's own events moved with the merge, its tier change among them.
    expect(await tierEvents(a)).toEqual([
      [null, 'gold'],
      [null, 'silver'],
      ['silver', 'gold'],
      ['gold', 'platinum'],
    ]);
    expect((await getAccount(h.db, ws, b)).balance).toBe(0);
    // B's lot moved with what was left of it and its own earning and expiry dates.
    expect(await lots(a)).toEqual([
      { points: 1000, remaining: 1000, earned_at: bLotBefore.earned_at, expires_at: bLotBefore.expires_at },
      expect.objectContaining({ points: 500, remaining: 500 }),
    ]);
    const history = (await listPostings(h.db, ws.id, a, { limit: 50 })).postings;
    expect(history.map((p) => [p.customerId === a ? 'A' : 'B', p.kind, p.points])).toEqual([
      ['A', 'transfer', 1000],
      ['B', 'transfer', -1000],
      ['B', 'redeem', -200],
      ['A', 'earn', 500],
      ['B', 'earn', 1200],
    ]);
    expect((await listCustomerCoupons(h.db, ws.id, a, clock)).map((c) => c.code)).toEqual([coupon.code]);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);

    // A spends 600: B's points expire first, so they go first; 400 of them are left.
    await postPoints(h.db, ws, a, { type: 'redeem', idempotencyKey: 'a-r', points: 600, reward: 'tea' }, clock);
    await unmerge(h.db, ws, mergeId);
    expect((await getAccount(h.db, ws, b)).balance).toBe(400);
    expect(await lots(b)).toEqual([expect.objectContaining({ remaining: 400, earned_at: bLotBefore.earned_at, expires_at: bLotBefore.expires_at })]);
    expect((await getAccount(h.db, ws, a)).balance).toBe(500);
    const record = await h.db.selectFrom('loyalty_merges').selectAll().where('workspace_id', '=', ws.id).where('merge_id', '=', mergeId).executeTakeFirstOrThrow();
    expect(record).toMatchObject({ points: 1000, returned_points: 400, adopted_tier: true, survivor_tier: 'silver', merged_tier: 'gold' });
    expect(record.undone_at).not.toBeNull();
    // A earned platinum on the combined points after the merge, so it keeps it to its review; B has gold back.
    expect((await getAccount(h.db, ws, a)).tier?.code).toBe('platinum');
    expect((await getAccount(h.db, ws, b)).tier?.code).toBe('gold');
    expect(await tierEvents(b)).toEqual([
      [null, 'gold'],
      [null, 'gold'],
    ]);
    expect((await listCustomerCoupons(h.db, ws.id, b, clock)).map((c) => c.code)).toEqual([coupon.code]);
    expect(await listCustomerCoupons(h.db, ws.id, a, clock)).toEqual([]);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('moves points to a survivor without an account, leaves a merge without points alone, and undoes an adopted tier', async () => {
    const { ws, customer, merge, earn } = await setup();
    const a = await customer('A');
    const b = await customer('B');
    await earn(b, 'b1', 30_000);
    const first = await merge(a, b);
    expect((await getAccount(h.db, ws, a)).balance).toBe(300);
    expect((await getAccount(h.db, ws, a)).tier?.code).toBe('silver');
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
    await unmerge(h.db, ws, first);
    // The survivor had no tier before; the merge gave it silver and nothing since, so it goes back to none.
    expect(await getAccount(h.db, ws, a)).toMatchObject({ balance: 0, tier: null });
    expect(await getAccount(h.db, ws, b)).toMatchObject({ balance: 300, tier: { code: 'silver' } });

    const c = await customer('C');
    const d = await customer('D');
    await earn(c, 'c1', 20_000);
    const second = await merge(c, d);
    expect((await getAccount(h.db, ws, c)).balance).toBe(200);
    expect(await h.db.selectFrom('loyalty_merges').select('merge_id').where('workspace_id', '=', ws.id).where('merge_id', '=', second).execute()).toEqual([]);
    await unmerge(h.db, ws, second);
    expect((await getAccount(h.db, ws, c)).balance).toBe(200);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('follows a chain of merges back on unmerge, and leaves nothing behind when the merge rolls back', async () => {
    const { ws, customer, merge, earn, lots } = await setup();
    const [t, s, x] = [await customer('T'), await customer('S'), await customer('X')];
    await earn(x, 'x1', 30_000);
    await earn(s, 's1', 20_000);
    await earn(t, 't1', 10_000);
    const xIntoS = await merge(s, x);
    await merge(t, s);
    expect((await getAccount(h.db, ws, t)).balance).toBe(600);
    // X's points moved twice and still know where they were earned: undoing X's merge takes them back from T.
    await unmerge(h.db, ws, xIntoS);
    expect((await getAccount(h.db, ws, x)).balance).toBe(300);
    expect((await getAccount(h.db, ws, t)).balance).toBe(300);
    expect((await lots(t)).map((l) => l.remaining).sort()).toEqual([100, 200]);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);

    const [u, v] = [await customer('U'), await customer('V')];
    await earn(v, 'v1', 40_000);
    await expect(
      h.db.transaction().execute(async (trx) => {
        await mergeCustomers(trx, ws.id, u, v, 'test');
        throw new Error('the caller fails after the merge');
      }),
    ).rejects.toThrow('the caller fails');
    expect((await getAccount(h.db, ws, v)).balance).toBe(400);
    expect((await getAccount(h.db, ws, u)).balance).toBe(0);
    expect(await h.db.selectFrom('loyalty_postings').select('id').where('workspace_id', '=', ws.id).where('kind', '=', 'transfer').where('customer_id', 'in', [u, v]).execute()).toEqual([]);
  });

  it('moves points when identity resolution merges, and a refund after the merge takes back its order’s points from the survivor', async () => {
    const { clock, ws } = await setup();
    const p1 = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'p1@example.com' }], reason: 't' });
    await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '13900000002' }], reason: 't' });
    await recordOrders(h.db, ws, [
      { externalId: 'O1', customer: { identities: [{ type: 'phone', value: '13900000002' }] }, currency: 'CNY', orderedAt: clock.now(), items: [{ sku: 't', category: 'tea', quantity: 1, unitPriceMinor: 40_000 }] },
    ]);
    await h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, ['O1'], clock.now()));
    await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'p1@example.com' },
        { type: 'phone', value: '13900000002' },
      ],
      reason: 'linked',
    });
    expect((await getAccount(h.db, ws, p1.customerId)).balance).toBe(400);
    await postPoints(h.db, ws, p1.customerId, { type: 'adjust', idempotencyKey: 'gift', points: 50, reason: 'gift', actor: 'ops' }, clock);
    await recordRefunds(h.db, ws, [{ externalId: 'R1', orderExternalId: 'O1', amountMinor: 40_000, refundedAt: clock.now() }]);
    await h.db.transaction().execute((trx) => reversePointsForRefunds(trx, ws, ['R1'], clock.now()));
    expect((await getAccount(h.db, ws, p1.customerId)).balance).toBe(50);
    // The reversal took the order's own (transferred) lot, not the gift.
    const { rows } = await sql<{ remaining: number; kind: string }>`
      SELECT l.remaining, p.kind FROM loyalty_lots l JOIN loyalty_postings p ON p.workspace_id = l.workspace_id AND p.customer_id = l.customer_id AND p.id = l.posting_id
      WHERE l.workspace_id = ${ws.id} AND l.customer_id = ${p1.customerId} ORDER BY p.id`.execute(h.db);
    expect(rows).toEqual([
      { remaining: 0, kind: 'transfer' },
      { remaining: 50, kind: 'adjust' },
    ]);
    // Replaying the refund takes nothing more.
    await h.db.transaction().execute((trx) => reversePointsForRefunds(trx, ws, ['R1'], clock.now()));
    expect((await getAccount(h.db, ws, p1.customerId)).balance).toBe(50);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });
});
