import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCustomer360 } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { recordOrders, recordRefunds, upsertProducts, type OrderInput } from './index.ts';

const order = (n: string, email: string | null, at: string, lines: [string, number, number][], extra: Partial<OrderInput> = {}): OrderInput => ({
  externalId: n,
  ...(email ? { customer: { identities: [{ type: 'email', value: email }] } } : {}),
  currency: 'CNY',
  orderedAt: new Date(at),
  items: lines.map(([sku, quantity, unitPriceMinor]) => ({ sku, quantity, unitPriceMinor })),
  ...extra,
});

describe.each(testStores())('orders on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('records orders with lines, keeps customer_stats current and re-writing changes nothing', async () => {
    const ws = await testWorkspace(h.db);
    const batch = [
      order('A1', 'li@example.com', '2025-03-01T02:00:00Z', [['SKU1', 2, 1990], ['SKU2', 1, 500]], { channel: 'tmall' }),
      order('A2', 'li@example.com', '2025-03-01T10:00:00Z', [['SKU1', 1, 1990]], { channel: 'store' }),
      order('A3', 'LI@example.com', '2025-04-02T03:00:00Z', [['SKU3', 1, 10000]], { channel: 'jd' }),
      order('G1', null, '2025-04-02T03:00:00Z', [['SKU3', 1, 10000]]),
    ];
    const first = await recordOrders(h.db, ws, batch);
    expect(first).toMatchObject({ inserted: 4, updated: 0, unchanged: 0 });
    const [cid] = first.customerIds;
    expect(first.customerIds).toEqual([cid, cid, cid, null]);
    const stats = await h.db.selectFrom('customer_stats').selectAll().where('workspace_id', '=', ws.id).where('customer_id', '=', cid!).executeTakeFirstOrThrow();
    expect(stats).toMatchObject({ order_count: 3, order_days: 2, total_minor: 4480 + 1990 + 10000, first_day_minor: 4480 + 1990, item_count: 5, last_order_channel: 'jd' });

    expect(await recordOrders(h.db, ws, batch)).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
    const changed = await recordOrders(h.db, ws, [order('A3', 'li@example.com', '2025-04-02T03:00:00Z', [['SKU3', 2, 10000]], { channel: 'jd' })]);
    expect(changed).toMatchObject({ inserted: 0, updated: 1 });
    const items = await h.db.selectFrom('order_items').innerJoin('orders', 'orders.id', 'order_items.order_id').select(['order_items.quantity', 'order_items.amount_minor']).where('orders.external_id', '=', 'A3').where('orders.workspace_id', '=', ws.id).execute();
    expect(items).toEqual([{ quantity: 2, amount_minor: 20000 }]);
  });

  it('rejects a bad batch whole, naming the order and field', async () => {
    const ws = await testWorkspace(h.db);
    await expect(recordOrders(h.db, ws, [order('B1', 'a@example.com', '2025-01-01', [['X', 1, 100]]), order('B2', 'not-an-email', '2025-01-01', [['X', 1, 100]])])).rejects.toThrow(
      /order 2: "not-an-email" is not an email address/,
    );
    await expect(recordOrders(h.db, ws, [order('B3', 'a@example.com', '2025-01-01', [['X', 0, 100]])])).rejects.toThrow(/order 1: items.0.quantity: quantity must be above 0/);
    const count = await h.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('applies refunds once, partially or fully, by order or by customer and SKU', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, [
      order('R1', 'r@example.com', '2025-05-01T00:00:00Z', [['TEA', 2, 5000]]),
      order('R2', 'r@example.com', '2025-05-10T00:00:00Z', [['CUP', 1, 3000]]),
    ]);
    expect(await recordRefunds(h.db, ws, [{ externalId: 'C1', orderExternalId: 'R1', amountMinor: 5000, refundedAt: new Date('2025-05-03') }])).toEqual({ applied: 1, duplicates: 0 });
    expect(await recordRefunds(h.db, ws, [{ externalId: 'C1', orderExternalId: 'R1', amountMinor: 5000, refundedAt: new Date('2025-05-03') }])).toEqual({ applied: 0, duplicates: 1 });
    await expect(recordRefunds(h.db, ws, [{ externalId: 'C2', orderExternalId: 'R1', amountMinor: 6000, refundedAt: new Date('2025-05-04') }])).rejects.toThrow(
      /refund 1 \(C2\): refunds 6000 but only 5000 of order R1 is left/,
    );
    // By customer and SKU: the TEA order is chosen although CUP is more recent.
    await recordRefunds(h.db, ws, [{ externalId: 'C3', customer: { identities: [{ type: 'email', value: 'r@example.com' }] }, sku: 'TEA', amountMinor: 5000, refundedAt: new Date('2025-05-20') }]);
    const orders = await h.db.selectFrom('orders').select(['external_id', 'status', 'refunded_minor']).where('workspace_id', '=', ws.id).orderBy('external_id').execute();
    expect(orders).toEqual([
      { external_id: 'R1', status: 'refunded', refunded_minor: 10000 },
      { external_id: 'R2', status: 'completed', refunded_minor: 0 },
    ]);
    const view = await getCustomer360(h.db, ws, (await h.db.selectFrom('orders').select('customer_id').where('external_id', '=', 'R2').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).customer_id!);
    expect(view.orderSummary).toMatchObject({ orderCount: 1, totalMinor: 3000, refundedMinor: 10000 });
  });

  it('applies a batch of refunds by order number in order: several per order, repeats within the batch, the first failure named', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, [order('B1', 'b@example.com', '2025-05-01T00:00:00Z', [['TEA', 3, 1000]]), order('B2', null, '2025-05-02T00:00:00Z', [['CUP', 1, 800]])]);
    const refund = (externalId: string, orderExternalId: string, amountMinor: number) => ({ externalId, orderExternalId, amountMinor, refundedAt: new Date('2025-05-05') });
    await expect(recordRefunds(h.db, ws, [refund('X1', 'B1', 1000), refund('X2', 'B1', 1500), refund('X3', 'B1', 1000), refund('X4', 'NOPE', 1)])).rejects.toThrow(
      /refund 3 \(X3\): refunds 1000 but only 500 of order B1 is left/,
    );
    await expect(recordRefunds(h.db, ws, [refund('X1', 'B1', 1000), refund('X4', 'NOPE', 1)])).rejects.toThrow(/refund 2 \(X4\): order NOPE does not exist/);
    expect(await recordRefunds(h.db, ws, [refund('X1', 'B1', 1000), refund('X2', 'B1', 1500), refund('X1', 'B1', 1000), refund('G1', 'B2', 800)])).toEqual({ applied: 3, duplicates: 1 });
    expect(await recordRefunds(h.db, ws, [refund('X2', 'B1', 1500), refund('X5', 'B1', 500)])).toEqual({ applied: 1, duplicates: 1 });
    const orders = await h.db.selectFrom('orders').select(['external_id', 'status', 'refunded_minor']).where('workspace_id', '=', ws.id).orderBy('external_id').execute();
    expect(orders).toEqual([
      { external_id: 'B1', status: 'refunded', refunded_minor: 3000 },
      { external_id: 'B2', status: 'refunded', refunded_minor: 800 },
    ]);
    const stats = await h.db.selectFrom('customer_stats').select(['order_count', 'refunded_minor']).where('workspace_id', '=', ws.id).execute();
    expect(stats).toEqual([{ order_count: 0, refunded_minor: 3000 }]);
  });

  it('moves orders with their customer on merge and keeps stats of the survivor', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, [order('M1', 'm1@example.com', '2025-01-01T00:00:00Z', [['X', 1, 100]])]);
    await recordOrders(h.db, ws, [
      { ...order('M2', null, '2025-02-01T00:00:00Z', [['X', 1, 200]]), customer: { identities: [{ type: 'phone', value: '13500000000' }] } },
    ]);
    const linked = await recordOrders(h.db, ws, [
      { ...order('M3', null, '2025-03-01T00:00:00Z', [['X', 1, 300]]), customer: { identities: [{ type: 'email', value: 'm1@example.com' }, { type: 'phone', value: '13500000000' }] } },
    ]);
    const view = await getCustomer360(h.db, ws, linked.customerIds[0]!);
    expect(view.orderSummary).toMatchObject({ orderCount: 3, totalMinor: 600, orderDays: 3 });
    expect(view.recentOrders.map((o) => o.externalId)).toEqual(['M3', 'M2', 'M1']);
  });

  it('upserts products by SKU', async () => {
    const ws = await testWorkspace(h.db);
    expect(await upsertProducts(h.db, ws, [{ sku: 'P1', name: '龙井茶', category: '茶叶', priceMinor: 12800, currency: 'CNY' }])).toEqual({ written: 1 });
    expect(await upsertProducts(h.db, ws, [{ sku: 'P1', name: '龙井茶', category: '茶叶', priceMinor: 12800, currency: 'CNY' }])).toEqual({ written: 0 });
    expect(await upsertProducts(h.db, ws, [{ sku: 'P1', name: '龙井茶 250g', category: '茶叶', priceMinor: 12800, currency: 'CNY' }])).toEqual({ written: 1 });
  });
});
