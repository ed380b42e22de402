import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { compileRule, membersFrom, withRule, type CompileContext, type CompiledRule, type ReferencedSegment } from './compile.ts';
import { parseRule } from './rule.ts';
import { dayInZone } from './time.ts';

type Trx = Transaction<Database>;

export const segmentEnteredEvent = 'Segment Entered';
export const segmentExitedEvent = 'Segment Exited';

export interface SegmentRow {
  readonly id: number;
  readonly name: string;
  readonly kind: 'dynamic' | 'static';
  readonly rule: unknown;
}

export interface MembershipChange {
  readonly entered: number;
  readonly exited: number;
}

/** A loader for `segment` conditions that reads the workspace's live segments in the caller's transaction. */
export function segmentLoader(trx: Trx, workspaceId: number): (id: number) => Promise<ReferencedSegment | undefined> {
  return async (id) => {
    const row = await trx
      .selectFrom('segments')
      .select(['id', 'name', 'kind', 'rule'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return row ? { id: row.id, name: row.name, kind: row.kind, rule: parseRule(row.rule) } : undefined;
  };
}

export function compileContext(trx: Trx, workspace: Workspace, now: Date, extra: Partial<CompileContext> = {}): CompileContext {
  return { workspaceId: workspace.id, currency: workspace.currency, timezone: workspace.timezone, now, loadSegment: segmentLoader(trx, workspace.id), ...extra };
}

/** Serializes membership writes of one segment (a full refresh and the change worker never interleave). */
export async function lockSegment(trx: Trx, segmentId: number): Promise<void> {
  await lockSegments(trx, [segmentId]);
}

/** Locks several segments in one global order (ascending id), so two writers never wait on each other in a cycle. */
export async function lockSegments(trx: Trx, segmentIds: readonly number[]): Promise<void> {
  await sql`
    SELECT pg_advisory_xact_lock(h)
    FROM (SELECT hashtextextended('segment:' || id::text, 0) AS h FROM unnest(${[...new Set(segmentIds)]}::bigint[]) AS id ORDER BY id) s`.execute(trx);
}

/** A segment to bring up to date, for every customer or only the given ones. */
export interface SyncItem {
  readonly segment: SegmentRow;
  readonly customerIds?: readonly number[];
}

/**
 * Brings a segment's stored membership in line with its rule, for every customer or only `customerIds`:
 * customers who now match and are not members enter, members who no longer match exit. With `emit`, each
 * entry and exit is also written as a "Segment Entered" / "Segment Exited" event of the customer (what
 * journeys trigger on); the first population of a new segment emits nothing. Updates the segment's count
 * and today's size row.
 */
export async function syncMembership(
  trx: Trx,
  workspace: Workspace,
  segment: SegmentRow,
  now: Date,
  options: { readonly customerIds?: readonly number[]; readonly emit: boolean },
): Promise<MembershipChange> {
  const changes = await syncMemberships(trx, workspace, [{ segment, ...(options.customerIds ? { customerIds: options.customerIds } : {}) }], now, options.emit);
  return changes.get(segment.id) ?? { entered: 0, exited: 0 };
}

/**
 * syncMembership for several segments in one statement: what the change worker runs each round, so the
 * cost of a round is one statement whatever the number of segments it re-checks.
 */
export async function syncMemberships(trx: Trx, workspace: Workspace, items: readonly SyncItem[], now: Date, emit: boolean): Promise<Map<number, MembershipChange>> {
  if (items.length === 0) return new Map();
  const scoped = items[0]!.customerIds !== undefined;
  if (items.some((i) => (i.customerIds !== undefined) !== scoped)) throw new Error('syncMemberships: scope every item or none');
  await lockSegments(
    trx,
    items.map((i) => i.segment.id),
  );
  const targets = [];
  const compiledRules: CompiledRule[] = [];
  for (const [n, item] of items.entries()) {
    const ctx = compileContext(trx, workspace, now, { selfId: item.segment.id, aliasPrefix: `s${n}j`, ...(item.customerIds ? { customerIds: item.customerIds } : {}) });
    const compiled = await compileRule(parseRule(item.segment.rule), ctx);
    compiledRules.push(compiled);
    targets.push(sql`SELECT ${item.segment.id}::bigint AS segment_id, c.id ${membersFrom(compiled, ctx)}`);
  }
  const segmentIds = items.map((i) => i.segment.id);
  const at = now.toISOString();
  // Which (segment, customer) pairs may exit: every member of the segments, or only the re-checked customers.
  const pairs = items.flatMap((i) => (i.customerIds ?? []).map((c) => [i.segment.id, c] as const));
  const exitScope = scoped
    ? sql`AND m.customer_id = ANY(${[...new Set(pairs.map((p) => p[1]))]}::bigint[])
          AND (m.segment_id, m.customer_id) IN (SELECT * FROM unnest(${pairs.map((p) => p[0])}::bigint[], ${pairs.map((p) => p[1])}::bigint[]))`
    : sql``;
  const names = sql`unnest(${segmentIds}::bigint[], ${items.map((i) => i.segment.name)}::text[]) AS sn (id, name)`;
  const events = emit
    ? sql`, emitted AS (
        INSERT INTO events (workspace_id, message_id, customer_id, origin_customer_id, type, name, occurred_at, received_at, properties, context)
        SELECT ${workspace.id}, 'segment:' || x.segment_id::text || ':' || x.id::text || ':' || x.what, x.customer_id, x.customer_id, 'track',
               CASE x.what WHEN 'entered' THEN ${segmentEnteredEvent} ELSE ${segmentExitedEvent} END,
               ${at}::timestamptz, ${at}::timestamptz, jsonb_build_object('segment_id', x.segment_id, 'segment_name', sn.name),
               '{"library": {"name": "patron-segments"}}'::jsonb
        FROM changed x JOIN ${names} ON sn.id = x.segment_id
        ON CONFLICT (workspace_id, message_id) DO NOTHING)`
    : sql``;
  const result = await sql<{ segment_id: number; entered: number; exited: number }>`
    ${withRule(compiledRules, [sql`target AS MATERIALIZED (${sql.join(targets, sql` UNION ALL `)})`])},
    exited AS (
      UPDATE segment_memberships m SET exited_at = ${at}::timestamptz
      WHERE m.workspace_id = ${workspace.id} AND m.segment_id = ANY(${segmentIds}::bigint[]) AND m.exited_at IS NULL ${exitScope}
        AND NOT EXISTS (SELECT 1 FROM target t WHERE t.segment_id = m.segment_id AND t.id = m.customer_id)
      RETURNING m.id, m.customer_id, m.segment_id),
    entered AS (
      INSERT INTO segment_memberships (workspace_id, customer_id, segment_id, entered_at)
      SELECT ${workspace.id}, t.id, t.segment_id, ${at}::timestamptz FROM target t
      -- Current members conflict on the partial unique index and are skipped: only real entries come back.
      ON CONFLICT (workspace_id, segment_id, customer_id) WHERE exited_at IS NULL DO NOTHING
      RETURNING id, customer_id, segment_id),
    changed AS (
      SELECT id, customer_id, segment_id, 'entered' AS what FROM entered
      UNION ALL SELECT id, customer_id, segment_id, 'exited' FROM exited)
    ${events}
    SELECT segment_id, count(*) FILTER (WHERE what = 'entered')::int AS entered, count(*) FILTER (WHERE what = 'exited')::int AS exited
    FROM changed GROUP BY segment_id`.execute(trx);
  const changes = new Map<number, MembershipChange>(segmentIds.map((id) => [id, { entered: 0, exited: 0 }]));
  for (const row of result.rows) changes.set(Number(row.segment_id), { entered: row.entered, exited: row.exited });
  await recordSizes(trx, workspace, changes, now, !scoped);
  return changes;
}

/** Ends every current stay of customers who no longer exist as profiles (merged away or erased). */
export async function exitCustomers(trx: Trx, workspace: Workspace, customerIds: readonly number[], now: Date): Promise<void> {
  if (customerIds.length === 0) return;
  const exited = await trx
    .updateTable('segment_memberships')
    .set({ exited_at: now })
    .where('workspace_id', '=', workspace.id)
    .where('customer_id', 'in', customerIds)
    .where('exited_at', 'is', null)
    .returning('segment_id')
    .execute();
  const bySegment = new Map<number, MembershipChange>();
  for (const row of exited) bySegment.set(row.segment_id, { entered: 0, exited: (bySegment.get(row.segment_id)?.exited ?? 0) + 1 });
  await lockSegments(trx, [...bySegment.keys()]);
  await recordSizes(trx, workspace, bySegment, now, false);
}

/**
 * Keeps the segments' member counts and today's size rows: after a full sync a count is taken from the
 * membership itself; after an incremental one it moves by the entries and exits.
 */
async function recordSizes(trx: Trx, workspace: Workspace, changes: ReadonlyMap<number, MembershipChange>, now: Date, recount: boolean): Promise<void> {
  if (changes.size === 0) return;
  const ids = [...changes.keys()];
  const entered = ids.map((id) => changes.get(id)!.entered);
  const exited = ids.map((id) => changes.get(id)!.exited);
  const count = recount
    ? sql`(SELECT count(*)::int FROM segment_memberships m WHERE m.workspace_id = s.workspace_id AND m.segment_id = s.id AND m.exited_at IS NULL)`
    : sql`s.member_count + d.entered - d.exited`;
  const updated = await sql<{ id: number; member_count: number }>`
    UPDATE segments s SET member_count = ${count}, refreshed_at = CASE WHEN ${recount} THEN ${now.toISOString()}::timestamptz ELSE s.refreshed_at END
    FROM unnest(${ids}::bigint[], ${entered}::int[], ${exited}::int[]) AS d (id, entered, exited)
    WHERE s.workspace_id = ${workspace.id} AND s.id = d.id
    RETURNING s.id, s.member_count`.execute(trx);
  const members = new Map(updated.rows.map((r) => [Number(r.id), r.member_count]));
  await sql`
    INSERT INTO segment_sizes (workspace_id, segment_id, day, members, entered, exited)
    SELECT ${workspace.id}, d.id, ${dayInZone(now, workspace.timezone)}::date, d.members, d.entered, d.exited
    FROM unnest(${ids}::bigint[], ${ids.map((id) => members.get(id) ?? 0)}::int[], ${entered}::int[], ${exited}::int[]) AS d (id, members, entered, exited)
    ON CONFLICT (workspace_id, segment_id, day) DO UPDATE
      SET members = excluded.members, entered = segment_sizes.entered + excluded.entered, exited = segment_sizes.exited + excluded.exited`.execute(trx);
}
