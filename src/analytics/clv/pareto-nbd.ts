import type { HistorySummary, PurchaseHistory } from './fit-summary.ts';
import { hyp2f1 } from './hypergeometric.ts';
import { logGamma } from './log-gamma.ts';
import { expm1Ratio, logAddExp } from './log-space.ts';

// The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who
// Are They and What Will They Do Next?", Management Science 33(1), in the form of Fader & Hardie
// (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions": while alive a customer
// buys as a Poisson process with rate λ ~ Gamma(r, α) and has an exponential lifetime with
// rate μ ~ Gamma(s, β).

/** Pareto/NBD parameters: purchase rate λ ~ Gamma(shape r, rate α); dropout rate μ ~ Gamma(shape s, rate β). */
export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

// log A₀ of the note's likelihood: A₀ = F(t_x) − F(T) with
// F(t) = 2F1(r+s+x, k; r+s+x+1; |α−β|/(m+t)) / (m+t)^(r+s+x), m = max(α, β), and k = s+1 when
// α ≥ β, r+x when α < β. Choosing the branch by the larger rate keeps the 2F1 argument in [0, 1).
// That 2F1 still overflows when its argument nears 1 with large parameters (it grows like
// (1−z)^(1−k)), so Euler's transformation (Abramowitz & Stegun 15.3.3) moves that factor into log
// space: 2F1(r+s+x, k; r+s+x+1; z) = (1−z)^(1−k) 2F1(1, r+s+x+1−k; r+s+x+1; z), with
// 1 − z = (min(α, β) + t)/(m + t). The difference F(t_x) − F(T) is then taken in log space, as
// lifetimes does.
function logA0(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = params;
  const rsx = r + s + x;
  const larger = Math.max(alpha, beta);
  const smaller = Math.min(alpha, beta);
  const k = alpha >= beta ? s + 1 : r + x;
  const logF = (t: number): number => {
    const logLarger = Math.log(larger + t);
    const z = (larger - smaller) / (larger + t);
    return (
      (1 - k) * (Math.log(smaller + t) - logLarger) +
      Math.log(hyp2f1(1, rsx + 1 - k, rsx + 1, z)) -
      rsx * logLarger
    );
  };
  const atRecency = logF(tx);
  const atEnd = logF(T);
  // A₀ integrates a positive density over (t_x, T]; rounding can only make it look ≤ 0 when t_x = T.
  if (!(atRecency > atEnd)) return -Infinity;
  return atRecency + Math.log1p(-Math.exp(atEnd - atRecency));
}

// Γ(r+x) α^r β^s / Γ(r), the factor shared by both terms of the note's likelihood.
function logLeadingFactor(params: ParetoNbdParams, x: number): number {
  const { r, alpha, s, beta } = params;
  return logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
}

// log of the "still alive at T" part: 1 / ((α+T)^(r+x) (β+T)^s).
function logAliveTerm(params: ParetoNbdParams, x: number, T: number): number {
  const { r, alpha, s, beta } = params;
  return -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
}

// log of the "died in (t_x, T]" part: s/(r+s+x) A₀.
function logDeadTerm(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, s } = params;
  return Math.log(s) - Math.log(r + s + x) + logA0(params, x, tx, T);
}

/** Log-likelihood of one customer's (x, t_x, T) (Fader & Hardie 2005 note, in log form). */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, history: PurchaseHistory): number {
  const { x, tx, T } = history;
  return (
    logLeadingFactor(params, x) +
    logAddExp(logAliveTerm(params, x, T), logDeadTerm(params, x, tx, T))
  );
}

/** Total log-likelihood of a de-duplicated summary: Σ weight × ℓ(x, t_x, T). */
export function paretoNbdTotalLogLikelihood(params: ParetoNbdParams, summary: HistorySummary): number {
  const { xLevels, xLevel } = summary;
  const leading = xLevels.map((x) => logLeadingFactor(params, x));
  let total = 0;
  for (let i = 0; i < summary.size; i++) {
    const x = summary.x[i]!;
    const T = summary.T[i]!;
    const ll =
      leading[xLevel[i]!]! +
      logAddExp(logAliveTerm(params, x, T), logDeadTerm(params, x, summary.tx[i]!, T));
    total += summary.weight[i]! * ll;
  }
  return total;
}

/** P(alive at T | x, t_x, T) (Fader & Hardie 2005 note; Schmittlein et al. 1987). */
export function paretoNbdProbabilityAlive(params: ParetoNbdParams, history: PurchaseHistory): number {
  const { x, tx, T } = history;
  // 1 / (1 + (s/(r+s+x)) (α+T)^(r+x) (β+T)^s A₀), the alive term's share of the likelihood.
  const logOdds = logDeadTerm(params, x, tx, T) - logAliveTerm(params, x, T);
  if (logOdds === -Infinity) return 1;
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
}

/** E[X(t)], the expected number of purchases of a new customer in (0, t] (Schmittlein et al. 1987). */
export function paretoNbdExpectedPurchases(params: ParetoNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  // rβ/(α(s−1)) [1 − (β/(β+t))^(s−1)]; the ratio form stays finite at s = 1, where it is (rβ/α) log(1 + t/β).
  return ((r * beta) / alpha) * -expm1Ratio(s - 1, Math.log(beta) - Math.log(beta + t));
}

/** E[Y(t) | x, t_x, T], the expected purchases in (T, T + t] of a customer with that history (Fader & Hardie 2005 note). */
export function paretoNbdConditionalExpectedPurchases(
  params: ParetoNbdParams,
  t: number,
  history: PurchaseHistory,
): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  const { x, T } = history;
  // P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].
  const remaining = -expm1Ratio(s - 1, Math.log(beta + T) - Math.log(beta + T + t));
  return (
    paretoNbdProbabilityAlive(params, history) * (((r + x) * (beta + T)) / (alpha + T)) * remaining
  );
}
