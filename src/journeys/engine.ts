import { sql, type Kysely, type Transaction } from 'kysely';
import { getWorkspace, type Workspace } from '../access/index.ts';
import { queueMessages, type MessageRequest } from '../channels/index.ts';
import type { Database, JsonObject } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { assertNever } from '../lib/errors.ts';
import type { JourneyGraph, JourneyNode } from './graph.ts';
import { runExternalStep, runInternalStep, type StepEntry, type StepResult } from './steps.ts';

type Trx = Transaction<Database>;

/** How long a worker holds an entry while it performs an outside call (webhook, points) before another may retry it. */
export const externalLeaseMs = 60_000;
const maxAttempts = 5;

/** What one pass of the engine did. */
export interface StepRun {
  /** Entries claimed and moved forward inside the claiming transaction. */
  readonly claimed: number;
  /** Outside calls made after the commit (webhooks, points). */
  readonly external: number;
  /** Entries that finished (completed, exited, failed) in this pass. */
  readonly finished: number;
}

interface ClaimedRow {
  workspace_id: number;
  customer_id: number;
  id: number;
  journey_id: number;
  version_id: number;
  node_id: string;
  status: 'active' | 'waiting';
  context: JsonObject;
  attempts: number;
  entered_at: Date;
}

/** Caches what does not change while an engine runs: published versions and workspaces. */
export interface EngineCache {
  readonly versions: Map<number, JourneyGraph>;
  readonly workspaces: Map<number, Workspace>;
}

export function newEngineCache(): EngineCache {
  return { versions: new Map(), workspaces: new Map() };
}

async function versionGraphs(trx: Trx, cache: EngineCache, ids: readonly number[]): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !cache.versions.has(id));
  if (missing.length === 0) return;
  // A version that entries use is never edited (drafts are edited in place only before anyone enters).
  const rows = await trx.selectFrom('journey_versions').select(['id', 'graph']).where('id', 'in', missing).execute();
  for (const row of rows) cache.versions.set(row.id, row.graph as unknown as JourneyGraph);
}

async function workspaceOf(trx: Trx, cache: EngineCache, id: number): Promise<Workspace> {
  let ws = cache.workspaces.get(id);
  if (!ws) {
    ws = await getWorkspace(trx, id);
    cache.workspaces.set(id, ws);
  }
  return ws;
}

interface Running {
  readonly row: ClaimedRow;
  readonly graph: JourneyGraph;
  readonly workspace: Workspace;
  readonly entry: StepEntry;
  nodeId: string;
  context: JsonObject;
  steps: number;
}

interface FinalState {
  readonly id: number;
  readonly workspaceId: number;
  readonly customerId: number;
  readonly nodeId: string;
  readonly status: ClaimedRow['status'] | 'completed' | 'failed';
  readonly dueAt: Date;
  readonly waitingFor: string | null;
  readonly context: JsonObject;
  readonly attempts: number;
  readonly lastError: string | null;
}

/**
 * One pass of the engine: claims up to `limit` due entries of live journeys (FOR UPDATE SKIP LOCKED, so
 * any number of workers share the queue), runs each through as many steps as are due now, and writes
 * their new positions in the same transaction as the steps' side effects (messages queued through the
 * channels outbox, tags, tasks, coupons): a crash rolls all of it back and the entries are claimed again.
 * Steps that call the outside world (webhooks, loyalty points) run after the commit under a lease, with an
 * idempotency key, and move their entry on with a compare-and-set.
 */
export async function runDueSteps(db: Kysely<Database>, clock: Clock, options: { limit?: number; cache?: EngineCache } = {}): Promise<StepRun> {
  const cache = options.cache ?? newEngineCache();
  const now = clock.now();
  const outside: { entry: StepEntry; nodeId: string; node: JourneyNode; workspace: Workspace }[] = [];
  let finished = 0;
  const claimed = await db.transaction().execute(async (trx) => {
    const { rows } = await sql<ClaimedRow>`
      SELECT e.workspace_id, e.customer_id, e.id, e.journey_id, e.version_id, e.node_id, e.status, e.context, e.attempts, e.entered_at
      FROM journey_entries e
      WHERE e.status IN ('active', 'waiting') AND e.due_at <= ${now}
        AND EXISTS (SELECT 1 FROM journeys j WHERE j.workspace_id = e.workspace_id AND j.id = e.journey_id AND j.state = 'live')
      ORDER BY e.due_at
      LIMIT ${options.limit ?? 500}
      FOR UPDATE OF e SKIP LOCKED`.execute(trx);
    if (rows.length === 0) return 0;
    await versionGraphs(trx, cache, rows.map((r) => r.version_id));
    const finals: FinalState[] = [];
    let running: Running[] = [];
    for (const row of rows) {
      const graph = cache.versions.get(row.version_id)!;
      const workspace = await workspaceOf(trx, cache, row.workspace_id);
      const entry: StepEntry = { id: row.id, workspaceId: row.workspace_id, customerId: row.customer_id, journeyId: row.journey_id, versionId: row.version_id, context: row.context };
      // A waiting entry that comes due has timed out: it takes the timeout branch.
      const node = graph.nodes[row.node_id]!;
      const nodeId = row.status === 'waiting' && node.kind === 'wait_for_event' ? node.timeoutNext : row.node_id;
      running.push({ row, graph, workspace, entry, nodeId, context: row.context, steps: 0 });
    }
    // Entries run until they finish, wait or reach a send; the sends of all of them are queued in one batch
    // per workspace (the channels batch API), and the entries go on from there.
    while (running.length > 0) {
      const sends: { run: Running; request: MessageRequest; next: string }[] = [];
      for (const run of running) {
        const state = (fields: Partial<FinalState> & Pick<FinalState, 'status' | 'dueAt'>): FinalState => ({
          id: run.row.id,
          workspaceId: run.row.workspace_id,
          customerId: run.row.customer_id,
          nodeId: run.nodeId,
          waitingFor: null,
          context: run.context,
          attempts: 0,
          lastError: null,
          ...fields,
        });
        let final: FinalState | undefined;
        while (final === undefined) {
          const node = run.graph.nodes[run.nodeId]!;
          run.steps++;
          const result: StepResult =
            run.steps > 200 ? { kind: 'fail', error: 'more than 200 steps at one instant' } : await runInternalStep(trx, run.workspace, run.graph, { ...run.entry, context: run.context }, run.nodeId, node, now);
          if (result.kind === 'send') {
            sends.push({ run, request: result.request, next: result.next });
            break;
          }
          switch (result.kind) {
            case 'next':
              run.nodeId = result.next;
              if (result.context) run.context = result.context;
              break;
            case 'later':
              final = state({ nodeId: result.next, status: 'active', dueAt: result.dueAt });
              break;
            case 'wait_event':
              final = state({ status: 'waiting', dueAt: result.timeoutAt, waitingFor: result.event, context: { ...run.context, waitingSince: now.toISOString() } });
              break;
            case 'outside':
              outside.push({ entry: { ...run.entry, context: run.context }, nodeId: run.nodeId, node, workspace: run.workspace });
              final = state({ status: 'active', dueAt: new Date(now.getTime() + externalLeaseMs), attempts: run.row.attempts });
              break;
            case 'done':
              final = state({ status: 'completed', dueAt: now });
              finished++;
              break;
            case 'fail':
              final = state({ status: 'failed', dueAt: now, attempts: run.row.attempts, lastError: result.error });
              finished++;
              break;
            default:
              assertNever(result, 'step result');
          }
        }
        if (final) finals.push(final);
      }
      running = [];
      const byWorkspace = new Map<number, typeof sends>();
      for (const send of sends) {
        const group = byWorkspace.get(send.run.workspace.id);
        if (group) group.push(send);
        else byWorkspace.set(send.run.workspace.id, [send]);
      }
      for (const group of byWorkspace.values()) {
        const outcomes = await queueMessages(trx, group[0]!.run.workspace, group.map((s) => s.request), now);
        group.forEach((send, i) => {
          const outcome = outcomes[i]!;
          // Quiet hours: the step stays where it is and runs again when the window opens (the same key makes it one message).
          if (outcome.status === 'held') {
            finals.push({ id: send.run.row.id, workspaceId: send.run.row.workspace_id, customerId: send.run.row.customer_id, nodeId: send.run.nodeId, status: 'active', dueAt: outcome.until, waitingFor: null, context: send.run.context, attempts: 0, lastError: null });
          } else {
            send.run.nodeId = send.next;
            running.push(send.run);
          }
        });
      }
    }
    await writeFinalStates(trx, finals, now);
    return rows.length;
  });
  for (const { entry, nodeId, node, workspace } of outside) {
    if (await runOutside(db, clock, workspace, entry, nodeId, node)) finished++;
  }
  return { claimed, external: outside.length, finished };
}

/** Writes every claimed entry's new position with one statement. */
async function writeFinalStates(trx: Trx, finals: readonly FinalState[], now: Date): Promise<void> {
  await sql`
    UPDATE journey_entries e
    SET node_id = u.node_id, status = u.status, due_at = u.due_at, waiting_for = u.waiting_for, context = u.context, attempts = u.attempts,
        last_error = u.last_error, finished_at = CASE WHEN u.status IN ('completed', 'failed') THEN ${now}::timestamptz END
    FROM unnest(${finals.map((f) => f.workspaceId)}::bigint[], ${finals.map((f) => f.customerId)}::bigint[], ${finals.map((f) => f.id)}::bigint[],
                ${finals.map((f) => f.nodeId)}::text[], ${finals.map((f) => f.status)}::text[], ${finals.map((f) => f.dueAt.toISOString())}::timestamptz[],
                ${finals.map((f) => f.waitingFor)}::text[], ${finals.map((f) => JSON.stringify(f.context))}::jsonb[], ${finals.map((f) => f.attempts)}::int[],
                ${finals.map((f) => f.lastError)}::text[])
         AS u(workspace_id, customer_id, id, node_id, status, due_at, waiting_for, context, attempts, last_error)
    WHERE e.workspace_id = u.workspace_id AND e.customer_id = u.customer_id AND e.id = u.id`.execute(trx);
}

/**
 * Performs an outside step and moves the entry on only if it is still where the claim left it (another
 * worker may have retried after the lease). Failures retry with exponential backoff, then fail the entry.
 * Returns whether the entry finished.
 */
async function runOutside(db: Kysely<Database>, clock: Clock, workspace: Workspace, entry: StepEntry, nodeId: string, node: JourneyNode): Promise<boolean> {
  const outcome = await runExternalStep(db, clock, workspace, entry, nodeId, node);
  const now = clock.now();
  const where = sql`workspace_id = ${entry.workspaceId} AND customer_id = ${entry.customerId} AND id = ${entry.id} AND status = 'active'`;
  if (outcome.ok) {
    await sql`UPDATE journey_entries SET node_id = ${outcome.next}, due_at = ${now}, attempts = 0, last_error = NULL, context = ${JSON.stringify(outcome.context ?? entry.context)}::jsonb
              WHERE ${where} AND node_id = ${nodeId}`.execute(db);
    return false;
  }
  const { rows } = await sql<{ attempts: number }>`
    UPDATE journey_entries
    SET attempts = attempts + 1, last_error = ${outcome.error},
        status = CASE WHEN attempts + 1 >= ${maxAttempts} THEN 'failed' ELSE status END,
        finished_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN ${now}::timestamptz END,
        due_at = ${now}::timestamptz + make_interval(mins => power(2, attempts)::int)
    WHERE ${where} AND node_id = ${nodeId}
    RETURNING attempts`.execute(db);
  return (rows[0]?.attempts ?? 0) >= maxAttempts;
}

