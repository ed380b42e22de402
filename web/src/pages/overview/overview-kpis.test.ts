import { describe, expect, it } from 'vitest';
import type { KpiReport } from './overview-api.ts';
import { kpiCards } from './overview-kpis.ts';

const period = (over: Partial<KpiReport['current']>): KpiReport['current'] => ({
  from: '2026-03-01',
  to: '2026-03-31',
  customers: 100,
  active: 40,
  new: 10,
  returning: 30,
  repurchaseRate: 0.25,
  orders: 60,
  revenueMinor: 600_000,
  aovMinor: 10_000,
  purchaseFrequency: 1.5,
  churnRate: 0.3,
  averageLtvMinor: 50_000,
  acquisition: [],
  nps: { score: null, responses: 0, positive: 0, negative: 0, note: 'none' },
  csat: { score: null, responses: 0, positive: 0, negative: 0, note: 'none' },
  ...over,
});

describe('kpiCards', () => {
  const current = period({});
  const previous = period({ revenueMinor: 500_000, active: 40, repurchaseRate: 0.2, churnRate: 0.25, new: 0 });
  const lastYear = period({ revenueMinor: 0, repurchaseRate: null });
  const report: KpiReport = {
    current,
    previous,
    lastYear,
    changeVsPrevious: { revenueMinor: 0.2, active: 0, new: null, orders: 0, aovMinor: 0, repurchaseRate: 0.25, churnRate: 0.2, averageLtvMinor: 0 },
    changeVsLastYear: { revenueMinor: null, active: 0, new: 0, orders: 0, aovMinor: 0, repurchaseRate: null, churnRate: 0, averageLtvMinor: 0 },
  };
  const cards = kpiCards(report);
  const card = (key: string) => cards.find((c) => c.key === key)!;

  it('lists the eight cards in reading order with their units', () => {
    expect(cards.map((c) => c.key)).toEqual(['revenueMinor', 'orders', 'active', 'new', 'aovMinor', 'repurchaseRate', 'churnRate', 'averageLtvMinor']);
    expect(card('revenueMinor')).toMatchObject({ unit: 'money', value: 600_000 });
    expect(card('repurchaseRate').unit).toBe('percent');
  });

  it("takes relative changes from the API and marks growth as good news", () => {
    expect(card('revenueMinor').vsPrevious).toEqual({ kind: 'relative', value: 0.2, direction: 'up', good: true, before: 500_000 });
    expect(card('active').vsPrevious).toMatchObject({ direction: 'flat', good: null });
  });

  it('compares rates in percentage points, and a rising churn rate is bad news', () => {
    expect(card('repurchaseRate').vsPrevious).toMatchObject({ kind: 'points', direction: 'up', good: true, before: 0.2 });
    expect(card('repurchaseRate').vsPrevious?.value).toBeCloseTo(0.05);
    expect(card('churnRate').vsPrevious).toMatchObject({ kind: 'points', direction: 'up', good: false });
    expect(card('churnRate').vsPrevious?.value).toBeCloseTo(0.05);
  });

  it('has no change where the comparison is undefined (zero before, or no rate)', () => {
    expect(card('new').vsPrevious).toBeNull();
    expect(card('revenueMinor').vsLastYear).toBeNull();
    expect(card('repurchaseRate').vsLastYear).toBeNull();
  });
});
