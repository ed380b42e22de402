import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditActorType, Database, JsonObject } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

/** One change to record. `before`/`after` are for settings, segments, journeys, programs and keys, not for customer data. */
export interface AuditEntry {
  readonly workspaceId: number;
  readonly at: Date;
  readonly actor: { readonly type: AuditActorType; readonly id?: number | null };
  /** What happened, e.g. `PUT /api/workspace/settings`, `cli import orders`, `privacy.erase`. */
  readonly action: string;
  readonly targetType?: string;
  readonly targetId?: string | number;
  readonly before?: object | null;
  readonly after?: object | null;
  /** Small non-personal facts: route parameters, row counts, a file's name. */
  readonly details?: JsonObject;
  readonly outcome?: number;
  readonly requestId?: string;
}

/**
 * Who is acting and on which request, for domain functions that write their audit entry inside their own
 * transaction (so the change and its entry commit or roll back together). The entry's workspace, target
 * and before/after come from the function; the outcome of a committed change is 200.
 */
export interface AuditScope {
  readonly at: Date;
  readonly actor: { readonly type: AuditActorType; readonly id?: number | null };
  readonly action: string;
  readonly requestId?: string;
  readonly details?: JsonObject;
}

/** The entry a domain function records for a change it commits under an audit scope. */
export function scopedEntry(scope: AuditScope, entry: Pick<AuditEntry, 'workspaceId' | 'targetType' | 'targetId' | 'before' | 'after'> & { details?: JsonObject; action?: string }): AuditEntry {
  return { ...scope, ...entry, action: entry.action ?? scope.action, details: { ...scope.details, ...entry.details }, outcome: 200 };
}

/** An entry as the query API returns it. */
export interface AuditRecord {
  readonly id: number;
  readonly at: Date;
  readonly actorType: AuditActorType;
  readonly actorId: number | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly before: JsonObject | null;
  readonly after: JsonObject | null;
  readonly details: JsonObject;
  readonly outcome: number | null;
  readonly requestId: string | null;
}

// Field names whose values never reach the log, at any depth: credentials are replaced by a marker, so a
// before/after shows that a password or key changed without showing it.
const secretField = /pass(word)?|secret|token|^key$|key_?hash|api_?key|authorization|cookie/i;

/** Copies a value for the log with secret-looking fields masked. */
function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretField.test(k) ? '[redacted]' : redactSecrets(v)]));
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

const json = (value: object | null | undefined) => (value === undefined || value === null ? null : JSON.stringify(redactSecrets(value)));

/** Appends entries to the audit log (the table refuses updates; there is no function that changes an entry). */
export async function recordAudit(db: Kysely<Database>, ...entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        workspace_id: e.workspaceId,
        at: e.at,
        actor_type: e.actor.type,
        actor_id: e.actor.id ?? null,
        action: e.action,
        target_type: e.targetType ?? null,
        target_id: e.targetId === undefined ? null : String(e.targetId),
        before: json(e.before),
        after: json(e.after),
        details: JSON.stringify(redactSecrets(e.details ?? {})),
        outcome: e.outcome ?? null,
        request_id: e.requestId ?? null,
      })),
    )
    .execute();
}

export const auditQuerySchema = z.object({
  actorType: z.enum(['user', 'api_key', 'cli', 'system']).optional(),
  actorId: z.coerce.number().int().positive().optional(),
  action: z.string().max(200).optional().describe('Entries whose action starts with this text, e.g. "PUT /api/workspace" or "cli"'),
  targetType: z.string().max(100).optional(),
  targetId: z.string().max(100).optional(),
  from: z.coerce.date().optional().describe('At or after this time (ISO 8601)'),
  to: z.coerce.date().optional().describe('Before this time (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^\d+$/, 'use the nextCursor of the previous page')
    .optional()
    .describe('nextCursor of the previous page'),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

function toRecord(r: {
  id: number;
  at: Date;
  actor_type: AuditActorType;
  actor_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: JsonObject | null;
  after: JsonObject | null;
  details: JsonObject;
  outcome: number | null;
  request_id: string | null;
}): AuditRecord {
  return {
    id: Number(r.id),
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    before: r.before,
    after: r.after,
    details: r.details,
    outcome: r.outcome,
    requestId: r.request_id,
  };
}

function filtered(db: Kysely<Database>, workspaceId: number, q: Omit<z.output<typeof auditQuerySchema>, 'limit' | 'cursor'>) {
  let query = db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId);
  if (q.actorType) query = query.where('actor_type', '=', q.actorType);
  if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
  // A prefix match written as a range, so LIKE wildcards in the filter mean nothing.
  if (q.action) query = query.where('action', '>=', q.action).where('action', '<', `${q.action}\uffff`);
  if (q.targetType) query = query.where('target_type', '=', q.targetType);
  if (q.targetId) query = query.where('target_id', '=', q.targetId);
  if (q.from) query = query.where('at', '>=', q.from);
  if (q.to) query = query.where('at', '<', q.to);
  return query;
}

/** One page of a workspace's audit log, newest first, with the cursor of the next page. */
export async function listAudit(db: Kysely<Database>, workspaceId: number, input: AuditQuery = {}): Promise<{ entries: AuditRecord[]; nextCursor: string | null }> {
  const q = auditQuerySchema.parse(input);
  if (q.from && q.to && q.from >= q.to) throw new PatronError('invalid_input', 'from must be before to', { path: ['from'] });
  let query = filtered(db, workspaceId, q);
  if (q.cursor) query = query.where('id', '<', Number(q.cursor));
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit).map(toRecord);
  return { entries: page, nextCursor: rows.length > q.limit ? String(page.at(-1)!.id) : null };
}

/** Every matching entry, oldest first, read in batches (for exports of any size). */
export async function* readAudit(db: Kysely<Database>, workspaceId: number, input: Omit<AuditQuery, 'limit' | 'cursor'> = {}, batchSize = 1000): AsyncGenerator<AuditRecord> {
  const q = auditQuerySchema.parse(input);
  let after = 0;
  for (;;) {
    const rows = await filtered(db, workspaceId, q).where('id', '>', after).orderBy('id').limit(batchSize).execute();
    for (const row of rows) yield toRecord(row);
    if (rows.length < batchSize) return;
    after = Number(rows.at(-1)!.id);
  }
}
