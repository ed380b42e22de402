import { sql, type Kysely, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { fitClvModels, writeClvPredictions, type ClvModels } from './clv-scores.ts';
import { rebuildCustomerStats } from './cold-rebuild.ts';
import { lifecycleThresholds, rfmCuts, tierCuts } from './score-model.ts';
import { countScoresOf, markSnapshotUpdated, snapshotTally, writeScoreSnapshot } from './score-snapshot.ts';
import { buildScored, writeScored, type ScoringParams } from './score-write.ts';
import { buildScoringInput, dateInZone } from './scoring-input.ts';
import { lockScoring } from './scoring-lock.ts';
import { getAnalyticsSettings, type AnalyticsSettings } from './settings.ts';

type Trx = Transaction<Database>;

// A run is a few large set-based statements in one transaction: room to sort in memory, no JIT
// compilation (it costs more than it saves on statements that run once), and no wait for the WAL
// flush at commit — scores can always be recomputed, so a crash losing the last run is harmless.
async function tuneRunTransaction(trx: Trx, workspaceId: number): Promise<void> {
  await lockScoring(trx, workspaceId);
  await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
  await sql`SET LOCAL jit = off`.execute(trx);
  // Joining a million buyers to the few thousand (x, T) predictions by hash beats sorting the million
  // for a merge join, which the planner otherwise picks (6.5 s → 3.4 s on the benchmark).
  await sql`SET LOCAL enable_mergejoin = off`.execute(trx);
  await sql`SET LOCAL synchronous_commit = off`.execute(trx);
}

/** Options of a full scoring run. */
export interface ScoreRunOptions {
  /** ISO date (YYYY-MM-DD) in the workspace's time zone; today by the clock when absent. */
  readonly asOf?: string;
  /** Rebuild customer_stats from raw orders first and read every history from orders (after bulk imports). */
  readonly cold?: boolean;
  readonly clock?: Clock;
}

/** What a run did, for the CLI and the API. */
export interface ScoreRunSummary {
  readonly runId: number;
  readonly kind: 'full' | 'cold' | 'targeted';
  readonly asOf: string;
  readonly customers: number;
  readonly seconds: number;
  readonly segments: Record<string, number>;
  readonly stages: Record<string, number>;
  readonly tiers: Record<string, number>;
  readonly historyRows: number;
  readonly transitions: number;
  readonly warnings: number;
  readonly params: ScoringParams;
  readonly problems: readonly string[];
  /** Seconds per step, to see where a run spends its time. */
  readonly steps: Record<string, number>;
}

function stepTimer() {
  const steps: Record<string, number> = {};
  let last = performance.now();
  return {
    steps,
    mark(name: string) {
      const now = performance.now();
      steps[name] = Math.round(now - last) / 1000;
      last = now;
    },
  };
}

async function latestRun(db: Kysely<Database> | Trx, workspaceId: number, kinds: 'any' | 'full or cold' = 'any') {
  let q = db.selectFrom('score_runs').select(['id', 'kind', 'as_of', 'params']).where('workspace_id', '=', workspaceId).where('finished_at', 'is not', null);
  if (kinds === 'full or cold') q = q.where('kind', '<>', 'targeted');
  return q
    .orderBy('as_of', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

function checkAsOf(asOf: string, latestAsOf: string | undefined): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw new PatronError('invalid_input', `as-of "${asOf}" is not a date; write it as YYYY-MM-DD`, { path: ['asOf'], value: asOf });
  }
  if (latestAsOf !== undefined && asOf < latestAsOf) {
    throw new PatronError('conflict', `Scores are already as of ${latestAsOf}; a run as of the earlier ${asOf} would move lifecycle stages backwards. Score as of ${latestAsOf} or later.`, {
      path: ['asOf'],
      value: asOf,
    });
  }
}

// A targeted run's summary counts the customers it rescored (a full run's are the snapshot's).
async function counts(trx: Trx): Promise<Pick<ScoreRunSummary, 'segments' | 'stages' | 'tiers'>> {
  const rows = await sql<{ kind: string; key: string; n: number }>`
    SELECT 'segment' AS kind, rfm_segment AS key, count(*)::int AS n FROM scored GROUP BY rfm_segment
    UNION ALL SELECT 'stage', stage, count(*)::int FROM scored GROUP BY stage
    UNION ALL SELECT 'tier', value_tier, count(*)::int FROM scored GROUP BY value_tier`.execute(trx);
  const pick = (kind: string) => Object.fromEntries(rows.rows.filter((r) => r.kind === kind).map((r) => [r.key, r.n]));
  return { segments: pick('segment'), stages: pick('stage'), tiers: pick('tier') };
}

async function finishRun(trx: Trx, workspaceId: number, runId: number, clock: Clock, summary: Omit<ScoreRunSummary, 'runId' | 'seconds'>, started: number): Promise<ScoreRunSummary> {
  const seconds = Math.round(performance.now() - started) / 1000;
  const { params, customers, ...diagnostics } = summary;
  await trx
    .updateTable('score_runs')
    .set({ finished_at: clock.now(), customers, params: JSON.stringify(params), diagnostics: JSON.stringify({ ...diagnostics, seconds }) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
  return { runId, seconds, ...summary };
}

/**
 * Scores every buyer of a workspace as of a date in one transaction: builds score_input (from
 * customer_stats; from orders on the first run or a cold run), derives RFM cut points, lifecycle
 * thresholds and value tier cut points, fits the CLV models on the de-duplicated summary, writes
 * scores, compact history, lifecycle transitions and churn warnings set-based, and records the run.
 */
export async function runScoring(db: Kysely<Database>, workspace: Workspace, options: ScoreRunOptions = {}): Promise<ScoreRunSummary> {
  const summary = await scoreEveryone(db, workspace, options, false);
  if (!summary) throw new Error('a run that is not skipped always has a summary');
  return summary;
}

/**
 * The daily run of a workspace as of a date unless a full run as of that date (or later) has finished —
 * also one that finished while this waited for the scoring lock, so processes that each run the
 * scheduler (`patron serve` and `patron worker`) score a workspace once a day. Undefined when skipped.
 */
export function runScoringIfDue(db: Kysely<Database>, workspace: Workspace, options: ScoreRunOptions & { readonly asOf: string }): Promise<ScoreRunSummary | undefined> {
  return scoreEveryone(db, workspace, options, true);
}

async function scoreEveryone(db: Kysely<Database>, workspace: Workspace, options: ScoreRunOptions, onlyIfDue: boolean): Promise<ScoreRunSummary | undefined> {
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  const timer = stepTimer();
  const asOf = options.asOf ?? dateInZone(clock.now(), workspace.timezone);
  checkAsOf(asOf, (await latestRun(db, workspace.id))?.as_of);
  const settings = await getAnalyticsSettings(db, workspace.id);
  if (options.cold) {
    await rebuildCustomerStats(db, workspace);
    timer.mark('rebuildCustomerStats');
  }
  const kind = options.cold ? 'cold' : 'full';
  return db.transaction().execute(async (trx) => {
    await tuneRunTransaction(trx, workspace.id);
    // Read again under the lock: a run that finished while this one waited is the previous one.
    const previous = await latestRun(trx, workspace.id);
    const full = onlyIfDue ? await latestRun(trx, workspace.id, 'full or cold') : undefined;
    if (full && full.as_of >= asOf) return undefined;
    checkAsOf(asOf, previous?.as_of);
    const run = await trx.insertInto('score_runs').values({ workspace_id: workspace.id, kind, as_of: asOf, started_at: clock.now() }).returning('id').executeTakeFirstOrThrow();
    const customers = await buildScoringInput(trx, { workspaceId: workspace.id, timezone: workspace.timezone, asOf, settings, previousDay: options.cold === true || previous === undefined });
    timer.mark('input');
    const rfm = await rfmCuts(trx, settings);
    const lifecycle = await lifecycleThresholds(trx, settings);
    timer.mark('cuts');
    const start = (previous?.params as Partial<ScoringParams> | undefined)?.clv ?? null;
    const fit = settings.clv.enabled ? await fitClvModels(trx, settings, asOf, start) : { models: null, problems: ['CLV is switched off in the analytics settings.'], seconds: 0 };
    timer.mark('fit');
    if (fit.models) await writeClvPredictions(trx, fit.models, asOf);
    timer.mark('predict');
    const params = await paramsFor(trx, settings, asOf, rfm, lifecycle, fit.models);
    const problems = [...fit.problems];
    if (settings.valueTier.basis === 'clv' && params.tiers.basis !== 'clv') problems.push('Value tiers use revenue: they are set to use CLV, but no CLV could be computed.');
    timer.mark('tiers');
    await buildScored(trx, workspace.id, params);
    timer.mark('score');
    const written = await writeScored(trx, workspace.id, run.id, params, timer.mark);
    // Everyone scored now carries this run's id; anyone else is no longer a buyer (refunded, merged away).
    await trx.deleteFrom('customer_scores').where('workspace_id', '=', workspace.id).where('run_id', '<>', run.id).execute();
    timer.mark('delete');
    // The overview's counts of these scores, in the same transaction: a page never mixes two runs.
    await writeScoreSnapshot(trx, workspace, run.id, asOf, clock);
    const tally = await snapshotTally(trx, workspace.id);
    timer.mark('snapshot');
    return finishRun(trx, workspace.id, run.id, clock, { kind, asOf, customers, ...tally, ...written, params, problems, steps: timer.steps }, started);
  });
}

async function paramsFor(trx: Trx, settings: AnalyticsSettings, asOf: string, rfm: ScoringParams['rfm'] | Omit<ScoringParams['rfm'], 'segmentAxis'>, lifecycle: ScoringParams['lifecycle'], clv: ClvModels | null): Promise<ScoringParams> {
  const useClv = settings.valueTier.basis === 'clv' && clv?.gammaGamma != null;
  let tiers;
  if (useClv) {
    // Tiers by CLV need each customer's CLV first: a throwaway scoring pass computes it.
    const provisional: ScoringParams = { asOf, settings, rfm: { ...rfm, segmentAxis: settings.rfm.segmentAxis }, lifecycle, tiers: { basis: 'revenue', highMin: null, midMin: null }, churnWarning: settings.churnWarning, clv, history: settings.history };
    await buildScored(trx, -1, provisional);
    tiers = await tierCuts(trx, settings, 'clv', 'scored');
  } else {
    tiers = await tierCuts(trx, settings, 'revenue', 'score_input');
  }
  return { asOf, settings, rfm: { ...rfm, segmentAxis: settings.rfm.segmentAxis }, lifecycle, tiers, churnWarning: settings.churnWarning, clv, history: settings.history };
}

/**
 * Rescores some customers now (after their orders changed) with the cut points, thresholds and models
 * of the latest full run, so they land exactly where that run would have put them; their history,
 * transitions and warnings are written like a full run's. Without an earlier full run it runs one.
 */
export async function scoreCustomers(db: Kysely<Database>, workspace: Workspace, customerIds: readonly number[], options: { clock?: Clock } = {}): Promise<ScoreRunSummary> {
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  const timer = stepTimer();
  const previous = await latestRun(db, workspace.id);
  if (!previous || !('rfm' in previous.params)) return runScoring(db, workspace, { clock });
  const asOf = dateInZone(clock.now(), workspace.timezone);
  checkAsOf(asOf, previous.as_of);
  const base = previous.params as unknown as ScoringParams;
  const params: ScoringParams = { ...base, asOf };
  const settings = base.settings;
  const ids = [...new Set(customerIds)];
  return db.transaction().execute(async (trx) => {
    await tuneRunTransaction(trx, workspace.id);
    const run = await trx.insertInto('score_runs').values({ workspace_id: workspace.id, kind: 'targeted', as_of: asOf, started_at: clock.now() }).returning('id').executeTakeFirstOrThrow();
    // Out of the overview's counts with their old scores now, back in with the new ones below.
    await countScoresOf(trx, workspace.id, ids, -1);
    const customers = await buildScoringInput(trx, { workspaceId: workspace.id, timezone: workspace.timezone, asOf, settings, previousDay: false, customerIds: ids });
    timer.mark('input');
    if (params.clv) await writeClvPredictions(trx, params.clv, asOf);
    timer.mark('predict');
    await buildScored(trx, workspace.id, params);
    timer.mark('score');
    const written = await writeScored(trx, workspace.id, run.id, params, timer.mark);
    // Every row of these customers goes back in, those about to be deleted too: the delete trigger takes them out.
    await countScoresOf(trx, workspace.id, ids, 1);
    await sql`DELETE FROM customer_scores WHERE workspace_id = ${workspace.id} AND customer_id = ANY(${ids}::bigint[]) AND run_id <> ${run.id}`.execute(trx);
    await markSnapshotUpdated(trx, workspace.id, run.id, clock);
    timer.mark('delete');
    const tally = await counts(trx);
    return finishRun(trx, workspace.id, run.id, clock, { kind: 'targeted', asOf, customers, ...tally, ...written, params, problems: [], steps: timer.steps }, started);
  });
}
