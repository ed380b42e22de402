import { hash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import { normalizeIdentities, refreshCustomerStats, resolveCustomers, type BulkResolveRequest } from '../customers/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';
import { orderInputSchema, productInputSchema, refundInputSchema, type OrderInput, type ParsedOrder, type ProductInput, type RefundInput } from './schema.ts';

type Trx = Transaction<Database>;

/** What a batch of order writes did. */
export interface RecordOrdersResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Profile id of each order in input order (null for guest orders). */
  customerIds: (number | null)[];
}

function parseAll<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, inputs: readonly unknown[], what: string): T[] {
  return inputs.map((input, index) => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = [index, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
      throw invalidInput(`${what} ${index + 1}: ${issue.path.join('.') || 'value'}: ${issue.message}`, { path });
    }
    return parsed.data;
  });
}

function contentHash(order: ParsedOrder, customerId: number | null, total: number): string {
  return hash('sha1', JSON.stringify([customerId, order.channel, order.store, order.status, order.currency, order.orderedAt.toISOString(), total, order.items]), 'base64url');
}

/**
 * Writes orders in the caller's transaction: resolves each buyer to a profile, upserts orders on their
 * order number (re-writing an unchanged order writes nothing), replaces the lines of changed orders, and
 * brings the customer_stats of every touched customer up to date before the transaction commits.
 */
export async function recordOrdersInTransaction(trx: Trx, workspace: Workspace, inputs: readonly OrderInput[], reason = 'order'): Promise<RecordOrdersResult> {
  const ws = workspace.id;
  const orders = parseAll(orderInputSchema, inputs, 'order');
  const seen = new Set<string>();
  for (const [i, o] of orders.entries()) {
    if (seen.has(o.externalId)) throw invalidInput(`order ${i + 1}: order number ${o.externalId} appears twice in one batch; fold its lines into one order`, { path: [i, 'externalId'] });
    seen.add(o.externalId);
  }

  const requests: BulkResolveRequest[] = [];
  const requestOf: (number | null)[] = [];
  for (const [i, o] of orders.entries()) {
    if (!o.customer) {
      requestOf.push(null);
      continue;
    }
    let identities;
    try {
      identities = normalizeIdentities(o.customer.identities, workspace.defaultCountry);
    } catch (e) {
      if (e instanceof PatronError) throw invalidInput(`order ${i + 1}: ${e.message}`, { ...e.details, path: [i, 'customer', ...(e.details.path ?? [])] });
      throw e;
    }
    requestOf.push(requests.length);
    requests.push({ identities, profile: o.customer.profile });
  }
  const resolved = await resolveCustomers(trx, workspace, requests, reason);
  const customerIds = requestOf.map((r) => (r === null ? null : resolved[r]!));

  // One array parameter rather than an IN list of thousands: cheaper to send and to plan.
  const { rows: previous } = await sql<{ external_id: string; customer_id: number | null }>`
    SELECT external_id, customer_id FROM orders WHERE workspace_id = ${ws} AND external_id = ANY(${orders.map((o) => o.externalId)}::text[])`.execute(trx);

  const rows = orders.map((o, i) => {
    const lines = o.items.map((item) => item.amountMinor ?? Math.round(item.quantity * item.unitPriceMinor));
    const total = o.totalMinor ?? lines.reduce((a, b) => a + b, 0);
    const itemCount = Math.round(o.items.reduce((a, item) => a + item.quantity, 0));
    return { order: o, customerId: customerIds[i]!, total, itemCount, lines, hash: contentHash(o, customerIds[i]!, total) };
  });

  const written = await sql<{ id: number; external_id: string; inserted: boolean }>`
    INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, channel, store, status, currency, ordered_at, total_minor, item_count, content_hash)
    SELECT ${ws}, e, c, c, ch, st, s, cur, t, tot, n, h
    FROM unnest(${rows.map((r) => r.order.externalId)}::text[], ${rows.map((r) => r.customerId)}::bigint[], ${rows.map((r) => r.order.channel ?? null)}::text[],
                ${rows.map((r) => r.order.store ?? null)}::text[], ${rows.map((r) => r.order.status)}::text[], ${rows.map((r) => r.order.currency)}::text[],
                ${rows.map((r) => r.order.orderedAt.toISOString())}::timestamptz[], ${rows.map((r) => r.total)}::bigint[], ${rows.map((r) => r.itemCount)}::int[],
                ${rows.map((r) => r.hash)}::text[]) AS u(e, c, ch, st, s, cur, t, tot, n, h)
    ON CONFLICT (workspace_id, external_id) DO UPDATE SET
      customer_id = excluded.customer_id, origin_customer_id = excluded.origin_customer_id, channel = excluded.channel, store = excluded.store,
      status = CASE WHEN orders.refunded_minor = 0 OR excluded.status = 'cancelled' THEN excluded.status ELSE orders.status END,
      currency = excluded.currency, ordered_at = excluded.ordered_at, total_minor = excluded.total_minor, item_count = excluded.item_count,
      content_hash = excluded.content_hash, updated_at = now()
    WHERE orders.content_hash IS DISTINCT FROM excluded.content_hash
    RETURNING id, external_id, (xmax = 0) AS inserted`.execute(trx);

  const byNumber = new Map(rows.map((r) => [r.order.externalId, r]));
  const changedIds = written.rows.filter((w) => !w.inserted).map((w) => w.id);
  if (changedIds.length > 0) await trx.deleteFrom('order_items').where('workspace_id', '=', ws).where('order_id', 'in', changedIds).execute();
  const items = written.rows.flatMap((w) => {
    const r = byNumber.get(w.external_id)!;
    return r.order.items.map((item, n) => ({ orderId: w.id, lineNo: n + 1, item, amount: r.lines[n]! }));
  });
  if (items.length > 0) {
    await sql`
      INSERT INTO order_items (workspace_id, order_id, line_no, sku, product_name, category, quantity, unit_price_minor, amount_minor)
      SELECT ${ws}, o, l, s, p, c, q, u, a
      FROM unnest(${items.map((i) => i.orderId)}::bigint[], ${items.map((i) => i.lineNo)}::int[], ${items.map((i) => i.item.sku ?? null)}::text[],
                  ${items.map((i) => i.item.productName ?? null)}::text[], ${items.map((i) => i.item.category ?? null)}::text[],
                  ${items.map((i) => i.item.quantity)}::numeric[], ${items.map((i) => i.item.unitPriceMinor)}::bigint[], ${items.map((i) => i.amount)}::bigint[])
        AS u(o, l, s, p, c, q, u, a)`.execute(trx);
  }

  const touched = new Set<number>();
  for (const w of written.rows) {
    const id = byNumber.get(w.external_id)!.customerId;
    if (id !== null) touched.add(id);
  }
  const rewritten = new Set(written.rows.map((w) => w.external_id));
  for (const p of previous) if (p.customer_id !== null && rewritten.has(p.external_id)) touched.add(p.customer_id);
  await refreshCustomerStats(trx, ws, [...touched]);

  const inserted = written.rows.filter((w) => w.inserted).length;
  return { inserted, updated: written.rows.length - inserted, unchanged: rows.length - written.rows.length, customerIds };
}

/** Writes orders in a transaction of their own (see recordOrdersInTransaction). */
export async function recordOrders(db: Kysely<Database>, workspace: Workspace, inputs: readonly OrderInput[], reason?: string): Promise<RecordOrdersResult> {
  return db.transaction().execute((trx) => recordOrdersInTransaction(trx, workspace, inputs, reason));
}

/** What a batch of refunds did. */
export interface RecordRefundsResult {
  applied: number;
  /** Refund ids seen before: retried writes change nothing. */
  duplicates: number;
}

/**
 * Applies refunds in the caller's transaction, idempotently by refund id. A refund names its order, or
 * its customer (and SKU) to refund their latest earlier order holding it. A refund larger than what is
 * left of the order, or with no order to refund, is an error naming the refund.
 */
export async function recordRefundsInTransaction(trx: Trx, workspace: Workspace, inputs: readonly RefundInput[], reason = 'refund'): Promise<RecordRefundsResult> {
  const ws = workspace.id;
  const refunds = parseAll(refundInputSchema, inputs, 'refund');
  if (refunds.every((r) => r.orderExternalId !== undefined)) return recordRefundsByOrderNumber(trx, ws, refunds);
  let applied = 0;
  let duplicates = 0;
  const touched = new Set<number>();
  for (const [i, refund] of refunds.entries()) {
    const where = `refund ${i + 1} (${refund.externalId})`;
    const known = await trx.selectFrom('order_refunds').select('order_id').where('workspace_id', '=', ws).where('external_id', '=', refund.externalId).executeTakeFirst();
    if (known) {
      duplicates++;
      continue;
    }
    let orderQuery = trx.selectFrom('orders').select(['id', 'customer_id', 'total_minor', 'refunded_minor', 'external_id']).where('workspace_id', '=', ws);
    if (refund.orderExternalId !== undefined) {
      orderQuery = orderQuery.where('external_id', '=', refund.orderExternalId);
    } else {
      const identities = normalizeIdentities(refund.customer!.identities, workspace.defaultCountry);
      const [customerId] = await resolveCustomers(trx, workspace, [{ identities }], reason);
      orderQuery = orderQuery
        .where('customer_id', '=', customerId!)
        .where('ordered_at', '<=', refund.refundedAt)
        .whereRef('refunded_minor', '<', 'total_minor')
        .orderBy(refund.sku !== undefined ? sql`EXISTS (SELECT 1 FROM order_items i WHERE i.workspace_id = orders.workspace_id AND i.order_id = orders.id AND i.sku = ${refund.sku})` : sql`true`, 'desc')
        .orderBy('ordered_at', 'desc');
    }
    const order = await orderQuery.limit(1).forUpdate().executeTakeFirst();
    if (!order) {
      throw invalidInput(
        refund.orderExternalId !== undefined ? `${where}: order ${refund.orderExternalId} does not exist` : `${where}: the customer has no earlier order to refund`,
        { path: [i, refund.orderExternalId !== undefined ? 'orderExternalId' : 'customer'] },
      );
    }
    const left = order.total_minor - order.refunded_minor;
    if (refund.amountMinor > left) {
      throw invalidInput(`${where}: refunds ${refund.amountMinor} but only ${left} of order ${order.external_id} is left to refund`, { path: [i, 'amountMinor'], value: refund.amountMinor });
    }
    await trx.insertInto('order_refunds').values({ workspace_id: ws, order_id: order.id, external_id: refund.externalId, amount_minor: refund.amountMinor, refunded_at: refund.refundedAt }).execute();
    const refunded = order.refunded_minor + refund.amountMinor;
    await trx
      .updateTable('orders')
      .set({ refunded_minor: refunded, status: refunded >= order.total_minor ? 'refunded' : 'partially_refunded', updated_at: sql`now()` })
      .where('workspace_id', '=', ws)
      .where('id', '=', order.id)
      .execute();
    if (order.customer_id !== null) touched.add(order.customer_id);
    applied++;
  }
  await refreshCustomerStats(trx, ws, [...touched]);
  return { applied, duplicates };
}

type ParsedRefund = ReturnType<typeof refundInputSchema.parse>;

/**
 * recordRefundsInTransaction for refunds that all name their order: the same checks in the same order
 * and the same errors, with a handful of set-based statements instead of four per refund.
 */
async function recordRefundsByOrderNumber(trx: Trx, ws: number, refunds: readonly ParsedRefund[]): Promise<RecordRefundsResult> {
  if (refunds.length === 0) return { applied: 0, duplicates: 0 };
  const known = await sql<{ external_id: string }>`
    SELECT external_id FROM order_refunds WHERE workspace_id = ${ws} AND external_id = ANY(${refunds.map((r) => r.externalId)}::text[])`.execute(trx);
  // One index probe per order number (LIMIT 1 keeps the planner from scanning a table that grew since its
  // last ANALYZE), locking each order in order-number order as concurrent writers do.
  const numbers = [...new Set(refunds.map((r) => r.orderExternalId!))].sort();
  const found = await sql<{ id: number; customer_id: number | null; total_minor: number; refunded_minor: number; external_id: string }>`
    SELECT o.id, o.customer_id, o.total_minor, o.refunded_minor, o.external_id
    FROM unnest(${numbers}::text[]) WITH ORDINALITY AS u(e, n)
    CROSS JOIN LATERAL (SELECT id, customer_id, total_minor, refunded_minor, external_id FROM orders WHERE workspace_id = ${ws} AND external_id = u.e LIMIT 1 FOR UPDATE) o
    ORDER BY u.n`.execute(trx);
  const orders = new Map(found.rows.map((o) => [o.external_id, { ...o, changed: false }]));
  const seen = new Set(known.rows.map((r) => r.external_id));
  const written: { orderId: number; refund: ParsedRefund }[] = [];
  let duplicates = 0;
  for (const [i, refund] of refunds.entries()) {
    if (seen.has(refund.externalId)) {
      duplicates++;
      continue;
    }
    const order = orders.get(refund.orderExternalId!);
    if (!order) throw invalidInput(`refund ${i + 1} (${refund.externalId}): order ${refund.orderExternalId} does not exist`, { path: [i, 'orderExternalId'] });
    const left = order.total_minor - order.refunded_minor;
    if (refund.amountMinor > left) {
      throw invalidInput(`refund ${i + 1} (${refund.externalId}): refunds ${refund.amountMinor} but only ${left} of order ${order.external_id} is left to refund`, {
        path: [i, 'amountMinor'],
        value: refund.amountMinor,
      });
    }
    order.refunded_minor += refund.amountMinor;
    order.changed = true;
    seen.add(refund.externalId);
    written.push({ orderId: order.id, refund });
  }
  if (written.length > 0) {
    await sql`
      INSERT INTO order_refunds (workspace_id, order_id, external_id, amount_minor, refunded_at)
      SELECT ${ws}, o, e, a, t FROM unnest(${written.map((w) => w.orderId)}::bigint[], ${written.map((w) => w.refund.externalId)}::text[],
        ${written.map((w) => w.refund.amountMinor)}::bigint[], ${written.map((w) => w.refund.refundedAt.toISOString())}::timestamptz[]) AS u(o, e, a, t)`.execute(trx);
    const changed = [...orders.values()].filter((o) => o.changed);
    await sql`
      UPDATE orders SET refunded_minor = u.r, status = CASE WHEN u.r >= orders.total_minor THEN 'refunded' ELSE 'partially_refunded' END, updated_at = now()
      FROM unnest(${changed.map((o) => o.id)}::bigint[], ${changed.map((o) => o.refunded_minor)}::bigint[]) AS u(id, r)
      WHERE orders.workspace_id = ${ws} AND orders.id = u.id`.execute(trx);
    await refreshCustomerStats(trx, ws, changed.flatMap((o) => (o.customer_id === null ? [] : [o.customer_id])));
  }
  return { applied: written.length, duplicates };
}

/** Applies refunds in a transaction of their own. */
export async function recordRefunds(db: Kysely<Database>, workspace: Workspace, inputs: readonly RefundInput[], reason?: string): Promise<RecordRefundsResult> {
  return db.transaction().execute((trx) => recordRefundsInTransaction(trx, workspace, inputs, reason));
}

/** Inserts or updates products by SKU in the caller's transaction or database; returns how many changed. */
export async function upsertProducts(db: Kysely<Database> | Trx, workspace: Workspace, inputs: readonly ProductInput[]): Promise<{ written: number }> {
  const products = parseAll(productInputSchema, inputs, 'product');
  if (products.length === 0) return { written: 0 };
  const unique = new Map(products.map((p) => [p.sku, p]));
  const res = await db
    .insertInto('products')
    .values(
      [...unique.values()].map((p) => ({
        workspace_id: workspace.id,
        sku: p.sku,
        name: p.name,
        category: p.category ?? null,
        price_minor: p.priceMinor ?? null,
        currency: p.currency,
        attributes: JSON.stringify(p.attributes ?? {}),
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'sku'])
        .doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          category: eb.ref('excluded.category'),
          price_minor: eb.ref('excluded.price_minor'),
          currency: eb.ref('excluded.currency'),
          attributes: eb.ref('excluded.attributes'),
          updated_at: sql`now()`,
        }))
        .where(sql<boolean>`(products.name, products.category, products.price_minor, products.currency, products.attributes) IS DISTINCT FROM (excluded.name, excluded.category, excluded.price_minor, excluded.currency, excluded.attributes)`),
    )
    .executeTakeFirst();
  return { written: Number(res.numInsertedOrUpdatedRows ?? 0) };
}
