import { sql, type DeleteResult, type Kysely, type Transaction, type UpdateResult } from 'kysely';
import type { Workspace } from '../access/index.ts';
import { lockIdentities, refreshCustomerStats, type Identity } from '../customers/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { anonymousIdsOf, findDataSubject, lockSubject, type DataSubject } from './subject.ts';

type Trx = Transaction<Database>;

// Tables whose rows belong to one customer and go with them, found by customer_id alone.
type PerCustomerTable =
  | 'customer_tags'
  | 'consents'
  | 'customer_stats'
  | 'customer_scores'
  | 'customer_score_history'
  | 'lifecycle_transitions'
  | 'churn_warnings'
  | 'segment_memberships'
  | 'segment_changes'
  | 'analytics_changes'
  | 'loyalty_accounts'
  | 'loyalty_postings'
  | 'loyalty_lots'
  | 'loyalty_lot_uses'
  | 'loyalty_tier_changes'
  | 'coupons'
  | 'journey_entries'
  | 'journey_tasks'
  | 'campaign_recipients';

/**
 * Every table that refers to a customer, with what erasure does to it. A table added later that has a
 * customer column and is not listed here fails the privacy test until its erasure is decided and written.
 */
export const erasureCatalogue = {
  customers: 'deleted; an anonymous tombstone profile (no personal fields) takes over the orders',
  identities: 'deleted, so the same email or phone arriving again creates a new, unrelated profile',
  identity_conflicts: 'deleted (they carry identity values)',
  customer_merges: 'deleted (they carry filled profile fields)',
  merge_blocks: 'deleted',
  customer_tags: 'deleted',
  consents: 'deleted',
  consent_records: 'kept for accountability as channel, purpose, status and time on the tombstone; the source is replaced by "erased"',
  orders: 'kept for accounting (amounts, items, refunds, channel, store) on the tombstone',
  events: 'deleted, with their properties and context (including anonymous events of the same device ids)',
  customer_stats: 'recomputed for the tombstone from the kept orders',
  customer_scores: 'deleted (the next scoring run scores the tombstone)',
  customer_score_history: 'deleted',
  lifecycle_transitions: 'deleted',
  churn_warnings: 'deleted',
  segment_memberships: 'deleted (segment sizes keep their daily counts)',
  segment_changes: 'deleted after everything else, so the segment worker never re-checks the erased profiles',
  analytics_changes: 'deleted after everything else, like segment_changes (the overview roll-ups re-read the tombstone)',
  loyalty_accounts: 'deleted: points cannot be redeemed by a person who no longer exists',
  loyalty_postings: 'deleted (reasons and details may name the person)',
  loyalty_lots: 'deleted',
  loyalty_lot_uses: 'deleted',
  loyalty_tier_changes: 'deleted',
  loyalty_merges: 'deleted, with the merge records they belong to (points and tiers moved by a merge)',
  coupons: 'deleted (the order totals keep the discounts that were used)',
  messages: 'kept for campaign and journey reports on the tombstone, with the address, content and provider id removed',
  campaign_recipients: 'kept for campaign reports on the tombstone (variant and outcome only)',
  journey_entries: 'deleted (their context may hold event properties)',
  journey_tasks: 'deleted',
} as const satisfies Partial<Record<keyof Database, string>>;

export type ErasedTable = keyof typeof erasureCatalogue;

/** What an erasure did: the tombstone that keeps the order amounts, and rows changed per table. */
export interface ErasureResult {
  readonly customerId: number;
  readonly erasedProfileIds: readonly number[];
  readonly tombstoneId: number;
  readonly erasedAt: Date;
  readonly rows: Readonly<Record<ErasedTable, number>>;
}

const affected = (result: DeleteResult | UpdateResult): number => Number('numDeletedRows' in result ? result.numDeletedRows : result.numUpdatedRows);

/**
 * Erases a customer (GDPR art. 17, PIPL art. 47) in one transaction: the profile and every profile merged
 * into it, their identities, tags, consents, events, merges, conflicts, stats and scores are deleted;
 * orders (with items and refunds) stay for accounting, moved to a new anonymous tombstone profile that
 * nothing links back to the person; consent records keep only channel, purpose, status and time.
 * Afterwards the old email or phone resolves to a new profile. A merged-away id erases the whole live profile.
 */
export async function eraseCustomer(db: Kysely<Database>, workspace: Workspace, customerId: number, clock: Clock): Promise<ErasureResult> {
  const ws = workspace.id;
  return db.transaction().execute(async (trx) => {
    const seen = await findDataSubject(trx, ws, customerId);
    // Same lock order as identity resolution (identities, then profiles), so a concurrent identify of
    // this person either finishes before the erasure or starts after it and finds nothing.
    await lockIdentities(trx, ws, seen.identities as readonly Identity[]);
    await lockSubject(trx, ws, seen);
    const subject = await findDataSubject(trx, ws, customerId);
    if (subject.profileIds.join() !== seen.profileIds.join() || subject.identities.length !== seen.identities.length) {
      throw new PatronError('conflict', `Customer ${customerId} changed while being erased (a merge or a new identifier); send the request again`, { path: ['id'], value: customerId });
    }
    const erasedAt = clock.now();
    const tombstoneId = await createTombstone(trx, ws, subject, erasedAt);
    const rows = await eraseRows(trx, ws, subject, tombstoneId);
    await refreshCustomerStats(trx, ws, [tombstoneId]);
    return { customerId, erasedProfileIds: subject.profileIds, tombstoneId, erasedAt, rows };
  });
}

async function createTombstone(trx: Trx, ws: number, subject: DataSubject, at: Date): Promise<number> {
  // The tombstone keeps when the customer relationship began (cohort reports stay right) and nothing else.
  const first = await trx
    .selectFrom('customers')
    .select((eb) => eb.fn.min('created_at').as('created_at'))
    .where('workspace_id', '=', ws)
    .where('id', 'in', [...subject.profileIds])
    .executeTakeFirstOrThrow();
  const row = await trx
    .insertInto('customers')
    .values({ workspace_id: ws, attributes: {}, created_at: first.created_at ?? at, updated_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function eraseRows(trx: Trx, ws: number, subject: DataSubject, tombstoneId: number): Promise<Record<ErasedTable, number>> {
  const ids = [...subject.profileIds];
  const anonymousIds = anonymousIdsOf(subject);
  const types = subject.identities.map((i) => i.type);
  const values = subject.identities.map((i) => i.value);
  const perCustomer = async (table: PerCustomerTable) =>
    affected(await trx.deleteFrom(table as 'consents').where('workspace_id', '=', ws).where('customer_id', 'in', ids).executeTakeFirst());

  const orders = affected(
    await trx
      .updateTable('orders')
      .set({ customer_id: tombstoneId, origin_customer_id: tombstoneId })
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('origin_customer_id', 'in', ids)]))
      .executeTakeFirst(),
  );
  await sql`
    INSERT INTO consent_records (workspace_id, customer_id, channel, purpose, status, source, recorded_at, created_at)
    SELECT DISTINCT ${ws}::bigint, ${tombstoneId}::bigint, channel, purpose, status, 'erased', recorded_at, min(created_at) OVER (PARTITION BY channel, purpose, status, recorded_at)
    FROM consent_records WHERE workspace_id = ${ws} AND customer_id = ANY(${ids}::bigint[])
    ON CONFLICT DO NOTHING`.execute(trx);
  const consentRecords = affected(await trx.deleteFrom('consent_records').where('workspace_id', '=', ws).where('customer_id', 'in', ids).executeTakeFirst());
  const events = affected(
    await trx
      .deleteFrom('events')
      .where('workspace_id', '=', ws)
      .where((eb) =>
        eb.or([eb('customer_id', 'in', ids), eb('origin_customer_id', 'in', ids), ...(anonymousIds.length > 0 ? [eb('anonymous_id', 'in', anonymousIds)] : [])]),
      )
      .executeTakeFirst(),
  );
  const conflicts = await sql`
    DELETE FROM identity_conflicts
    WHERE workspace_id = ${ws}
      AND (customer_id = ANY(${ids}::bigint[]) OR other_customer_id = ANY(${ids}::bigint[])
           OR (type, value) IN (SELECT * FROM unnest(${types}::text[], ${values}::text[])))`.execute(trx);
  const identities = affected(
    await trx
      .deleteFrom('identities')
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('origin_customer_id', 'in', ids)]))
      .executeTakeFirst(),
  );
  const merges = affected(
    await trx
      .deleteFrom('customer_merges')
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
      .executeTakeFirst(),
  );
  const loyaltyMerges = affected(
    await trx
      .deleteFrom('loyalty_merges')
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
      .executeTakeFirst(),
  );
  const blocks = affected(
    await trx
      .deleteFrom('merge_blocks')
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('customer_a', 'in', ids), eb('customer_b', 'in', ids)]))
      .executeTakeFirst(),
  );
  const rows: Record<ErasedTable, number> = {
    orders,
    consent_records: consentRecords,
    events,
    identity_conflicts: Number(conflicts.numAffectedRows ?? 0),
    identities,
    customer_merges: merges,
    merge_blocks: blocks,
    customer_tags: await perCustomer('customer_tags'),
    consents: await perCustomer('consents'),
    customer_stats: await perCustomer('customer_stats'),
    customer_scores: await perCustomer('customer_scores'),
    customer_score_history: await perCustomer('customer_score_history'),
    lifecycle_transitions: await perCustomer('lifecycle_transitions'),
    churn_warnings: await perCustomer('churn_warnings'),
    segment_memberships: await perCustomer('segment_memberships'),
    loyalty_lot_uses: await perCustomer('loyalty_lot_uses'),
    loyalty_lots: await perCustomer('loyalty_lots'),
    loyalty_postings: await perCustomer('loyalty_postings'),
    loyalty_tier_changes: await perCustomer('loyalty_tier_changes'),
    loyalty_accounts: await perCustomer('loyalty_accounts'),
    loyalty_merges: loyaltyMerges,
    coupons: await perCustomer('coupons'),
    messages: await anonymizeMessages(trx, ws, ids, tombstoneId),
    campaign_recipients: await moveCampaignRecipients(trx, ws, ids, tombstoneId),
    journey_tasks: await perCustomer('journey_tasks'),
    journey_entries: await perCustomer('journey_entries'),
    customers: 0,
    segment_changes: 0,
    analytics_changes: 0,
  };
  rows.customers = affected(await trx.deleteFrom('customers').where('workspace_id', '=', ws).where('id', 'in', ids).executeTakeFirst());
  await deleteSuppressions(trx, ws, subject);
  // Last: the deletes above were captured as changes of these profiles by the segment triggers.
  rows.segment_changes = await perCustomer('segment_changes');
  rows.analytics_changes = await perCustomer('analytics_changes');
  return rows;
}

async function anonymizeMessages(trx: Trx, ws: number, ids: number[], tombstoneId: number): Promise<number> {
  const result = await trx
    .updateTable('messages')
    .set({ customer_id: tombstoneId, address: null, content: '{}', provider_message_id: null })
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .executeTakeFirst();
  return affected(result);
}

// One row per campaign moves to the tombstone (two merged profiles of one person may both have been
// recipients); the rest are deleted.
async function moveCampaignRecipients(trx: Trx, ws: number, ids: number[], tombstoneId: number): Promise<number> {
  const moved = await sql`
    UPDATE campaign_recipients SET customer_id = ${tombstoneId}
    WHERE workspace_id = ${ws} AND (customer_id, campaign_id) IN (
      SELECT DISTINCT ON (campaign_id) customer_id, campaign_id FROM campaign_recipients
      WHERE workspace_id = ${ws} AND customer_id = ANY(${ids}::bigint[]) ORDER BY campaign_id, customer_id)`.execute(trx);
  const removed = await trx.deleteFrom('campaign_recipients').where('workspace_id', '=', ws).where('customer_id', 'in', ids).executeTakeFirst();
  return Number(moved.numAffectedRows ?? 0) + affected(removed);
}

// Suppression lists are kept by address, not by customer: the person's emails and phones leave them too.
async function deleteSuppressions(trx: Trx, ws: number, subject: DataSubject): Promise<void> {
  const byChannel = { email: 'email', sms: 'phone' } as const;
  for (const [channel, type] of Object.entries(byChannel)) {
    const addresses = subject.identities.filter((i) => i.type === type).map((i) => i.value);
    if (addresses.length > 0) await trx.deleteFrom('suppressions').where('workspace_id', '=', ws).where('channel', '=', channel as 'email').where('address', 'in', addresses).execute();
  }
}
