import type { HistorySummary, PurchaseHistory } from './fit-summary.ts';
import { hyp2f1 } from './hypergeometric.ts';
import { digamma, logGamma } from './log-gamma.ts';
import { expm1Ratio, logAddExp } from './log-space.ts';

// The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
// Alternative to the Pareto/NBD Model", Marketing Science 24(2): while alive a customer buys as a
// Poisson process with rate λ ~ Gamma(r, α), and after each purchase drops out with probability
// p ~ Beta(a, b).

/** BG/NBD parameters: purchase rate λ ~ Gamma(shape r, rate α); dropout probability p ~ Beta(a, b). */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Log-likelihood of one customer's (x, t_x, T) (Fader, Hardie & Lee 2005, eq. 6, in log form). */
export function bgnbdLogLikelihood(params: BgNbdParams, history: PurchaseHistory): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = history;
  // L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^−(r+x) + δ(x>0) a/(b+x−1) (α+t_x)^−(r+x)].
  // The bracket is summed as log-sum-exp (as the lifetimes library does), since both terms can
  // underflow on their own for large x.
  const head =
    logGamma(r + x) -
    logGamma(r) +
    r * Math.log(alpha) +
    logGamma(a + b) +
    logGamma(b + x) -
    logGamma(b) -
    logGamma(a + b + x);
  const survived = -(r + x) * Math.log(alpha + T);
  if (x === 0) return head + survived;
  const droppedOut = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return head + logAddExp(survived, droppedOut);
}

/**
 * Total log-likelihood of a de-duplicated summary: Σ weight × ℓ(x, t_x, T). Log-gammas are taken
 * once per distinct x and logarithms once per distinct t_x and T, so a row costs one exp and one log.
 */
export function bgnbdTotalLogLikelihood(params: BgNbdParams, summary: HistorySummary): number {
  return bgnbdTotalLogLikelihoodWithGradient(params, summary).value;
}

/** The total log-likelihood and its gradient with respect to (r, α, a, b), in one pass over the rows. */
export function bgnbdTotalLogLikelihoodWithGradient(
  params: BgNbdParams,
  summary: HistorySummary,
): { readonly value: number; readonly gradient: BgNbdParams } {
  const { r, alpha, a, b } = params;
  const { xLevels, txLevels, TLevels, xLevel, txLevel, TLevel, weight } = summary;
  const levels = xLevels.length;
  const base = -logGamma(r) + r * Math.log(alpha) + logGamma(a + b) - logGamma(b);
  const head = new Float64Array(levels);
  const dropout = new Float64Array(levels);
  for (let k = 0; k < levels; k++) {
    const x = xLevels[k]!;
    head[k] = base + logGamma(r + x) + logGamma(b + x) - logGamma(a + b + x);
    dropout[k] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity;
  }
  const logAlphaT = TLevels.map((T) => Math.log(alpha + T));
  const logAlphaTx = txLevels.map((tx) => Math.log(alpha + tx));
  const inverseAlphaT = TLevels.map((T) => 1 / (alpha + T));
  const inverseAlphaTx = txLevels.map((tx) => 1 / (alpha + tx));
  // Row sums that the gradient needs, grouped by x level where the factor depends only on x.
  const weightByX = new Float64Array(levels);
  const droppedByX = new Float64Array(levels);
  let total = 0;
  let dr = 0;
  let dAlpha = 0;
  for (let i = 0; i < summary.size; i++) {
    const k = xLevel[i]!;
    const w = weight[i]!;
    const rx = r + xLevels[k]!;
    const j = TLevel[i]!;
    const survived = -rx * logAlphaT[j]!;
    weightByX[k]! += w;
    if (dropout[k] === -Infinity) {
      total += w * (head[k]! + survived);
      dr -= w * logAlphaT[j]!;
      dAlpha -= w * rx * inverseAlphaT[j]!;
      continue;
    }
    const m = txLevel[i]!;
    const droppedOut = dropout[k]! - rx * logAlphaTx[m]!;
    // log-sum-exp of the two terms, and the dropped-out term's share of their sum.
    const gap = Math.exp(-Math.abs(droppedOut - survived));
    const share = droppedOut > survived ? 1 / (1 + gap) : gap / (1 + gap);
    total += w * (head[k]! + Math.max(survived, droppedOut) + Math.log1p(gap));
    dr -= w * ((1 - share) * logAlphaT[j]! + share * logAlphaTx[m]!);
    dAlpha -= w * rx * ((1 - share) * inverseAlphaT[j]! + share * inverseAlphaTx[m]!);
    droppedByX[k]! += w * share;
  }
  let da = 0;
  let db = 0;
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);
  for (let k = 0; k < levels; k++) {
    const x = xLevels[k]!;
    const w = weightByX[k]!;
    const psiABX = digamma(a + b + x);
    dr += w * (digamma(r + x) - psiR + Math.log(alpha));
    dAlpha += (w * r) / alpha;
    da += w * (psiAB - psiABX) + droppedByX[k]! / a;
    db += w * (psiAB - psiB + digamma(b + x) - psiABX);
    if (x > 0) db -= droppedByX[k]! / (b + x - 1);
  }
  return { value: total, gradient: { r: dr, alpha: dAlpha, a: da, b: db } };
}

// [1 − (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z)] / (a−1), the bracket of eq. 7 (x = 0) and eq. 10.
// Euler's transformation (Abramowitz & Stegun 15.3.3) rewrites (1−z)^(r+x) 2F1(r+x, b+x; c; z)
// as (1−z)^(a−1) 2F1(c−r−x, a−1; c; z) with c = a+b+x−1, whose parameters do not grow with x, so
// large purchase counts cannot overflow. Near a = 1 the bracket and (a−1) vanish together; there we
// expand 2F1(·, ε; ·) = 1 + ε G and divide by ε = a − 1 by hand.
const largeShape = 50;

function bracketOverAMinusOne(params: BgNbdParams, x: number, z: number, logOneMinusZ: number): number {
  const { r, a, b } = params;
  const c = a + b + x - 1;
  const first = a + b - 1 - r;
  const epsilon = a - 1;
  if (epsilon > largeShape) {
    // For large a the transformed 2F1 overflows while (1−z)^(a−1) underflows; the original form
    // 2F1(r+x, b+x; c; z) has (b+x)/c < 1 and converges without either, and a − 1 is far from 0.
    return (1 - Math.exp((r + x) * logOneMinusZ) * hyp2f1(r + x, b + x, c, z)) / epsilon;
  }
  if (Math.abs(epsilon) > 1e-4) {
    const f = hyp2f1(first, epsilon, c, z);
    // f > 0 whenever c > 0, as it equals a positive series times (1−z)^(r+x−a+1); expm1 keeps
    // the digits of 1 − (1−z)^ε f when that product is close to 1.
    if (f > 0) return -Math.expm1(epsilon * logOneMinusZ + Math.log(f)) / epsilon;
    return (1 - Math.exp(epsilon * logOneMinusZ) * f) / epsilon;
  }
  // G = Σ_{n≥1} (first)_n (1+ε)_{n−1} z^n / ((c)_n n!), since (ε)_n = ε (1+ε)_{n−1}.
  let term = (first * z) / c;
  let g = term;
  for (let n = 1; n < 200_000 && term !== 0 && Math.abs(term) > 1e-17 * Math.abs(g); n++) {
    term *= (((first + n) * (epsilon + n)) / ((c + n) * (n + 1))) * z;
    g += term;
  }
  return -expm1Ratio(epsilon, logOneMinusZ) - Math.exp(epsilon * logOneMinusZ) * g;
}

/** E[X(t)], the expected number of purchases of a new customer in (0, t] (Fader, Hardie & Lee 2005, eq. 7). */
export function bgnbdExpectedPurchases(params: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { alpha, a, b } = params;
  const z = t / (alpha + t);
  return (a + b - 1) * bracketOverAMinusOne(params, 0, z, Math.log(alpha) - Math.log(alpha + t));
}

/** P(alive at T | x, t_x, T): the reciprocal of eq. 10's denominator (Fader, Hardie & Lee 2008, "Computing P(alive) Using the BG/NBD Model"). */
export function bgnbdProbabilityAlive(params: BgNbdParams, history: PurchaseHistory): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = history;
  // Without a repeat purchase there was no chance to drop out, so the customer is alive.
  if (x === 0) return 1;
  const logOdds =
    Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  // 1 / (1 + e^logOdds), written so that neither branch overflows.
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
}

/** E[Y(t) | x, t_x, T], the expected purchases in (T, T + t] of a customer with that history (eq. 10). */
export function bgnbdConditionalExpectedPurchases(
  params: BgNbdParams,
  t: number,
  history: PurchaseHistory,
): number {
  if (t <= 0) return 0;
  const { alpha, a, b } = params;
  const { x, T } = history;
  const z = t / (alpha + T + t);
  const logOneMinusZ = Math.log(alpha + T) - Math.log(alpha + T + t);
  // Eq. 10 = (a+b+x−1)/(a−1) · [bracket] / (1 + δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x)), and the
  // last factor is P(alive).
  return (
    (a + b + x - 1) *
    bracketOverAMinusOne(params, x, z, logOneMinusZ) *
    bgnbdProbabilityAlive(params, history)
  );
}
