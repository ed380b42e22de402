import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { checkLedger, earnPointsForOrderNumbers, getAccount, listPostings, postPoints, saveProgram } from './index.ts';

// PGlite runs one query at a time, so real contention needs the PostgreSQL server.
const postgres = testStores().find((s) => s.kind === 'postgres');

describe.skipIf(!postgres)('ledger under concurrency on PostgreSQL (set TEST_DATABASE_URL)', () => {
  let h: DatabaseHandle;
  let ws: Workspace;
  const clock = manualClock(new Date('2025-06-01T00:00:00Z'));
  beforeAll(async () => {
    h = await postgres!.open();
    ws = await testWorkspace(h.db);
    await saveProgram(h.db, ws.id, { name: 'Members', rules: { expiry: { kind: 'rolling', months: 12 } } }, clock);
  });
  afterAll(() => h.close());

  const customer = async () => (await h.db.insertInto('customers').values({ workspace_id: ws.id, name: 'c' }).returning('id').executeTakeFirstOrThrow()).id;

  it('50 parallel redemptions against one account never overdraw and never lose a posting', async () => {
    const c = await customer();
    // Several lots, so redemptions also race over which lots they consume.
    for (let i = 0; i < 5; i++) await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: `seed-${c}-${i}`, points: 200, reason: 'seed', actor: 'test' }, clock);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: `redeem-${c}-${i}`, points: 30, reward: 'voucher' }, clock)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(33);
    expect(refused.every((r) => (r.reason as { code?: string }).code === 'limit_reached')).toBe(true);
    expect((await getAccount(h.db, ws, c)).balance).toBe(1000 - 33 * 30);
    const redeemed = (await listPostings(h.db, ws.id, c, { limit: 500 })).postings.filter((p) => p.kind === 'redeem');
    expect(redeemed).toHaveLength(33);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('the same posting sent 50 times at once applies once', async () => {
    const c = await customer();
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: `seed-${c}`, points: 100, reason: 'seed', actor: 'test' }, clock);
    const results = await Promise.all(Array.from({ length: 50 }, () => postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: `once-${c}`, points: 60, reward: 'mug' }, clock)));
    expect(new Set(results.map((r) => r.posting.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect((await getAccount(h.db, ws, c)).balance).toBe(40);
  });

  it('bulk earn for orders and redemptions interleave without deadlock or drift', async () => {
    const emails = Array.from({ length: 20 }, (_, i) => `bulk${i}@example.com`);
    const orders = emails.flatMap((email, i) =>
      Array.from({ length: 5 }, (_, n) => ({ externalId: `B-${i}-${n}`, customer: { identities: [{ type: 'email' as const, value: email }] }, currency: 'CNY', orderedAt: new Date(`2025-05-0${n + 1}T00:00:00Z`), items: [{ quantity: 1, unitPriceMinor: 10_000 }] })),
    );
    await recordOrders(h.db, ws, orders);
    const numbers = orders.map((o) => o.externalId);
    // Overlapping batches in opposite orders: earn is keyed by order, so each order earns once.
    await Promise.all([
      h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, numbers, clock.now())),
      h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, [...numbers].reverse(), clock.now())),
      h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, numbers.slice(30, 70), clock.now())),
    ]);
    const ids = await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', 'in', emails).execute();
    await Promise.allSettled(ids.flatMap(({ customer_id }) => Array.from({ length: 3 }, (_, i) => postPoints(h.db, ws, customer_id, { type: 'redeem', idempotencyKey: `bulk-r-${customer_id}-${i}`, points: 200, reward: 'x' }, clock))));
    for (const { customer_id } of ids) expect((await getAccount(h.db, ws, customer_id)).balance).toBe(500 - 400);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });
});
