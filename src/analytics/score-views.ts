import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { rfmSegmentLabels, rfmSegmentOf, rfmSegments, type RfmSegment } from './rfm-segments.ts';

/** Lifecycle stages in the order a customer usually meets them. */
export const lifecycleStages = ['new', 'active', 'won_back', 'dormant', 'churned'] as const;
export type LifecycleStage = (typeof lifecycleStages)[number];

export const lifecycleStageLabels: Readonly<Record<LifecycleStage, { readonly en: string; readonly zh: string }>> = {
  new: { en: 'New', zh: '新客' },
  active: { en: 'Active', zh: '活跃' },
  won_back: { en: 'Won back', zh: '已召回' },
  dormant: { en: 'Dormant', zh: '沉睡' },
  churned: { en: 'Churned', zh: '流失' },
};

export const valueTiers = ['high', 'mid', 'low'] as const;
export type ValueTier = (typeof valueTiers)[number];
export const valueTierLabels: Readonly<Record<ValueTier, { readonly en: string; readonly zh: string }>> = {
  high: { en: 'High value', zh: '高价值' },
  mid: { en: 'Mid value', zh: '中价值' },
  low: { en: 'Low value', zh: '低价值' },
};

/** A finished scoring run as the API shows it. */
export interface ScoreRunView {
  readonly id: number;
  readonly kind: string;
  readonly asOf: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly customers: number;
  readonly params: Record<string, unknown>;
  readonly diagnostics: Record<string, unknown>;
}

/** The latest finished full or cold run (targeted rescores are listed in runs only), or undefined before the first. */
export async function latestScoreRun(db: Kysely<Database>, workspaceId: number): Promise<ScoreRunView | undefined> {
  const row = await db
    .selectFrom('score_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('finished_at', 'is not', null)
    .where('kind', '<>', 'targeted')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row
    ? { id: row.id, kind: row.kind, asOf: row.as_of, startedAt: row.started_at, finishedAt: row.finished_at, customers: row.customers, params: row.params, diagnostics: row.diagnostics }
    : undefined;
}

/** One cell of the 5×5 R×F grid. */
export interface RfmGridCell {
  readonly r: number;
  readonly f: number;
  readonly segment: RfmSegment;
  readonly customers: number;
  readonly revenueMinor: number;
}

/** The R×F grid of the current scores: 25 cells (empty ones included) with customer counts and revenue. */
export async function rfmGrid(db: Kysely<Database>, workspaceId: number): Promise<RfmGridCell[]> {
  const rows = await sql<{ r: number; f: number; n: number; revenue: number }>`
    SELECT r_score AS r, f_score AS f, count(*)::int AS n, coalesce(sum(revenue_minor), 0)::bigint AS revenue
    FROM customer_scores WHERE workspace_id = ${workspaceId} GROUP BY 1, 2`.execute(db);
  const cells: RfmGridCell[] = [];
  for (let r = 5; r >= 1; r--) {
    for (let f = 1; f <= 5; f++) {
      const hit = rows.rows.find((x) => x.r === r && x.f === f);
      cells.push({ r, f, segment: rfmSegmentOf(r, f), customers: hit?.n ?? 0, revenueMinor: Number(hit?.revenue ?? 0) });
    }
  }
  return cells;
}

/** A named group of customers with its size, share and revenue. */
export interface GroupCount {
  readonly key: string;
  readonly en: string;
  readonly zh: string;
  readonly customers: number;
  readonly share: number;
  readonly revenueMinor: number;
}

async function groupCounts(
  db: Kysely<Database>,
  workspaceId: number,
  column: 'rfm_segment' | 'lifecycle_stage' | 'value_tier',
  keys: readonly string[],
  labels: Readonly<Record<string, { en: string; zh: string }>>,
): Promise<GroupCount[]> {
  const rows = await sql<{ key: string; n: number; revenue: number }>`
    SELECT ${sql.ref(column)} AS key, count(*)::int AS n, coalesce(sum(revenue_minor), 0)::bigint AS revenue
    FROM customer_scores WHERE workspace_id = ${workspaceId} GROUP BY 1`.execute(db);
  const total = rows.rows.reduce((s, r) => s + r.n, 0);
  return keys.map((key) => {
    const hit = rows.rows.find((r) => r.key === key);
    const customers = hit?.n ?? 0;
    return { key, ...labels[key]!, customers, share: total === 0 ? 0 : customers / total, revenueMinor: Number(hit?.revenue ?? 0) };
  });
}

/** Customers and revenue per RFM segment (all eleven, empty ones included). */
export function segmentCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'rfm_segment', rfmSegments, rfmSegmentLabels);
}

/** Customers and revenue per lifecycle stage. */
export function lifecycleCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'lifecycle_stage', lifecycleStages, lifecycleStageLabels);
}

/** Customers and revenue per value tier. */
export function tierCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'value_tier', valueTiers, valueTierLabels);
}

/** Moves between lifecycle stages dated within [from, to] (ISO dates, inclusive); from = null is a customer's first stage. */
export async function lifecycleFlows(db: Kysely<Database>, workspaceId: number, from: string, to: string): Promise<{ from: string | null; to: string; customers: number }[]> {
  const rows = await sql<{ from_stage: string | null; to_stage: string; n: number }>`
    SELECT from_stage, to_stage, count(*)::int AS n FROM lifecycle_transitions
    WHERE workspace_id = ${workspaceId} AND changed_on BETWEEN ${from}::date AND ${to}::date
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`.execute(db);
  return rows.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, customers: r.n }));
}
