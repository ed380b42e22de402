import { describe, expect, it } from 'vitest';
import { sparklinePoints } from './sparkline.ts';

describe('sparkline', () => {
  it('spans the box inside the padding, largest value on top', () => {
    expect(sparklinePoints([10, 20, 15], 100, 20, 2)).toBe('2,18 50,2 98,10');
  });
  it('draws a flat or single value along the middle, and nothing for no values', () => {
    expect(sparklinePoints([5, 5], 100, 20, 2)).toBe('2,10 98,10');
    expect(sparklinePoints([7], 100, 20, 2)).toBe('50,10');
    expect(sparklinePoints([], 100, 20, 2)).toBe('');
  });
});
