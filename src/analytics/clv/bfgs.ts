// A quasi-Newton minimizer for objectives with an analytic gradient: BFGS (Nocedal & Wright,
// "Numerical Optimization", 2nd ed., algorithm 6.1) with the inverse-Hessian update, the initial
// scaling of eq. 6.20, and a backtracking Armijo line search. On the BG/NBD and Gamma-Gamma
// likelihoods it converges in a few dozen gradient evaluations where the simplex method needs
// hundreds of function values, which is what makes a fit on 100,000 distinct rows take well
// under a second.

/** Tuning for minimizeBfgs. */
export interface BfgsOptions {
  /** Stop when every gradient component is at most this in size (default 1e-8). */
  readonly gradientTolerance?: number;
  /** Iterations (line searches) at most (default 500). */
  readonly maxIterations?: number;
  /** Largest change of any coordinate in one step (default 2), so a log-parameter cannot overshoot to overflow. */
  readonly maxStep?: number;
  /** Coordinates outside [−bound, bound] count as +∞ (default 30). */
  readonly bound?: number;
}

/** An objective's value and gradient at one point. */
export interface ValueAndGradient {
  readonly value: number;
  readonly gradient: readonly number[];
}

/** The best point found and whether the gradient tolerance was met. */
export interface BfgsResult {
  readonly point: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

const armijo = 1e-4;
const maxBacktracks = 30;

/** Minimizes f from start with BFGS; points where f or its gradient is not finite count as +∞. */
export function minimizeBfgs(
  f: (point: readonly number[]) => ValueAndGradient,
  start: readonly number[],
  options: BfgsOptions = {},
): BfgsResult {
  const { gradientTolerance = 1e-8, maxIterations = 500, maxStep = 2, bound = 30 } = options;
  const n = start.length;
  let evaluations = 0;
  const evaluate = (point: readonly number[]): ValueAndGradient | undefined => {
    evaluations++;
    if (point.some((v) => !(Math.abs(v) <= bound))) return undefined;
    try {
      const result = f(point);
      const finite = Number.isFinite(result.value) && result.gradient.every(Number.isFinite);
      return finite ? result : undefined;
    } catch {
      return undefined;
    }
  };
  const dot = (u: readonly number[], v: readonly number[]): number =>
    u.reduce((sum, ui, i) => sum + ui * v[i]!, 0);
  const largest = (v: readonly number[]): number => Math.max(...v.map(Math.abs));
  const identity = (): number[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

  let point = [...start];
  const first = evaluate(point);
  if (!first) return { point, value: Infinity, iterations: 0, evaluations, converged: false };
  let { value, gradient } = first;
  let inverseHessian = identity();
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    if (largest(gradient) <= gradientTolerance) {
      converged = true;
      break;
    }
    iterations++;
    let direction = inverseHessian.map((row) => -dot(row, gradient));
    let slope = dot(gradient, direction);
    if (!(slope < 0)) {
      // The approximation lost positive definiteness: fall back to steepest descent.
      inverseHessian = identity();
      direction = gradient.map((g) => -g);
      slope = -dot(gradient, gradient);
    }
    let step = Math.min(1, maxStep / largest(direction));
    let accepted: { point: number[]; at: ValueAndGradient } | undefined;
    for (let k = 0; k < maxBacktracks && !accepted; k++) {
      const candidate = point.map((v, i) => v + step * direction[i]!);
      const at = evaluate(candidate);
      // Near the minimum the value changes by less than its rounding noise, so the Armijo test
      // can refuse a step that lands where the gradient vanishes; such a step is the answer.
      const decreases = at && at.value <= value + armijo * step * slope;
      if (at && (decreases || largest(at.gradient) <= gradientTolerance)) {
        accepted = { point: candidate, at };
      } else {
        step /= 2;
      }
    }
    // No decrease along a descent direction: the value is flat to rounding, as good as it gets.
    if (!accepted) break;
    const s = accepted.point.map((v, i) => v - point[i]!);
    const y = accepted.at.gradient.map((g, i) => g - gradient[i]!);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (iterations === 1) inverseHessian = identity().map((row) => row.map((v) => (v * sy) / dot(y, y)));
      const rho = 1 / sy;
      const hy = inverseHessian.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      // H ← H − ρ(H y sᵀ + s yᵀ H) + (ρ² yᵀH y + ρ) s sᵀ  (H is symmetric).
      inverseHessian = inverseHessian.map((row, i) =>
        row.map(
          (v, j) => v - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) + (rho * rho * yhy + rho) * s[i]! * s[j]!,
        ),
      );
    }
    point = accepted.point;
    value = accepted.at.value;
    gradient = [...accepted.at.gradient];
  }
  return { point, value, iterations, evaluations, converged };
}
