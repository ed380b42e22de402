import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import { consentsOf, consentStatementSchema, liveProfileOf, lockLiveProfiles, recordConsents, type ConsentState } from '../customers/index.ts';
import type { ConsentChannel, ConsentPurpose, ConsentStatus, Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';

/** The body of a consent update: the statements the customer made, each with where and when. */
export const consentUpdateSchema = z.object({
  statements: z.array(consentStatementSchema).min(1, 'give at least one consent statement').max(100),
});
export type ConsentUpdate = z.input<typeof consentUpdateSchema>;

/** One entry of a customer's consent history. */
export interface ConsentRecordView {
  readonly id: number;
  readonly channel: ConsentChannel;
  readonly purpose: ConsentPurpose;
  readonly status: ConsentStatus;
  readonly source: string;
  readonly recordedAt: Date;
  readonly receivedAt: Date;
}

async function assertCustomer(db: Kysely<Database>, workspaceId: number, customerId: number): Promise<void> {
  const exists = await db.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirst();
  if (!exists) throw new PatronError('not_found', `Customer ${customerId} does not exist in this workspace`, { path: ['id'], value: customerId });
}

async function liveCustomer(db: Kysely<Database>, workspaceId: number, customerId: number): Promise<number> {
  await assertCustomer(db, workspaceId, customerId);
  return db.transaction().execute((trx) => liveProfileOf(trx, workspaceId, customerId));
}

/** A customer's current consent per channel and purpose (a merged-away id answers for its live profile). */
export async function getConsents(db: Kysely<Database>, workspace: Workspace, customerId: number): Promise<{ customerId: number; consents: ConsentState[] }> {
  const liveId = await liveCustomer(db, workspace.id, customerId);
  return { customerId: liveId, consents: await consentsOf(db, workspace.id, liveId) };
}

/**
 * Records consent statements for a customer (statements without a time are dated now) and returns the
 * current state; a statement older than one already known is kept in the history but changes nothing.
 */
export async function updateConsents(db: Kysely<Database>, workspace: Workspace, customerId: number, input: ConsentUpdate, clock: Clock) {
  const { statements } = consentUpdateSchema.parse(input);
  const now = clock.now();
  const future = statements.findIndex((s) => s.recordedAt !== undefined && s.recordedAt.getTime() > now.getTime() + 5 * 60_000);
  if (future >= 0) throw new PatronError('invalid_input', `statements[${future}].recordedAt is in the future`, { path: ['statements', future, 'recordedAt'] });
  return db.transaction().execute(async (trx) => {
    await assertCustomer(trx, workspace.id, customerId);
    let liveId = await liveProfileOf(trx, workspace.id, customerId);
    // FOR SHARE on the live profile: a merge of it waits for this write, then carries the new consent along.
    while (!(await lockLiveProfiles(trx, workspace.id, [liveId])).has(liveId)) liveId = await liveProfileOf(trx, workspace.id, liveId);
    const changed = await recordConsents(
      trx,
      workspace.id,
      statements.map((s) => ({ customerId: liveId, channel: s.channel, purpose: s.purpose, status: s.status, source: s.source, recordedAt: s.recordedAt ?? now })),
    );
    return { customerId: liveId, changed, consents: await consentsOf(trx, workspace.id, liveId) };
  });
}

/** Every consent statement recorded for a customer, oldest first. */
export async function consentHistory(db: Kysely<Database>, workspace: Workspace, customerId: number): Promise<{ customerId: number; records: ConsentRecordView[] }> {
  const liveId = await liveCustomer(db, workspace.id, customerId);
  const rows = await db
    .selectFrom('consent_records')
    .selectAll()
    .where('workspace_id', '=', workspace.id)
    .where('customer_id', '=', liveId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return {
    customerId: liveId,
    records: rows.map((r) => ({ id: r.id, channel: r.channel, purpose: r.purpose, status: r.status, source: r.source, recordedAt: r.recorded_at, receivedAt: r.created_at })),
  };
}
