import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from './chart-format.ts';
import { heatRamp, labelColorOn } from './palette.ts';

/** A cohort as the cohorts API gives it. */
export interface CohortInput {
  readonly cohort: string;
  readonly customers: number;
  readonly months: readonly {
    readonly offset: number;
    readonly activeCustomers: number;
    readonly activeShare: number;
    readonly revenuePerCustomerMinor: number;
    readonly cumulativeLtvMinor: number;
  }[];
}

export interface CohortGrid {
  /** The cohorts shown, oldest first. */
  readonly cohorts: readonly CohortInput[];
  /** Months since acquisition shown: 0…maxOffset. */
  readonly maxOffset: number;
  /** [offset, cohort index, share] for months 1 and later, coloured on the scale. */
  readonly retention: { readonly value: [number, number, number]; readonly cohort: number; readonly offset: number }[];
  /** Month 0 (always 100%: the month they first bought), drawn in a neutral colour. */
  readonly acquisition: { readonly value: [number, number, number]; readonly cohort: number; readonly offset: number }[];
  /** The highest retention share after month 0: the top of the colour scale. */
  readonly maxShare: number;
}

/** The latest `cohortCount` cohorts and their first `monthCount` months as heatmap points. */
export function cohortGrid(all: readonly CohortInput[], cohortCount = 12, monthCount = 12): CohortGrid {
  const cohorts = [...all].sort((a, b) => a.cohort.localeCompare(b.cohort)).slice(-cohortCount);
  const retention: CohortGrid['retention'][number][] = [];
  const acquisition: CohortGrid['acquisition'][number][] = [];
  let maxOffset = 0;
  cohorts.forEach((c, index) => {
    for (const m of c.months) {
      if (m.offset >= monthCount) continue;
      maxOffset = Math.max(maxOffset, m.offset);
      const point = { value: [m.offset, index, m.activeShare] as [number, number, number], cohort: index, offset: m.offset };
      (m.offset === 0 ? acquisition : retention).push(point);
    }
  });
  const maxShare = Math.max(0.05, ...retention.map((p) => p.value[2]));
  return { cohorts, maxOffset, retention, acquisition, maxShare };
}

export interface CohortTexts {
  readonly monthOffset: (offset: number) => string;
  readonly cohortLabel: (month: string, customers: string) => string;
  readonly active: string;
  readonly revenuePerCustomer: string;
  readonly cumulativeLtv: string;
  readonly cohortSize: string;
}

/** Cohort retention: acquisition months down, months since the first order across, the share still buying in each cell. */
export function cohortHeatmapOption(all: readonly CohortInput[], texts: CohortTexts, fmt: ChartFormat): EChartsOption {
  const grid = cohortGrid(all);
  const offsets = Array.from({ length: grid.maxOffset + 1 }, (_, i) => i);
  const tooltip = (p: unknown) => {
    const { seriesIndex, dataIndex } = p as { seriesIndex: number; dataIndex: number };
    const point = (seriesIndex === 0 ? grid.retention : grid.acquisition)[dataIndex];
    const cohort = point ? grid.cohorts[point.cohort] : undefined;
    const month = cohort?.months.find((m) => m.offset === point?.offset);
    if (!cohort || !month) return '';
    return tooltipHtml(`${fmt.month(cohort.cohort)} · ${texts.monthOffset(month.offset)}`, [
      { label: texts.cohortSize, value: fmt.count(cohort.customers) },
      { label: texts.active, value: `${fmt.count(month.activeCustomers)} (${fmt.percent(month.activeShare)})` },
      { label: texts.revenuePerCustomer, value: fmt.money(month.revenuePerCustomerMinor) },
      { label: texts.cumulativeLtv, value: fmt.money(month.cumulativeLtvMinor) },
    ]);
  };
  const cellLabel = (share: number, intensity: number) => ({ show: true, color: labelColorOn(intensity), fontSize: 11, formatter: fmt.percent(share, 0) });
  return {
    grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'item', formatter: tooltip },
    xAxis: { type: 'category', position: 'top', data: offsets.map((o) => texts.monthOffset(o)), axisTick: { show: false }, axisLine: { show: false }, axisLabel: { color: '#475569' } },
    yAxis: {
      type: 'category',
      inverse: true,
      data: grid.cohorts.map((c) => texts.cohortLabel(fmt.month(c.cohort), fmt.count(c.customers))),
      axisTick: { show: false },
      axisLine: { show: false },
      axisLabel: { color: '#334155' },
    },
    visualMap: { show: false, seriesIndex: 0, min: 0, max: grid.maxShare, inRange: { color: [...heatRamp] } },
    series: [
      {
        type: 'heatmap',
        itemStyle: { borderColor: '#fff', borderWidth: 2, borderRadius: 3 },
        data: grid.retention.map((p) => ({ value: p.value, label: cellLabel(p.value[2], p.value[2] / grid.maxShare) })),
      },
      {
        type: 'heatmap',
        itemStyle: { color: '#e2e8f0', borderColor: '#fff', borderWidth: 2, borderRadius: 3 },
        data: grid.acquisition.map((p) => ({ value: p.value, label: cellLabel(p.value[2], 0) })),
      },
    ],
  };
}
