import { describe, expect, it } from 'vitest';
import { chartFormat } from '../../components/charts/chart-format.ts';
import { sizesOption } from './sizes-option.ts';

const sizes = [
  { day: '2026-11-21', members: 120, entered: 120, exited: 0 },
  { day: '2026-11-22', members: 118, entered: 3, exited: 5 },
  { day: '2026-11-23', members: 130, entered: 12, exited: 0 },
];
const texts = { members: '成员', entered: '进入', exited: '退出', day: (d: string) => d.slice(5) };

describe('segment size chart', () => {
  it('draws members as a line and entries and exits as bars, exits downwards', () => {
    const option = sizesOption(sizes, chartFormat('zh-CN', 'CNY'), texts);
    const series = option.series as { type: string; name: string; data: number[]; yAxisIndex: number }[];
    expect(series.map((s) => [s.type, s.name, s.yAxisIndex])).toEqual([
      ['line', '成员', 0],
      ['bar', '进入', 1],
      ['bar', '退出', 1],
    ]);
    expect(series[0]!.data).toEqual([120, 118, 130]);
    expect(series[1]!.data).toEqual([120, 3, 12]);
    expect(series[2]!.data).toEqual([-0, -5, -0]);
    expect((option.xAxis as { data: string[] }).data).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
  });

  it('shows a day in the tooltip with the counts in the locale', () => {
    const option = sizesOption([{ day: '2026-11-23', members: 12345, entered: 1200, exited: 3 }], chartFormat('en-US', 'CNY'), { ...texts, members: 'Members' });
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
    const html = formatter([{ dataIndex: 0 }]);
    expect(html).toContain('11-23');
    expect(html).toContain('12,345');
    expect(html).toContain('1,200');
  });
});
