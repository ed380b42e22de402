import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateDemo, type DemoDataSet } from './index.ts';

const asOf = new Date('2026-06-30T16:00:00Z');
const day = 86_400_000;
const fingerprint = (d: DemoDataSet) => createHash('sha256').update(JSON.stringify(d)).digest('hex');

describe('generateDemo', () => {
  const data = generateDemo({ seed: 7, customers: 1000, asOf });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(fingerprint(generateDemo({ seed: 7, customers: 1000, asOf }))).toBe(fingerprint(data));
    const other = generateDemo({ seed: 8, customers: 1000, asOf });
    expect(fingerprint(other)).not.toBe(fingerprint(data));
    expect(other.customers.map((c) => c.profile.name)).not.toEqual(data.customers.map((c) => c.profile.name));
    // Member numbers are given in sign-up order, as a shop does.
    const signups = data.customers.map((c) => (c.profile.signedUpAt as Date).getTime());
    expect(signups).toEqual([...signups].sort((a, b) => a - b));
    expect(data.customers.map((c) => c.externalId).slice(0, 2)).toEqual(['M00000001', 'M00000002']);
  });

  it('dates everything relative to asOf: two years of history, nothing later', () => {
    const later = generateDemo({ seed: 7, customers: 50, asOf: new Date(asOf.getTime() + 365 * day) });
    expect(later.orders[0]!.orderedAt).not.toEqual(generateDemo({ seed: 7, customers: 50, asOf }).orders[0]!.orderedAt);
    const times = [...data.orders.map((o) => o.orderedAt as Date), ...data.events.map((e) => e.occurredAt), ...data.refunds.map((r) => r.refundedAt as Date)].map((d) => d.getTime());
    expect(Math.max(...times)).toBeLessThan(asOf.getTime());
    expect(Math.min(...data.orders.map((o) => (o.orderedAt as Date).getTime()))).toBeGreaterThanOrEqual(asOf.getTime() - 731 * day);
  });

  it('has a realistic mix of customers', () => {
    const n = data.customers.length;
    const share = (pred: (c: DemoDataSet['customers'][number]) => boolean) => data.customers.filter(pred).length / n;
    expect(share((c) => /^[\u4e00-\u9fff]{2,4}$/.test(c.profile.name!))).toBeGreaterThan(0.75);
    expect(share((c) => /^[A-Z][a-z]+ [A-Z][a-z]+$/.test(c.profile.name!))).toBeGreaterThan(0.08);
    expect(share((c) => c.identities.some((i) => i.type === 'wechat_unionid'))).toBeGreaterThan(0.3);
    expect(share((c) => c.identities.some((i) => i.type === 'wechat_unionid'))).toBeLessThan(0.55);
    expect(share((c) => c.identities.some((i) => i.type === 'phone'))).toBeGreaterThan(0.75);
    expect(share((c) => c.identities.some((i) => i.type === 'email'))).toBeGreaterThan(0.25);
    expect(share((c) => c.profile.gender === 'female')).toBeGreaterThan(0.5);
    expect(share((c) => c.profile.country !== 'CN')).toBeGreaterThan(0.01);
    expect(data.customers.every((c) => c.identities[0]!.type === 'external_id' && c.identities[0]!.value === c.externalId)).toBe(true);
    expect(data.customers.every((c) => c.identities.length >= 2)).toBe(true);
    const mainland = data.customers.flatMap((c) => c.identities.filter((i) => i.type === 'phone' && !i.value.startsWith('+')).map((i) => i.value));
    expect(mainland.every((p) => /^1[3-9]\d{9}$/.test(p))).toBe(true);
    const ages = data.customers.filter((c) => c.profile.birthday).map((c) => 2026 - Number(c.profile.birthday!.slice(0, 4)));
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(18);
    expect(Math.max(...ages)).toBeLessThanOrEqual(67);
    expect(new Set(data.customers.map((c) => c.profile.city)).size).toBeGreaterThanOrEqual(12);
    expect(new Set(data.customers.map((c) => c.profile.acquisitionChannel))).toEqual(new Set(['tmall', 'jd', 'miniprogram', 'app', 'store']));
    const tags = new Set(data.customers.flatMap((c) => c.tags));
    for (const tag of ['会员', 'VIP', '新客', '企业客户']) expect(tags).toContain(tag);
    const identityKeys = data.customers.flatMap((c) => c.identities.map((i) => `${i.type}:${i.value.replace(/\s/g, '')}`));
    expect(new Set(identityKeys).size).toBe(identityKeys.length);
  });

  it('has repeat buyers, one-off buyers, churned and recent customers, refunds and guest orders', () => {
    const lastOrder = new Map<string, number>();
    const orderCount = new Map<string, number>();
    for (const o of data.orders) {
      if (!o.customer || o.status === 'cancelled') continue;
      const id = o.customer.identities[0]!.value;
      orderCount.set(id, (orderCount.get(id) ?? 0) + 1);
      lastOrder.set(id, Math.max(lastOrder.get(id) ?? 0, (o.orderedAt as Date).getTime()));
    }
    const buyers = orderCount.size;
    expect(buyers / data.customers.length).toBeGreaterThan(0.75);
    const repeat = [...orderCount.values()].filter((n) => n >= 2).length / buyers;
    expect(repeat).toBeGreaterThan(0.3);
    expect(repeat).toBeLessThan(0.65);
    expect([...orderCount.values()].some((n) => n >= 10)).toBe(true);
    const churned = [...lastOrder.values()].filter((t) => asOf.getTime() - t > 365 * day).length / buyers;
    expect(churned).toBeGreaterThan(0.1);
    const recent = [...lastOrder.values()].filter((t) => asOf.getTime() - t < 60 * day).length / buyers;
    expect(recent).toBeGreaterThan(0.1);

    expect(data.orders.filter((o) => !o.customer).length).toBeGreaterThan(20);
    expect(data.orders.some((o) => o.status === 'cancelled')).toBe(true);
    expect(data.refunds.length / data.orders.length).toBeGreaterThan(0.02);
    const fullRefunds = data.refunds.filter((r) => data.orders.find((o) => o.externalId === r.orderExternalId)!.totalMinor === r.amountMinor);
    expect(fullRefunds.length).toBeGreaterThan(0);
    expect(fullRefunds.length).toBeLessThan(data.refunds.length);

    const lines = data.orders.map((o) => o.items!.length);
    expect(Math.min(...lines)).toBe(1);
    expect(Math.max(...lines)).toBe(4);
    expect(new Set(data.orders.flatMap((o) => o.items!.map((i) => i.category))).size).toBeGreaterThanOrEqual(8);
    expect(new Set(data.products.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(data.orders.map((o) => o.store)).size).toBeGreaterThan(10);
    expect(data.orders.every((o) => o.totalMinor === o.items!.reduce((a, i) => a + i.amountMinor!, 0))).toBe(true);
  });

  it('follows the shopping calendar: Double Eleven outsells an ordinary November day', () => {
    const big = generateDemo({ seed: 7, customers: 3000, asOf });
    const onDay = (m: number, d: number) => big.orders.filter((o) => {
      const local = new Date((o.orderedAt as Date).getTime() + 8 * 3_600_000);
      return local.getUTCMonth() + 1 === m && local.getUTCDate() === d;
    }).length;
    expect(onDay(11, 11)).toBeGreaterThan(3 * onDay(11, 20));
  });

  it('has a moderate number of tracking events, including the funnel, surveys and anonymous visitors', () => {
    const names = new Map<string, number>();
    for (const e of data.events) names.set(e.name, (names.get(e.name) ?? 0) + 1);
    expect(data.events.length / data.customers.length).toBeGreaterThan(4);
    expect(data.events.length / data.customers.length).toBeLessThan(15);
    for (const name of ['Signed Up', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Survey Answered']) expect(names.get(name)).toBeGreaterThan(0);
    const surveys = data.events.filter((e) => e.name === 'Survey Answered');
    expect(new Set(surveys.map((e) => e.properties.survey))).toEqual(new Set(['NPS', 'CSAT']));
    expect(surveys.every((e) => typeof e.properties.score === 'number')).toBe(true);
    expect(data.events.some((e) => e.customerExternalId === null && e.anonymousId !== null)).toBe(true);
    expect(new Set(data.events.map((e) => e.messageId)).size).toBe(data.events.length);
  });
});
