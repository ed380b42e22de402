import { describe, expect, it } from 'vitest';
import { createRandom } from './random.ts';

const mean = (n: number, draw: () => number) => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += draw();
  return sum / n;
};

describe('createRandom', () => {
  it('repeats a stream for a seed, and forks streams that do not shift when the parent draws', () => {
    const a = createRandom(1);
    const b = createRandom(1);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(createRandom(2).next()).not.toBe(createRandom(1).next());
    const parent = createRandom(9);
    const before = parent.fork('x').next();
    parent.next();
    expect(parent.fork('x').next()).toBe(before);
    expect(parent.fork('y').next()).not.toBe(before);
  });

  it('draws from the distributions with the right means', () => {
    const r = createRandom(42);
    expect(mean(50_000, () => r.next())).toBeCloseTo(0.5, 2);
    expect(mean(50_000, () => r.gamma(2, 3))).toBeCloseTo(6, 1);
    expect(mean(50_000, () => r.gamma(0.5, 2))).toBeCloseTo(1, 1);
    expect(mean(50_000, () => r.beta(1.2, 2.6))).toBeCloseTo(1.2 / 3.8, 2);
    expect(mean(50_000, () => r.poisson(3))).toBeCloseTo(3, 1);
    expect(mean(50_000, () => r.exponential(4))).toBeCloseTo(0.25, 2);
    expect(mean(50_000, () => r.normal(10, 2))).toBeCloseTo(10, 1);
    const ints = new Set(Array.from({ length: 1000 }, () => r.int(1, 4)));
    expect([...ints].sort()).toEqual([1, 2, 3, 4]);
    expect(mean(50_000, () => r.weighted([0, 1], (x) => (x === 1 ? 3 : 1)))).toBeCloseTo(0.75, 2);
  });
});
