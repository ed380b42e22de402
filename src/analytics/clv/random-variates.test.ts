import { describe, expect, it } from 'vitest';
import { betaVariate, gammaVariate, seededRandom } from './random-variates.ts';

function moments(draw: () => number, n = 200_000): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const v = draw();
    sum += v;
    squares += v * v;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

describe('random variates', () => {
  it('repeat from the same seed and differ between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect(c()).not.toBe(first[0]);
    expect(first.every((u) => u >= 0 && u < 1)).toBe(true);
  });

  it('draw Gamma(k) with mean k and variance k, also for k < 1', () => {
    const random = seededRandom(1);
    for (const shape of [0.243, 0.793, 6.25]) {
      const { mean, variance } = moments(() => gammaVariate(random, shape));
      expect(mean / shape).toBeCloseTo(1, 1);
      expect(variance / shape).toBeCloseTo(1, 1);
    }
  });

  it('draw Beta(a, b) with mean a/(a+b)', () => {
    const random = seededRandom(2);
    const { mean } = moments(() => betaVariate(random, 0.793, 2.426));
    expect(mean).toBeCloseTo(0.793 / (0.793 + 2.426), 2);
  });
});
