import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { clvExpressions, type ClvModels } from './clv-scores.ts';
import { rfmSegmentArray } from './rfm-segments.ts';
import type { LifecycleThresholds, RfmCuts, TierCuts } from './score-model.ts';
import type { AnalyticsSettings } from './settings.ts';

type Trx = Transaction<Database>;

/** Everything that turns a buyer's history into scores: stored with each run so targeted rescores reuse it. */
export interface ScoringParams {
  readonly asOf: string;
  /** The settings the cut points were derived under (window, frequency and monetary definitions). */
  readonly settings: AnalyticsSettings;
  readonly rfm: RfmCuts & { readonly segmentAxis: 'f' | 'fm' };
  readonly lifecycle: LifecycleThresholds;
  readonly tiers: TierCuts;
  readonly churnWarning: { readonly pAliveThreshold: number; readonly gapMultiple: number };
  readonly clv: ClvModels | null;
  readonly history: 'changes' | 'snapshot';
}

// 1 + the number of cut points a value reaches; a null cut is reached by nobody. Compared as float8
// (exact for whole minor units below 2^53), which is far cheaper than numeric on a million rows.
function scoreSql(value: string, cuts: readonly (number | null)[], reaches: '<=' | '>=') {
  const terms = cuts.map((cut) => (cut === null ? sql`0` : sql`(${sql.ref(value)} ${sql.raw(reaches)} ${cut}::float8)::int`));
  return sql`(1 + ${sql.join(terms, sql` + `)})`;
}

/**
 * Creates the temporary table `scored` from score_input (and clv_pred when models exist): RFM scores by
 * the run's cut points, the segment from the R×F grid, P(alive), expected purchases and CLV, the value
 * tier, and the lifecycle stage — which needs the customer's previous state, read from customer_scores
 * before it is overwritten (kept as prev_* columns for history, transitions and warnings).
 */
export async function buildScored(trx: Trx, workspaceId: number, p: ScoringParams): Promise<void> {
  await sql`DROP TABLE IF EXISTS scored`.execute(trx);
  await sql`CREATE TEMP TABLE scored ON COMMIT DROP AS ${scoredQuery(workspaceId, p)}`.execute(trx);
}

/** The SELECT behind `scored` (exported for EXPLAIN in benchmarks). */
export function scoredQuery(workspaceId: number, p: ScoringParams) {
  const { dormantAfterDays: D, churnedAfterDays: C } = p.lifecycle;
  const r = scoreSql('recency', p.rfm.recencyMaxDays, '<=');
  const f = scoreSql('frequency', p.rfm.frequencyMin, '>=');
  const m = scoreSql('monetary', p.rfm.monetaryMin, '>=');
  const axis = p.rfm.segmentAxis === 'f' ? sql`b.f_score` : sql`((b.f_score + b.m_score + 1) / 2)`;
  const clv = p.clv ? clvExpressions(p.clv, p.asOf) : null;
  const clvJoin = p.clv ? sql`LEFT JOIN clv_pred cp ON cp.x = i.order_days - 1 AND cp.tt = ${p.asOf}::date - i.first_day` : sql``;
  const pAlive = clv ? clv.pAlive : sql`NULL::float8`;
  const aov = clv?.expectedAov ?? sql`NULL::float8`;
  const factors = clv ? sql`cp.a30, cp.a90, cp.a365, cp.aclv` : sql`NULL::float8 AS a30, NULL::float8 AS a90, NULL::float8 AS a365, NULL::float8 AS aclv`;
  const gap = clv ? clv.expectedGapDays : sql`CASE WHEN i.order_days > 1 THEN (i.last_day - i.first_day)::float8 / (i.order_days - 1) END`;
  const tierValue = p.tiers.basis === 'clv' ? sql`coalesce(b.clv_minor, 0)` : sql`b.revenue`;
  const tier = sql`CASE WHEN ${p.tiers.highMin === null ? sql`false` : sql`${tierValue} >= ${p.tiers.highMin}::float8`} THEN 'high'
    WHEN ${p.tiers.midMin === null ? sql`false` : sql`${tierValue} >= ${p.tiers.midMin}::float8`} THEN 'mid' ELSE 'low' END`;

  return sql`
    WITH b0 AS (
      -- OFFSET 0 keeps this a separate level, so P(alive) is computed once per row, not once per use above.
      SELECT i.*, ${r} AS r_score, ${f} AS f_score, ${m} AS m_score, ${factors},
             ${pAlive} AS p_alive, ${aov} AS expected_aov_minor, ${gap} AS expected_gap_days
      FROM score_input i ${clvJoin}
      OFFSET 0
    ),
    b AS (
      SELECT b0.*, a30 * p_alive AS e30, a90 * p_alive AS e90, a365 * p_alive AS e365, aclv * p_alive * expected_aov_minor AS clv_minor FROM b0
    ),
    c AS (
      SELECT b.*, (${rfmSegmentArray()}::text[])[(b.r_score - 1) * 5 + ${axis}] AS rfm_segment, ${tier} AS value_tier,
             pr.lifecycle_stage AS prev_stage, pr.stage_since AS prev_since, pr.rfm_segment AS prev_segment, pr.value_tier AS prev_tier,
             pr.p_alive AS prev_p_alive, pr.recency_days AS prev_recency, pr.expected_gap_days AS prev_gap, pr.last_order_day AS prev_last_day,
             CASE
               WHEN b.recency > ${C}::int THEN 'churned'
               WHEN b.recency > ${D}::int THEN 'dormant'
               WHEN b.order_days = 1 THEN 'new'
               WHEN pr.lifecycle_stage IN ('dormant', 'churned') AND b.last_day > pr.last_order_day THEN 'won_back'
               WHEN pr.lifecycle_stage = 'won_back' AND b.last_day = pr.last_order_day THEN 'won_back'
               -- Read from orders: the purchase before the last was more than a dormant spell earlier.
               WHEN b.prev_day IS NOT NULL AND b.last_day - b.prev_day > ${D}::int + 1 THEN 'won_back'
               ELSE 'active'
             END AS stage
      FROM b LEFT JOIN customer_scores pr ON pr.workspace_id = ${workspaceId} AND pr.customer_id = b.customer_id
    )
    SELECT c.*,
           CASE stage
             WHEN 'churned' THEN last_day + ${C}::int + 1
             WHEN 'dormant' THEN last_day + ${D}::int + 1
             WHEN 'new' THEN first_day
             WHEN 'won_back' THEN last_day
             ELSE CASE WHEN prev_stage = 'active' THEN prev_since ELSE last_day END
           END AS stage_since
    FROM c`;
}

/** Writes a run's results from `scored`: history, lifecycle transitions, churn warnings, then the current scores. */
export async function writeScored(
  trx: Trx,
  workspaceId: number,
  runId: number,
  p: ScoringParams,
  mark: (step: string) => void = () => {},
): Promise<{ historyRows: number; transitions: number; warnings: number }> {
  const ws = workspaceId;
  const { dormantAfterDays: D } = p.lifecycle;
  const changed = p.history === 'snapshot' ? sql`true` : sql`(prev_stage IS NULL OR rfm_segment <> prev_segment OR stage <> prev_stage OR value_tier <> prev_tier)`;
  const history = await sql`
    INSERT INTO customer_score_history (workspace_id, customer_id, run_id, as_of, r_score, f_score, m_score, rfm_segment, lifecycle_stage, value_tier, p_alive, clv_minor)
    SELECT ${ws}::bigint, customer_id, ${runId}::bigint, ${p.asOf}::date, r_score, f_score, m_score, rfm_segment, stage, value_tier, p_alive, clv_minor
    FROM scored WHERE ${changed}`.execute(trx);
  mark('history');

  // A customer who went from buying straight to churned between two runs passed through dormant: record both steps.
  const transitions = await sql`
    INSERT INTO lifecycle_transitions (workspace_id, customer_id, changed_on, to_stage, from_stage, run_id)
    SELECT ${ws}::bigint, customer_id, last_day + ${D}::int + 1, 'dormant', prev_stage, ${runId}::bigint FROM scored
    WHERE stage = 'churned' AND prev_stage IN ('new', 'active', 'won_back')
    UNION ALL
    SELECT ${ws}::bigint, customer_id, stage_since, stage,
           CASE WHEN stage = 'churned' AND prev_stage IN ('new', 'active', 'won_back') THEN 'dormant' ELSE prev_stage END, ${runId}::bigint
    FROM scored WHERE stage IS DISTINCT FROM prev_stage
    ON CONFLICT DO NOTHING`.execute(trx);
  mark('transitions');

  const { pAliveThreshold: theta, gapMultiple: k } = p.churnWarning;
  const warnings = await sql`
    INSERT INTO churn_warnings (workspace_id, run_id, customer_id, reasons, p_alive, previous_p_alive, gap_days, expected_gap_days)
    SELECT ${ws}::bigint, ${runId}::bigint, customer_id, reasons, p_alive, prev_p_alive, recency, expected_gap_days
    FROM (
      SELECT s.*, array_remove(ARRAY[
        CASE WHEN p_alive < ${theta}::float8 AND prev_p_alive >= ${theta}::float8 THEN 'p_alive_dropped' END,
        CASE WHEN expected_gap_days > 0 AND recency > ${k}::float8 * expected_gap_days
              AND NOT CASE WHEN prev_stage IS NOT NULL AND last_day = prev_last_day AND prev_gap > 0 THEN prev_recency > ${k}::float8 * prev_gap
                           ELSE recency - 1 > ${k}::float8 * expected_gap_days END
             THEN 'overdue' END], NULL) AS reasons
      FROM scored s
    ) w WHERE cardinality(reasons) > 0`.execute(trx);
  mark('warnings');

  // Existing rows are updated through one hash join (in place: the table's fillfactor leaves room for
  // HOT updates), and only customers scored for the first time are inserted — cheaper than a
  // million ON CONFLICT probes. The scoring lock keeps anyone else from inserting in between.
  await sql`
    UPDATE customer_scores c SET
      run_id = ${runId}::bigint, as_of = ${p.asOf}::date, first_order_day = s.first_day, last_order_day = s.last_day,
      recency_days = s.recency, frequency = s.frequency, monetary_minor = s.monetary, revenue_minor = s.revenue,
      r_score = s.r_score, f_score = s.f_score, m_score = s.m_score, rfm_segment = s.rfm_segment,
      lifecycle_stage = s.stage, stage_since = s.stage_since, value_tier = s.value_tier, p_alive = s.p_alive,
      expected_purchases_30 = s.e30, expected_purchases_90 = s.e90, expected_purchases_365 = s.e365,
      expected_aov_minor = s.expected_aov_minor, clv_minor = s.clv_minor, expected_gap_days = s.expected_gap_days, updated_at = now()
    FROM scored s
    WHERE c.workspace_id = ${ws} AND c.customer_id = s.customer_id AND s.prev_stage IS NOT NULL`.execute(trx);
  await sql`
    INSERT INTO customer_scores (workspace_id, customer_id, run_id, as_of, first_order_day, last_order_day, recency_days, frequency, monetary_minor, revenue_minor,
      r_score, f_score, m_score, rfm_segment, lifecycle_stage, stage_since, value_tier, p_alive, expected_purchases_30, expected_purchases_90,
      expected_purchases_365, expected_aov_minor, clv_minor, expected_gap_days, updated_at)
    SELECT ${ws}::bigint, customer_id, ${runId}::bigint, ${p.asOf}::date, first_day, last_day, recency, frequency, monetary, revenue,
      r_score, f_score, m_score, rfm_segment, stage, stage_since, value_tier, p_alive, e30, e90, e365, expected_aov_minor, clv_minor, expected_gap_days, now()
    FROM scored WHERE prev_stage IS NULL`.execute(trx);
  mark('upsert');

  return { historyRows: Number(history.numAffectedRows ?? 0), transitions: Number(transitions.numAffectedRows ?? 0), warnings: Number(warnings.numAffectedRows ?? 0) };
}
