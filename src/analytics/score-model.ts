import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { AnalyticsSettings } from './settings.ts';

type Trx = Transaction<Database>;

/**
 * Where each score starts, as value cut points; element i is for score i + 2 (null: nobody reaches it).
 * R ≥ s when recency ≤ recencyMaxDays[s − 2]; F ≥ s when frequency ≥ frequencyMin[s − 2]; likewise M.
 * A full run derives them from quintiles (or the workspace's fixed thresholds) and stores them, so a
 * targeted rescore between full runs scores a customer exactly as the full run would have.
 */
export interface RfmCuts {
  readonly recencyMaxDays: readonly (number | null)[];
  readonly frequencyMin: readonly (number | null)[];
  readonly monetaryMin: readonly (number | null)[];
}

/** Days without an order after which a customer is dormant, then churned, and where the numbers came from. */
export interface LifecycleThresholds {
  readonly dormantAfterDays: number;
  readonly churnedAfterDays: number;
  readonly source: 'settings' | 'data' | 'fallback';
  /** Repeat buyers whose mean inter-purchase time the percentiles were taken over. */
  readonly repeatBuyers: number;
  readonly dormantPercentileDays: number | null;
  readonly churnedPercentileDays: number | null;
}

/** Value tier cut points: high from highMin up, mid from midMin up, in the basis' unit (minor units). */
export interface TierCuts {
  readonly basis: 'revenue' | 'clv';
  readonly highMin: number | null;
  readonly midMin: number | null;
}

/** Lifecycle thresholds used when fewer repeat buyers than this exist to derive them from. */
export const minRepeatBuyersForDerivedThresholds = 20;
/** The fallback thresholds (days): a common retail default of a quarter and half a year. */
export const fallbackLifecycleDays = { dormant: 90, churned: 180 } as const;

/**
 * How a group of tied values occupying sorted positions lo…hi (0-based, worst first) among n buyers
 * scores. `middle`: 1 + ⌊5 · (lo + hi + 1) / 2n⌋, the fifth its middle falls in — one buyer or buyers
 * all equal score the neutral 3. `start`: 1 + ⌊5 · lo / n⌋, the fifth where the group starts, so the
 * lowest group always scores 1. Both give tied buyers one score, do not depend on ids or row order,
 * and equal NTILE(5) when n is a multiple of 5 without ties.
 */
type TieRule = 'middle' | 'start';

/**
 * Quintile cut points of one score_input column. Recency and monetary use the `middle` rule; frequency
 * uses `start`, because its lowest value has a meaning of its own — one purchase — and the New and
 * Promising segments are the F = 1 buyers, however large a share one-time buyers are.
 */
async function quintileCuts(trx: Trx, column: RawBuilder<unknown>, higherIsBetter: boolean, ties: TieRule): Promise<(number | null)[]> {
  const order = higherIsBetter ? sql`v ASC` : sql`v DESC`;
  const pick = higherIsBetter ? sql`min` : sql`max`;
  const result = await sql<Record<'s2' | 's3' | 's4' | 's5', number | null>>`
    WITH g AS (SELECT ${column} AS v, count(*) AS cnt FROM score_input GROUP BY 1),
    p AS (SELECT v, cnt, sum(cnt) OVER (ORDER BY ${order} ROWS UNBOUNDED PRECEDING) - cnt AS lo FROM g),
    s AS (SELECT v, 1 + ${ties === 'start' ? sql`(5 * lo) / (SELECT sum(cnt) FROM g)` : sql`(5 * (2 * lo + cnt)) / (2 * (SELECT sum(cnt) FROM g))`} AS score FROM p)
    SELECT ${pick}(v) FILTER (WHERE score >= 2) AS s2, ${pick}(v) FILTER (WHERE score >= 3) AS s3,
           ${pick}(v) FILTER (WHERE score >= 4) AS s4, ${pick}(v) FILTER (WHERE score >= 5) AS s5
    FROM s`.execute(trx);
  const row = result.rows[0];
  return row ? [row.s2, row.s3, row.s4, row.s5].map((v) => (v === null ? null : Number(v))) : [null, null, null, null];
}

/** The RFM cut points for this run: from quintiles of score_input, or from the workspace's fixed thresholds. */
export async function rfmCuts(trx: Trx, settings: AnalyticsSettings): Promise<RfmCuts> {
  const t = settings.rfm.thresholds;
  if (settings.rfm.scoring === 'thresholds' && t) {
    // Thresholds are written from the top score down for recency (≤ t1 → R5) and up for F and M (≥ t4 → 5).
    return {
      recencyMaxDays: [t.recencyDays[3], t.recencyDays[2], t.recencyDays[1], t.recencyDays[0]],
      frequencyMin: [...t.frequency],
      monetaryMin: [...t.monetaryMinor],
    };
  }
  return {
    recencyMaxDays: await quintileCuts(trx, sql`recency`, false, 'middle'),
    frequencyMin: await quintileCuts(trx, sql`frequency`, true, 'start'),
    monetaryMin: await quintileCuts(trx, sql`monetary`, true, 'middle'),
  };
}

/**
 * Lifecycle thresholds: the workspace's own, else derived from its repeat buyers' mean inter-purchase
 * time (days between first and last order day over the gaps between them): dormant after its
 * dormantPercentile (80th by default), churned after its churnedPercentile (95th), rounded up to whole
 * days; with fewer than 20 repeat buyers, 90 and 180 days.
 */
export async function lifecycleThresholds(trx: Trx, settings: AnalyticsSettings): Promise<LifecycleThresholds> {
  const l = settings.lifecycle;
  const result = await sql<{ repeat_buyers: number; p: number[] | null }>`
    SELECT count(*)::int AS repeat_buyers,
           percentile_cont(ARRAY[${l.dormantPercentile}::float8, ${l.churnedPercentile}::float8])
             WITHIN GROUP (ORDER BY (last_day - first_day)::float8 / (order_days - 1)) AS p
    FROM score_input WHERE order_days > 1`.execute(trx);
  const row = result.rows[0];
  const repeatBuyers = row?.repeat_buyers ?? 0;
  const derived = repeatBuyers >= minRepeatBuyersForDerivedThresholds && row?.p ? row.p.map(Number) : null;
  const derivedDormant = derived ? Math.max(1, Math.ceil(derived[0]!)) : fallbackLifecycleDays.dormant;
  const derivedChurned = derived ? Math.ceil(derived[1]!) : fallbackLifecycleDays.churned;
  let dormant = l.dormantAfterDays ?? derivedDormant;
  let churned = l.churnedAfterDays ?? Math.max(derivedChurned, dormant + 1);
  if (dormant >= churned) dormant = Math.max(1, Math.floor(churned / 2));
  if (dormant >= churned) churned = dormant + 1;
  return {
    dormantAfterDays: dormant,
    churnedAfterDays: churned,
    source: l.dormantAfterDays !== undefined && l.churnedAfterDays !== undefined ? 'settings' : derived ? 'data' : 'fallback',
    repeatBuyers,
    dormantPercentileDays: derived ? derived[0]! : null,
    churnedPercentileDays: derived ? derived[1]! : null,
  };
}

/**
 * Value tier cut points over a value column of the given temp table: customers ranked by value, the top
 * ones making highShare of the total are high, the next making midShare mid. A customer is in a tier when
 * the value of everyone ranked strictly above them is below the tier's share of the total, so ties share
 * a tier and the customer who crosses the line belongs to the tier above it.
 */
export async function tierCuts(trx: Trx, settings: AnalyticsSettings, basis: 'revenue' | 'clv', table: 'score_input' | 'scored'): Promise<TierCuts> {
  const column = basis === 'revenue' ? sql`revenue::numeric` : sql`coalesce(clv_minor, 0)::numeric`;
  const highBp = Math.round(settings.valueTier.highShare * 10_000);
  const midBp = highBp + Math.round(settings.valueTier.midShare * 10_000);
  const result = await sql<{ high_min: number | null; mid_min: number | null }>`
    WITH g AS (SELECT ${column} AS v, count(*) AS cnt FROM ${sql.table(table)} GROUP BY 1),
    c AS (SELECT v, sum(v * cnt) OVER (ORDER BY v DESC ROWS UNBOUNDED PRECEDING) - v * cnt AS above FROM g),
    t AS (SELECT coalesce(sum(v * cnt), 0) AS total FROM g)
    SELECT min(v) FILTER (WHERE v > 0 AND above * 10000 < ${highBp} * t.total) AS high_min,
           min(v) FILTER (WHERE v > 0 AND above * 10000 < ${midBp} * t.total) AS mid_min
    FROM c, t`.execute(trx);
  const row = result.rows[0];
  const num = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return { basis, highMin: num(row?.high_min), midMin: num(row?.mid_min) };
}
