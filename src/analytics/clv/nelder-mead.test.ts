import { describe, expect, it } from 'vitest';
import { minimizeNelderMead } from './nelder-mead.ts';

const rosenbrock = ([x, y]: readonly number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;

describe('minimizeNelderMead', () => {
  it('finds the minimum of the Rosenbrock valley', () => {
    const result = minimizeNelderMead(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 5);
    expect(result.point[1]).toBeCloseTo(1, 5);
    expect(result.value).toBeLessThan(1e-10);
  });

  it('minimizes a four-dimensional quadratic to its tolerance', () => {
    const centre = [0.3, -2, 1.5, 4];
    const f = (p: readonly number[]) => p.reduce((sum, v, i) => sum + (i + 1) * (v - centre[i]!) ** 2, 0);
    const result = minimizeNelderMead(f, [0, 0, 0, 0]);
    expect(result.converged).toBe(true);
    result.point.forEach((v, i) => expect(v).toBeCloseTo(centre[i]!, 6));
  });

  it('treats NaN, throwing and out-of-bound points as +∞ instead of failing', () => {
    const f = ([x]: readonly number[]) => {
      if (x! < 0) return Number.NaN;
      if (x! > 3) throw new Error('cannot evaluate');
      return (x! - 2) ** 2;
    };
    const result = minimizeNelderMead(f, [0.5], { bound: 10 });
    expect(result.point[0]).toBeCloseTo(2, 6);
  });

  it('stops at the iteration limit and says it did not converge', () => {
    const result = minimizeNelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});
