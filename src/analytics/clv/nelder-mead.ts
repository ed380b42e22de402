// A small derivative-free minimizer for the model fits: Nelder & Mead (1965), "A Simplex Method
// for Function Minimization", The Computer Journal 7(4), with the standard coefficients
// (reflection 1, expansion 2, contraction ½, shrink ½). It fits Pareto/NBD, whose gradient would
// need derivatives of 2F1 in its parameters, and takes over when BFGS stops short on a flat
// likelihood; with four parameters the simplex method is at its best. A converged simplex can have
// collapsed on a ridge, so we restart it around the best point until a restart no longer improves
// the value (Press et al., Numerical Recipes 3rd ed., §10.5).

/** Tuning for minimizeNelderMead; the defaults suit log-parameters of a mean log-likelihood. */
export interface NelderMeadOptions {
  /** Edge of the first simplex along each axis (default 0.5). */
  readonly initialStep?: number;
  /** Stop when the simplex's values differ by at most this (default 1e-11). */
  readonly valueTolerance?: number;
  /** …and its vertices by at most this in every coordinate (default 1e-7). */
  readonly pointTolerance?: number;
  /** Total iterations across all restarts (default 10,000). */
  readonly maxIterations?: number;
  /** Restarts after the first convergence (default 5). */
  readonly maxRestarts?: number;
  /** Coordinates outside [−bound, bound] count as +∞ (default 30). */
  readonly bound?: number;
}

/** The best point found and whether the tolerances were met. */
export interface NelderMeadResult {
  readonly point: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/** Minimizes f from start with restarted Nelder–Mead; non-finite values count as +∞, so f may fail freely. */
export function minimizeNelderMead(
  f: (point: readonly number[]) => number,
  start: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const {
    initialStep = 0.5,
    valueTolerance = 1e-11,
    pointTolerance = 1e-7,
    maxIterations = 10_000,
    maxRestarts = 5,
    bound = 30,
  } = options;
  let evaluations = 0;
  const evaluate = (point: readonly number[]): number => {
    evaluations++;
    if (point.some((v) => !(Math.abs(v) <= bound))) return Infinity;
    let value: number;
    try {
      value = f(point);
    } catch {
      // A special function that cannot be evaluated this far out is as good as +∞.
      return Infinity;
    }
    return Number.isNaN(value) ? Infinity : value;
  };

  let best = { point: [...start], value: evaluate(start) };
  let iterations = 0;
  let converged = false;
  for (let restart = 0; restart <= maxRestarts && iterations < maxIterations; restart++) {
    const run = simplexRun(evaluate, best.point, best.value, {
      initialStep,
      valueTolerance,
      pointTolerance,
      maxIterations: maxIterations - iterations,
    });
    iterations += run.iterations;
    const improvement = best.value - run.value;
    if (run.value <= best.value) best = { point: run.point, value: run.value };
    converged = run.converged;
    // A restart that could not improve confirms the minimum.
    if (!run.converged || (restart > 0 && !(improvement > valueTolerance))) break;
  }
  return { point: best.point, value: best.value, iterations, evaluations, converged };
}

interface RunOptions {
  readonly initialStep: number;
  readonly valueTolerance: number;
  readonly pointTolerance: number;
  readonly maxIterations: number;
}

function simplexRun(
  evaluate: (point: readonly number[]) => number,
  start: readonly number[],
  startValue: number,
  options: RunOptions,
): NelderMeadResult {
  const n = start.length;
  const points: number[][] = [[...start]];
  const values: number[] = [startValue];
  for (let i = 0; i < n; i++) {
    const p = [...start];
    p[i]! += options.initialStep;
    points.push(p);
    values.push(evaluate(p));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Array<number>(n).fill(0);
  const along = (from: readonly number[], to: readonly number[], t: number): number[] =>
    from.map((v, j) => v + t * (to[j]! - v));

  let iterations = 0;
  let converged = false;
  while (iterations < options.maxIterations) {
    order.sort((i, j) => values[i]! - values[j]!);
    const bestIndex = order[0]!;
    const worstIndex = order[n]!;
    const secondWorst = values[order[n - 1]!]!;
    const bestPoint = points[bestIndex]!;
    const spread = values[worstIndex]! - values[bestIndex]!;
    const width = Math.max(
      ...points.map((p) => Math.max(...p.map((v, j) => Math.abs(v - bestPoint[j]!)))),
    );
    if (spread <= options.valueTolerance && width <= options.pointTolerance) {
      converged = true;
      break;
    }
    iterations++;
    centroid.fill(0);
    for (const i of order.slice(0, n)) {
      for (let j = 0; j < n; j++) centroid[j]! += points[i]![j]! / n;
    }
    const worst = points[worstIndex]!;
    const reflected = along(worst, centroid, 2);
    const reflectedValue = evaluate(reflected);
    if (reflectedValue < values[bestIndex]!) {
      const expanded = along(worst, centroid, 3);
      const expandedValue = evaluate(expanded);
      const takeExpanded = expandedValue < reflectedValue;
      points[worstIndex] = takeExpanded ? expanded : reflected;
      values[worstIndex] = takeExpanded ? expandedValue : reflectedValue;
      continue;
    }
    if (reflectedValue < secondWorst) {
      points[worstIndex] = reflected;
      values[worstIndex] = reflectedValue;
      continue;
    }
    // Contract towards the better of the worst point and its reflection.
    const outside = reflectedValue < values[worstIndex]!;
    const contracted = outside ? along(worst, centroid, 1.5) : along(worst, centroid, 0.5);
    const contractedValue = evaluate(contracted);
    if (contractedValue < Math.min(reflectedValue, values[worstIndex]!)) {
      points[worstIndex] = contracted;
      values[worstIndex] = contractedValue;
      continue;
    }
    for (const i of order.slice(1)) {
      points[i] = along(bestPoint, points[i]!, 0.5);
      values[i] = evaluate(points[i]!);
    }
  }
  order.sort((i, j) => values[i]! - values[j]!);
  const bestIndex = order[0]!;
  return {
    point: points[bestIndex]!,
    value: values[bestIndex]!,
    iterations,
    evaluations: 0,
    converged,
  };
}
