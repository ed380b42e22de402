import { sql, type Kysely } from 'kysely';
import { getWorkspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { exitCustomers, lockSegments, syncMembership, syncMemberships, type SyncItem } from './membership.ts';
import { dayInZone, startOfDayInZone } from './time.ts';

export interface ChangeRound {
  /** Change notes taken from the queue. */
  readonly notes: number;
  readonly customers: number;
  /** Segment re-checks run (one statement each, over the changed customers only). */
  readonly checks: number;
  readonly entered: number;
  readonly exited: number;
}

/** Whether a segment reading `reads` must re-check a customer after a change of `source` (profile, tags, orders, event:<name>, …). */
function affects(reads: readonly string[], source: string): boolean {
  return reads.includes(source);
}

/**
 * Takes up to `limit` change notes from the queue (skipping notes another worker holds) and re-checks
 * only the customers they name against only the dynamic segments that read what changed, in one
 * transaction: the notes are gone exactly when their effects are stored. Entries and exits are emitted
 * as events. Profiles that were merged away leave all their segments.
 */
export async function processSegmentChanges(db: Kysely<Database>, clock: Clock, limit = 5000): Promise<ChangeRound> {
  return db.transaction().execute(async (trx) => {
    const notes = await sql<{ workspace_id: number; customer_id: number; source: string }>`
      DELETE FROM segment_changes
      WHERE (workspace_id, id) IN (SELECT workspace_id, id FROM segment_changes ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING workspace_id, customer_id, source`.execute(trx);
    const round = { notes: notes.rows.length, customers: 0, checks: 0, entered: 0, exited: 0 };
    if (notes.rows.length === 0) return round;
    const now = clock.now();
    const byWorkspace = new Map<number, Map<number, Set<string>>>();
    for (const note of notes.rows) {
      const customers = byWorkspace.get(note.workspace_id) ?? new Map<number, Set<string>>();
      byWorkspace.set(note.workspace_id, customers);
      const sources = customers.get(note.customer_id) ?? new Set<string>();
      customers.set(note.customer_id, sources);
      sources.add(note.source);
    }
    for (const [workspaceId, customers] of byWorkspace) {
      const workspace = await getWorkspace(trx, workspaceId);
      round.customers += customers.size;
      const live = await trx
        .selectFrom('customers')
        .select(['id', 'merged_into'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', [...customers.keys()])
        .execute();
      const gone = live.filter((c) => c.merged_into !== null).map((c) => c.id);
      const segments = await trx
        .selectFrom('segments')
        .select(['id', 'name', 'kind', 'rule', 'reads'])
        .where('workspace_id', '=', workspaceId)
        .where('archived_at', 'is', null)
        .orderBy('id')
        .execute();
      // Every segment this round may touch is locked up front, in one order, so rounds and refreshes queue rather than deadlock.
      await lockSegments(
        trx,
        segments.map((s) => s.id),
      );
      await exitCustomers(trx, workspace, gone, now);
      const items: SyncItem[] = [];
      for (const segment of segments.filter((s) => s.kind === 'dynamic')) {
        const ids = [...customers].filter(([id, sources]) => !gone.includes(id) && [...sources].some((s) => affects(segment.reads, s))).map(([id]) => id);
        if (ids.length > 0) items.push({ segment, customerIds: ids });
      }
      const changes = await syncMemberships(trx, workspace, items, now, true);
      round.checks += items.length;
      for (const change of changes.values()) {
        round.entered += change.entered;
        round.exited += change.exited;
      }
    }
    return round;
  });
}

export interface DueRefresh {
  readonly segmentId: number;
  readonly workspaceId: number;
  readonly entered: number;
  readonly exited: number;
  readonly ms: number;
}

/**
 * The scheduled pass: re-evaluates in full every dynamic segment whose membership can change without a
 * write — rules with time windows or relative dates, once per day in the workspace's time zone, and rules
 * reading scores, after each finished full scoring run (a targeted rescore of a few customers is noted per
 * customer by the capture trigger instead) — and records a size row for every segment each day.
 */
export async function refreshDueSegments(db: Kysely<Database>, clock: Clock): Promise<DueRefresh[]> {
  const now = clock.now();
  const candidates = await db
    .selectFrom('segments as s')
    .innerJoin('workspaces as w', 'w.id', 's.workspace_id')
    .select(['s.workspace_id', 's.id', 's.time_dependent', 's.reads', 's.refreshed_at', 'w.timezone'])
    .where('s.kind', '=', 'dynamic')
    .where('s.archived_at', 'is', null)
    .orderBy('s.workspace_id')
    .orderBy('s.id')
    .execute();
  const due: typeof candidates = [];
  for (const candidate of candidates) {
    const startOfToday = startOfDayInZone(dayInZone(now, candidate.timezone), candidate.timezone);
    let isDue = candidate.refreshed_at === null || (candidate.time_dependent && candidate.refreshed_at < startOfToday);
    if (!isDue && candidate.reads.includes('scores')) {
      const run = await db
        .selectFrom('score_runs')
        .select('finished_at')
        .where('workspace_id', '=', candidate.workspace_id)
        .where('finished_at', 'is not', null)
        .where('kind', '<>', 'targeted')
        .orderBy('finished_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      isDue = run?.finished_at != null && run.finished_at > candidate.refreshed_at!;
    }
    if (isDue) due.push(candidate);
  }
  // One after the other: each full evaluation already uses the server's parallel workers (two refreshed side
  // by side measured no faster on two cores).
  const refreshed: DueRefresh[] = [];
  for (const candidate of due) {
    const started = performance.now();
    const change = await db.transaction().execute(async (trx) => {
      const workspace = await getWorkspace(trx, candidate.workspace_id);
      const segment = await trx
        .selectFrom('segments')
        .select(['id', 'name', 'kind', 'rule'])
        .where('workspace_id', '=', candidate.workspace_id)
        .where('id', '=', candidate.id)
        .executeTakeFirstOrThrow();
      return syncMembership(trx, workspace, segment, now, { emit: true });
    });
    refreshed.push({ segmentId: candidate.id, workspaceId: candidate.workspace_id, ...change, ms: Math.round(performance.now() - started) });
  }
  // A size row per segment and day, also on days nothing changed, so the history has no gaps.
  await sql`
    INSERT INTO segment_sizes (workspace_id, segment_id, day, members)
    SELECT s.workspace_id, s.id, (${now.toISOString()}::timestamptz AT TIME ZONE w.timezone)::date, s.member_count
    FROM segments s JOIN workspaces w ON w.id = s.workspace_id
    WHERE s.archived_at IS NULL
    ON CONFLICT (workspace_id, segment_id, day) DO NOTHING`.execute(db);
  return refreshed;
}
