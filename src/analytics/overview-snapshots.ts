import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { cohortRetention, type Cohort } from './cohorts.ts';
import { compareKpis, type KpiComparison } from './kpis.ts';

const dayMs = 86_400_000;
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);

/** The periods the console's overview offers ending on the run's as-of date: the last 30 and 90 days and the year so far (web/src/pages/overview/overview-period.ts). */
export function overviewPeriods(anchor: string): { from: string; to: string }[] {
  return [
    { from: addDays(anchor, -29), to: anchor },
    { from: addDays(anchor, -89), to: anchor },
    { from: `${anchor.slice(0, 4)}-01-01`, to: anchor },
  ];
}

/** Where a precomputed answer came from, shown by the console beside the numbers. */
export interface Precomputed {
  readonly asOf: string;
  readonly computedAt: Date;
}

/** The first cohort month the overview asks for: every cohort. */
const allCohorts = '1970-01';

/**
 * Computes what the overview shows for the periods it offers — KPIs of each preset period (with the
 * previous period and last year) and every acquisition cohort as of `asOf` — and stores it, replacing the
 * workspace's earlier views. Runs after a scoring run, so a page view reads one row instead of every order.
 */
export async function precomputeOverview(db: Kysely<Database>, workspace: Workspace, asOf: string, clock: Clock): Promise<{ views: number; seconds: number }> {
  const started = performance.now();
  const rows: { view: string; params: string; payload: string }[] = [];
  for (const p of overviewPeriods(asOf)) {
    // The last 90 days and the year so far are the same period on 31 March.
    if (rows.some((r) => r.params === `${p.from}|${p.to}`)) continue;
    rows.push({ view: 'kpis', params: `${p.from}|${p.to}`, payload: JSON.stringify(await compareKpis(db, workspace, p.from, p.to)) });
  }
  const cohorts = await cohortRetention(db, workspace, { from: allCohorts, to: asOf.slice(0, 7), asOf });
  rows.push({ view: 'cohorts', params: asOf, payload: JSON.stringify({ cohorts }) });
  const computedAt = clock.now();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('analytics_overview').where('workspace_id', '=', workspace.id).execute();
    await trx
      .insertInto('analytics_overview')
      .values(rows.map((r) => ({ workspace_id: workspace.id, view: r.view, params: r.params, as_of: asOf, computed_at: computedAt, payload: r.payload })))
      .execute();
  });
  return { views: rows.length, seconds: Math.round(performance.now() - started) / 1000 };
}

/** The precomputed KPIs of exactly [from, to], if the last run stored them. */
export async function precomputedKpis(db: Kysely<Database>, workspaceId: number, from: string, to: string): Promise<(KpiComparison & { precomputed: Precomputed }) | undefined> {
  const row = await db
    .selectFrom('analytics_overview')
    .select(['payload', 'as_of', 'computed_at'])
    .where('workspace_id', '=', workspaceId)
    .where('view', '=', 'kpis')
    .where('params', '=', `${from}|${to}`)
    .executeTakeFirst();
  return row ? { ...(row.payload as unknown as KpiComparison), precomputed: { asOf: row.as_of, computedAt: row.computed_at } } : undefined;
}

/**
 * Precomputed cohorts from..to (YYYY-MM) counting orders up to asOf, if the last run stored the cohorts as
 * of that day: each cohort's row depends only on its own customers, so any range is a slice of all cohorts.
 */
export async function precomputedCohorts(db: Kysely<Database>, workspaceId: number, from: string, to: string, asOf: string): Promise<{ cohorts: Cohort[]; precomputed: Precomputed } | undefined> {
  const row = await db
    .selectFrom('analytics_overview')
    .select(['payload', 'as_of', 'computed_at'])
    .where('workspace_id', '=', workspaceId)
    .where('view', '=', 'cohorts')
    .where('params', '=', asOf)
    .executeTakeFirst();
  if (!row) return undefined;
  const all = (row.payload as unknown as { cohorts: Cohort[] }).cohorts;
  return { cohorts: all.filter((c) => c.cohort >= from && c.cohort <= to), precomputed: { asOf: row.as_of, computedAt: row.computed_at } };
}

/** When the workspace's overview was last precomputed (or a refresh of it claimed), if ever. */
export async function overviewComputedAt(db: Kysely<Database>, workspaceId: number): Promise<Date | undefined> {
  const r = await sql<{ at: Date | null }>`SELECT max(computed_at) AS at FROM analytics_overview WHERE workspace_id = ${workspaceId}`.execute(db);
  return r.rows[0]?.at ?? undefined;
}

/**
 * Claims a refresh of the workspace's precomputed overview that is due (last computed or claimed more than
 * `minMs` ago): of several processes running the scheduler, only the first gets it. The claim is a row of
 * its own, so the views keep saying when they were computed; precomputing replaces it with the new views.
 */
export async function claimOverviewRefresh(db: Kysely<Database>, workspaceId: number, asOf: string, clock: Clock, minMs: number): Promise<boolean> {
  const now = clock.now();
  const r = await sql`
    INSERT INTO analytics_overview AS o (workspace_id, view, params, as_of, computed_at, payload)
    VALUES (${workspaceId}, 'refresh_claim', '', ${asOf}::date, ${now}, '{}'::jsonb)
    ON CONFLICT (workspace_id, view, params) DO UPDATE SET computed_at = excluded.computed_at, as_of = excluded.as_of
    WHERE o.computed_at < ${new Date(now.getTime() - minMs)}`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}
