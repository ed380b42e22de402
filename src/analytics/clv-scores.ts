import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdProbabilityAlive,
  fitBgNbd,
  fitGammaGamma,
  summarizeForFit,
  summarizeSpendForFit,
  type BgNbdParams,
  type GammaGammaParams,
} from './clv/index.ts';
import type { AnalyticsSettings } from './settings.ts';

type Trx = Transaction<Database>;

/** How one fit went: its log-likelihood, whether it converged, the data it saw and how long it took. */
export interface FitReport {
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly customers: number;
  readonly distinctRows: number;
  readonly iterations: number;
  readonly seconds: number;
}

/** The purchase and spend models a run fitted (or a targeted rescore reuses), with how the fits went. */
export interface ClvModels {
  readonly timeUnit: 'days' | 'weeks';
  readonly bgnbd: BgNbdParams;
  readonly bgnbdFit: FitReport;
  /** Null when the spend model could not be fitted (too few repeat buyers, or q ≤ 1: infinite expected spend). */
  readonly gammaGamma: GammaGammaParams | null;
  readonly gammaGammaFit: FitReport | null;
  readonly horizonDays: number;
  readonly annualDiscountRate: number;
}

/** What the CLV step of a run produced: models, or the reason there are none. */
export interface ClvFitOutcome {
  readonly models: ClvModels | null;
  readonly problems: readonly string[];
  readonly seconds: number;
}

const daysPerUnit = (unit: 'days' | 'weeks') => (unit === 'days' ? 1 : 7);
const daysPerMonth = 365.25 / 12;
// A daily run must finish: on a flat likelihood (no spend heterogeneity, no dropout) the optimizers
// could otherwise wander for minutes; the cap is reported as "not converged".
const fitLimits = { maxIterations: 1000 };
/** Up to this many buyers the fit summary keeps exact days; above, whole weeks (see clv.fitResolutionDays). */
export const autoExactBuyers = 100_000;

/**
 * Fits BG/NBD on the de-duplicated (x, t_x, T) of score_input (x = order days − 1, times from the first
 * order day, in the settings' unit) and Gamma-Gamma on the repeat buyers' (x, z̄), z̄ being the mean net
 * spend of a repeat order day in minor units. Grouping happens in SQL, so the fit sees distinct
 * histories, not customers. Degenerate data (no buyers, one buyer, no repeat buyers, nothing
 * observed yet) yields no models and a sentence saying why, never NaN. The previous run's models, when
 * given, are the starting point of the search.
 */
export async function fitClvModels(trx: Trx, settings: AnalyticsSettings, asOf: string, previous: ClvModels | null = null): Promise<ClvFitOutcome> {
  // Day to day the fitted parameters barely move: starting from the last run's makes the search a few steps.
  const warm = previous !== null && previous.timeUnit === settings.clv.timeUnit;
  const started = performance.now();
  const unit = daysPerUnit(settings.clv.timeUnit);
  const problems: string[] = [];
  const buyers = await sql<{ n: number }>`SELECT count(*)::int AS n FROM score_input`.execute(trx);
  const res = settings.clv.fitResolutionDays ?? ((buyers.rows[0]?.n ?? 0) > autoExactBuyers ? 7 : 1);
  const histories = await sql<{ x: number; tx: number; tt: number; n: number }>`
    SELECT order_days - 1 AS x, ((last_day - first_day) + ${res}::int / 2) / ${res}::int * ${res}::int AS tx,
           ((${asOf}::date - first_day) + ${res}::int / 2) / ${res}::int * ${res}::int AS tt, count(*)::int AS n
    FROM score_input GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(trx);
  const rows = histories.rows;
  const customers = rows.reduce((s, r) => s + r.n, 0);
  const repeatBuyers = rows.reduce((s, r) => s + (r.x > 0 ? r.n : 0), 0);
  const seconds = () => (performance.now() - started) / 1000;
  if (customers < 2) return { models: null, problems: [`${customers === 0 ? 'No buyers' : 'Only one buyer'}: the purchase model needs at least two customers.`], seconds: seconds() };
  if (repeatBuyers === 0) return { models: null, problems: ['No repeat buyers yet: the purchase model (BG/NBD) cannot tell how often customers come back, so P(alive) and CLV are left empty.'], seconds: seconds() };

  let bgnbd;
  let fitStarted = performance.now();
  try {
    const summary = weighted(summarizeForFit(rows.map((r) => ({ x: r.x, tx: r.tx / unit, T: r.tt / unit }))), rows.map((r) => r.n));
    bgnbd = fitBgNbd(summary, warm ? { ...fitLimits, start: previous.bgnbd } : fitLimits);
  } catch (error) {
    if (error instanceof PatronError) return { models: null, problems: [`BG/NBD: ${error.message}`], seconds: seconds() };
    throw error;
  }
  const bgnbdSeconds = (performance.now() - fitStarted) / 1000;
  if (!bgnbd.converged) problems.push('BG/NBD: the optimizer stopped before converging; the parameters are the best found.');

  let gammaGamma: GammaGammaParams | null = null;
  let gammaGammaFit: ClvModels['gammaGammaFit'] = null;
  // Rounded in float8: numeric logarithms would cost seconds on a million rows.
  const zbar = sql`((total_minor - first_day_minor)::float8 / (order_days - 1))`;
  const digits = settings.clv.fitSpendDigits;
  const step = sql`power(10::float8, floor(log(${zbar})) - ${digits ?? 1}::int + 1)`;
  const rounded = digits === null ? zbar : sql`round(${zbar} / ${step}) * ${step}`;
  const spend = await sql<{ x: number; zbar: number; n: number }>`
    SELECT order_days - 1 AS x, ${rounded} AS zbar, count(*)::int AS n
    FROM score_input WHERE order_days > 1 AND total_minor > first_day_minor GROUP BY 1, 2 ORDER BY 1, 2`.execute(trx);
  const spenders = spend.rows.reduce((s, r) => s + r.n, 0);
  if (spenders < 2) {
    problems.push('Gamma-Gamma: fewer than two repeat buyers, so expected order value and CLV are left empty.');
  } else {
    try {
      fitStarted = performance.now();
      const fit = fitGammaGamma(weighted(summarizeSpendForFit(spend.rows.map((r) => ({ x: r.x, zbar: r.zbar }))), spend.rows.map((r) => r.n)), warm && previous.gammaGamma ? { ...fitLimits, start: previous.gammaGamma } : fitLimits);
      if (!fit.converged) problems.push('Gamma-Gamma: the optimizer stopped before converging; the parameters are the best found.');
      if (fit.params.q > 1) {
        gammaGamma = fit.params;
        gammaGammaFit = { logLikelihood: fit.logLikelihood, converged: fit.converged, customers: fit.customers, distinctRows: fit.distinctRows, iterations: fit.iterations, seconds: (performance.now() - fitStarted) / 1000 };
      } else {
        problems.push(`Gamma-Gamma: fitted q = ${fit.params.q.toFixed(3)} ≤ 1 means an infinite expected order value; CLV is left empty.`);
      }
    } catch (error) {
      if (!(error instanceof PatronError)) throw error;
      problems.push(`Gamma-Gamma: ${error.message}`);
    }
  }
  return {
    models: {
      timeUnit: settings.clv.timeUnit,
      bgnbd: bgnbd.params,
      bgnbdFit: { logLikelihood: bgnbd.logLikelihood, converged: bgnbd.converged, customers: bgnbd.customers, distinctRows: bgnbd.distinctRows, iterations: bgnbd.iterations, seconds: bgnbdSeconds },
      gammaGamma,
      gammaGammaFit,
      horizonDays: settings.clv.horizonDays,
      annualDiscountRate: settings.clv.annualDiscountRate,
    },
    problems,
    seconds: seconds(),
  };
}

// The summary functions group identical rows; ours arrive grouped with counts, so each input row is its
// own group (in input order) and gets its count as weight.
function weighted<S extends { readonly size: number; readonly weight: Float64Array; readonly customers: number }>(summary: S, counts: readonly number[]): S {
  if (summary.size !== counts.length) throw new Error('CLV summary rows were not distinct');
  return { ...summary, weight: Float64Array.from(counts), customers: counts.reduce((a, b) => a + b, 0) };
}

/**
 * Creates the temporary table clv_pred: per distinct (x, T) of score_input, the factor A(x, T, t) such
 * that E[Y(t) | x, t_x, T] = A · P(alive | x, t_x, T) (BG/NBD, Fader, Hardie & Lee 2005, eq. 10: t_x
 * enters only through the P(alive) denominator), for t = 30, 90 and 365 days, and the discounted sum
 * Σ_i (A(t_i) − A(t_{i−1})) / (1 + d)^i over the CLV horizon in months (lifetimes' discrete-time CLV).
 * P(alive) itself has a closed form evaluated in SQL, so the expensive 2F1 work is per (x, T), not per customer.
 */
export async function writeClvPredictions(trx: Trx, models: ClvModels, asOf: string): Promise<number> {
  const unit = daysPerUnit(models.timeUnit);
  const pairs = await sql<{ x: number; tt: number }>`SELECT DISTINCT order_days - 1 AS x, ${asOf}::date - first_day AS tt FROM score_input`.execute(trx);
  const months = Math.max(1, Math.round(models.horizonDays / daysPerMonth));
  const monthly = Math.pow(1 + models.annualDiscountRate, 1 / 12) - 1;
  const xs: number[] = [];
  const tts: number[] = [];
  const cols: number[][] = [[], [], [], []];
  for (const { x, tt } of pairs.rows) {
    const history = { x, tx: tt / unit, T: tt / unit };
    const alive = bgnbdProbabilityAlive(models.bgnbd, history);
    const factor = (days: number) => bgnbdConditionalExpectedPurchases(models.bgnbd, days / unit, history) / alive;
    let clv = 0;
    let before = 0;
    for (let i = 1; i <= months; i++) {
      const now = factor(i * daysPerMonth);
      clv += (now - before) / Math.pow(1 + monthly, i);
      before = now;
    }
    xs.push(x);
    tts.push(tt);
    cols[0]!.push(factor(30));
    cols[1]!.push(factor(90));
    cols[2]!.push(factor(365));
    cols[3]!.push(clv);
  }
  await sql`DROP TABLE IF EXISTS clv_pred`.execute(trx);
  await sql`CREATE TEMP TABLE clv_pred (x int, tt int, a30 float8, a90 float8, a365 float8, aclv float8) ON COMMIT DROP`.execute(trx);
  const batch = 20_000;
  for (let i = 0; i < xs.length; i += batch) {
    const part = (values: number[]) => values.slice(i, i + batch);
    await sql`
      INSERT INTO clv_pred SELECT * FROM unnest(${part(xs)}::int[], ${part(tts)}::int[], ${part(cols[0]!)}::float8[], ${part(cols[1]!)}::float8[],
        ${part(cols[2]!)}::float8[], ${part(cols[3]!)}::float8[])`.execute(trx);
  }
  await sql`ANALYZE clv_pred`.execute(trx);
  return xs.length;
}

/** SQL expressions over score_input (alias i) and clv_pred (alias p) for the per-customer predictions. */
export interface ClvExpressions {
  readonly pAlive: RawBuilder<unknown>;
  /** Null without a spend model: then neither expected order value nor CLV is given. */
  readonly expectedAov: RawBuilder<unknown> | null;
  readonly expectedGapDays: RawBuilder<unknown>;
}

/**
 * P(alive) in closed form, 1 / (1 + [x > 0] · a/(b + x − 1) · ((α + T)/(α + t_x))^(r + x)) (Fader, Hardie &
 * Lee 2008), computed on logarithms with the exponent clamped so neither store overflows; the
 * Gamma-Gamma expected order value p(γ + x z̄)/(px + q − 1) (Fader, Hardie & Lee 2005 JMR); and the expected days between
 * purchases, 1 / E[λ | x, T] = (α + T)/(r + x) in the model's unit.
 */
export function clvExpressions(models: ClvModels, asOf: string): ClvExpressions {
  const { r, alpha, a, b } = models.bgnbd;
  const unit = daysPerUnit(models.timeUnit);
  const T = sql`((${asOf}::date - i.first_day)::float8 / ${unit}::float8)`;
  const tx = sql`((i.last_day - i.first_day)::float8 / ${unit}::float8)`;
  const x = sql`(i.order_days - 1)::float8`;
  const logOdds = sql`(ln(${a}::float8) - ln(${b}::float8 + ${x} - 1) + (${r}::float8 + ${x}) * (ln(${alpha}::float8 + ${T}) - ln(${alpha}::float8 + ${tx})))`;
  // Clamped to ±700, exp stays inside float8 on both ends, and the log-odds are computed once.
  const pAlive = sql`CASE WHEN i.order_days = 1 THEN 1::float8 ELSE 1 / (1 + exp(greatest(-700::float8, least(700::float8, ${logOdds})))) END`;
  const gg = models.gammaGamma;
  const zbar = sql`CASE WHEN i.order_days > 1 THEN (i.total_minor - i.first_day_minor)::float8 / (i.order_days - 1) ELSE 0 END`;
  const expectedAov = gg ? sql`(${gg.p}::float8 * (${gg.gamma}::float8 + ${x} * ${zbar}) / (${gg.p}::float8 * ${x} + ${gg.q}::float8 - 1))` : null;
  const expectedGapDays = sql`((${alpha}::float8 + ${T}) / (${r}::float8 + i.order_days - 1) * ${unit}::float8)`;
  return { pAlive, expectedAov, expectedGapDays };
}
