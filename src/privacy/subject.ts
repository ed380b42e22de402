import { sql, type Transaction } from 'kysely';
import { liveProfileOf, mergedMembers } from '../customers/index.ts';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

type Trx = Transaction<Database>;

/** The person a privacy request is about: the live profile and every profile merged into it, with their identities. */
export interface DataSubject {
  readonly requestedId: number;
  readonly liveId: number;
  /** The live profile first, then the merged-away profiles whose data now lives in it. */
  readonly profileIds: readonly number[];
  readonly identities: readonly { type: string; value: string }[];
}

/**
 * Finds the data subject of a request for a customer id (a merged-away id answers for the whole live
 * profile, since their data can no longer be told apart). Throws not_found naming the id.
 */
export async function findDataSubject(trx: Trx, workspaceId: number, customerId: number): Promise<DataSubject> {
  const exists = await trx.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirst();
  if (!exists) throw new PatronError('not_found', `Customer ${customerId} does not exist in this workspace`, { path: ['id'], value: customerId });
  const liveId = await liveProfileOf(trx, workspaceId, customerId);
  const members = (await mergedMembers(trx, workspaceId, [liveId])).get(liveId) ?? [liveId];
  const identities = await trx
    .selectFrom('identities')
    .select(['type', 'value'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('customer_id', 'in', members), eb('origin_customer_id', 'in', members)]))
    .orderBy('type')
    .orderBy('value')
    .execute();
  return { requestedId: customerId, liveId, profileIds: members, identities };
}

/** The anonymous ids of a subject, whose events may have arrived before the profile was known. */
export const anonymousIdsOf = (subject: DataSubject): string[] => subject.identities.filter((i) => i.type === 'anonymous_id').map((i) => i.value);

/** Holds row locks on the subject's profiles until the transaction ends, so no merge or write moves data in or out meanwhile. */
export async function lockSubject(trx: Trx, workspaceId: number, subject: DataSubject): Promise<void> {
  await sql`SELECT id FROM customers WHERE workspace_id = ${workspaceId} AND id = ANY(${[...subject.profileIds]}::bigint[]) ORDER BY id FOR UPDATE`.execute(trx);
}
