import { describe, expect, it } from 'vitest';
import { formatMoney, minorUnitDigits } from './money.ts';

describe('formatMoney', () => {
  it('turns fen into yuan with the locale symbol and grouping', () => {
    expect(formatMoney(123_456, 'CNY', 'zh-CN')).toBe('¥1,234.56');
    expect(formatMoney(123_456, 'CNY', 'en-US')).toBe('CN¥1,234.56');
    expect(formatMoney(0, 'CNY', 'zh-CN')).toBe('¥0.00');
    expect(formatMoney(5, 'CNY', 'zh-CN')).toBe('¥0.05');
  });

  it('respects currencies without minor units and negative amounts', () => {
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('CNY')).toBe(2);
    expect(formatMoney(1500, 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMoney(-2_050, 'USD', 'en-US')).toBe('-$20.50');
  });

  it('keeps large amounts exact', () => {
    expect(formatMoney(123_456_789_012, 'CNY', 'en-US')).toBe('CN¥1,234,567,890.12');
  });
});
