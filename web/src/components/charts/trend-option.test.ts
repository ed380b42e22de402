import { describe, expect, it } from 'vitest';
import { chartFormat } from './chart-format.ts';
import { addMonths, endsMidMonth, monthlyTotals, monthRange, trendMonths, trendOption } from './trend-option.ts';

const cohorts = [
  {
    cohort: '2025-11',
    customers: 4,
    months: [
      { offset: 0, activeCustomers: 4, revenuePerCustomerMinor: 1000 },
      { offset: 1, activeCustomers: 1, revenuePerCustomerMinor: 250 },
      { offset: 2, activeCustomers: 0, revenuePerCustomerMinor: 0 },
    ],
  },
  {
    cohort: '2025-12',
    customers: 3,
    months: [
      { offset: 0, activeCustomers: 3, revenuePerCustomerMinor: 1000 / 3 },
      { offset: 1, activeCustomers: 2, revenuePerCustomerMinor: 200 },
    ],
  },
];

describe('trend', () => {
  it('moves across year ends', () => {
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(addMonths('2026-01', -13)).toBe('2024-12');
    expect(monthRange('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });

  it('sums the cohorts into calendar months: revenue, buyers and first-time buyers', () => {
    expect(monthlyTotals(cohorts, ['2025-10', '2025-11', '2025-12', '2026-01'])).toEqual([
      { month: '2025-10', revenueMinor: 0, active: 0, new: 0 },
      { month: '2025-11', revenueMinor: 4000, active: 4, new: 4 },
      { month: '2025-12', revenueMinor: 1000 + 1000, active: 1 + 3, new: 3 },
      { month: '2026-01', revenueMinor: 600, active: 2, new: 0 },
    ]);
  });

  it('shows at least twelve months, and all of a longer period', () => {
    expect(trendMonths({ from: '2026-02-14', to: '2026-03-15' })).toEqual(monthRange('2025-04', '2026-03'));
    expect(trendMonths({ from: '2024-01-01', to: '2026-03-15' })).toHaveLength(27);
  });

  it('draws revenue bars and customer lines, the period’s months solid', () => {
    const rows = monthlyTotals(cohorts, monthRange('2025-11', '2026-01'));
    const texts = { revenue: 'Revenue', active: 'Active', new: 'New', partialMonth: (m: string) => `${m} (partial)` };
    const option = trendOption(rows, { from: '2025-12-01', to: '2026-01-15' }, texts, chartFormat('en-US', 'CNY'));
    const series = option.series as { type: string; data: (number | { value: number; itemStyle: { color: string } })[] }[];
    expect(series.map((s) => s.type)).toEqual(['bar', 'line', 'line']);
    const bars = series[0]!.data as { value: number; itemStyle: { color: string } }[];
    expect(bars.map((b) => b.value)).toEqual([4000, 2000, 600]);
    expect(bars.map((b) => b.itemStyle.color)).toEqual(['#93b4f5', '#1d4ed8', '#1d4ed8']);
    expect(series[1]!.data).toEqual([4, 4, 2]);
    const tooltip = (option.tooltip as { formatter: (p: unknown) => string }).formatter([{ dataIndex: 2 }]);
    expect(tooltip).toContain('Jan 2026 (partial)');
    expect(tooltip).toContain('CN¥6.00');
  });

  it('knows when a period ends mid-month', () => {
    expect(endsMidMonth({ to: '2026-01-15' })).toBe(true);
    expect(endsMidMonth({ to: '2026-01-31' })).toBe(false);
    expect(endsMidMonth({ to: '2024-02-29' })).toBe(false);
  });
});
