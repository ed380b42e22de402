import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { rfmSegmentLabels, rfmSegmentOf, rfmSegments, type RfmSegment } from './rfm-segments.ts';
import { readScoreSnapshot, type ScoreSnapshot, type SnapshotCount } from './score-snapshot.ts';

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

/** The latest finished full or cold run (targeted rescores are listed in runs only), or a given run; undefined before the first. */
export async function latestScoreRun(db: Kysely<Database>, workspaceId: number, runId?: number): Promise<ScoreRunView | undefined> {
  let q = db.selectFrom('score_runs').selectAll().where('workspace_id', '=', workspaceId).where('finished_at', 'is not', null).where('kind', '<>', 'targeted');
  if (runId !== undefined) q = q.where('id', '=', runId);
  const row = await q.orderBy('id', 'desc').limit(1).executeTakeFirst();
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

/** The R×F grid of the current scores: 25 cells (empty ones included) with customer counts and revenue, from the run's snapshot. */
export async function rfmGrid(db: Kysely<Database>, workspaceId: number): Promise<{ cells: RfmGridCell[]; snapshot: ScoreSnapshot | null }> {
  const read = await readScoreSnapshot(db, workspaceId, ['rfm_cell']);
  const cells: RfmGridCell[] = [];
  for (let r = 5; r >= 1; r--) {
    for (let f = 1; f <= 5; f++) {
      const hit = read?.counts.find((x) => x.key === `${r}:${f}`);
      cells.push({ r, f, segment: rfmSegmentOf(r, f), customers: hit?.customers ?? 0, revenueMinor: hit?.revenueMinor ?? 0 });
    }
  }
  return { cells, snapshot: read?.snapshot ?? null };
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

type GroupDimension = 'rfm_segment' | 'lifecycle_stage' | 'value_tier';
const groupKeys: Readonly<Record<GroupDimension, { keys: readonly string[]; labels: Readonly<Record<string, { en: string; zh: string }>> }>> = {
  rfm_segment: { keys: rfmSegments, labels: rfmSegmentLabels },
  lifecycle_stage: { keys: lifecycleStages, labels: lifecycleStageLabels },
  value_tier: { keys: valueTiers, labels: valueTierLabels },
};

function groupsOf(counts: readonly SnapshotCount[], dimension: GroupDimension): GroupCount[] {
  const { keys, labels } = groupKeys[dimension];
  const mine = counts.filter((c) => c.dimension === dimension);
  const total = mine.reduce((s, c) => s + c.customers, 0);
  return keys.map((key) => {
    const hit = mine.find((c) => c.key === key);
    const customers = hit?.customers ?? 0;
    return { key, ...labels[key]!, customers, share: total === 0 ? 0 : customers / total, revenueMinor: hit?.revenueMinor ?? 0 };
  });
}

/** Segment, lifecycle stage and value tier counts of one snapshot (all keys, empty ones included), read together. */
export async function scoreGroupCounts(db: Kysely<Database>, workspaceId: number): Promise<{ snapshot: ScoreSnapshot | null; segments: GroupCount[]; lifecycle: GroupCount[]; valueTiers: GroupCount[] }> {
  const counts = (await readScoreSnapshot(db, workspaceId, ['rfm_segment', 'lifecycle_stage', 'value_tier'])) ?? { snapshot: null, counts: [] };
  return { snapshot: counts.snapshot, segments: groupsOf(counts.counts, 'rfm_segment'), lifecycle: groupsOf(counts.counts, 'lifecycle_stage'), valueTiers: groupsOf(counts.counts, 'value_tier') };
}

async function groupCounts(db: Kysely<Database>, workspaceId: number, dimension: GroupDimension): Promise<GroupCount[]> {
  return groupsOf((await readScoreSnapshot(db, workspaceId, [dimension]))?.counts ?? [], dimension);
}

/** Customers and revenue per RFM segment (all eleven, empty ones included). */
export function segmentCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'rfm_segment');
}

/** Customers and revenue per lifecycle stage. */
export function lifecycleCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'lifecycle_stage');
}

/** Customers and revenue per value tier. */
export function tierCounts(db: Kysely<Database>, workspaceId: number): Promise<GroupCount[]> {
  return groupCounts(db, workspaceId, 'value_tier');
}

/** Customers per predicted-CLV band of the current scores. */
export interface ClvDistribution {
  /** Consecutive bands from the lowest to the highest occupied one (empty ones between included). */
  readonly bands: { readonly fromMinor: number; readonly toMinor: number | null; readonly customers: number; readonly clvMinor: number }[];
  /** Scored customers without a CLV (no model fitted, or no spend model). */
  readonly withoutClv: number;
  /** Which run the counts are of; null before the first full run. */
  readonly snapshot: ScoreSnapshot | null;
}

/** Customers and summed CLV per 1-2-5 band (edges fixed by the full run, see clvBandEdges), from the run's snapshot. */
export async function clvDistribution(db: Kysely<Database>, workspaceId: number): Promise<ClvDistribution> {
  const read = await readScoreSnapshot(db, workspaceId, ['clv_band']);
  if (!read) return { bands: [], withoutClv: 0, snapshot: null };
  const withoutClv = read.counts.find((c) => c.key === 'none')?.customers ?? 0;
  const counted = read.counts.filter((c) => c.key !== 'none').map((c) => ({ band: Number(c.key), customers: c.customers, clvMinor: c.clvMinor }));
  if (counted.length === 0) return { bands: [], withoutClv, snapshot: read.snapshot };
  const first = Math.min(...counted.map((c) => c.band));
  const last = Math.max(...counted.map((c) => c.band));
  const bands = [];
  // width_bucket numbers band i as [edges[i-1], edges[i]); the last band is open above.
  for (let band = first; band <= last; band++) {
    const hit = counted.find((c) => c.band === band);
    bands.push({ fromMinor: read.edges[band - 1]!, toMinor: read.edges[band] ?? null, customers: hit?.customers ?? 0, clvMinor: Math.round(hit?.clvMinor ?? 0) });
  }
  return { bands, withoutClv, snapshot: read.snapshot };
}

/**
 * Moves between lifecycle stages dated within [from, to] (ISO dates, inclusive); from = null is a
 * customer's first stage. Summed from the per-day counts that triggers keep beside the transitions.
 */
export async function lifecycleFlows(db: Kysely<Database>, workspaceId: number, from: string, to: string): Promise<{ from: string | null; to: string; customers: number }[]> {
  const rows = await sql<{ from_stage: string | null; to_stage: string; n: string }>`
    SELECT nullif(from_stage, '') AS from_stage, to_stage, sum(customers) AS n FROM lifecycle_flow_days
    WHERE workspace_id = ${workspaceId} AND changed_on BETWEEN ${from}::date AND ${to}::date
    GROUP BY 1, 2 HAVING sum(customers) > 0 ORDER BY 3 DESC, 1, 2`.execute(db);
  return rows.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, customers: Number(r.n) }));
}
