import { describe, expect, it } from 'vitest';
import { propertySummary } from './event-properties.ts';

describe('propertySummary', () => {
  it('lists the first plain properties and skips nested ones', () => {
    expect(propertySummary({ product: '龙井茶礼盒', items: [1, 2], price: 129, coupon: null, quantity: 1, extra: 'x' })).toBe('product: 龙井茶礼盒 · price: 129 · quantity: 1');
    expect(propertySummary({})).toBe('');
    expect(propertySummary(null)).toBe('');
  });
});
