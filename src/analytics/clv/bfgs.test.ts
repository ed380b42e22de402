import { describe, expect, it } from 'vitest';
import { minimizeBfgs } from './bfgs.ts';

function rosenbrock([x, y]: readonly number[]) {
  return {
    value: 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2,
    gradient: [-400 * x! * (y! - x! * x!) - 2 * (1 - x!), 200 * (y! - x! * x!)],
  };
}

describe('minimizeBfgs', () => {
  it('finds the minimum of the Rosenbrock valley in few iterations', () => {
    const result = minimizeBfgs(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 6);
    expect(result.point[1]).toBeCloseTo(1, 6);
    expect(result.iterations).toBeLessThan(100);
  });

  it('backs off from points where the objective is not finite', () => {
    // log-barrier: undefined for x ≤ 0, minimum at x = 1.
    const f = ([x]: readonly number[]) => ({ value: x! - Math.log(x!), gradient: [1 - 1 / x!] });
    const result = minimizeBfgs(f, [5], { maxStep: 10 });
    expect(result.converged).toBe(true);
    expect(result.point[0]).toBeCloseTo(1, 7);
  });

  it('reports failure when there is nothing to find', () => {
    const f = ([x]: readonly number[]) => ({ value: -x!, gradient: [-1] });
    const result = minimizeBfgs(f, [0], { bound: 5 });
    expect(result.converged).toBe(false);
    expect(Number.isFinite(result.value)).toBe(true);
  });
});
