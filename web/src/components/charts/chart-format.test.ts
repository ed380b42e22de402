import { describe, expect, it } from 'vitest';
import { chartFormat, escapeHtml, tooltipHtml } from './chart-format.ts';

describe('chartFormat', () => {
  const zh = chartFormat('zh-CN', 'CNY');
  const en = chartFormat('en-US', 'CNY');

  it('writes money from minor units, in full and compact, per locale', () => {
    expect(zh.money(123_456)).toBe('¥1,234.56');
    expect(en.money(123_456)).toBe('CN¥1,234.56');
    expect(zh.compactMoney(1_234_500_00)).toBe('¥123.5万');
    expect(en.compactMoney(1_234_500_00)).toBe('CN¥1.2M');
  });

  it('writes counts, compact numbers, shares and months per locale', () => {
    expect(en.count(12_345)).toBe('12,345');
    expect(zh.compact(12_345)).toBe('1.2万');
    expect(en.compact(12_345)).toBe('12.3K');
    expect(en.percent(0.1234)).toBe('12.3%');
    expect(zh.percent(0.5, 0)).toBe('50%');
    expect(zh.month('2026-03')).toBe('2026年3月');
    expect(en.month('2026-03')).toBe('Mar 2026');
  });

  it('escapes tooltip text', () => {
    expect(escapeHtml('<b>"A&B"</b>')).toBe('&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;');
    expect(tooltipHtml('<x>', [{ label: 'a', value: '1' }])).toContain('&lt;x&gt;');
  });
});
