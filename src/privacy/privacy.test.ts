import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { runScoring } from '../analytics/index.ts';
import { identifyCustomer, recordConsents, updateCustomerTags } from '../customers/index.ts';
import type { Database, DatabaseHandle } from '../db/index.ts';
import { ingestTracking, parseTrackingBatch } from '../ingest/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { eraseCustomer, erasureCatalogue, exportCustomerData } from './index.ts';

const clock = manualClock(new Date('2025-07-01T08:00:00Z'));
const ann = { email: 'ann.lee@example.com', phone: '+8613800001111', userId: 'u-ann', anon: 'anon-ann', name: 'Ann Lee' };

/** Every table with a column naming a customer (customer_id, origin_customer_id, customer_a, survivor_id, …) and those columns. */
async function customerColumns(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema()
      AND (column_name ~ '(^|_)customer_(id|a|b)$' OR column_name IN ('survivor_id', 'merged_id') OR (table_name = 'customers' AND column_name = 'id'))
    ORDER BY table_name, column_name`.execute(db);
  const tables = new Map<string, string[]>();
  for (const r of rows.rows) tables.set(r.table_name, [...(tables.get(r.table_name) ?? []), r.column_name]);
  return tables;
}

/** Rows of each table that refer to any of the given customers, by any customer column (identifiers from the catalogue query above). */
async function rowsReferring(db: Kysely<Database>, tables: Map<string, string[]>, wsId: number, ids: readonly number[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, columns] of tables) {
    const match = sql.join(columns.map((c) => sql`${sql.ref(c)} = ANY(${[...ids]}::bigint[])`), sql` OR `);
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE workspace_id = ${wsId} AND (${match})`.execute(db);
    counts[table] = Number(r.rows[0]?.n);
  }
  return counts;
}

/** Rows anywhere in the database whose text contains the needle. */
async function rowsMentioning(db: Kysely<Database>, needle: string): Promise<string[]> {
  const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(db);
  const hits: string[] = [];
  for (const { table_name } of tables.rows) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table_name)} t WHERE strpos(lower(t::text), ${needle.toLowerCase()}) > 0`.execute(db);
    if (Number(r.rows[0]?.n) > 0) hits.push(table_name);
  }
  return hits;
}

describe.each(testStores())('privacy export and erasure on $kind', (store) => {
  let h: DatabaseHandle;
  let ws: Workspace;
  let liveId: number;
  let mergedId: number;
  let bystanderId: number;

  beforeAll(async () => {
    h = await store.open();
    ws = await testWorkspace(h.db);
    const db = h.db;
    // Ann browses anonymously, then signs in; a phone-only profile of hers (from a store) merges in later.
    await ingestTracking(db, ws, parseTrackingBatch({ batch: [{ type: 'page', anonymousId: ann.anon, messageId: 'm-1', name: 'Home', context: { ip: '10.1.2.3' }, timestamp: '2025-05-01T10:00:00Z' }] }), {
      receivedAt: new Date('2025-05-01T10:00:00Z'),
    });
    mergedId = (await identifyCustomer(db, ws, { identities: [{ type: 'phone', value: ann.phone }], profile: { city: '上海' }, reason: 'store' })).customerId;
    await ingestTracking(
      db,
      ws,
      parseTrackingBatch({
        batch: [
          { type: 'identify', anonymousId: ann.anon, userId: ann.userId, messageId: 'm-2', traits: { email: ann.email, name: ann.name }, timestamp: '2025-05-01T10:01:00Z' },
          { type: 'track', userId: ann.userId, event: 'Viewed Product', messageId: 'm-3', properties: { sku: 'TEA', note: ann.email }, timestamp: '2025-05-01T10:02:00Z' },
        ],
      }),
      { receivedAt: new Date('2025-05-01T10:02:00Z') },
    );
    liveId = (await identifyCustomer(db, ws, { identities: [{ type: 'email', value: ann.email }, { type: 'phone', value: ann.phone }], reason: 'crm' })).customerId;
    bystanderId = (await identifyCustomer(db, ws, { identities: [{ type: 'email', value: 'bob@example.com' }], profile: { name: 'Bob' }, reason: 'crm' })).customerId;
    await updateCustomerTags(db, ws.id, { customerIds: [liveId, bystanderId], add: ['vip'] });
    await db.transaction().execute((trx) =>
      recordConsents(trx, ws.id, [
        { customerId: liveId, channel: 'email', purpose: 'marketing', status: 'opted_in', source: `signup form for ${ann.email}`, recordedAt: new Date('2025-05-01T10:01:00Z') },
        { customerId: mergedId, channel: 'sms', purpose: 'marketing', status: 'opted_out', source: 'store', recordedAt: new Date('2025-05-02T10:00:00Z') },
      ]),
    );
    await recordOrders(db, ws, [
      { externalId: 'A-1', customer: { identities: [{ type: 'email', value: ann.email }] }, currency: 'CNY', orderedAt: new Date('2025-05-03'), items: [{ sku: 'TEA', productName: 'Tea', quantity: 2, unitPriceMinor: 5000 }] },
      { externalId: 'A-2', customer: { identities: [{ type: 'phone', value: ann.phone }] }, currency: 'CNY', orderedAt: new Date('2025-06-03'), items: [{ sku: 'CUP', quantity: 1, unitPriceMinor: 3000 }] },
      { externalId: 'B-1', customer: { identities: [{ type: 'email', value: 'bob@example.com' }] }, currency: 'CNY', orderedAt: new Date('2025-06-04'), items: [{ sku: 'TEA', quantity: 1, unitPriceMinor: 5000 }] },
    ]);
    await recordRefunds(db, ws, [{ externalId: 'R-1', orderExternalId: 'A-1', amountMinor: 2000, refundedAt: new Date('2025-05-05') }]);
    await runScoring(db, ws, { clock });
    // Rows no single call here produces: a churn warning, a merge block and an identity conflict with the bystander.
    const run = await db.selectFrom('score_runs').select('id').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    await db.insertInto('churn_warnings').values({ workspace_id: ws.id, run_id: run.id, customer_id: liveId, reasons: ['gap'], p_alive: 0.2, previous_p_alive: 0.8, gap_days: 40, expected_gap_days: 20 }).execute();
    await db.insertInto('merge_blocks').values({ workspace_id: ws.id, customer_a: Math.min(liveId, bystanderId), customer_b: Math.max(liveId, bystanderId) }).execute();
    await db.insertInto('identity_conflicts').values({ workspace_id: ws.id, customer_id: bystanderId, other_customer_id: liveId, type: 'email', value: ann.email, reason: 'merge_blocked' }).execute();
    // Segment membership, a loyalty ledger with a coupon, a journey with a task, a campaign and its message,
    // as the modules that own those tables write them.
    const w = ws.id;
    const journey = await sql<{ id: number }>`INSERT INTO journeys (workspace_id, name, state, created_at, updated_at) VALUES (${w}, 'Welcome', 'live', now(), now()) RETURNING id`.execute(db);
    const version = await sql<{ id: number }>`INSERT INTO journey_versions (workspace_id, journey_id, version, graph, created_at) VALUES (${w}, ${journey.rows[0]!.id}, 1, '{}', now()) RETURNING id`.execute(db);
    await sql`INSERT INTO suppressions (workspace_id, channel, address, reason, source) VALUES (${w}, 'email', ${ann.email}, 'unsubscribed', 'link'), (${w}, 'email', 'bob@example.com', 'bounced', 'smtp')`.execute(db);
    // The points the merge of the two profiles moved (as loyalty's merge hook records them).
    await sql`INSERT INTO loyalty_merges (workspace_id, merge_id, program_id, survivor_id, merged_id, points, adopted_tier, merged_at)
      SELECT ${w}, id, 1, survivor_id, merged_id, 40, false, now() FROM customer_merges WHERE workspace_id = ${w} AND merged_id = ${mergedId}`.execute(db);
    for (const id of [liveId, bystanderId]) {
      await sql`INSERT INTO segment_memberships (workspace_id, customer_id, segment_id, entered_at) VALUES (${w}, ${id}, 1, now())`.execute(db);
      await sql`INSERT INTO segment_changes (workspace_id, customer_id, source) VALUES (${w}, ${id}, 'tags')`.execute(db);
      await sql`INSERT INTO analytics_changes (workspace_id, customer_id) VALUES (${w}, ${id})`.execute(db);
      await sql`INSERT INTO loyalty_accounts (workspace_id, customer_id, program_id, balance, tier) VALUES (${w}, ${id}, 1, 70, 'gold')`.execute(db);
      await sql`INSERT INTO loyalty_postings (workspace_id, customer_id, id, program_id, idempotency_key, request_hash, kind, points, reason, actor, details, occurred_at, created_at)
        VALUES (${w}, ${id}, ${id}, 1, ${`order:${id}:earn`}, 'h', 'earn', 100, 'order', 'system', ${JSON.stringify({ note: id === liveId ? `for ${ann.email}` : "for bob" })}::jsonb, now(), now())`.execute(db);
      await sql`INSERT INTO loyalty_lots (workspace_id, customer_id, posting_id, program_id, points, remaining, earned_at) VALUES (${w}, ${id}, ${id}, 1, 100, 70, now())`.execute(db);
      await sql`INSERT INTO loyalty_lot_uses (workspace_id, customer_id, posting_id, lot_id, points) VALUES (${w}, ${id}, ${id}, ${id}, 30)`.execute(db);
      await sql`INSERT INTO loyalty_tier_changes (workspace_id, customer_id, program_id, from_tier, to_tier, reason, qualifying_value, changed_at) VALUES (${w}, ${id}, 1, null, 'gold', 'qualified', 100, now())`.execute(db);
      const entry = await sql<{ id: number }>`INSERT INTO journey_entries (workspace_id, customer_id, journey_id, version_id, node_id, status, due_at, context, entered_at)
        VALUES (${w}, ${id}, ${journey.rows[0]!.id}, ${version.rows[0]!.id}, 'start', 'waiting', now(), ${JSON.stringify({ email: id === liveId ? ann.email : 'bob' })}::jsonb, now()) RETURNING id`.execute(db);
      await sql`INSERT INTO journey_tasks (workspace_id, customer_id, journey_id, entry_id, node_id, title, assignee, due_at, created_at) VALUES (${w}, ${id}, ${journey.rows[0]!.id}, ${entry.rows[0]!.id}, 'call', 'Call back', 'sales', now(), now())`.execute(db);
      await sql`INSERT INTO campaign_recipients (workspace_id, customer_id, campaign_id, variant, assigned_at, outcome) VALUES (${w}, ${id}, 1, 'A', now(), 'sent')`.execute(db);
      await sql`INSERT INTO messages (workspace_id, customer_id, idempotency_key, channel, purpose, status, source_kind, source_id, address, content, created_at)
        VALUES (${w}, ${id}, ${`m-${id}`}, 'email', 'marketing', 'sent', 'campaign', 1, ${id === liveId ? ann.email : 'bob@example.com'}, ${JSON.stringify({ subject: id === liveId ? `Hi ${ann.name}` : 'Hi Bob' })}::jsonb, now())`.execute(db);
      await sql`INSERT INTO coupons (workspace_id, customer_id, template_id, code, source, issued_at, valid_from) VALUES (${w}, ${id}, 1, ${`CODE-${id}`}, 'points', now(), now())`.execute(db);
    }
  });
  afterAll(() => h.close());

  it('knows how to erase every table that refers to a customer (a new table fails here until erasure handles it)', async () => {
    const tables = [...(await customerColumns(h.db)).keys()].sort();
    expect(tables).toEqual(Object.keys(erasureCatalogue).sort());
  });

  it('exports everything about the person, merged profiles and anonymous events included', async () => {
    const data = await exportCustomerData(h.db, ws, mergedId, clock);
    expect(data.customerId).toBe(liveId);
    expect([...data.profileIds].sort()).toEqual([liveId, mergedId].sort());
    expect(data.identities.map((i) => `${i.type}:${i.value}`)).toEqual(expect.arrayContaining([`email:${ann.email}`, `phone:${ann.phone}`, `external_id:${ann.userId}`, `anonymous_id:${ann.anon}`]));
    expect(data.profiles.map((p) => p.name)).toContain(ann.name);
    expect(data.tags).toMatchObject([{ name: 'vip' }]);
    expect(data.consents).toHaveLength(2);
    expect(data.consentRecords.length).toBeGreaterThanOrEqual(2);
    expect(data.orders.map((o) => o.external_id)).toEqual(['A-1', 'A-2']);
    expect(data.orders[0]).toMatchObject({ total_minor: 10000, refunded_minor: 2000, items: [{ sku: 'TEA', amount_minor: 10000 }], refunds: [{ external_id: 'R-1', amount_minor: 2000 }] });
    expect(data.events.map((e) => e.message_id)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(data.stats).toMatchObject([{ customer_id: liveId, order_count: 2 }]);
    expect(data.scores).toHaveLength(1);
    expect(data.scoreHistory.length).toBeGreaterThan(0);
    expect(data.lifecycleTransitions.length).toBeGreaterThan(0);
    expect(data.churnWarnings).toHaveLength(1);
    expect(data.merges.length).toBeGreaterThan(0);
    expect(data.mergeBlocks).toHaveLength(1);
    expect(data.identityConflicts).toHaveLength(1);
    expect(data.segmentMemberships).toHaveLength(1);
    expect(data.loyalty.accounts).toMatchObject([{ balance: 70, tier: 'gold' }]);
    expect(Object.values(data.loyalty).map((rows) => rows.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(data.loyalty.merges).toMatchObject([{ merged_id: mergedId, points: 40 }]);
    expect([data.messages, data.campaignRecipients, data.journeyEntries, data.journeyTasks].map((rows) => rows.length)).toEqual([1, 1, 1, 1]);
    expect(JSON.parse(JSON.stringify(data)).workspace).toEqual({ slug: ws.slug, name: ws.name });
    const missing = await exportCustomerData(h.db, ws, 999_999, clock).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'not_found', message: expect.stringContaining('999999') });
  });

  it('erases the person everywhere in one transaction, keeps anonymous order amounts, and forgets the old identifiers', async () => {
    const db = h.db;
    const tables = await customerColumns(db);
    const subject = [liveId, mergedId];
    const before = await rowsReferring(db, tables, ws.id, subject);
    // The data set exercises every catalogued table, so "0 after" below proves each one was handled.
    for (const table of Object.keys(erasureCatalogue)) expect(before[table], `${table} has no row of the subject to erase`).toBeGreaterThan(0);
    const bystanderBefore = await rowsReferring(db, tables, ws.id, [bystanderId]);
    const revenueBefore = await db.selectFrom('orders').select((eb) => eb.fn.sum<number>('total_minor').as('t')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();

    const result = await eraseCustomer(db, ws, mergedId, clock);
    expect(result.erasedProfileIds).toHaveLength(2);
    expect(result.rows).toMatchObject({ customers: 2, orders: 2, events: 3 });

    const after = await rowsReferring(db, tables, ws.id, subject);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    for (const needle of [ann.email, ann.phone, '13800001111', ann.name, ann.userId, ann.anon, '10.1.2.3']) expect({ needle, tables: await rowsMentioning(db, needle) }).toEqual({ needle, tables: [] });

    // Orders, items and refunds stay for accounting on an anonymous tombstone.
    const tombstone = await db.selectFrom('customers').selectAll().where('workspace_id', '=', ws.id).where('id', '=', result.tombstoneId).executeTakeFirstOrThrow();
    expect(tombstone).toMatchObject({ name: null, city: null, gender: null, birthday: null, attributes: {} });
    const orders = await db.selectFrom('orders').select(['external_id', 'customer_id', 'total_minor', 'refunded_minor']).where('workspace_id', '=', ws.id).where('external_id', 'like', 'A-%').orderBy('external_id').execute();
    expect(orders).toEqual([
      { external_id: 'A-1', customer_id: result.tombstoneId, total_minor: 10000, refunded_minor: 2000 },
      { external_id: 'A-2', customer_id: result.tombstoneId, total_minor: 3000, refunded_minor: 0 },
    ]);
    const revenueAfter = await db.selectFrom('orders').select((eb) => eb.fn.sum<number>('total_minor').as('t')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(Number(revenueAfter.t)).toBe(Number(revenueBefore.t));
    const stats = await db.selectFrom('customer_stats').selectAll().where('workspace_id', '=', ws.id).where('customer_id', '=', result.tombstoneId).executeTakeFirstOrThrow();
    // Stats totals are net of refunds.
    expect(stats).toMatchObject({ order_count: 2, total_minor: 11000, refunded_minor: 2000 });
    const consentRecords = await db.selectFrom('consent_records').select(['channel', 'status', 'source']).where('workspace_id', '=', ws.id).where('customer_id', '=', result.tombstoneId).orderBy('channel').execute();
    expect(consentRecords).toEqual([
      { channel: 'email', status: 'opted_in', source: 'erased' },
      { channel: 'sms', status: 'opted_out', source: 'erased' },
    ]);
    expect(await db.selectFrom('identities').select('type').where('workspace_id', '=', ws.id).where('customer_id', '=', result.tombstoneId).execute()).toEqual([]);
    // Campaign reports keep their counts: the message and the recipient row stay, anonymous.
    expect(await db.selectFrom('messages').select(['status', 'address', 'content']).where('workspace_id', '=', ws.id).where('customer_id', '=', result.tombstoneId).execute()).toEqual([
      { status: 'sent', address: null, content: {} },
    ]);
    expect(await db.selectFrom('campaign_recipients').select(['variant', 'outcome']).where('workspace_id', '=', ws.id).where('customer_id', '=', result.tombstoneId).execute()).toEqual([{ variant: 'A', outcome: 'sent' }]);
    expect(await db.selectFrom('suppressions').select('address').where('workspace_id', '=', ws.id).execute()).toEqual([{ address: 'bob@example.com' }]);

    // The bystander is untouched except for the block and conflict rows that named Ann.
    const bystanderAfter = await rowsReferring(db, tables, ws.id, [bystanderId]);
    expect(bystanderAfter).toEqual({ ...bystanderBefore, merge_blocks: 0, identity_conflicts: 0, segment_changes: bystanderAfter.segment_changes, analytics_changes: bystanderAfter.analytics_changes });

    // The same email arriving again is a stranger: a new, empty profile.
    const again = await identifyCustomer(db, ws, { identities: [{ type: 'email', value: ann.email }], reason: 'test' });
    expect(again.created).toBe(true);
    expect([liveId, mergedId, result.tombstoneId]).not.toContain(again.customerId);
    const gone = await eraseCustomer(db, ws, liveId, clock).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'not_found' });
  });
});
