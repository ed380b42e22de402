import { PatronError } from '../../lib/errors.ts';
import { bgnbdConditionalExpectedPurchases, type BgNbdParams } from './bgnbd.ts';
import type { PurchaseHistory, SpendHistory, SpendSummary } from './fit-summary.ts';
import { digamma, logGamma } from './log-gamma.ts';

// The Gamma-Gamma model of monetary value: Fader, Hardie & Lee (2005), "RFM and CLV: Using
// Iso-Value Curves for Customer Base Analysis", JMR 42(4), and Fader & Hardie (2013), "The
// Gamma-Gamma Model of Monetary Value". Each transaction's value is Gamma(p, ν), and ν varies
// across customers as Gamma(q, γ); spend is assumed independent of the purchase process.

/** Gamma-Gamma parameters: transaction value ~ Gamma(shape p, rate ν); ν ~ Gamma(shape q, rate γ). */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

/**
 * Log-likelihood of one repeat buyer's mean spend z̄ over x transactions (Fader & Hardie 2013):
 * the density of z̄ itself, Γ(px+q)/(Γ(px)Γ(q)) γ^q x^(px) z̄^(px−1) / (γ + x z̄)^(px+q).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, history: SpendHistory): number {
  const { p, q, gamma } = params;
  const { x, zbar } = history;
  const px = p * x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(zbar) +
    px * Math.log(x) -
    (px + q) * Math.log(x * zbar + gamma)
  );
}

/** Total log-likelihood of a de-duplicated spend summary: Σ weight × ℓ(x, z̄), log-gammas once per distinct x. */
export function gammaGammaTotalLogLikelihood(params: GammaGammaParams, summary: SpendSummary): number {
  return gammaGammaTotalLogLikelihoodWithGradient(params, summary).value;
}

/** The total log-likelihood and its gradient with respect to (p, q, γ), in one pass over the rows. */
export function gammaGammaTotalLogLikelihoodWithGradient(
  params: GammaGammaParams,
  summary: SpendSummary,
): { readonly value: number; readonly gradient: GammaGammaParams } {
  const { p, q, gamma } = params;
  const { xLevels, xLevel, x: xs, logZbar, zbar: zbars, weight } = summary;
  const logGammaParam = Math.log(gamma);
  const head = xLevels.map(
    (x) => logGamma(p * x + q) - logGamma(p * x) - logGamma(q) + q * logGammaParam + p * x * Math.log(x),
  );
  let total = 0;
  let dp = 0;
  let dq = 0;
  let dGamma = 0;
  // Σ weight per x level, for the digamma terms that depend on x alone.
  const weightByX = new Float64Array(xLevels.length);
  for (let i = 0; i < summary.size; i++) {
    const k = xLevel[i]!;
    const x = xs[i]!;
    const w = weight[i]!;
    const px = p * x;
    const logZ = logZbar[i]!;
    const scale = x * zbars[i]! + gamma;
    const logScale = Math.log(scale);
    total += w * (head[k]! + (px - 1) * logZ - (px + q) * logScale);
    dp += w * x * (logZ - logScale);
    dq -= w * logScale;
    dGamma -= (w * (px + q)) / scale;
    weightByX[k]! += w;
  }
  const psiQ = digamma(q);
  for (let k = 0; k < xLevels.length; k++) {
    const x = xLevels[k]!;
    const w = weightByX[k]!;
    const psiPXQ = digamma(p * x + q);
    dp += w * x * (psiPXQ - digamma(p * x) + Math.log(x));
    dq += w * (psiPXQ - psiQ + logGammaParam);
    dGamma += (w * q) / gamma;
  }
  return { value: total, gradient: { p: dp, q: dq, gamma: dGamma } };
}

/**
 * E[Z | x, z̄], a customer's expected spend per transaction (Fader, Hardie & Lee 2005 JMR):
 * p(γ + x z̄)/(px + q − 1), a weighted average of the population mean pγ/(q−1) and their own z̄.
 * With x = 0 it is the population mean.
 */
export function gammaGammaConditionalExpectedSpend(
  params: GammaGammaParams,
  history: SpendHistory,
): number {
  const { p, q, gamma } = params;
  const { x } = history;
  const zbar = x > 0 ? history.zbar : 0;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) {
    throw new PatronError(
      'invalid_input',
      `The expected spend is infinite when p·x + q ≤ 1 (p = ${p}, q = ${q}, x = ${x}); ` +
        'the Gamma-Gamma fit does not describe this customer base, so do not use it for CLV.',
      { path: ['q'], value: q },
    );
  }
  return (p * (gamma + x * zbar)) / denominator;
}

/** How to discount future revenue in customerLifetimeValue. */
export interface LifetimeValueOptions {
  /** Number of periods to sum over (default 12). */
  readonly periods?: number;
  /** Length of one period in the model's time unit (default 4.345: months, when the models run in weeks). */
  readonly periodLength?: number;
  /** Discount rate per period (default 0.01). */
  readonly discountRate?: number;
}

/**
 * Discounted expected revenue over a horizon: Σ_{i=1..n} (E[Y(i·L)] − E[Y((i−1)·L)]) × E[Z] / (1+d)^i,
 * with BG/NBD purchases and Gamma-Gamma spend, as lifetimes' customer_lifetime_value computes it
 * (Fader, Hardie & Lee 2005 JMR, §CLV, in discrete time).
 */
export function customerLifetimeValue(
  purchaseParams: BgNbdParams,
  spendParams: GammaGammaParams,
  history: PurchaseHistory & SpendHistory,
  options: LifetimeValueOptions = {},
): number {
  const { periods = 12, periodLength = 4.345, discountRate = 0.01 } = options;
  if (!(Number.isInteger(periods) && periods >= 0 && periodLength > 0 && discountRate > -1)) {
    throw new PatronError(
      'invalid_input',
      'CLV needs a whole number of periods ≥ 0, a positive period length and a discount rate > −1.',
      { value: options },
    );
  }
  const spend = gammaGammaConditionalExpectedSpend(spendParams, history);
  let value = 0;
  let before = 0;
  for (let i = 1; i <= periods; i++) {
    // Expected purchases are cumulative, so each period adds the increase since the previous one.
    const upTo = bgnbdConditionalExpectedPurchases(purchaseParams, i * periodLength, history);
    value += ((upTo - before) * spend) / Math.pow(1 + discountRate, i);
    before = upTo;
  }
  return value;
}
