import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { currencyDigits } from '../lib/money.ts';

type Trx = Transaction<Database>;

// The overview's counts of the current scores (R×F cells, segments, stages, tiers, CLV bands) are kept in
// analytics_score_counts, so a page view reads a few dozen rows instead of grouping every score. A full run
// rebuilds them in its transaction; a targeted rescore takes its customers' old rows out and puts the new
// ones in; a trigger (migration 0013) takes out scores anyone deletes. So the counts always equal a
// grouping of customer_scores, and the page shows one run's numbers. The groups a score row counts in are
// defined once, by the SQL function analytics_score_keys.

/** CLV band edges in minor units: 0, then 1-2-5 steps per decade from one major unit, so a skewed CLV spread stays readable on a log scale. */
export function clvBandEdges(currency: string): number[] {
  const unit = 10 ** currencyDigits(currency);
  const edges = [0];
  for (let decade = 1; decade <= 1e9; decade *= 10) edges.push(unit * decade, unit * decade * 2, unit * decade * 5);
  return edges;
}

const counted = (edges: unknown) => sql`analytics_score_keys(s.r_score, s.f_score, s.rfm_segment, s.lifecycle_stage, s.value_tier, s.clv_minor, ${edges}::float8[])`;

/**
 * Rebuilds the workspace's counts from `scored` (the full run's result: after the run every score row is
 * in it) and records the run as the snapshot's, in the run's transaction.
 */
export async function writeScoreSnapshot(trx: Trx, workspace: { id: number; currency: string }, runId: number, asOf: string, clock: Clock): Promise<void> {
  const edges = clvBandEdges(workspace.currency);
  await trx.deleteFrom('analytics_score_counts').where('workspace_id', '=', workspace.id).execute();
  // One pass over the million rows into a few thousand groups of equal scores, then each group is counted in
  // its keys. A group never straddles a CLV band (it is part of the grouping), so any one of its CLVs — the
  // least — names its band; the band itself is still analytics_score_keys' to say (7 s → under 1 s at 1M).
  await sql`
    INSERT INTO analytics_score_counts (workspace_id, dimension, key, customers, revenue_minor, clv_minor)
    SELECT ${workspace.id}::bigint, k.dimension, k.key, sum(s.n), sum(s.revenue_minor), sum(s.clv_sum)
    FROM (
      SELECT r_score::smallint AS r_score, f_score::smallint AS f_score, rfm_segment, stage AS lifecycle_stage, value_tier, min(clv_minor) AS clv_minor,
             count(*) AS n, sum(revenue) AS revenue_minor, coalesce(sum(clv_minor), 0) AS clv_sum
      FROM scored GROUP BY r_score, f_score, rfm_segment, stage, value_tier, clv_minor IS NULL, width_bucket(greatest(clv_minor, 0), ${edges}::float8[])
    ) s
    CROSS JOIN LATERAL ${counted(edges)} k
    GROUP BY 1, 2, 3`.execute(trx);
  const now = clock.now();
  await trx
    .insertInto('analytics_score_snapshots')
    .values({ workspace_id: workspace.id, run_id: runId, as_of: asOf, clv_edges: edges, updated_run_id: runId, updated_at: now })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ run_id: runId, as_of: asOf, clv_edges: edges, updated_run_id: runId, updated_at: now }))
    .execute();
}

/**
 * Adds (+1) or takes out (−1) the current score rows of some customers in the counts. A targeted rescore
 * takes its customers out before writing and puts them back after (before deleting the scores of those no
 * longer buyers, which the trigger takes out), then marks the snapshot with its run.
 */
export async function countScoresOf(trx: Trx, workspaceId: number, customerIds: readonly number[], sign: 1 | -1): Promise<void> {
  await sql`
    INSERT INTO analytics_score_counts AS c (workspace_id, dimension, key, customers, revenue_minor, clv_minor)
    SELECT s.workspace_id, k.dimension, k.key, ${sign}::int * count(*), ${sign}::int * sum(s.revenue_minor), ${sign}::int * coalesce(sum(s.clv_minor), 0)
    FROM customer_scores s JOIN analytics_score_snapshots snap ON snap.workspace_id = s.workspace_id
    CROSS JOIN LATERAL ${counted(sql`snap.clv_edges`)} k
    WHERE s.workspace_id = ${workspaceId} AND s.customer_id = ANY(${customerIds}::bigint[])
    GROUP BY 1, 2, 3
    ON CONFLICT (workspace_id, dimension, key) DO UPDATE
      SET customers = c.customers + excluded.customers, revenue_minor = c.revenue_minor + excluded.revenue_minor, clv_minor = c.clv_minor + excluded.clv_minor`.execute(trx);
}

/** Records that a targeted rescore adjusted the snapshot's counts. */
export async function markSnapshotUpdated(trx: Trx, workspaceId: number, runId: number, clock: Clock): Promise<void> {
  await trx.updateTable('analytics_score_snapshots').set({ updated_run_id: runId, updated_at: clock.now() }).where('workspace_id', '=', workspaceId).execute();
}

/** Which scores the overview's counts are of: the full run that built them, and the last run (a targeted rescore, or the same) that adjusted them. */
export interface ScoreSnapshot {
  readonly runId: number;
  readonly asOf: string;
  readonly updatedRunId: number;
  readonly updatedAt: Date;
}

/** One group's totals in the snapshot. */
export interface SnapshotCount {
  readonly dimension: string;
  readonly key: string;
  readonly customers: number;
  readonly revenueMinor: number;
  readonly clvMinor: number;
}

/** The workspace's snapshot with the counts of the dimensions asked for, read in one statement (so from one committed run); null before the first full run. */
export async function readScoreSnapshot(
  db: Kysely<Database>,
  workspaceId: number,
  dimensions: readonly Database['analytics_score_counts']['dimension'][],
): Promise<{ snapshot: ScoreSnapshot; edges: number[]; counts: SnapshotCount[] } | null> {
  const rows = await db
    .selectFrom('analytics_score_snapshots as h')
    .leftJoin('analytics_score_counts as c', (j) => j.onRef('c.workspace_id', '=', 'h.workspace_id').on('c.dimension', 'in', dimensions).on('c.customers', '>', 0))
    .select(['h.run_id', 'h.as_of', 'h.clv_edges', 'h.updated_run_id', 'h.updated_at', 'c.dimension', 'c.key', 'c.customers', 'c.revenue_minor', 'c.clv_minor'])
    .where('h.workspace_id', '=', workspaceId)
    .execute();
  const head = rows[0];
  if (!head) return null;
  return {
    snapshot: { runId: Number(head.run_id), asOf: head.as_of, updatedRunId: Number(head.updated_run_id), updatedAt: head.updated_at },
    edges: head.clv_edges.map(Number),
    counts: rows.flatMap((r) =>
      r.dimension === null || r.key === null ? [] : [{ dimension: r.dimension, key: r.key, customers: Number(r.customers), revenueMinor: Number(r.revenue_minor), clvMinor: Number(r.clv_minor) }],
    ),
  };
}

/** Customers per RFM segment, lifecycle stage and value tier in the snapshot (non-empty groups), for a run's summary. */
export async function snapshotTally(trx: Trx, workspaceId: number): Promise<{ segments: Record<string, number>; stages: Record<string, number>; tiers: Record<string, number> }> {
  const rows = await trx
    .selectFrom('analytics_score_counts')
    .select(['dimension', 'key', 'customers'])
    .where('workspace_id', '=', workspaceId)
    .where('dimension', 'in', ['rfm_segment', 'lifecycle_stage', 'value_tier'])
    .where('customers', '>', 0)
    .execute();
  const pick = (dimension: string) => Object.fromEntries(rows.filter((r) => r.dimension === dimension).map((r) => [r.key, Number(r.customers)]));
  return { segments: pick('rfm_segment'), stages: pick('lifecycle_stage'), tiers: pick('value_tier') };
}
