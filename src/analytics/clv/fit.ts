import { PatronError } from '../../lib/errors.ts';
import { minimizeBfgs, type BfgsOptions } from './bfgs.ts';
import {
  bgnbdTotalLogLikelihood,
  bgnbdTotalLogLikelihoodWithGradient,
  type BgNbdParams,
} from './bgnbd.ts';
import type { HistorySummary, SpendSummary } from './fit-summary.ts';
import {
  gammaGammaTotalLogLikelihood,
  gammaGammaTotalLogLikelihoodWithGradient,
  type GammaGammaParams,
} from './gamma-gamma.ts';
import { minimizeNelderMead, type NelderMeadOptions } from './nelder-mead.ts';
import { paretoNbdTotalLogLikelihood, type ParetoNbdParams } from './pareto-nbd.ts';

// Maximum likelihood on a de-duplicated summary. Every parameter of these models is positive, so
// the optimizers work on their logarithms: the search is unconstrained and steps are relative.
// They minimize the mean negative log-likelihood per customer, so the tolerances mean the same
// for a hundred customers as for a million. Where the model has a cheap analytic gradient
// (BG/NBD, Gamma-Gamma) BFGS does the work; Pareto/NBD, whose gradient would need derivatives of
// 2F1 in its parameters, uses restarted Nelder–Mead, which is also the fallback whenever BFGS
// stops short (a flat or unbounded likelihood, as with no repeat buyers).

/** A fitted model: the maximum-likelihood parameters and how the search went. */
export interface FitResult<P> {
  readonly params: P;
  /** The full log-likelihood Σ log L_i at params (for BG/NBD on the CDNOW sample, −9582.4). */
  readonly logLikelihood: number;
  /** Optimizer iterations (BFGS line searches plus Nelder–Mead steps). */
  readonly iterations: number;
  /** Likelihood evaluations over the whole summary. */
  readonly evaluations: number;
  readonly converged: boolean;
  readonly customers: number;
  readonly distinctRows: number;
}

/** Optimizer settings for a fit, and an optional starting point (all parameters 1 by default). */
export interface FitOptions<P> extends NelderMeadOptions, BfgsOptions {
  readonly start?: P;
}

interface Objective<P> {
  readonly names: readonly (keyof P & string)[];
  /** Upper bounds for parameters whose likelihood keeps rising towards a limit model at infinity. */
  readonly upper?: Partial<Record<keyof P & string, number>>;
  readonly logLikelihood: (params: P) => number;
  readonly withGradient?: (params: P) => { readonly value: number; readonly gradient: P };
}

function fitPositive<P extends object>(
  objective: Objective<P>,
  customers: number,
  options: FitOptions<P>,
): Omit<FitResult<P>, 'customers' | 'distinctRows'> {
  const { names, logLikelihood, withGradient } = objective;
  const upper: Partial<Record<string, number>> = objective.upper ?? {};
  const bound = (name: string, value: number) => Math.min(value, upper[name] ?? Number.POSITIVE_INFINITY);
  const toParams = (point: readonly number[]): P =>
    Object.fromEntries(names.map((name, i) => [name, bound(name, Math.exp(point[i]!))])) as P;
  const atBound = (name: string, point: readonly number[], i: number) => Math.exp(point[i]!) >= (upper[name] ?? Number.POSITIVE_INFINITY);
  let point = names.map((name) => (options.start ? Math.log(options.start[name] as number) : 0));
  let iterations = 0;
  let evaluations = 0;
  let converged = false;
  if (withGradient) {
    const bfgs = minimizeBfgs(
      (at) => {
        const params = toParams(at);
        const { value, gradient } = withGradient(params);
        // Chain rule onto θ = log(param): ∂/∂θ = param · ∂/∂param.
        return {
          value: -value / customers,
          // A parameter held at its bound no longer moves the likelihood.
          gradient: names.map((name, i) => (atBound(name, at, i) ? 0 : (-(gradient[name] as number) * (params[name] as number)) / customers)),
        };
      },
      point,
      options,
    );
    iterations += bfgs.iterations;
    evaluations += bfgs.evaluations;
    converged = bfgs.converged;
    if (Number.isFinite(bfgs.value)) point = bfgs.point;
  }
  if (!converged) {
    const simplex = minimizeNelderMead((at) => -logLikelihood(toParams(at)) / customers, point, options);
    iterations += simplex.iterations;
    evaluations += simplex.evaluations;
    converged = simplex.converged;
    point = simplex.point;
  }
  const params = toParams(point);
  const total = logLikelihood(params);
  if (!Number.isFinite(total)) {
    // Only reachable if no point the search tried had a finite likelihood; say so rather than return NaN.
    throw new PatronError(
      'invalid_input',
      'The model could not be fitted: its likelihood is not finite anywhere the search went. ' +
        'Check that the summary holds real customer histories.',
      { value: params },
    );
  }
  return { params, logLikelihood: total, iterations, evaluations, converged };
}

function requireHistories(summary: HistorySummary, model: string): void {
  if (summary.customers === 0) {
    throw new PatronError(
      'invalid_input',
      `Cannot fit ${model}: there are no customers. Summarize at least two customer histories first.`,
      { path: ['customers'], value: 0 },
    );
  }
  if (summary.customers === 1) {
    throw new PatronError(
      'invalid_input',
      `Cannot fit ${model} to a single customer: the population parameters need at least two.`,
      { path: ['customers'], value: 1 },
    );
  }
  let observed = false;
  for (let i = 0; i < summary.size && !observed; i++) observed = summary.T[i]! > 0;
  if (!observed) {
    throw new PatronError(
      'invalid_input',
      `Cannot fit ${model}: every customer has T = 0, so no time was observed. ` +
        'Use a calibration period that ends after the first purchases.',
      { path: ['T'], value: 0 },
    );
  }
}

/** The largest a and b a BG/NBD fit returns (see fitBgNbd). */
export const bgnbdShapeLimit = 1e4;

/**
 * Fits BG/NBD by maximum likelihood (Fader, Hardie & Lee 2005). With no repeat buyers at all the
 * fit still runs, but a and b are then not identified and r, α sit at the edge of the search.
 */
export function fitBgNbd(
  summary: HistorySummary,
  options: FitOptions<BgNbdParams> = {},
): FitResult<BgNbdParams> {
  requireHistories(summary, 'BG/NBD');
  const fit = fitPositive<BgNbdParams>(
    {
      names: ['r', 'alpha', 'a', 'b'],
      // When drop-out probabilities hardly vary between customers, the likelihood rises towards a, b → ∞
      // (a fixed drop-out probability a/(a+b)). Past 1e4 the beta distribution is that point mass for
      // every practical purpose, and the 2F1 series of the predictions stop converging, so a and b stop there.
      upper: { a: bgnbdShapeLimit, b: bgnbdShapeLimit },
      logLikelihood: (params) => bgnbdTotalLogLikelihood(params, summary),
      withGradient: (params) => bgnbdTotalLogLikelihoodWithGradient(params, summary),
    },
    summary.customers,
    options,
  );
  return { ...fit, customers: summary.customers, distinctRows: summary.size };
}

/** Fits Pareto/NBD by maximum likelihood (Schmittlein et al. 1987; Fader & Hardie 2005 note). */
export function fitParetoNbd(
  summary: HistorySummary,
  options: FitOptions<ParetoNbdParams> = {},
): FitResult<ParetoNbdParams> {
  requireHistories(summary, 'Pareto/NBD');
  const fit = fitPositive<ParetoNbdParams>(
    {
      names: ['r', 'alpha', 's', 'beta'],
      logLikelihood: (params) => paretoNbdTotalLogLikelihood(params, summary),
    },
    summary.customers,
    options,
  );
  return { ...fit, customers: summary.customers, distinctRows: summary.size };
}

/** Fits the Gamma-Gamma spend model by maximum likelihood on the repeat buyers (Fader & Hardie 2013). */
export function fitGammaGamma(
  summary: SpendSummary,
  options: FitOptions<GammaGammaParams> = {},
): FitResult<GammaGammaParams> {
  if (summary.customers < 2) {
    const found = summary.customers === 0 ? 'none' : 'only one';
    throw new PatronError(
      'invalid_input',
      `Cannot fit Gamma-Gamma: it needs at least two customers with repeat purchases (x > 0), ` +
        `and there is ${found}. Collect a longer calibration period or use a population average spend.`,
      { path: ['x'], value: summary.customers },
    );
  }
  const fit = fitPositive<GammaGammaParams>(
    {
      names: ['p', 'q', 'gamma'],
      logLikelihood: (params) => gammaGammaTotalLogLikelihood(params, summary),
      withGradient: (params) => gammaGammaTotalLogLikelihoodWithGradient(params, summary),
    },
    summary.customers,
    options,
  );
  return { ...fit, customers: summary.customers, distinctRows: summary.size };
}
