import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from './chart-format.ts';
import { heatRamp, labelColorOn } from './palette.ts';

/** A cell of the R×F grid as the API gives it. */
export interface RfmCell {
  readonly r: number;
  readonly f: number;
  readonly segment: string;
  readonly customers: number;
  readonly revenueMinor: number;
}

export interface RfmTexts {
  readonly recency: string;
  readonly frequency: string;
  readonly customers: string;
  readonly revenue: string;
  readonly segmentLabel: (segment: string) => string;
}

/** One heatmap point: [F index, R index, customers] plus what the label and tooltip show. */
export interface RfmPoint {
  readonly value: [number, number, number];
  readonly cell: RfmCell;
  readonly customerShare: number;
  readonly revenueShare: number;
  readonly intensity: number;
}

/** The grid's 25 cells as heatmap points (F 1→5 left to right, R 1→5 bottom to top), with shares and colour intensity. */
export function rfmPoints(cells: readonly RfmCell[]): RfmPoint[] {
  const customers = cells.reduce((s, c) => s + c.customers, 0);
  const revenue = cells.reduce((s, c) => s + c.revenueMinor, 0);
  const max = Math.max(0, ...cells.map((c) => c.customers));
  return cells.map((cell) => ({
    value: [cell.f - 1, cell.r - 1, cell.customers],
    cell,
    customerShare: customers === 0 ? 0 : cell.customers / customers,
    revenueShare: revenue === 0 ? 0 : cell.revenueMinor / revenue,
    intensity: max === 0 ? 0 : cell.customers / max,
  }));
}

/** The R×F grid as a heatmap: colour by customers, each cell labelled with its customers and revenue. */
export function rfmHeatmapOption(cells: readonly RfmCell[], texts: RfmTexts, fmt: ChartFormat): EChartsOption {
  const points = rfmPoints(cells);
  const max = Math.max(1, ...cells.map((c) => c.customers));
  const scores = ['1', '2', '3', '4', '5'];
  return {
    // Room on the left and below for the axis names, which containLabel leaves out.
    grid: { left: 36, right: 8, top: 8, bottom: 40, containLabel: true },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const point = points[(p as { dataIndex: number }).dataIndex];
        if (!point) return '';
        const c = point.cell;
        return tooltipHtml(`${texts.segmentLabel(c.segment)} · R${c.r} F${c.f}`, [
          { label: texts.customers, value: `${fmt.count(c.customers)} (${fmt.percent(point.customerShare)})` },
          { label: texts.revenue, value: `${fmt.money(c.revenueMinor)} (${fmt.percent(point.revenueShare)})` },
        ]);
      },
    },
    xAxis: {
      type: 'category',
      data: scores.map((s) => `F${s}`),
      name: texts.frequency,
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { color: '#475569' },
      splitArea: { show: false },
      axisTick: { show: false },
      axisLine: { show: false },
    },
    yAxis: {
      type: 'category',
      data: scores.map((s) => `R${s}`),
      name: texts.recency,
      nameLocation: 'middle',
      nameGap: 36,
      nameTextStyle: { color: '#475569' },
      axisTick: { show: false },
      axisLine: { show: false },
    },
    visualMap: { show: false, min: 0, max, inRange: { color: [...heatRamp] } },
    series: [
      {
        type: 'heatmap',
        itemStyle: { borderColor: '#fff', borderWidth: 3, borderRadius: 4 },
        emphasis: { itemStyle: { borderColor: '#0f172a', borderWidth: 1 } },
        data: points.map((p) => ({
          value: p.value,
          label: {
            show: true,
            color: labelColorOn(p.intensity),
            lineHeight: 16,
            formatter: `{b|${fmt.count(p.cell.customers)}}\n${fmt.compactMoney(p.cell.revenueMinor)}`,
            rich: { b: { fontWeight: 'bold', fontSize: 14, color: labelColorOn(p.intensity) } },
          },
        })),
      },
    ],
  };
}
