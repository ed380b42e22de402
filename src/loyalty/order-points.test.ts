import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { checkLedger, earnPointsForOrderNumbers, getAccount, listPostings, postPoints, reversePointsForRefunds, saveProgram, type SaveProgramInput } from './index.ts';

const order = (n: string, email: string | null, at: string, lines: [string, string, number][], extra: Partial<OrderInput> = {}): OrderInput => ({
  externalId: n,
  ...(email ? { customer: { identities: [{ type: 'email', value: email }] } } : {}),
  currency: 'CNY',
  orderedAt: new Date(at),
  items: lines.map(([sku, category, unitPriceMinor]) => ({ sku, category, quantity: 1, unitPriceMinor })),
  ...extra,
});

describe.each(testStores())('points for orders on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  const clock = manualClock(new Date('2025-06-30T00:00:00Z'));
  const setup = async (rules: SaveProgramInput['rules']) => {
    const ws: Workspace = await testWorkspace(h.db);
    await saveProgram(h.db, ws.id, { name: 'Members', rules }, clock);
    return ws;
  };
  const earn = (ws: Workspace, numbers: string[]) => h.db.transaction().execute((trx) => earnPointsForOrderNumbers(trx, ws, numbers, clock.now()));
  const refund = async (ws: Workspace, id: string, orderNumber: string, amountMinor: number, at: string) => {
    await recordRefunds(h.db, ws, [{ externalId: id, orderExternalId: orderNumber, amountMinor, refundedAt: new Date(at) }]);
    return h.db.transaction().execute((trx) => reversePointsForRefunds(trx, ws, [id], clock.now()));
  };
  const customerOf = async (ws: Workspace, email: string) =>
    (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', email).executeTakeFirstOrThrow()).customer_id;

  it('posts the earn rules set-based, once per order, with category and channel multipliers', async () => {
    const ws = await setup({ earn: { categoryMultipliers: { tea: 2 }, channelMultipliers: { app: 1.5 } } });
    await recordOrders(h.db, ws, [
      order('A', 'a@example.com', '2025-06-01T02:00:00Z', [['T1', 'tea', 1000], ['C1', 'cup', 1000]]),
      order('B', 'a@example.com', '2025-06-02T02:00:00Z', [['C1', 'cup', 999]], { channel: 'app' }),
      order('G', null, '2025-06-02T02:00:00Z', [['C1', 'cup', 5000]]),
      order('X', 'b@example.com', '2025-06-02T02:00:00Z', [['C1', 'cup', 5000]], { status: 'cancelled' }),
    ]);
    // A: 2000 × (1000×2 + 1000×1)/2000 / 100 = 30; B: floor(999 × 1.5 / 100) = 14; guest and cancelled orders earn nothing.
    expect(await earn(ws, ['A', 'B', 'G', 'X'])).toEqual({ postings: 2, points: 44, customers: 1 });
    expect(await earn(ws, ['A', 'B', 'G', 'X'])).toEqual({ postings: 0, points: 0, customers: 0 });
    const a = await customerOf(ws, 'a@example.com');
    expect((await getAccount(h.db, ws, a)).balance).toBe(44);
    const postings = (await listPostings(h.db, ws.id, a, { limit: 10 })).postings;
    expect(postings.map((p) => [p.kind, p.points, p.idempotencyKey.replace(/\d+/, 'N')])).toEqual([
      ['earn', 14, 'order:N:earn'],
      ['earn', 30, 'order:N:earn'],
    ]);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('caps points per order, then per customer and local day in time order', async () => {
    const ws = await setup({ earn: { maxPerOrder: 80, maxPerDay: 100 } });
    await recordOrders(h.db, ws, [
      order('D1', 'd@example.com', '2025-06-01T01:00:00Z', [['S', 'x', 20_000]]),
      order('D2', 'd@example.com', '2025-06-01T03:00:00Z', [['S', 'x', 5_000]]),
      order('D3', 'd@example.com', '2025-06-01T05:00:00Z', [['S', 'x', 5_000]]),
      // 17:00 UTC is the next day in Shanghai.
      order('D4', 'd@example.com', '2025-06-01T17:00:00Z', [['S', 'x', 5_000]]),
    ]);
    expect(await earn(ws, ['D1'])).toMatchObject({ points: 80 });
    expect(await earn(ws, ['D2', 'D3', 'D4'])).toMatchObject({ postings: 2, points: 20 + 50 });
  });

  it('reverses exactly what refunds take back, partially and in total, never overdrawing', async () => {
    const ws = await setup({});
    await recordOrders(h.db, ws, [order('R', 'r@example.com', '2025-06-01T02:00:00Z', [['S', 'x', 10_000]]), order('S', 'r@example.com', '2025-06-01T03:00:00Z', [['S', 'x', 5_000]])]);
    await earn(ws, ['R', 'S']);
    const c = await customerOf(ws, 'r@example.com');
    expect((await getAccount(h.db, ws, c)).balance).toBe(150);
    expect(await refund(ws, 'R-1', 'R', 3333, '2025-06-05T00:00:00Z')).toBe(33);
    expect(await refund(ws, 'R-2', 'R', 3333, '2025-06-06T00:00:00Z')).toBe(33);
    expect(await h.db.transaction().execute((trx) => reversePointsForRefunds(trx, ws, ['R-1', 'R-2'], clock.now()))).toBe(0);
    expect(await refund(ws, 'R-3', 'R', 3334, '2025-06-07T00:00:00Z')).toBe(34);
    expect((await getAccount(h.db, ws, c)).balance).toBe(50);

    // The customer spends 40 of order S's 50 points; refunding S in full takes back only the 10 left.
    await postPoints(h.db, ws, c, { type: 'redeem', idempotencyKey: 'spend', points: 40, reward: 'mug' }, clock);
    expect(await refund(ws, 'S-1', 'S', 5_000, '2025-06-08T00:00:00Z')).toBe(10);
    const last = (await listPostings(h.db, ws.id, c, { limit: 1 })).postings[0]!;
    expect(last).toMatchObject({ kind: 'reverse', points: -10, details: { due: 50, shortfall: 40 } });
    expect((await getAccount(h.db, ws, c)).balance).toBe(0);
    expect(await checkLedger(h.db, ws.id)).toEqual([]);
  });

  it('takes back all of a cancelled order’s points', async () => {
    const ws = await setup({});
    const o = order('K', 'k@example.com', '2025-06-01T02:00:00Z', [['S', 'x', 4_200]]);
    await recordOrders(h.db, ws, [o]);
    await earn(ws, ['K']);
    await recordOrders(h.db, ws, [{ ...o, status: 'cancelled' }]);
    await earn(ws, ['K']);
    const c = await customerOf(ws, 'k@example.com');
    expect((await getAccount(h.db, ws, c)).balance).toBe(0);
    expect((await listPostings(h.db, ws.id, c, { limit: 5 })).postings.map((p) => [p.kind, p.points])).toEqual([
      ['reverse', -42],
      ['earn', 42],
    ]);
  });
});
