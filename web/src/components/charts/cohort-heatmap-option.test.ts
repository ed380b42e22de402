import { describe, expect, it } from 'vitest';
import { chartFormat } from './chart-format.ts';
import { cohortGrid, cohortHeatmapOption } from './cohort-heatmap-option.ts';

const month = (offset: number, share: number) => ({ offset, activeCustomers: Math.round(share * 10), activeShare: share, revenuePerCustomerMinor: 100, cumulativeLtvMinor: 100 * (offset + 1) });
const cohort = (name: string, shares: number[]) => ({ cohort: name, customers: 10, months: shares.map((s, i) => month(i, s)) });

describe('cohort heatmap', () => {
  it('keeps the latest cohorts and months, oldest first, month 0 apart from the colour scale', () => {
    const all = Array.from({ length: 14 }, (_, i) => cohort(`2025-${String((i % 12) + 1).padStart(2, '0')}`.replace(/^2025-(\d+)$/, (_, m) => (i < 12 ? `2025-${m}` : `2026-${m}`)), [1, 0.4, 0.2]));
    const grid = cohortGrid(all);
    expect(grid.cohorts).toHaveLength(12);
    expect(grid.cohorts[0]!.cohort).toBe('2025-03');
    expect(grid.cohorts[11]!.cohort).toBe('2026-02');
    expect(grid.acquisition).toHaveLength(12);
    expect(grid.retention).toHaveLength(24);
    expect(grid.maxShare).toBe(0.4);
    expect(grid.maxOffset).toBe(2);
  });

  it('limits the months shown and keeps a floor on the colour scale', () => {
    const grid = cohortGrid([cohort('2026-01', [1, 0.01, 0, 0])], 12, 3);
    expect(grid.maxOffset).toBe(2);
    expect(grid.maxShare).toBe(0.05);
  });

  it('labels cells as percentages and rows with the cohort size', () => {
    const option = cohortHeatmapOption(
      [cohort('2026-01', [1, 0.5])],
      { monthOffset: (n) => `M${n}`, cohortLabel: (m, c) => `${m} · ${c}`, active: 'a', revenuePerCustomer: 'r', cumulativeLtv: 'c', cohortSize: 's' },
      chartFormat('en-US', 'CNY'),
    );
    expect((option.yAxis as { data: string[] }).data).toEqual(['Jan 2026 · 10']);
    expect((option.xAxis as { data: string[] }).data).toEqual(['M0', 'M1']);
    const [retention, acquisition] = option.series as { data: { value: number[]; label: { formatter: string } }[] }[];
    expect(retention!.data[0]).toMatchObject({ value: [1, 0, 0.5], label: { formatter: '50%' } });
    expect(acquisition!.data[0]!.label.formatter).toBe('100%');
  });
});
