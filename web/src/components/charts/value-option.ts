import type { EChartsOption } from 'echarts';
import { tooltipHtml, type ChartFormat } from './chart-format.ts';
import type { NamedCount } from './lifecycle-option.ts';
import { colorOf, seriesColors, tierColors } from './palette.ts';

/** A predicted-CLV band as the distribution API gives it (toMinor = null: open-ended). */
export interface ClvBand {
  readonly fromMinor: number;
  readonly toMinor: number | null;
  readonly customers: number;
  readonly clvMinor: number;
}

/** A band's label: "¥50–¥100", or "≥ ¥1万" for the open-ended top band. */
export function clvBandLabel(band: ClvBand, fmt: ChartFormat): string {
  return band.toMinor === null ? `≥ ${fmt.compactMoney(band.fromMinor)}` : `${fmt.compactMoney(band.fromMinor)}–${fmt.compactMoney(band.toMinor)}`;
}

/** Customers per predicted-CLV band (bands grow 1-2-5, so the axis reads like a log scale). */
export function clvHistogramOption(bands: readonly ClvBand[], texts: { customers: string; clvTotal: string; share: string }, fmt: ChartFormat): EChartsOption {
  const total = bands.reduce((s, b) => s + b.customers, 0);
  return {
    grid: { left: 8, right: 8, top: 16, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        const band = bands[list[0]?.dataIndex ?? 0];
        if (!band) return '';
        return tooltipHtml(clvBandLabel(band, fmt), [
          { label: texts.customers, value: fmt.count(band.customers), color: seriesColors.revenue },
          { label: texts.share, value: fmt.percent(total === 0 ? 0 : band.customers / total) },
          { label: texts.clvTotal, value: fmt.money(band.clvMinor) },
        ]);
      },
    },
    xAxis: { type: 'category', data: bands.map((b) => clvBandLabel(b, fmt)), axisLabel: { color: '#475569', rotate: bands.length > 8 ? 35 : 0, hideOverlap: true }, axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#475569', formatter: (v: number) => fmt.compact(v) }, splitLine: { lineStyle: { color: '#eef2f7' } } },
    series: [
      {
        name: texts.customers,
        type: 'bar',
        barCategoryGap: '18%',
        barMaxWidth: 56,
        itemStyle: { color: seriesColors.revenue, borderRadius: [3, 3, 0, 0] },
        label: { show: bands.length <= 12, position: 'top', color: '#334155', fontSize: 11, formatter: (p) => (Number(p.value) > 0 ? fmt.compact(Number(p.value)) : '') },
        data: bands.map((b) => b.customers),
      },
    ],
  };
}

/**
 * Value tiers as two 100% bars — their share of customers and their share of revenue — so the
 * contrast ("a fifth of the customers bring most of the revenue") is one look.
 */
export function valueTierOption(tiers: readonly NamedCount[], texts: { customers: string; revenue: string }, fmt: ChartFormat): EChartsOption {
  const revenue = tiers.reduce((s, t) => s + t.revenueMinor, 0);
  const revenueShare = (t: NamedCount) => (revenue === 0 ? 0 : t.revenueMinor / revenue);
  const label = (share: number) => (share >= 0.07 ? fmt.percent(share, 0) : '');
  return {
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10 },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const tier = tiers[(p as { seriesIndex: number }).seriesIndex];
        if (!tier) return '';
        return tooltipHtml(tier.label, [
          { label: texts.customers, value: `${fmt.count(tier.customers)} (${fmt.percent(tier.share)})`, color: colorOf(tierColors, tier.key) },
          { label: texts.revenue, value: `${fmt.money(tier.revenueMinor)} (${fmt.percent(revenueShare(tier))})` },
        ]);
      },
    },
    xAxis: { type: 'value', max: 1, axisLabel: { color: '#475569', formatter: (v: number) => fmt.percent(v, 0) }, splitLine: { lineStyle: { color: '#eef2f7' } } },
    yAxis: { type: 'category', inverse: true, data: [texts.customers, texts.revenue], axisTick: { show: false }, axisLine: { show: false }, axisLabel: { color: '#334155', fontSize: 13 } },
    series: tiers.map((tier) => ({
      name: tier.label,
      type: 'bar' as const,
      stack: 'share',
      barWidth: 36,
      itemStyle: { color: colorOf(tierColors, tier.key), borderColor: '#fff', borderWidth: 1 },
      label: { show: true, color: tier.key === 'low' ? '#0f172a' : '#fff', fontWeight: 600, formatter: (p: { value: unknown }) => label(Number(p.value)) },
      data: [tier.share, revenueShare(tier)],
    })),
  };
}
