import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from './chart-format.ts';
import { seriesColors } from './palette.ts';

/** A cohort as the cohorts API gives it (only what the trend needs). */
export interface CohortActivity {
  readonly cohort: string;
  readonly customers: number;
  readonly months: readonly { readonly offset: number; readonly activeCustomers: number; readonly revenuePerCustomerMinor: number }[];
}

/** One calendar month of the business: net revenue, customers who bought, and first-time buyers. */
export interface MonthTotals {
  readonly month: string;
  readonly revenueMinor: number;
  readonly active: number;
  readonly new: number;
}

/** YYYY-MM plus whole months. */
export function addMonths(month: string, months: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Months from `from` to `to` (YYYY-MM), both included. */
export function monthRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

/**
 * Calendar-month totals summed over every acquisition cohort: each buyer belongs to exactly one
 * cohort, so active buyers add up without double counting, and a cohort's revenue in a month is its
 * revenue per customer times its size. Exact only when the cohorts include every cohort (from the
 * first order on). Months without data are zeros.
 */
export function monthlyTotals(cohorts: readonly CohortActivity[], months: readonly string[]): MonthTotals[] {
  const totals = new Map(months.map((month) => [month, { month, revenueMinor: 0, active: 0, new: 0 }]));
  for (const cohort of cohorts) {
    for (const cell of cohort.months) {
      const entry = totals.get(addMonths(cohort.cohort, cell.offset));
      if (!entry) continue;
      entry.revenueMinor += cell.revenuePerCustomerMinor * cohort.customers;
      entry.active += cell.activeCustomers;
      if (cell.offset === 0) entry.new += cell.activeCustomers;
    }
  }
  return months.map((month) => {
    const t = totals.get(month)!;
    return { ...t, revenueMinor: Math.round(t.revenueMinor) };
  });
}

/** The months the trend shows for a period: at least the twelve months to the period's end, and the whole period when it is longer. */
export function trendMonths(period: { from: string; to: string }): string[] {
  const end = period.to.slice(0, 7);
  const start = period.from.slice(0, 7);
  const yearBack = addMonths(end, -11);
  return monthRange(start < yearBack ? start : yearBack, end);
}

export interface TrendTexts {
  readonly revenue: string;
  readonly active: string;
  readonly new: string;
  /** The title of a month that the period ends in before its last day ("Nov 2026 (to 24 Nov)"). */
  readonly partialMonth: (month: string) => string;
}

/** Whether a month (YYYY-MM) overlaps the period. */
export const monthInPeriod = (month: string, period: { from: string; to: string }): boolean => month >= period.from.slice(0, 7) && month <= period.to.slice(0, 7);

/** Whether the period ends before the last day of its month (that month's figures are partial). */
export function endsMidMonth(period: { to: string }): boolean {
  const next = new Date(Date.parse(`${period.to}T00:00:00Z`) + 86_400_000);
  return next.getUTCDate() !== 1;
}

/**
 * Revenue as bars (left axis) and active and new customers as lines (right axis) per month. The
 * months of the chosen period have solid bars, the others light ones.
 */
export function trendOption(rows: readonly MonthTotals[], period: { from: string; to: string }, texts: TrendTexts, fmt: ChartFormat): EChartsOption {
  const labels = rows.map((r) => fmt.month(r.month));
  const lastMonth = period.to.slice(0, 7);
  const title = (month: string) => (month === lastMonth && endsMidMonth(period) ? texts.partialMonth(fmt.month(month)) : fmt.month(month));
  return {
    color: [seriesColors.revenue, seriesColors.active, seriesColors.new],
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10, data: [texts.revenue, texts.active, texts.new] },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        const row = rows[list[0]?.dataIndex ?? 0];
        if (!row) return '';
        return tooltipHtml(title(row.month), [
          { label: texts.revenue, value: fmt.money(row.revenueMinor), color: seriesColors.revenue },
          { label: texts.active, value: fmt.count(row.active), color: seriesColors.active },
          { label: texts.new, value: fmt.count(row.new), color: seriesColors.new },
        ]);
      },
    },
    xAxis: { type: 'category', data: labels, axisTick: { alignWithLabel: true }, axisLabel: { color: '#475569', hideOverlap: true } },
    yAxis: [
      { type: 'value', axisLabel: { color: '#475569', formatter: (v: number) => fmt.compactMoney(v) }, splitLine: { lineStyle: { color: '#eef2f7' } } },
      { type: 'value', axisLabel: { color: '#475569', formatter: (v: number) => fmt.compact(v) }, splitLine: { show: false }, minInterval: 1 },
    ],
    series: [
      {
        name: texts.revenue,
        type: 'bar',
        yAxisIndex: 0,
        barMaxWidth: 28,
        itemStyle: { borderRadius: [3, 3, 0, 0] },
        data: rows.map((r) => ({ value: r.revenueMinor, itemStyle: { color: monthInPeriod(r.month, period) ? seriesColors.revenue : seriesColors.revenueOutside } })),
      },
      { name: texts.active, type: 'line', yAxisIndex: 1, symbolSize: 6, lineStyle: { width: 2.5 }, data: rows.map((r) => r.active) },
      { name: texts.new, type: 'line', yAxisIndex: 1, symbolSize: 5, lineStyle: { width: 2, type: 'dashed' }, data: rows.map((r) => r.new) },
    ],
  };
}
