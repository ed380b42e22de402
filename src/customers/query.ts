import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { consentsOf } from './consent.ts';
import { liveProfileOf } from './merge.ts';

export const listCustomersSchema = z.object({
  q: z.string().trim().max(200).optional().describe('Name, email, phone or external id; matches a prefix of any'),
  tag: z.string().trim().max(100).optional().describe('Only customers with this tag'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d+$/, 'cursor is the nextCursor of the previous page').optional(),
});
export type ListCustomersInput = z.input<typeof listCustomersSchema>;

/** A row of the customer list. */
export interface CustomerSummary {
  id: number;
  name: string | null;
  city: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
  orderCount: number;
  totalMinor: number;
  lastOrderAt: Date | null;
  createdAt: Date;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Lists live customers, newest first, with search and cursor pagination. */
export async function listCustomers(
  db: Kysely<Database>,
  workspace: Workspace,
  input: ListCustomersInput,
): Promise<{ customers: CustomerSummary[]; nextCursor: string | null }> {
  const { q, tag, limit, cursor } = listCustomersSchema.parse(input);
  const ws = workspace.id;
  let query = db
    .selectFrom('customers as c')
    .leftJoin('customer_stats as s', (j) => j.onRef('s.workspace_id', '=', 'c.workspace_id').onRef('s.customer_id', '=', 'c.id'))
    .select([
      'c.id',
      'c.name',
      'c.city',
      'c.created_at',
      's.order_count',
      's.total_minor',
      's.last_order_at',
      sql<string | null>`(SELECT min(value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.type = 'email')`.as('email'),
      sql<string | null>`(SELECT min(value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.type = 'phone')`.as('phone'),
      sql<string[]>`coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id WHERE ct.workspace_id = c.workspace_id AND ct.customer_id = c.id), '{}')`.as('tags'),
    ])
    .where('c.workspace_id', '=', ws)
    .where('c.merged_into', 'is', null);
  if (q) {
    const prefix = `${escapeLike(q.toLowerCase())}%`;
    const digits = q.replace(/[^\d]/g, '');
    query = query.where((eb) =>
      eb.or([
        eb(sql`lower(c.name)`, 'like', prefix),
        eb(sql`lower(c.name)`, 'like', `%${escapeLike(q.toLowerCase())}%`),
        eb.exists(
          eb
            .selectFrom('identities as i')
            .select(sql`1`.as('one'))
            .where('i.workspace_id', '=', ws)
            .whereRef('i.customer_id', '=', 'c.id')
            .where((e) =>
              e.or([
                e('i.value', 'like', prefix),
                ...(digits.length >= 4 ? [e('i.type', '=', 'phone').and('i.value', 'like', `%${digits}%`)] : []),
                e('i.value', '=', q),
              ]),
            ),
        ),
      ]),
    );
  }
  if (tag) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('customer_tags as ct')
          .innerJoin('tags as t', (j) => j.onRef('t.workspace_id', '=', 'ct.workspace_id').onRef('t.id', '=', 'ct.tag_id'))
          .select(sql`1`.as('one'))
          .where('ct.workspace_id', '=', ws)
          .whereRef('ct.customer_id', '=', 'c.id')
          .where('t.name', '=', tag),
      ),
    );
  }
  if (cursor) query = query.where('c.id', '<', Number(cursor));
  const rows = await query.orderBy('c.id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    customers: page.map((r) => ({
      id: r.id,
      name: r.name,
      city: r.city,
      email: r.email,
      phone: r.phone,
      tags: r.tags,
      orderCount: r.order_count ?? 0,
      totalMinor: r.total_minor ?? 0,
      lastOrderAt: r.last_order_at,
      createdAt: r.created_at,
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]?.id) : null,
  };
}

/**
 * The customer 360: profile, identities, tags, order summary, recent orders and events, and the merges
 * that shaped the profile. An id of a merged-away profile answers with the live profile (redirectedFrom set).
 */
export async function getCustomer360(db: Kysely<Database>, workspace: Workspace, customerId: number, options: { recent?: number } = {}) {
  const ws = workspace.id;
  const recent = options.recent ?? 20;
  return db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('customers').select('id').where('workspace_id', '=', ws).where('id', '=', customerId).executeTakeFirst();
    if (!exists) throw new PatronError('not_found', `Customer ${customerId} does not exist in this workspace`, { path: ['id'], value: customerId });
    const liveId = await liveProfileOf(trx, ws, customerId);
    const profile = await trx.selectFrom('customers').selectAll().where('workspace_id', '=', ws).where('id', '=', liveId).executeTakeFirstOrThrow();
    const [identities, tags, stats, orders, events, merges, consents] = await Promise.all([
      trx.selectFrom('identities').select(['type', 'value', 'first_seen_at']).where('workspace_id', '=', ws).where('customer_id', '=', liveId).orderBy('type').orderBy('value').execute(),
      trx
        .selectFrom('customer_tags as ct')
        .innerJoin('tags as t', (j) => j.onRef('t.workspace_id', '=', 'ct.workspace_id').onRef('t.id', '=', 'ct.tag_id'))
        .select(['t.name', 'ct.created_at'])
        .where('ct.workspace_id', '=', ws)
        .where('ct.customer_id', '=', liveId)
        .orderBy('t.name')
        .execute(),
      trx.selectFrom('customer_stats').selectAll().where('workspace_id', '=', ws).where('customer_id', '=', liveId).executeTakeFirst(),
      trx
        .selectFrom('orders')
        .select(['id', 'external_id', 'channel', 'store', 'status', 'currency', 'ordered_at', 'total_minor', 'refunded_minor', 'item_count'])
        .where('workspace_id', '=', ws)
        .where('customer_id', '=', liveId)
        .orderBy('ordered_at', 'desc')
        .limit(recent)
        .execute(),
      trx
        .selectFrom('events')
        .select(['id', 'type', 'name', 'occurred_at', 'properties'])
        .where('workspace_id', '=', ws)
        .where('customer_id', '=', liveId)
        .orderBy('occurred_at', 'desc')
        .limit(recent)
        .execute(),
      trx
        .selectFrom('customer_merges')
        .select(['id', 'survivor_id', 'merged_id', 'reason', 'created_at', 'undone_at'])
        .where('workspace_id', '=', ws)
        .where((eb) => eb.or([eb('survivor_id', '=', liveId), eb('merged_id', '=', liveId)]))
        .orderBy('id')
        .execute(),
      consentsOf(trx, ws, liveId),
    ]);
    return {
      id: profile.id,
      redirectedFrom: liveId === customerId ? null : customerId,
      profile: {
        name: profile.name,
        gender: profile.gender,
        birthday: profile.birthday,
        city: profile.city,
        province: profile.province,
        country: profile.country,
        timezone: profile.timezone,
        signedUpAt: profile.signed_up_at,
        acquisitionChannel: profile.acquisition_channel,
        attributes: profile.attributes,
        createdAt: profile.created_at,
        updatedAt: profile.updated_at,
      },
      identities: identities.map((i) => ({ type: i.type, value: i.value, firstSeenAt: i.first_seen_at })),
      tags: tags.map((t) => ({ name: t.name, addedAt: t.created_at })),
      /** Current consent per channel and purpose; a channel without a row has no consent given. */
      consents,
      orderSummary: {
        currency: workspace.currency,
        orderCount: stats?.order_count ?? 0,
        orderDays: stats?.order_days ?? 0,
        totalMinor: stats?.total_minor ?? 0,
        refundedMinor: stats?.refunded_minor ?? 0,
        averageOrderMinor: stats && stats.order_count > 0 ? Math.round(stats.total_minor / stats.order_count) : 0,
        firstOrderAt: stats?.first_order_at ?? null,
        lastOrderAt: stats?.last_order_at ?? null,
        lastOrderChannel: stats?.last_order_channel ?? null,
      },
      recentOrders: orders.map((o) => ({
        id: o.id,
        externalId: o.external_id,
        channel: o.channel,
        store: o.store,
        status: o.status,
        currency: o.currency,
        orderedAt: o.ordered_at,
        totalMinor: o.total_minor,
        refundedMinor: o.refunded_minor,
        itemCount: o.item_count,
      })),
      recentEvents: events.map((e) => ({ id: e.id, type: e.type, name: e.name, occurredAt: e.occurred_at, properties: e.properties })),
      merges: merges.map((m) => ({ id: m.id, survivorId: m.survivor_id, mergedId: m.merged_id, reason: m.reason, mergedAt: m.created_at, undoneAt: m.undone_at })),
    };
  });
}

export type Customer360 = Awaited<ReturnType<typeof getCustomer360>>;
