import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from '../../components/charts/chart-format.ts';
import { seriesColors } from '../../components/charts/palette.ts';
import type { SegmentSize } from '../../api/segments-api.ts';

export interface SizesTexts {
  readonly members: string;
  readonly entered: string;
  readonly exited: string;
  /** A day (YYYY-MM-DD) as the locale writes it. */
  readonly day: (day: string) => string;
}

const enteredColor = '#10b981';
const exitedColor = '#ef4444';

/**
 * A segment's size history: members at the end of each day as a line (left axis), and the day's
 * entries and exits as bars below it (right axis), exits drawn downwards so the two read apart.
 */
export function sizesOption(sizes: readonly SegmentSize[], format: ChartFormat, texts: SizesTexts): EChartsOption {
  const days = sizes.map((s) => s.day);
  return {
    animationDuration: 300,
    grid: { left: 56, right: 56, top: 36, bottom: 28 },
    legend: { data: [texts.members, texts.entered, texts.exited], top: 0 },
    tooltip: {
      trigger: 'axis',
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        const index = (list[0] as { dataIndex?: number } | undefined)?.dataIndex ?? 0;
        const s = sizes[index];
        if (!s) return '';
        return tooltipHtml(texts.day(s.day), [
          { label: texts.members, value: format.count(s.members), color: seriesColors.revenue },
          { label: texts.entered, value: format.count(s.entered), color: enteredColor },
          { label: texts.exited, value: format.count(s.exited), color: exitedColor },
        ]);
      },
    },
    xAxis: { type: 'category', data: days, axisLabel: { formatter: (d: string) => texts.day(d) } },
    yAxis: [
      { type: 'value', name: texts.members, axisLabel: { formatter: (v: number) => format.compact(v) }, minInterval: 1 },
      { type: 'value', name: `${texts.entered} / ${texts.exited}`, axisLabel: { formatter: (v: number) => format.compact(Math.abs(v)) }, splitLine: { show: false }, minInterval: 1 },
    ],
    series: [
      { name: texts.members, type: 'line', data: sizes.map((s) => s.members), yAxisIndex: 0, color: seriesColors.revenue, symbolSize: 5, smooth: false, z: 3 },
      { name: texts.entered, type: 'bar', data: sizes.map((s) => s.entered), yAxisIndex: 1, color: enteredColor, stack: 'flow', barMaxWidth: 14 },
      { name: texts.exited, type: 'bar', data: sizes.map((s) => -s.exited), yAxisIndex: 1, color: exitedColor, stack: 'flow', barMaxWidth: 14 },
    ],
  };
}
