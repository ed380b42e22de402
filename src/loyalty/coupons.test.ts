import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { couponReport, createCouponTemplate, getAccount, issueCoupons, listCustomerCoupons, postPoints, postPointsForActivity, redeemCoupon, redeemPointsForCoupon, saveProgram } from './index.ts';

// A seeded generator (mulberry32), so the codes of a run are reproducible.
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(testStores())('coupons on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('issues unique codes within the per-customer limit and redeems them on orders that meet scope and minimum spend', async () => {
    const clock = manualClock(new Date('2025-05-01T00:00:00Z'));
    const random = seededRandom(7);
    const ws: Workspace = await testWorkspace(h.db);
    const customer = async () => (await h.db.insertInto('customers').values({ workspace_id: ws.id, name: 'c' }).returning('id').executeTakeFirstOrThrow()).id;
    const [a, b] = [await customer(), await customer()];
    const tea = await createCouponTemplate(h.db, ws.id, { name: '¥10 off ¥50 of tea', discountKind: 'amount_off', amountOffMinor: 1000, minSpendMinor: 5000, categories: ['tea'], validDays: 30, perCustomerLimit: 1 });
    const first = await issueCoupons(h.db, ws.id, tea.id, [a, b, 999_999], { source: 'api', clock, random });
    expect(first.issued.map((i) => i.customerId)).toEqual([a, b]);
    expect(first.issued[0]!.code).toMatch(/^[A-HJ-NP-Z2-9]{10}$/);
    expect(first.issued[0]!.code).not.toBe(first.issued[1]!.code);
    expect(first.issued[0]!.expiresAt).toEqual(new Date('2025-05-31T00:00:00Z'));
    expect(first.skipped).toEqual([{ customerId: 999_999, reason: 'unknown_customer' }]);
    expect((await issueCoupons(h.db, ws.id, tea.id, [a], { source: 'api', clock, random })).skipped).toEqual([{ customerId: a, reason: 'limit_reached' }]);

    const code = first.issued[0]!.code;
    const on = (externalId: string, lines: { category?: string; amountMinor: number }[]) => ({ code, customerId: a, order: { externalId, lines } });
    await expect(redeemCoupon(h.db, ws, on('O1', [{ category: 'cup', amountMinor: 9000 }]), clock)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('applies only to tea') });
    await expect(redeemCoupon(h.db, ws, on('O1', [{ category: 'tea', amountMinor: 4000 }, { category: 'cup', amountMinor: 9000 }]), clock)).rejects.toMatchObject({ message: expect.stringContaining('needs a spend of 5000') });
    await expect(redeemCoupon(h.db, ws, { ...on('O1', []), customerId: b }, clock)).rejects.toMatchObject({ code: 'not_found' });
    const used = await redeemCoupon(h.db, ws, on('O2', [{ category: 'tea', amountMinor: 6000 }, { category: 'cup', amountMinor: 1000 }]), clock);
    expect(used).toMatchObject({ discountMinor: 1000, orderTotalMinor: 7000 });
    expect(await redeemCoupon(h.db, ws, on('O2', []), clock)).toEqual(used);
    await expect(redeemCoupon(h.db, ws, on('O3', [{ category: 'tea', amountMinor: 6000 }]), clock)).rejects.toMatchObject({ message: expect.stringContaining('already used on order O2') });

    clock.set(new Date('2025-06-01T00:00:00Z'));
    await expect(redeemCoupon(h.db, ws, { code: first.issued[1]!.code, customerId: b, order: { externalId: 'O4', totalMinor: 10_000 } }, clock)).rejects.toMatchObject({ message: expect.stringContaining('expired') });
    expect(await couponReport(h.db, ws.id, clock)).toEqual([{ templateId: tea.id, name: tea.name, issued: 2, redeemed: 1, expired: 1, revenueMinor: 7000, discountMinor: 1000 }]);
    expect((await listCustomerCoupons(h.db, ws.id, b, clock)).map((c) => c.state)).toEqual(['expired']);
  });

  it('issues once per issue key (journeys), reads the order Patron recorded, and sells coupons for points', async () => {
    const clock = manualClock(new Date('2025-05-01T00:00:00Z'));
    const random = seededRandom(8);
    const ws: Workspace = await testWorkspace(h.db);
    await saveProgram(h.db, ws.id, { name: 'Members', rules: {} }, clock);
    await recordOrders(h.db, ws, [{ externalId: 'P1', customer: { identities: [{ type: 'email', value: 'p@example.com' }] }, currency: 'CNY', orderedAt: clock.now(), items: [{ category: 'tea', quantity: 2, unitPriceMinor: 4000 }] }]);
    const c = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).customer_id;
    const pct = await createCouponTemplate(h.db, ws.id, { name: '15% off', discountKind: 'percent_off', percentOff: 15, maxDiscountMinor: 1000, pointsCost: 300 });
    expect((await issueCoupons(h.db, ws.id, pct.id, [c], { source: 'journey:1', issueKey: 'journey:1:step:2', clock, random })).issued).toHaveLength(1);
    expect((await issueCoupons(h.db, ws.id, pct.id, [c], { source: 'journey:1', issueKey: 'journey:1:step:2', clock, random })).skipped).toEqual([{ customerId: c, reason: 'already_issued' }]);
    const [coupon] = await listCustomerCoupons(h.db, ws.id, c, clock);
    // 15% of 8,000 is 1,200, capped at 1,000.
    expect(await redeemCoupon(h.db, ws, { code: coupon!.code.toLowerCase(), customerId: c, order: { externalId: 'P1' } }, clock)).toMatchObject({ discountMinor: 1000, orderTotalMinor: 8000 });

    await expect(redeemPointsForCoupon(h.db, ws, { customerId: c, templateId: pct.id, idempotencyKey: 'buy-1' }, clock, random)).rejects.toMatchObject({ code: 'limit_reached' });
    await postPoints(h.db, ws, c, { type: 'adjust', idempotencyKey: 'gift', points: 500, reason: 'gift', actor: 'ops' }, clock);
    const bought = await redeemPointsForCoupon(h.db, ws, { customerId: c, templateId: pct.id, idempotencyKey: 'buy-1' }, clock, random);
    expect(bought).toMatchObject({ points: 300, balance: 200 });
    expect(await redeemPointsForCoupon(h.db, ws, { customerId: c, templateId: pct.id, idempotencyKey: 'buy-1' }, clock, random)).toEqual(bought);
    expect((await getAccount(h.db, ws, c)).balance).toBe(200);
  });

  it('releases a coupon whose order is refunded in full or cancelled, once, and not for a partial refund', async () => {
    const clock = manualClock(new Date('2025-05-01T00:00:00Z'));
    const random = seededRandom(9);
    // No loyalty program: coupons are released all the same.
    const ws: Workspace = await testWorkspace(h.db);
    const buyer = { identities: [{ type: 'email' as const, value: 'r@example.com' }] };
    const order = (externalId: string, status: 'completed' | 'cancelled' = 'completed') => ({ externalId, customer: buyer, currency: 'CNY', status, orderedAt: clock.now(), items: [{ category: 'tea', quantity: 1, unitPriceMinor: 10_000 }] });
    await recordOrders(h.db, ws, [order('R1'), order('R2')]);
    const c = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).customer_id;
    const template = await createCouponTemplate(h.db, ws.id, { name: '¥5 off', discountKind: 'amount_off', amountOffMinor: 500, validDays: 10 });
    const first = (await issueCoupons(h.db, ws.id, template.id, [c], { source: 'api', clock, random })).issued[0];
    const other = (await issueCoupons(h.db, ws.id, template.id, [c], { source: 'api', clock, random })).issued[0]!;
    await redeemCoupon(h.db, ws, { code: first!.code, customerId: c, order: { externalId: 'R1' } }, clock);
    await redeemCoupon(h.db, ws, { code: other.code, customerId: c, order: { externalId: 'R2' } }, clock);
    const activity = (refundIds: string[], orderNumbers: string[] = []) => h.db.transaction().execute((trx) => postPointsForActivity(trx, ws, { refundIds, orderNumbers }, clock.now()));
    const states = async () => Object.fromEntries((await listCustomerCoupons(h.db, ws.id, c, clock)).map((k) => [k.code, [k.state, k.orderExternalId, k.releasedFromOrder]]));

    await recordRefunds(h.db, ws, [{ externalId: 'F1', orderExternalId: 'R1', amountMinor: 4000, refundedAt: clock.now() }]);
    await activity(['F1']);
    expect((await states())[first!.code]).toEqual(['redeemed', 'R1', null]);
    await recordRefunds(h.db, ws, [{ externalId: 'F2', orderExternalId: 'R1', amountMinor: 6000, refundedAt: clock.now() }]);
    await activity(['F2']);
    expect((await states())[first!.code]).toEqual(['active', null, 'R1']);
    // Released, the coupon can be used again; replaying the refund does not release it from the new order.
    await redeemCoupon(h.db, ws, { code: first!.code, customerId: c, order: { externalId: 'R3', totalMinor: 9000 } }, clock);
    await activity(['F1', 'F2']);
    expect((await states())[first!.code]).toEqual(['redeemed', 'R3', 'R1']);

    // R2 is cancelled after its coupon expired: released from the order, it reads as expired.
    clock.set(new Date('2025-05-20T00:00:00Z'));
    await recordOrders(h.db, ws, [order('R2', 'cancelled')]);
    await activity([], ['R2']);
    expect((await states())[other.code]).toEqual(['expired', null, 'R2']);
    expect(await couponReport(h.db, ws.id, clock)).toEqual([{ templateId: template.id, name: template.name, issued: 2, redeemed: 1, expired: 1, revenueMinor: 9000, discountMinor: 500 }]);
  });
});
