import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { explainClv, explainSegment, explainStage, explainTier, explainWarning, type Words } from './explanations.ts';
import type { ScoringParams } from './score-write.ts';

/** A customer's current scores and, for each, a sentence saying why (English and Chinese). */
export interface CustomerScoresView {
  readonly customerId: number;
  readonly runId: number;
  readonly asOf: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetaryMinor: number;
  readonly revenueMinor: number;
  readonly rScore: number;
  readonly fScore: number;
  readonly mScore: number;
  readonly rfmSegment: string;
  readonly lifecycleStage: string;
  readonly stageSince: string;
  readonly valueTier: string;
  readonly pAlive: number | null;
  readonly expectedPurchases30: number | null;
  readonly expectedPurchases90: number | null;
  readonly expectedPurchases365: number | null;
  readonly expectedAovMinor: number | null;
  readonly clvMinor: number | null;
  readonly explanations: { readonly rfm: Words; readonly lifecycle: Words; readonly valueTier: Words; readonly clv: Words };
}

/** The current scores of one customer with their explanations; not_found when the customer has none. */
export async function getCustomerScores(db: Kysely<Database>, workspace: Workspace, customerId: number): Promise<CustomerScoresView> {
  const s = await db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', workspace.id).where('customer_id', '=', customerId).executeTakeFirst();
  if (!s) {
    throw new PatronError('not_found', `Customer ${customerId} has no scores: they have no kept orders, or no run has scored them yet (run \`patron analyze\`).`, { path: ['id'], value: customerId });
  }
  const run = await db.selectFrom('score_runs').select('params').where('workspace_id', '=', workspace.id).where('id', '=', s.run_id).executeTakeFirstOrThrow();
  const params = run.params as unknown as ScoringParams;
  return {
    customerId,
    runId: s.run_id,
    asOf: s.as_of,
    recencyDays: s.recency_days,
    frequency: s.frequency,
    monetaryMinor: s.monetary_minor,
    revenueMinor: s.revenue_minor,
    rScore: s.r_score,
    fScore: s.f_score,
    mScore: s.m_score,
    rfmSegment: s.rfm_segment,
    lifecycleStage: s.lifecycle_stage,
    stageSince: s.stage_since,
    valueTier: s.value_tier,
    pAlive: s.p_alive,
    expectedPurchases30: s.expected_purchases_30,
    expectedPurchases90: s.expected_purchases_90,
    expectedPurchases365: s.expected_purchases_365,
    expectedAovMinor: s.expected_aov_minor,
    clvMinor: s.clv_minor,
    explanations: {
      rfm: explainSegment(s, workspace.currency),
      lifecycle: explainStage(s, params),
      valueTier: explainTier(s, params, workspace.currency),
      clv: explainClv(s, params, workspace.currency),
    },
  };
}

/** A churn warning as listed: who, the figures, and the reasons in words. */
export interface ChurnWarningView {
  readonly customerId: number;
  readonly name: string | null;
  readonly externalId: string | null;
  readonly reasons: readonly string[];
  readonly pAlive: number | null;
  readonly previousPAlive: number | null;
  readonly gapDays: number;
  readonly expectedGapDays: number | null;
  readonly lifecycleStage: string | null;
  readonly valueTier: string | null;
  readonly explanation: Words;
}

/** One page of a run's churn warnings (the latest full run's by default), by customer id. */
export async function listChurnWarnings(
  db: Kysely<Database>,
  workspaceId: number,
  options: { runId?: number | undefined; after?: number | undefined; limit: number },
): Promise<{ runId: number | null; asOf: string | null; warnings: ChurnWarningView[]; next: number | null }> {
  const run = await db
    .selectFrom('score_runs')
    .select(['id', 'as_of', 'params'])
    .where('workspace_id', '=', workspaceId)
    .where('finished_at', 'is not', null)
    .$if(options.runId !== undefined, (q) => q.where('id', '=', options.runId!))
    .$if(options.runId === undefined, (q) => q.where('kind', '<>', 'targeted'))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!run) {
    if (options.runId !== undefined) throw new PatronError('not_found', `Scoring run ${options.runId} does not exist or has not finished`, { path: ['runId'], value: options.runId });
    return { runId: null, asOf: null, warnings: [], next: null };
  }
  const params = run.params as unknown as ScoringParams;
  const rows = await sql<{
    customer_id: number;
    name: string | null;
    external_id: string | null;
    reasons: string[];
    p_alive: number | null;
    previous_p_alive: number | null;
    gap_days: number;
    expected_gap_days: number | null;
    lifecycle_stage: string | null;
    value_tier: string | null;
  }>`
    SELECT w.customer_id, c.name, (SELECT string_agg(i.value, ' ' ORDER BY i.value) FROM identities i WHERE i.workspace_id = w.workspace_id AND i.customer_id = w.customer_id AND i.type = 'external_id') AS external_id,
           w.reasons, w.p_alive, w.previous_p_alive, w.gap_days, w.expected_gap_days, s.lifecycle_stage, s.value_tier
    FROM churn_warnings w
    LEFT JOIN customers c ON c.workspace_id = w.workspace_id AND c.id = w.customer_id
    LEFT JOIN customer_scores s ON s.workspace_id = w.workspace_id AND s.customer_id = w.customer_id
    WHERE w.workspace_id = ${workspaceId} AND w.run_id = ${run.id} AND w.customer_id > ${options.after ?? 0}
    ORDER BY w.customer_id LIMIT ${options.limit + 1}`.execute(db);
  const page = rows.rows.slice(0, options.limit);
  const { pAliveThreshold, gapMultiple } = params.churnWarning;
  return {
    runId: run.id,
    asOf: run.as_of,
    warnings: page.map((w) => ({
      customerId: w.customer_id,
      name: w.name,
      externalId: w.external_id,
      reasons: w.reasons,
      pAlive: w.p_alive,
      previousPAlive: w.previous_p_alive,
      gapDays: w.gap_days,
      expectedGapDays: w.expected_gap_days,
      lifecycleStage: w.lifecycle_stage,
      valueTier: w.value_tier,
      explanation: explainWarning(w, pAliveThreshold, gapMultiple),
    })),
    next: rows.rows.length > options.limit ? page[page.length - 1]!.customer_id : null,
  };
}

/** One exported row: the columns of `patron scores export`. */
export interface ScoreExportRow {
  readonly customer_id: number;
  readonly external_id: string | null;
  readonly recency_days: number;
  readonly frequency: number;
  readonly monetary_minor: number;
  readonly r_score: number;
  readonly f_score: number;
  readonly m_score: number;
  readonly rfm_segment: string;
  readonly lifecycle_stage: string;
  readonly value_tier: string;
  readonly p_alive: number | null;
  readonly expected_purchases_30: number | null;
  readonly expected_purchases_90: number | null;
  readonly expected_purchases_365: number | null;
  readonly expected_aov_minor: number | null;
  readonly clv_minor: number | null;
}

/**
 * Every customer's current scores in customer id order, read in batches (keyset), so a million rows
 * never sit in memory. External ids are aggregated rather than min()-ed: min() would let the planner
 * walk the whole identities key in value order looking for each customer.
 */
export async function* streamCustomerScores(db: Kysely<Database>, workspaceId: number, batchSize = 10_000): AsyncGenerator<ScoreExportRow[]> {
  let after = 0;
  for (;;) {
    const rows = await sql<ScoreExportRow>`
      SELECT s.customer_id,
             (SELECT string_agg(i.value, ' ' ORDER BY i.value) FROM identities i WHERE i.workspace_id = s.workspace_id AND i.customer_id = s.customer_id AND i.type = 'external_id') AS external_id,
             s.recency_days, s.frequency, s.monetary_minor, s.r_score, s.f_score, s.m_score, s.rfm_segment, s.lifecycle_stage, s.value_tier,
             s.p_alive, s.expected_purchases_30, s.expected_purchases_90, s.expected_purchases_365, s.expected_aov_minor, s.clv_minor
      FROM customer_scores s WHERE s.workspace_id = ${workspaceId} AND s.customer_id > ${after}
      ORDER BY s.customer_id LIMIT ${batchSize}`.execute(db);
    if (rows.rows.length === 0) return;
    yield rows.rows;
    after = rows.rows[rows.rows.length - 1]!.customer_id;
    if (rows.rows.length < batchSize) return;
  }
}
