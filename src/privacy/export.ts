import type { Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { anonymousIdsOf, findDataSubject } from './subject.ts';

type Row = Record<string, unknown>;
type PerCustomerTable =
  | 'customer_stats'
  | 'customer_scores'
  | 'customer_score_history'
  | 'lifecycle_transitions'
  | 'churn_warnings'
  | 'consents'
  | 'segment_memberships'
  | 'loyalty_accounts'
  | 'loyalty_postings'
  | 'loyalty_lots'
  | 'loyalty_lot_uses'
  | 'loyalty_tier_changes'
  | 'coupons'
  | 'messages'
  | 'campaign_recipients'
  | 'journey_entries'
  | 'journey_tasks';

// Rows are exported with every column (so a column added later is exported without a change here),
// less workspace_id, which is the same everywhere and means nothing to the customer.
const strip = <T extends Row>(rows: readonly T[]): Row[] => rows.map(({ workspace_id: _ws, ...rest }) => rest);

// Node 20 has no Map.groupBy.
function groupByOrder(rows: readonly Row[]): Map<unknown, Row[]> {
  const groups = new Map<unknown, Row[]>();
  for (const row of rows) groups.set(row.order_id, [...(groups.get(row.order_id) ?? []), row]);
  return groups;
}

/** Everything Patron holds about one person, as plain JSON-able data (GDPR art. 15 and 20, PIPL art. 45). */
export interface CustomerExport {
  readonly format: 'patron.customer-export.v1';
  readonly exportedAt: Date;
  readonly workspace: { readonly slug: string; readonly name: string };
  readonly customerId: number;
  /** The live profile and the profiles merged into it, whose data is included. */
  readonly profileIds: readonly number[];
  readonly profiles: Row[];
  readonly identities: Row[];
  readonly tags: Row[];
  readonly consents: Row[];
  readonly consentRecords: Row[];
  readonly orders: Row[];
  readonly events: Row[];
  readonly stats: Row[];
  readonly scores: Row[];
  readonly scoreHistory: Row[];
  readonly lifecycleTransitions: Row[];
  readonly churnWarnings: Row[];
  readonly merges: Row[];
  readonly mergeBlocks: Row[];
  readonly identityConflicts: Row[];
  readonly segmentMemberships: Row[];
  readonly loyalty: {
    readonly accounts: Row[];
    readonly postings: Row[];
    readonly lots: Row[];
    readonly lotUses: Row[];
    readonly tierChanges: Row[];
    readonly coupons: Row[];
    /** Points and tiers a profile merge moved between this person's profiles and others. */
    readonly merges: Row[];
  };
  readonly messages: Row[];
  readonly campaignRecipients: Row[];
  readonly journeyEntries: Row[];
  readonly journeyTasks: Row[];
}

/**
 * Gathers all data about the customer (and every profile merged into them) in one snapshot: profile,
 * identities, tags, consent with its history, orders with lines and refunds, events, stats, scores,
 * merges and conflicts. A merged-away id exports the whole live profile it now belongs to.
 */
export async function exportCustomerData(db: Kysely<Database>, workspace: Workspace, customerId: number, clock: Clock): Promise<CustomerExport> {
  const ws = workspace.id;
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const subject = await findDataSubject(trx, ws, customerId);
      const ids = [...subject.profileIds];
      const anonymousIds = anonymousIdsOf(subject);
      const byCustomer = (table: PerCustomerTable) =>
        trx
          .selectFrom(table as 'consents')
          .selectAll()
          .where('workspace_id', '=', ws)
          .where('customer_id', 'in', ids)
          .execute();
      const [profiles, identities, tags, consents, consentRecords, orders, events, stats, scores, scoreHistory, lifecycleTransitions, churnWarnings, merges, mergeBlocks, conflicts] =
        await Promise.all([
          trx.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', 'in', ids).orderBy('id').execute(),
          trx
            .selectFrom('identities')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('origin_customer_id', 'in', ids)]))
            .orderBy('type')
            .orderBy('value')
            .execute(),
          trx
            .selectFrom('customer_tags as ct')
            .innerJoin('tags as t', (j) => j.onRef('t.workspace_id', '=', 'ct.workspace_id').onRef('t.id', '=', 'ct.tag_id'))
            .select(['ct.customer_id', 't.name', 'ct.created_at'])
            .where('ct.workspace_id', '=', ws)
            .where('ct.customer_id', 'in', ids)
            .orderBy('t.name')
            .execute(),
          byCustomer('consents'),
          trx.selectFrom('consent_records').selectAll().where('workspace_id', '=', ws).where('customer_id', 'in', ids).orderBy('recorded_at').orderBy('id').execute(),
          trx
            .selectFrom('orders')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('origin_customer_id', 'in', ids)]))
            .orderBy('ordered_at')
            .orderBy('id')
            .execute(),
          trx
            .selectFrom('events')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) =>
              eb.or([
                eb('customer_id', 'in', ids),
                eb('origin_customer_id', 'in', ids),
                ...(anonymousIds.length > 0 ? [eb('anonymous_id', 'in', anonymousIds)] : []),
              ]),
            )
            .orderBy('occurred_at')
            .orderBy('id')
            .execute(),
          byCustomer('customer_stats'),
          byCustomer('customer_scores'),
          byCustomer('customer_score_history'),
          byCustomer('lifecycle_transitions'),
          byCustomer('churn_warnings'),
          trx
            .selectFrom('customer_merges')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
            .orderBy('id')
            .execute(),
          trx
            .selectFrom('merge_blocks')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) => eb.or([eb('customer_a', 'in', ids), eb('customer_b', 'in', ids)]))
            .execute(),
          trx
            .selectFrom('identity_conflicts')
            .selectAll()
            .where('workspace_id', '=', ws)
            .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('other_customer_id', 'in', ids)]))
            .orderBy('id')
            .execute(),
        ]);
      const [segmentMemberships, accounts, postings, lots, lotUses, tierChanges, coupons, loyaltyMerges, messages, campaignRecipients, journeyEntries, journeyTasks] = await Promise.all([
        byCustomer('segment_memberships'),
        byCustomer('loyalty_accounts'),
        byCustomer('loyalty_postings'),
        byCustomer('loyalty_lots'),
        byCustomer('loyalty_lot_uses'),
        byCustomer('loyalty_tier_changes'),
        byCustomer('coupons'),
        trx
          .selectFrom('loyalty_merges')
          .selectAll()
          .where('workspace_id', '=', ws)
          .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
          .orderBy('merged_at')
          .execute(),
        byCustomer('messages'),
        byCustomer('campaign_recipients'),
        byCustomer('journey_entries'),
        byCustomer('journey_tasks'),
      ]);
      const orderIds = orders.map((o) => o.id);
      const [items, refunds] =
        orderIds.length === 0
          ? [[], []]
          : await Promise.all([
              trx.selectFrom('order_items').selectAll().where('workspace_id', '=', ws).where('order_id', 'in', orderIds).orderBy('order_id').orderBy('line_no').execute(),
              trx.selectFrom('order_refunds').selectAll().where('workspace_id', '=', ws).where('order_id', 'in', orderIds).orderBy('refunded_at').execute(),
            ]);
      const itemsOf = groupByOrder(strip(items));
      const refundsOf = groupByOrder(strip(refunds));
      return {
        format: 'patron.customer-export.v1',
        exportedAt: clock.now(),
        workspace: { slug: workspace.slug, name: workspace.name },
        customerId: subject.liveId,
        profileIds: subject.profileIds,
        profiles: strip(profiles),
        identities: strip(identities),
        tags: tags.map((t) => ({ customer_id: t.customer_id, name: t.name, created_at: t.created_at })),
        consents: strip(consents),
        consentRecords: strip(consentRecords),
        orders: strip(orders).map((o) => ({ ...o, items: itemsOf.get(o.id) ?? [], refunds: refundsOf.get(o.id) ?? [] })),
        events: strip(events),
        stats: strip(stats),
        scores: strip(scores),
        scoreHistory: strip(scoreHistory),
        lifecycleTransitions: strip(lifecycleTransitions),
        churnWarnings: strip(churnWarnings),
        merges: strip(merges),
        mergeBlocks: strip(mergeBlocks),
        identityConflicts: strip(conflicts),
        segmentMemberships: strip(segmentMemberships),
        loyalty: { accounts: strip(accounts), postings: strip(postings), lots: strip(lots), lotUses: strip(lotUses), tierChanges: strip(tierChanges), coupons: strip(coupons), merges: strip(loyaltyMerges) },
        messages: strip(messages),
        campaignRecipients: strip(campaignRecipients),
        journeyEntries: strip(journeyEntries),
        journeyTasks: strip(journeyTasks),
      };
    });
}
