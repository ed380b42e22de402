import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput } from '../lib/errors.ts';
import { bgnbdConditionalExpectedPurchases, fitBgNbd, summarizeForFit, type BgNbdParams } from './clv/index.ts';

/** Expected against actual repeat purchases in the holdout period, for customers with x repeat purchases in calibration. */
export interface HoldoutRow {
  /** Repeat purchases (order days − 1) in calibration; the last row holds everyone with at least this many. */
  readonly x: number;
  readonly customers: number;
  /** Mean order days per customer in the holdout period. */
  readonly actual: number;
  readonly expected: number;
}

/** A calibration/holdout check of BG/NBD: fit on calibration, compare predictions with what happened after. */
export interface HoldoutReport {
  readonly calibrationEnd: string;
  readonly holdoutEnd: string;
  readonly holdoutDays: number;
  readonly timeUnit: 'days' | 'weeks';
  readonly params: BgNbdParams;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly byRepeatPurchases: readonly HoldoutRow[];
  readonly total: { readonly actual: number; readonly expected: number };
}

const lastBucket = 7;

/**
 * Fits BG/NBD on the purchase histories up to calibrationEnd (customers whose first order falls in
 * calibration) and compares, per number of calibration repeat purchases 0…6 and 7+, the mean
 * conditional expected order days in (calibrationEnd, holdoutEnd] with the actual ones — the check of
 * Fader, Hardie & Lee (2005), Figure 4. Reads orders (set-based), so it is a diagnostic, not part of
 * the daily run.
 */
export async function holdoutReport(
  db: Kysely<Database>,
  workspace: Workspace,
  options: { calibrationEnd: string; holdoutEnd: string; timeUnit?: 'days' | 'weeks' },
): Promise<HoldoutReport> {
  const { calibrationEnd, holdoutEnd } = options;
  const unit = options.timeUnit === 'weeks' ? 7 : 1;
  const holdoutDays = Math.round((Date.parse(`${holdoutEnd}T00:00:00Z`) - Date.parse(`${calibrationEnd}T00:00:00Z`)) / 86_400_000);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(calibrationEnd) || !/^\d{4}-\d{2}-\d{2}$/.test(holdoutEnd) || !(holdoutDays > 0)) {
    throw invalidInput('Give the calibration end and the holdout end as dates YYYY-MM-DD, the holdout end after the calibration end', { path: ['holdout'], value: options });
  }
  const tz = workspace.timezone;
  const rows = await sql<{ x: number; tx: number; tt: number; n: number; holdout: number }>`
    WITH days AS (
      SELECT DISTINCT customer_id, (ordered_at AT TIME ZONE ${tz})::date AS day
      FROM orders
      WHERE workspace_id = ${workspace.id} AND customer_id IS NOT NULL AND status <> 'cancelled' AND total_minor > refunded_minor
        AND ordered_at < ((${holdoutEnd}::date + 1)::timestamp AT TIME ZONE ${tz})
    ),
    per AS (
      SELECT customer_id, count(*) FILTER (WHERE day <= ${calibrationEnd}::date) - 1 AS x,
             max(day) FILTER (WHERE day <= ${calibrationEnd}::date) - min(day) AS tx,
             ${calibrationEnd}::date - min(day) AS tt,
             count(*) FILTER (WHERE day > ${calibrationEnd}::date) AS holdout
      FROM days GROUP BY customer_id HAVING min(day) <= ${calibrationEnd}::date
    )
    SELECT x::int, tx::int, tt::int, count(*)::int AS n, sum(holdout)::int AS holdout FROM per GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`.execute(db);
  const histories = rows.rows;
  const customers = histories.reduce((s, r) => s + r.n, 0);
  const base = summarizeForFit(histories.map((r) => ({ x: r.x, tx: r.tx / unit, T: r.tt / unit })));
  const fit = fitBgNbd({ ...base, weight: Float64Array.from(histories.map((r) => r.n)), customers });
  const buckets = Array.from({ length: lastBucket + 1 }, (_, x) => ({ x, customers: 0, actual: 0, expected: 0 }));
  for (const r of histories) {
    const b = buckets[Math.min(r.x, lastBucket)]!;
    b.customers += r.n;
    b.actual += r.holdout;
    b.expected += r.n * bgnbdConditionalExpectedPurchases(fit.params, holdoutDays / unit, { x: r.x, tx: r.tx / unit, T: r.tt / unit });
  }
  const totalActual = buckets.reduce((s, b) => s + b.actual, 0);
  const totalExpected = buckets.reduce((s, b) => s + b.expected, 0);
  return {
    calibrationEnd,
    holdoutEnd,
    holdoutDays,
    timeUnit: unit === 7 ? 'weeks' : 'days',
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    customers,
    byRepeatPurchases: buckets
      .filter((b) => b.customers > 0)
      .map((b) => ({ x: b.x, customers: b.customers, actual: b.actual / b.customers, expected: b.expected / b.customers })),
    total: { actual: totalActual, expected: totalExpected },
  };
}
