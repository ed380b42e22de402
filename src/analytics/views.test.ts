import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { recordOrders, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import {
  cohortRetention,
  compareKpis,
  getCustomerScores,
  lifecycleCounts,
  lifecycleFlows,
  listChurnWarnings,
  revenueConcentration,
  rfmGrid,
  runScoring,
  saveAnalyticsSettings,
  segmentCounts,
  streamCustomerScores,
} from './index.ts';

let n = 0;
const order = (who: string, day: string, totalMinor: number, extra: Partial<OrderInput> = {}): OrderInput => ({
  externalId: `v${++n}`,
  customer: { identities: [{ type: 'external_id', value: who }] },
  currency: 'CNY',
  orderedAt: new Date(`${day}T04:00:00Z`),
  totalMinor,
  ...extra,
});

// P, Q joined in January 2025, R in February, S in March 2024; T only has a cancelled order.
const shop = [
  order('P', '2025-01-05', 1000),
  order('P', '2025-01-20', 500),
  order('P', '2025-03-10', 2000),
  order('Q', '2025-01-15', 3000),
  order('R', '2025-02-01', 400),
  order('R', '2025-02-01', 600),
  order('R', '2025-03-02', 1000),
  order('S', '2024-03-05', 700),
  order('S', '2025-03-20', 300),
  order('T', '2025-03-05', 900, { status: 'cancelled' }),
];

describe.each(testStores())('business views on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('computes cohort retention by hand', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, shop);
    const cohorts = await cohortRetention(h.db, ws, { from: '2025-01', to: '2025-03', asOf: '2025-03-31' });
    expect(cohorts).toEqual([
      {
        cohort: '2025-01',
        customers: 2,
        months: [
          { offset: 0, activeCustomers: 2, activeShare: 1, revenuePerCustomerMinor: 2250, cumulativeLtvMinor: 2250 },
          { offset: 1, activeCustomers: 0, activeShare: 0, revenuePerCustomerMinor: 0, cumulativeLtvMinor: 2250 },
          { offset: 2, activeCustomers: 1, activeShare: 0.5, revenuePerCustomerMinor: 1000, cumulativeLtvMinor: 3250 },
        ],
      },
      {
        cohort: '2025-02',
        customers: 1,
        months: [
          { offset: 0, activeCustomers: 1, activeShare: 1, revenuePerCustomerMinor: 1000, cumulativeLtvMinor: 1000 },
          { offset: 1, activeCustomers: 1, activeShare: 1, revenuePerCustomerMinor: 1000, cumulativeLtvMinor: 2000 },
        ],
      },
    ]);
    await expect(cohortRetention(h.db, ws, { from: '2025-13', to: '2025-03', asOf: '2025-03-31' })).rejects.toThrow(/YYYY-MM/);
  });

  it('computes KPIs with the previous period and the same period last year', async () => {
    const ws = await testWorkspace(h.db);
    await recordOrders(h.db, ws, shop);
    const k = await compareKpis(h.db, ws, '2025-03-01', '2025-03-31');
    expect(k.current).toEqual({
      from: '2025-03-01',
      to: '2025-03-31',
      customers: 4,
      active: 3,
      new: 0,
      returning: 3,
      repurchaseRate: 0,
      orders: 3,
      revenueMinor: 3300,
      aovMinor: 1100,
      purchaseFrequency: 1,
      churnRate: 0,
      averageLtvMinor: 2375,
      acquisition: [],
      nps: expect.objectContaining({ score: null, responses: 0 }),
      csat: expect.objectContaining({ score: null, responses: 0 }),
    });
    expect(k.previous).toEqual({
      from: '2025-01-29',
      to: '2025-02-28',
      customers: 4,
      active: 1,
      new: 1,
      returning: 0,
      repurchaseRate: 0,
      orders: 2,
      revenueMinor: 1000,
      aovMinor: 500,
      purchaseFrequency: 2,
      churnRate: 1,
      averageLtvMinor: 1550,
      acquisition: [{ channel: null, spendMinor: 0, newCustomers: 1, cacMinor: null }],
      nps: expect.objectContaining({ score: null, responses: 0 }),
      csat: expect.objectContaining({ score: null, responses: 0 }),
    });
    expect(k.lastYear).toMatchObject({ from: '2024-03-01', to: '2024-03-31', customers: 1, active: 1, new: 1, revenueMinor: 700, churnRate: null, averageLtvMinor: 700 });
    expect(k.changeVsPrevious.revenueMinor).toBeCloseTo(2.3);
    expect(k.changeVsPrevious.new).toBe(-1);
    expect(k.changeVsLastYear.churnRate).toBeNull();
    await expect(compareKpis(h.db, ws, '2025-03-31', '2025-03-01')).rejects.toThrow(/from ≤ to/);
  });

  it('computes the Pareto curve and Gini of revenue', async () => {
    const ws = await testWorkspace(h.db);
    expect((await revenueConcentration(h.db, ws)).gini).toBeNull();
    await recordOrders(h.db, ws, shop);
    const c = await revenueConcentration(h.db, ws);
    expect(c).toMatchObject({ customers: 4, revenueMinor: 9500 });
    const at = (share: number) => c.curve.find((p) => p.customerShare === share)!;
    expect(at(0.2)).toEqual({ customerShare: 0.2, customers: 1, revenueShare: 3500 / 9500 });
    expect(at(0.5)).toEqual({ customerShare: 0.5, customers: 2, revenueShare: 6500 / 9500 });
    expect(at(1).revenueShare).toBe(1);
    expect(c.gini).toBeCloseTo((2 * 28000) / (4 * 9500) - 5 / 4, 10);
  });

  it('shows the grid, counts, explanations, churn warnings with reasons, flows and the export', async () => {
    const ws = await testWorkspace(h.db);
    await saveAnalyticsSettings(h.db, ws.id, { clv: { enabled: false }, lifecycle: { dormantAfterDays: 30, churnedAfterDays: 60 } });
    // U buys every 10 days; V once.
    const { customerIds } = await recordOrders(h.db, ws, [order('U', '2025-01-01', 1000), order('U', '2025-01-11', 1000), order('U', '2025-01-21', 1000), order('V', '2025-01-25', 5000)]);
    const [u] = customerIds;
    const v = customerIds[3]!;
    await runScoring(h.db, ws, { asOf: '2025-01-31' });
    expect((await listChurnWarnings(h.db, ws.id, { limit: 10 })).warnings).toEqual([]);
    // Two weeks later U's gap (25 days) passes 2 × 10 days.
    await runScoring(h.db, ws, { asOf: '2025-02-15' });
    const warnings = await listChurnWarnings(h.db, ws.id, { limit: 10 });
    expect(warnings.warnings).toHaveLength(1);
    expect(warnings.warnings[0]).toMatchObject({ customerId: u, externalId: 'U', reasons: ['overdue'], gapDays: 25, expectedGapDays: 10 });
    expect(warnings.warnings[0]!.explanation).toEqual({
      en: 'No order for 25 days, more than 2 × the 10 days this customer usually takes between purchases.',
      zh: '已 25 天未下单，超过其通常购买间隔 10 天的 2 倍。',
    });

    const { cells: grid } = await rfmGrid(h.db, ws.id);
    expect(grid).toHaveLength(25);
    expect(grid.reduce((s, c) => s + c.customers, 0)).toBe(2);
    expect(grid.reduce((s, c) => s + c.revenueMinor, 0)).toBe(8000);
    const segments = await segmentCounts(h.db, ws.id);
    expect(segments).toHaveLength(11);
    expect(segments.find((s) => s.key === 'at_risk')).toMatchObject({ zh: '有流失风险' });
    expect((await lifecycleCounts(h.db, ws.id)).filter((c) => c.customers > 0).map((c) => c.key)).toEqual(['new', 'active']);

    const scores = await getCustomerScores(h.db, ws, v);
    expect(scores).toMatchObject({ lifecycleStage: 'new', stageSince: '2025-01-25', valueTier: 'high', pAlive: null });
    expect(scores.explanations.lifecycle.en).toBe('New since 2025-01-25: one order day so far, 21 days ago.');
    expect(scores.explanations.rfm.en).toMatch(/^.+ \(R\d F\d M\d\): .+ — last order 21 days ago, frequency 1, monetary 50\.00 CNY\.$/);
    expect(scores.explanations.valueTier.zh).toBe('高价值：属于贡献前 50% 收入的客户（50.00 CNY）。');
    expect(scores.explanations.clv.en).toMatch(/No purchase model/);
    await expect(getCustomerScores(h.db, ws, 999_999)).rejects.toThrow(/has no scores/);

    // U went active (01-11) … dormant only after 30 days, so the flows so far are first stages.
    expect(await lifecycleFlows(h.db, ws.id, '2025-01-01', '2025-02-28')).toEqual([
      { from: null, to: 'active', customers: 1 },
      { from: null, to: 'new', customers: 1 },
    ]);

    const batches: number[] = [];
    for await (const batch of streamCustomerScores(h.db, ws.id, 1)) batches.push(...batch.map((r) => r.customer_id));
    expect(batches).toEqual([u, v]);
  });
});
