import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { ConsentChannel, ConsentPurpose, ConsentStatus, Database } from '../db/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const consentChannels = ['email', 'sms', 'wechat', 'push', 'phone'] as const satisfies readonly ConsentChannel[];
export const consentPurposes = ['marketing', 'transactional'] as const satisfies readonly ConsentPurpose[];
export const consentStatuses = ['opted_in', 'opted_out'] as const satisfies readonly ConsentStatus[];

/** One statement of consent as it arrives from outside (API, import, tracking traits). */
export const consentStatementSchema = z.object({
  channel: z.enum(consentChannels),
  purpose: z.enum(consentPurposes).default('marketing'),
  status: z.enum(consentStatuses),
  source: z.string().trim().min(1).max(200),
  recordedAt: z.coerce.date().optional(),
});
export type ConsentStatementInput = z.input<typeof consentStatementSchema>;

export interface ConsentStatement {
  readonly customerId: number;
  readonly channel: ConsentChannel;
  readonly purpose: ConsentPurpose;
  readonly status: ConsentStatus;
  readonly source: string;
  readonly recordedAt: Date;
}

export interface ConsentState {
  readonly channel: ConsentChannel;
  readonly purpose: ConsentPurpose;
  readonly status: ConsentStatus;
  readonly source: string;
  readonly recordedAt: Date;
}

/**
 * Records consent statements in the caller's transaction: each is appended to the record (a repeat of
 * the same statement is recorded once) and becomes the current state unless a later statement for that
 * channel and purpose is already known, so statements arriving out of order settle on the latest.
 * Returns how many current states changed.
 */
export async function recordConsents(trx: Db, workspaceId: number, statements: readonly ConsentStatement[]): Promise<number> {
  if (statements.length === 0) return 0;
  const columns = {
    customer: statements.map((s) => s.customerId),
    channel: statements.map((s) => s.channel),
    purpose: statements.map((s) => s.purpose),
    status: statements.map((s) => s.status),
    source: statements.map((s) => s.source),
    at: statements.map((s) => s.recordedAt.toISOString()),
  };
  const rows = sql`unnest(${columns.customer}::bigint[], ${columns.channel}::text[], ${columns.purpose}::text[], ${columns.status}::text[], ${columns.source}::text[], ${columns.at}::timestamptz[])
      AS s (customer_id, channel, purpose, status, source, recorded_at)`;
  await sql`
    INSERT INTO consent_records (workspace_id, customer_id, channel, purpose, status, source, recorded_at)
    SELECT ${workspaceId}, customer_id, channel, purpose, status, source, recorded_at FROM ${rows}
    ON CONFLICT (workspace_id, customer_id, channel, purpose, recorded_at, status) DO NOTHING`.execute(trx);
  const changed = await sql`
    INSERT INTO consents (workspace_id, customer_id, channel, purpose, status, source, recorded_at)
    SELECT DISTINCT ON (customer_id, channel, purpose) ${workspaceId}, customer_id, channel, purpose, status, source, recorded_at
    FROM ${rows}
    ORDER BY customer_id, channel, purpose, recorded_at DESC
    ON CONFLICT (workspace_id, customer_id, channel, purpose) DO UPDATE
      SET status = excluded.status, source = excluded.source, recorded_at = excluded.recorded_at
      WHERE consents.recorded_at <= excluded.recorded_at
        AND (consents.status, consents.source, consents.recorded_at) IS DISTINCT FROM (excluded.status, excluded.source, excluded.recorded_at)`.execute(trx);
  return Number(changed.numAffectedRows ?? 0);
}

/** The current consent states of one customer, by channel and purpose. */
export async function consentsOf(db: Db, workspaceId: number, customerId: number): Promise<ConsentState[]> {
  const rows = await db
    .selectFrom('consents')
    .select(['channel', 'purpose', 'status', 'source', 'recorded_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('channel')
    .orderBy('purpose')
    .execute();
  return rows.map((r) => ({ channel: r.channel, purpose: r.purpose, status: r.status, source: r.source, recordedAt: r.recorded_at }));
}

/**
 * Carries a merged profile's consent onto the survivor inside a merge: the later statement wins for each
 * channel and purpose, and the merged profile keeps its own rows so an unmerge finds them unchanged.
 */
export async function carryConsents(trx: Transaction<Database>, workspaceId: number, survivorId: number, mergedId: number): Promise<void> {
  const merged = await trx
    .selectFrom('consents')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', mergedId)
    .execute();
  await recordConsents(
    trx,
    workspaceId,
    merged.map((c) => ({ customerId: survivorId, channel: c.channel, purpose: c.purpose, status: c.status, source: c.source, recordedAt: c.recorded_at })),
  );
}
