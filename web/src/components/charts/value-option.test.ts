import { describe, expect, it } from 'vitest';
import { chartFormat } from './chart-format.ts';
import { clvBandLabel, clvHistogramOption, valueTierOption } from './value-option.ts';

const fmt = chartFormat('zh-CN', 'CNY');

describe('value charts', () => {
  it('labels CLV bands as compact money ranges, open-ended at the top', () => {
    expect(clvBandLabel({ fromMinor: 5_000, toMinor: 10_000, customers: 1, clvMinor: 1 }, fmt)).toBe('¥50–¥100');
    expect(clvBandLabel({ fromMinor: 100_000_000_000, toMinor: null, customers: 1, clvMinor: 1 }, fmt)).toBe('≥ ¥10亿');
  });

  it('draws a bar per CLV band', () => {
    const option = clvHistogramOption(
      [
        { fromMinor: 0, toMinor: 100, customers: 3, clvMinor: 120 },
        { fromMinor: 100, toMinor: 200, customers: 5, clvMinor: 700 },
      ],
      { customers: '客户数', clvTotal: '合计', share: '占比' },
      fmt,
    );
    expect((option.xAxis as { data: string[] }).data).toEqual(['¥0–¥1', '¥1–¥2']);
    expect((option.series as { data: number[] }[])[0]!.data).toEqual([3, 5]);
  });

  it('puts each tier’s share of customers beside its share of revenue', () => {
    const option = valueTierOption(
      [
        { key: 'high', label: '高价值', customers: 20, share: 0.2, revenueMinor: 700 },
        { key: 'mid', label: '中价值', customers: 30, share: 0.3, revenueMinor: 200 },
        { key: 'low', label: '低价值', customers: 50, share: 0.5, revenueMinor: 100 },
      ],
      { customers: '客户数', revenue: '销售额' },
      fmt,
    );
    const series = option.series as { name: string; data: number[] }[];
    expect(series.map((s) => s.name)).toEqual(['高价值', '中价值', '低价值']);
    expect(series[0]!.data[0]).toBe(0.2);
    expect(series[0]!.data[1]).toBeCloseTo(0.7);
    expect(series.reduce((s, x) => s + x.data[1]!, 0)).toBeCloseTo(1);
  });
});
