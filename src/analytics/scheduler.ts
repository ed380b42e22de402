import { sql, type Kysely } from 'kysely';
import { getWorkspace, type Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { claimOverviewRefresh, overviewComputedAt, precomputeOverview } from './overview-snapshots.ts';
import { dateInZone } from './scoring-input.ts';
import { runScoringIfDue, scoreCustomers } from './scoring-run.ts';
import { latestScoreRun } from './score-views.ts';
import { createSleeper } from '../lib/sleeper.ts';

/**
 * Rescores the customers whose orders changed since they were scored (queued by the orders trigger of
 * migration 0010), claiming up to `limit` queue rows with SKIP LOCKED so several processes can drain
 * together. The claim is committed before scoring (PGlite has one connection); if scoring fails for a
 * reason other than bad input, the customers are queued again. Returns the workspaces rescored.
 */
export async function rescoreChangedCustomers(db: Kysely<Database>, clock: Clock, limit = 5000): Promise<{ claimed: number; workspaces: number[] }> {
  const claimed = await db.transaction().execute(async (trx) => {
    const r = await sql<{ workspace_id: number; customer_id: number }>`
      WITH c AS (SELECT workspace_id, id FROM analytics_changes ORDER BY workspace_id, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      DELETE FROM analytics_changes a USING c WHERE a.workspace_id = c.workspace_id AND a.id = c.id
      RETURNING a.workspace_id, a.customer_id`.execute(trx);
    return r.rows;
  });
  const byWorkspace = new Map<number, Set<number>>();
  for (const row of claimed) {
    const ids = byWorkspace.get(Number(row.workspace_id)) ?? new Set<number>();
    ids.add(Number(row.customer_id));
    byWorkspace.set(Number(row.workspace_id), ids);
  }
  for (const [workspaceId, ids] of byWorkspace) {
    try {
      await scoreCustomers(db, await getWorkspace(db, workspaceId), [...ids], { clock });
    } catch (error) {
      // A PatronError (e.g. scores already as of a later date) would fail the same way again.
      if (!(error instanceof PatronError)) {
        await db.insertInto('analytics_changes').values([...ids].map((customer_id) => ({ workspace_id: workspaceId, customer_id }))).execute();
      }
      throw error;
    }
  }
  return { claimed: claimed.length, workspaces: [...byWorkspace.keys()] };
}

/**
 * The daily run: for each workspace with orders whose latest full run is older than today in its own time
 * zone, one at a time, a full scoring run as of today and the overview's precomputed views. Returns the
 * workspaces this process scored.
 */
export async function runDueScoring(db: Kysely<Database>, clock: Clock): Promise<number[]> {
  const workspaces = await db.selectFrom('workspaces').select('id').orderBy('id').execute();
  const scored: number[] = [];
  for (const { id } of workspaces) {
    const workspace = await getWorkspace(db, id);
    const today = dateInZone(clock.now(), workspace.timezone);
    const latest = await latestScoreRun(db, id);
    if (latest && latest.asOf >= today) continue;
    const hasOrders = await db.selectFrom('orders').select('id').where('workspace_id', '=', id).limit(1).executeTakeFirst();
    if (!hasOrders) continue;
    // Another process running the scheduler may have scored it meanwhile: then it precomputes the overview too.
    if (!(await runScoringIfDue(db, workspace, { asOf: today, clock }))) continue;
    await precomputeOverview(db, workspace, today, clock);
    scored.push(id);
  }
  return scored;
}

/** Recomputes the overview of a workspace whose orders changed, at most once per `minMs`, as of its latest full run. */
export async function refreshOverview(db: Kysely<Database>, workspace: Workspace, clock: Clock, minMs: number): Promise<boolean> {
  const at = await overviewComputedAt(db, workspace.id);
  if (at && clock.now().getTime() - at.getTime() < minMs) return false;
  const latest = await latestScoreRun(db, workspace.id);
  if (!latest) return false;
  if (!(await claimOverviewRefresh(db, workspace.id, latest.asOf, clock, minMs))) return false;
  await precomputeOverview(db, workspace, latest.asOf, clock);
  return true;
}

export interface AnalyticsScheduler {
  /** Finishes the step in progress and stops. */
  stop(): Promise<void>;
}

export interface AnalyticsSchedulerOptions {
  /** Pause between rounds of targeted rescoring when the queue is empty (ms). */
  readonly changeIntervalMs?: number;
  /** How often to look for workspaces due their daily run (ms); the first look is right at start. */
  readonly scheduleIntervalMs?: number;
  /** Least time between two recomputations of a workspace's overview after its orders changed (ms). */
  readonly overviewRefreshMs?: number;
  /** Told about a failed step; the scheduler carries on with the next one. */
  readonly onError: (error: unknown) => void;
}

/**
 * Keeps scores current in the serving process and in workers: one loop, so runs never overlap within a
 * process (the scoring lock orders them across processes, and a workspace is scored once a day however
 * many processes run this). Every few seconds it rescores the customers whose orders
 * changed; once a minute it starts the daily run of any workspace past midnight in its time zone, and
 * refreshes the precomputed overview of workspaces whose orders changed.
 */
export function startAnalyticsScheduler(db: Kysely<Database>, clock: Clock, options: AnalyticsSchedulerOptions): AnalyticsScheduler {
  const changeIntervalMs = options.changeIntervalMs ?? 5000;
  const scheduleIntervalMs = options.scheduleIntervalMs ?? 60_000;
  const overviewRefreshMs = options.overviewRefreshMs ?? 600_000;
  let stopped = false;
  const { sleep, wake } = createSleeper();
  const changed = new Set<number>();
  const loop = (async () => {
    let nextSchedule = 0;
    while (!stopped) {
      try {
        const round = await rescoreChangedCustomers(db, clock);
        for (const id of round.workspaces) changed.add(id);
      } catch (error) {
        options.onError(error);
      }
      if (!stopped && Date.now() >= nextSchedule) {
        nextSchedule = Date.now() + scheduleIntervalMs;
        try {
          const scored = await runDueScoring(db, clock);
          for (const id of scored) changed.delete(id);
          for (const id of [...changed]) {
            if (stopped) break;
            if (await refreshOverview(db, await getWorkspace(db, id), clock, overviewRefreshMs)) changed.delete(id);
          }
        } catch (error) {
          options.onError(error);
        }
      }
      if (!stopped) await sleep(changeIntervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
