import { describe, expect, it } from 'vitest';
import { chartFormat } from './chart-format.ts';
import { lifecycleFunnelOption, lifecycleSankey, lifecycleSankeyOption } from './lifecycle-option.ts';

const order = ['new', 'active', 'won_back', 'dormant', 'churned'];

describe('lifecycle charts', () => {
  it('turns flows, including moves both ways, into a two-column graph without cycles', () => {
    const graph = lifecycleSankey(
      [
        { from: 'active', to: 'dormant', customers: 5 },
        { from: 'dormant', to: 'won_back', customers: 2 },
        { from: 'won_back', to: 'active', customers: 1 },
        { from: null, to: 'new', customers: 9 },
        { from: 'dormant', to: 'active', customers: 0 },
      ],
      order,
    );
    expect(graph.nodes.map((n) => n.name)).toEqual(['from:none', 'from:active', 'from:won_back', 'from:dormant', 'to:new', 'to:active', 'to:won_back', 'to:dormant']);
    expect(graph.links).toContainEqual({ source: 'from:none', target: 'to:new', value: 9 });
    expect(graph.links).toHaveLength(4);
    // Every link goes from the left column to the right one, so there is no cycle.
    expect(graph.links.every((l) => l.source.startsWith('from:') && l.target.startsWith('to:'))).toBe(true);
  });

  it('labels the Sankey nodes in the console language with their totals', () => {
    const option = lifecycleSankeyOption([{ from: null, to: 'new', customers: 1200 }], order, { firstStage: '初始阶段', customers: '客户数', stageLabel: (s) => ({ new: '新客' })[s] ?? s }, chartFormat('zh-CN', 'CNY'));
    const series = (option.series as { label: { formatter: (p: { name: string }) => string }; data: { name: string }[] }[])[0]!;
    expect(series.data.map((d) => series.label.formatter({ name: d.name }))).toEqual(['初始阶段  1,200', '新客  1,200']);
  });

  it('draws the stages as centred bars in lifecycle order, each as wide as its count', () => {
    const option = lifecycleFunnelOption(
      [
        { key: 'new', label: 'New', customers: 10, share: 0.25, revenueMinor: 100 },
        { key: 'active', label: 'Active', customers: 30, share: 0.75, revenueMinor: 900 },
        { key: 'won_back', label: 'Won back', customers: 0, share: 0, revenueMinor: 0 },
      ],
      { customers: 'Customers', revenue: 'Revenue' },
      chartFormat('en-US', 'CNY'),
    );
    const [spacer, bars] = option.series as { data: (number | { name: string; value: number })[] }[];
    expect(spacer!.data).toEqual([10, 0, 15]);
    expect(bars!.data.map((d) => (typeof d === 'number' ? d : [d.name, d.value]))).toEqual([
      ['New', 10],
      ['Active', 30],
      ['Won back', 0],
    ]);
    expect((option.yAxis as { data: string[] }).data).toEqual(['New', 'Active', 'Won back']);
  });
});
