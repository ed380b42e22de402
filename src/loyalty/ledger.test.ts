import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { checkLedger, getAccount, listExpiringPoints, listPostings, pointsForSpend, postPoints, programRulesSchema, runDailyLoyaltyJob, saveProgram, type SaveProgramInput } from './index.ts';

const day = 86_400_000;

describe('pointsForSpend', () => {
  const rules = programRulesSchema.parse({
    earn: { pointsPerUnit: 1, unitMinor: 100, categoryMultipliers: { tea: 1.5 }, channelMultipliers: { app: 2 }, maxPerOrder: 1000 },
    tiers: { levels: [{ code: 'gold', name: 'Gold', threshold: 0, multiplier: 1.25 }] },
  });
  it('floors once after multiplying exactly', () => {
    expect(pointsForSpend(rules, 1999, {})).toBe(19);
    expect(pointsForSpend(rules, 1999, { category: 'tea' })).toBe(29); // 29.985
    expect(pointsForSpend(rules, 1999, { category: 'tea', channel: 'app', tier: 'gold' })).toBe(74); // 74.9625
    expect(pointsForSpend(rules, 10_000_000, {})).toBe(1000);
  });
});

describe.each(testStores())('points ledger on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  const setup = async (rules: SaveProgramInput['rules'] = {}, start = '2025-01-10T00:00:00Z') => {
    const clock = manualClock(new Date(start));
    const ws: Workspace = await testWorkspace(h.db);
    await saveProgram(h.db, ws.id, { name: 'Members', rules }, clock);
    const customer = async () => (await h.db.insertInto('customers').values({ workspace_id: ws.id, name: 'c' }).returning('id').executeTakeFirstOrThrow()).id;
    return { clock, ws, customer };
  };

  it('earns, redeems and adjusts; the balance is the sum of postings and of lots', async () => {
    const { clock, ws, customer } = await setup();
    const c = await customer();
    const earn = await postPoints(h.db, ws, c, { type: 'earn', idempotencyKey: 'e1', amountMinor: 12_345, reason: 'purchase' }, clock);
    expect(earn).toMatchObject({ balance: 123, replayed: false, posting: { kind: 'earn', points: 123 } });
    const redeem = await postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: 'r1', points: 100, reward: 'mug' }, clock);
    expect(redeem).toMatchObject({ balance: 23, posting: { kind: 'redeem', points: -100 } });
    const adjust = await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'a1', points: -3, reason: 'typo', actor: 'ops@shop' }, clock);
    expect(adjust).toMatchObject({ balance: 20, posting: { kind: 'adjust', points: -3, reason: 'typo', actor: 'ops@shop' } });
    expect((await getAccount(h.db, ws, c)).balance).toBe(20);
    expect((await listPostings(h.db, ws.id, c, { limit: 10 })).postings.map((p) => p.points)).toEqual([-3, -100, 123]);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('applies a retried key once and refuses the key with another payload', async () => {
    const { clock, ws, customer } = await setup();
    const c = await customer();
    const first = await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'k', points: 50, reason: 'welcome', actor: 'ops' }, clock);
    const again = await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'k', points: 50, reason: 'welcome', actor: 'ops' }, clock);
    expect(again).toMatchObject({ replayed: true, balance: 50, posting: { id: first.posting.id } });
    await expect(postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'k', points: 60, reason: 'welcome', actor: 'ops' }, clock)).rejects.toMatchObject({ code: 'conflict' });
    const other = await customer();
    await expect(postPoints(h.db, ws, other, { type: 'adjust', idempotencyKey: 'k', points: 50, reason: 'welcome', actor: 'ops' }, clock)).rejects.toMatchObject({ code: 'conflict' });
    expect((await getAccount(h.db, ws, c)).balance).toBe(50);
  });

  it('never overdraws and refuses unknown customers', async () => {
    const { clock, ws, customer } = await setup();
    const c = await customer();
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'a', points: 10, reason: 'r', actor: 'x' }, clock);
    await expect(postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: 'b', points: 11, reward: 'x' }, clock)).rejects.toMatchObject({ code: 'limit_reached', details: { balance: 10 } });
    await expect(postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'c', points: -11, reason: 'r', actor: 'x' }, clock)).rejects.toMatchObject({ code: 'limit_reached' });
    await expect(postPoints(h.db, ws, 999_999, { type: 'adjust', idempotencyKey: 'd', points: 1, reason: 'r', actor: 'x' }, clock)).rejects.toMatchObject({ code: 'not_found' });
    expect((await getAccount(h.db, ws, c)).balance).toBe(10);
  });

  it('consumes first-expiring lots first and expires the rest on time (rolling months)', async () => {
    const { clock, ws, customer } = await setup({ expiry: { kind: 'rolling', months: 1 } }, '2025-01-10T00:00:00Z');
    const c = await customer();
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'jan', points: 100, reason: 'r', actor: 'x' }, clock);
    clock.set(new Date('2025-01-20T00:00:00Z'));
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'jan20', points: 50, reason: 'r', actor: 'x' }, clock);
    await postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: 'use', points: 30, reward: 'x' }, clock);
    // The 30 came out of the lot expiring on 10 Feb.
    expect((await getAccount(h.db, ws, c)).expiring).toEqual([
      { expiresAt: new Date('2025-02-10T00:00:00Z'), points: 70 },
      { expiresAt: new Date('2025-02-20T00:00:00Z'), points: 50 },
    ]);
    const soon = await listExpiringPoints(h.db, ws, { days: 31, limit: 10 }, clock);
    expect(soon.customers).toEqual([{ customerId: c, points: 120, firstExpiresAt: new Date('2025-02-10T00:00:00Z') }]);

    clock.set(new Date('2025-02-10T00:00:00Z'));
    expect(await runDailyLoyaltyJob(h.db, ws, clock)).toMatchObject({ expiredPoints: 70, expiredAccounts: 1 });
    expect(await runDailyLoyaltyJob(h.db, ws, clock)).toMatchObject({ expiredPoints: 0 });
    expect((await getAccount(h.db, ws, c)).balance).toBe(50);
    // A redemption after the second lot's expiry but before the job runs cannot spend it.
    clock.set(new Date('2025-02-21T00:00:00Z'));
    await expect(postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: 'late', points: 1, reward: 'x' }, clock)).rejects.toMatchObject({ code: 'limit_reached', details: { balance: 0 } });
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('expires at the end of the year in the workspace time zone', async () => {
    const { clock, ws, customer } = await setup({ expiry: { kind: 'end_of_year' } }, '2025-12-31T10:00:00Z');
    const c = await customer();
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'late-dec', points: 5, reason: 'r', actor: 'x' }, clock);
    // 2026-01-01 00:00 in Shanghai is 2025-12-31 16:00 UTC.
    expect((await getAccount(h.db, ws, c)).expiring).toEqual([{ expiresAt: new Date('2025-12-31T16:00:00Z'), points: 5 }]);
    clock.set(new Date('2025-12-31T15:59:59Z'));
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).expiredPoints).toBe(0);
    clock.advance(day);
    expect((await runDailyLoyaltyJob(h.db, ws, clock)).expiredPoints).toBe(5);
    const postings = (await listPostings(h.db, ws.id, c, { limit: 10 })).postings;
    expect(postings[0]).toMatchObject({ kind: 'expire', points: -5, idempotencyKey: expect.stringMatching(/^lot:\d+:expire$/) });
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });
});
