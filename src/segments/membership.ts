import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { compileRule, membersFrom, type CompileContext, type ReferencedSegment } from './compile.ts';
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
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`segment:${segmentId}`}, 0))`.execute(trx);
}

/**
 * Brings a segment's stored membership in line with its rule, for every customer or only `customerIds`,
 * in one statement: customers who now match and are not members enter, members who no longer match
 * exit. With `emit`, each entry and exit is also written as a "Segment Entered" / "Segment Exited" event
 * of the customer (what journeys trigger on); the first population of a new segment emits nothing.
 * Updates the segment's count and today's size row.
 */
export async function syncMembership(
  trx: Trx,
  workspace: Workspace,
  segment: SegmentRow,
  now: Date,
  options: { readonly customerIds?: readonly number[]; readonly emit: boolean },
): Promise<MembershipChange> {
  await lockSegment(trx, segment.id);
  const ctx = compileContext(trx, workspace, now, { selfId: segment.id, ...(options.customerIds ? { customerIds: options.customerIds } : {}) });
  const compiled = await compileRule(parseRule(segment.rule), ctx);
  const at = now.toISOString();
  const scope = options.customerIds ? sql`AND m.customer_id = ANY(${[...options.customerIds]}::bigint[])` : sql``;
  const properties = JSON.stringify({ segment_id: segment.id, segment_name: segment.name });
  const events = options.emit
    ? sql`, emitted AS (
        INSERT INTO events (workspace_id, message_id, customer_id, origin_customer_id, type, name, occurred_at, received_at, properties, context)
        SELECT ${workspace.id}, 'segment:' || ${segment.id}::text || ':' || x.id::text || ':' || x.what, x.customer_id, x.customer_id, 'track',
               CASE x.what WHEN 'entered' THEN ${segmentEnteredEvent} ELSE ${segmentExitedEvent} END,
               ${at}::timestamptz, ${at}::timestamptz, ${properties}::jsonb, '{"library": {"name": "patron-segments"}}'::jsonb
        FROM (SELECT id, customer_id, 'entered' AS what FROM entered UNION ALL SELECT id, customer_id, 'exited' FROM exited) x
        ON CONFLICT (workspace_id, message_id) DO NOTHING)`
    : sql``;
  const result = await sql<{ entered: number; exited: number }>`
    WITH target AS MATERIALIZED (SELECT c.id ${membersFrom(compiled, ctx)}),
    exited AS (
      UPDATE segment_memberships m SET exited_at = ${at}::timestamptz
      WHERE m.workspace_id = ${workspace.id} AND m.segment_id = ${segment.id} AND m.exited_at IS NULL ${scope}
        AND NOT EXISTS (SELECT 1 FROM target t WHERE t.id = m.customer_id)
      RETURNING m.id, m.customer_id),
    entered AS (
      INSERT INTO segment_memberships (workspace_id, customer_id, segment_id, entered_at)
      SELECT ${workspace.id}, t.id, ${segment.id}, ${at}::timestamptz FROM target t
      WHERE NOT EXISTS (
        SELECT 1 FROM segment_memberships m
        WHERE m.workspace_id = ${workspace.id} AND m.segment_id = ${segment.id} AND m.customer_id = t.id AND m.exited_at IS NULL)
      RETURNING id, customer_id)
    ${events}
    SELECT (SELECT count(*) FROM entered)::int AS entered, (SELECT count(*) FROM exited)::int AS exited`.execute(trx);
  const change = result.rows[0] ?? { entered: 0, exited: 0 };
  await recordSize(trx, workspace, segment.id, now, change, options.customerIds === undefined);
  return change;
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
  const bySegment = new Map<number, number>();
  for (const row of exited) bySegment.set(row.segment_id, (bySegment.get(row.segment_id) ?? 0) + 1);
  for (const [segmentId, count] of bySegment) {
    await lockSegment(trx, segmentId);
    await recordSize(trx, workspace, segmentId, now, { entered: 0, exited: count }, false);
  }
}

/**
 * Keeps the segment's member count and today's size row: after a full sync the count is taken from the
 * membership itself; after an incremental one it moves by the entries and exits.
 */
async function recordSize(trx: Trx, workspace: Workspace, segmentId: number, now: Date, change: MembershipChange, recount: boolean): Promise<void> {
  const count = recount
    ? sql`(SELECT count(*)::int FROM segment_memberships WHERE workspace_id = ${workspace.id} AND segment_id = ${segmentId} AND exited_at IS NULL)`
    : sql`member_count + ${change.entered}::int - ${change.exited}::int`;
  const updated = await sql<{ member_count: number }>`
    UPDATE segments SET member_count = ${count}, refreshed_at = CASE WHEN ${recount} THEN ${now.toISOString()}::timestamptz ELSE refreshed_at END
    WHERE workspace_id = ${workspace.id} AND id = ${segmentId}
    RETURNING member_count`.execute(trx);
  const members = updated.rows[0]?.member_count ?? 0;
  await sql`
    INSERT INTO segment_sizes (workspace_id, segment_id, day, members, entered, exited)
    VALUES (${workspace.id}, ${segmentId}, ${dayInZone(now, workspace.timezone)}::date, ${members}, ${change.entered}, ${change.exited})
    ON CONFLICT (workspace_id, segment_id, day) DO UPDATE
      SET members = excluded.members, entered = segment_sizes.entered + excluded.entered, exited = segment_sizes.exited + excluded.exited`.execute(trx);
}
