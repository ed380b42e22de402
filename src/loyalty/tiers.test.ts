import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { awardEventBonuses, earnPointsForOrderNumbers, getAccount, listPostings, runDailyLoyaltyJob, saveProgram, tierHistory } from './index.ts';

describe.each(testStores())('tiers and bonuses on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  const levels = [
    { code: 'member', name: 'Member', threshold: 0 },
    { code: 'silver', name: 'Silver', threshold: 10_000, multiplier: 1.5 },
    { code: 'gold', name: 'Gold', threshold: 50_000, multiplier: 2, benefits: { freeShipping: true, priorityService: true } },
  ];

  it('upgrades as soon as a customer qualifies, downgrades only after the period and its grace, and emits each change once', async () => {
    const clock = manualClock(new Date('2025-03-01T00:00:00Z'));
    const ws: Workspace = await testWorkspace(h.db);
    const program = await saveProgram(h.db, ws.id, { name: 'Members', rules: { tiers: { metric: 'spend', window: { kind: 'calendar_year' }, graceDays: 30, levels } } }, clock);
    const buy = async (n: string, at: string, amount: number) => {
      clock.set(new Date(at));
      await recordOrders(h.db, ws, [{ externalId: n, customer: { identities: [{ type: 'email', value: 't@example.com' }] }, currency: 'CNY', orderedAt: new Date(at), items: [{ quantity: 1, unitPriceMinor: amount }] }]);
      return h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, [n], clock.now()));
    };
    await buy('O1', '2025-03-01T02:00:00Z', 8_000);
    const c = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).customer_id;
    expect((await getAccount(h.db, ws, c)).tier?.code).toBe('member');
    await buy('O2', '2025-04-01T02:00:00Z', 45_000);
    const gold = await getAccount(h.db, ws, c);
    expect(gold.tier).toMatchObject({ code: 'gold', benefits: { freeShipping: true, priorityService: true } });
    // Reviewed at the end of the calendar year in Shanghai plus 30 days.
    expect(gold.tierReviewAt).toEqual(new Date('2026-01-30T16:00:00Z'));
    // Gold earns double: the next order of 10,000 earns 200 points.
    expect((await buy('O3', '2025-05-01T02:00:00Z', 10_000)).points).toBe(200);

    clock.set(new Date('2026-01-15T00:00:00Z'));
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).tierChanges).toBe(0);
    clock.set(new Date('2026-01-31T00:00:00Z'));
    // 2025 spend of 63,000 keeps gold for 2026.
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).tierChanges).toBe(0);
    expect((await getAccount(h.db, ws, c)).tierReviewAt).toEqual(new Date('2027-01-30T16:00:00Z'));
    await buy('O4', '2026-06-01T02:00:00Z', 12_000);
    clock.set(new Date('2027-01-31T00:00:00Z'));
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).tierChanges).toBe(1);
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).tierChanges).toBe(0);
    expect((await getAccount(h.db, ws, c)).tier?.code).toBe('silver');

    const history = await tierHistory(h.db, ws.id, program.id, c);
    expect(history.map((t) => [t.fromTier, t.toTier, t.reason, t.qualifyingValue])).toEqual([
      ['gold', 'silver', 'period_end', 12_000],
      ['member', 'gold', 'qualified', 53_000],
      [null, 'member', 'qualified', 8_000],
    ]);
    const events = await h.db.selectFrom('events').select(['name', 'properties', 'customer_id']).where('workspace_id', '=', ws.id).where('name', '=', 'Tier Changed').orderBy('id').execute();
    expect(events.map((e) => e.properties)).toEqual([
      { program: program.id, from: null, to: 'member' },
      { program: program.id, from: 'member', to: 'gold' },
      { program: program.id, from: 'gold', to: 'silver' },
    ]);
  });

  it('awards bonuses for tracked events matching the rule, once per event and up to the per-customer limit', async () => {
    const clock = manualClock(new Date('2025-03-01T00:00:00Z'));
    const ws: Workspace = await testWorkspace(h.db);
    await saveProgram(
      h.db,
      ws.id,
      {
        name: 'Members',
        rules: {
          bonuses: [
            { id: 'signup', event: 'Signed Up', points: 100, maxPerCustomer: 1 },
            { id: 'review', event: 'Review Posted', where: { rating: 5 }, points: 20 },
          ],
        },
      },
      clock,
    );
    const c = (await h.db.insertInto('customers').values({ workspace_id: ws.id, name: 'b' }).returning('id').executeTakeFirstOrThrow()).id;
    const event = (messageId: string, name: string, properties = {}) => ({ messageId, customerId: c, name, properties, occurredAt: clock.now() });
    const award = (events: ReturnType<typeof event>[]) => h.db.transaction().execute((trx) => awardEventBonuses(trx, ws, events, clock.now()));
    expect(await award([event('m1', 'Signed Up'), event('m2', 'Review Posted', { rating: 5 }), event('m3', 'Review Posted', { rating: 3 })])).toBe(120);
    expect(await award([event('m1', 'Signed Up'), event('m4', 'Signed Up')])).toBe(0);
    expect(await award([event('m5', 'Review Posted', { rating: 5 })])).toBe(20);
    expect((await getAccount(h.db, ws, c)).balance).toBe(140);
    expect((await listPostings(h.db, ws.id, c, { limit: 10 })).postings.map((p) => [p.kind, p.rule, p.points])).toEqual([
      ['bonus', 'review', 20],
      ['bonus', 'review', 20],
      ['bonus', 'signup', 100],
    ]);
  });
});
