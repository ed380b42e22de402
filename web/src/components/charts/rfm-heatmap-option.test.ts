import { describe, expect, it } from 'vitest';
import { chartFormat } from './chart-format.ts';
import { rfmHeatmapOption, rfmPoints } from './rfm-heatmap-option.ts';

const cells = [
  { r: 5, f: 5, segment: 'champions', customers: 30, revenueMinor: 900_000 },
  { r: 1, f: 1, segment: 'lost', customers: 60, revenueMinor: 100_000 },
  { r: 3, f: 2, segment: 'need_attention', customers: 10, revenueMinor: 0 },
];

describe('RFM heatmap', () => {
  it('places R up and F across, with shares and colour intensity', () => {
    const points = rfmPoints(cells);
    expect(points[0]).toMatchObject({ value: [4, 4, 30], customerShare: 0.3, revenueShare: 0.9, intensity: 0.5 });
    expect(points[1]).toMatchObject({ value: [0, 0, 60], intensity: 1 });
  });

  it('labels each cell with customers and revenue, white on dark cells', () => {
    const option = rfmHeatmapOption(cells, { recency: 'R', frequency: 'F', customers: 'Customers', revenue: 'Revenue', segmentLabel: (s) => s }, chartFormat('en-US', 'CNY'));
    const data = (option.series as { data: { label: { formatter: string; color: string } }[] }[])[0]!.data;
    expect(data[0]!.label.formatter).toBe('{b|30}\nCN¥9K');
    expect(data[0]!.label.color).toBe('#0f172a');
    expect(data[1]!.label.color).toBe('#ffffff');
    expect((option.visualMap as { max: number }).max).toBe(60);
  });

  it('copes with an empty grid', () => {
    expect(rfmPoints([{ r: 1, f: 1, segment: 'lost', customers: 0, revenueMinor: 0 }])[0]).toMatchObject({ customerShare: 0, revenueShare: 0, intensity: 0 });
  });
});
