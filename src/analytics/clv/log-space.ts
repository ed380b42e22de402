// Arithmetic on logarithms, so that likelihood terms of very different size add without overflow.

/** log(e^u + e^v), exact when either side is −∞. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

/** (e^(εL) − 1) / ε, continued to L at ε = 0, without cancellation for small ε. */
export function expm1Ratio(epsilon: number, logValue: number): number {
  const product = epsilon * logValue;
  // Near εL = 0 the two-term Taylor series is accurate to rounding, and ε = 0 would be 0/0.
  if (Math.abs(product) < 1e-8) return logValue * (1 + product / 2);
  return Math.expm1(product) / epsilon;
}
