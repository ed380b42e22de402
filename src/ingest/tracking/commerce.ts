import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../../access/index.ts';
import type { Identity } from '../../customers/index.ts';
import type { Database, JsonObject } from '../../db/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { toMinorUnits } from '../../lib/money.ts';
import { orderInputSchema, recordRefundsInTransaction, type OrderInput, type RefundInput } from '../../orders/index.ts';
import type { TrackingWarning } from './traits.ts';

/** The Segment e-commerce spec v2 events that Patron turns into orders and refunds. */
export const orderCompletedEvent = 'Order Completed';
export const orderRefundedEvent = 'Order Refunded';

/** A refund asked for by an Order Refunded event; the amount is settled against the order when it is applied. */
export interface RefundRequest {
  readonly externalId: string;
  readonly orderExternalId: string;
  readonly currency: string | undefined;
  /** The refunded amount when the event gives one (total, revenue, or priced products). */
  readonly amountMinor: number | undefined;
  /** Products without prices: refunded at the order's own line prices. */
  readonly unpriced: readonly { sku: string; quantity: number }[];
  readonly refundedAt: Date;
  readonly at: string;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const idText = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
const quantityOf = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

function currencyOf(properties: JsonObject, workspace: Workspace, at: string, warnings: TrackingWarning[]): string | undefined {
  const given = properties.currency;
  if (given === undefined || given === null || given === '') return workspace.currency;
  const code = typeof given === 'string' ? given.trim().toUpperCase() : '';
  if (/^[A-Z]{3}$/.test(code)) return code;
  warnings.push({ path: `${at}properties.currency`, message: 'currency is not a three-letter ISO 4217 code such as CNY' });
  return undefined;
}

function minor(value: unknown, currency: string, path: string, warnings: TrackingWarning[]): number | undefined | null {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'number' && typeof value !== 'string') {
    warnings.push({ path, message: 'expected an amount' });
    return null;
  }
  try {
    return toMinorUnits(value, currency);
  } catch (error) {
    if (!(error instanceof PatronError)) throw error;
    warnings.push({ path, message: error.message });
    return null;
  }
}

/**
 * An `Order Completed` event as an order (Segment e-commerce spec v2): order_id, total (else revenue,
 * else the sum of the lines), currency (else the workspace's), affiliation → store, and products[] with
 * sku (else product_id), name, category, price and quantity (default 1). Returns undefined, with a
 * warning saying why, when the event cannot be an order; the event itself is stored either way.
 */
export function orderFromEvent(
  properties: JsonObject,
  orderedAt: Date,
  buyer: Identity | undefined,
  workspace: Workspace,
  at: string,
  warnings: TrackingWarning[],
): OrderInput | undefined {
  const skip = (why: string) => {
    warnings.push({ path: `${at}properties`, message: `${why}; the event was stored but no order was recorded` });
    return undefined;
  };
  const orderId = idText(properties.order_id ?? properties.orderId);
  if (!orderId) return skip('Order Completed needs properties.order_id');
  const currency = currencyOf(properties, workspace, at, warnings);
  if (!currency) return skip('the currency is not readable');

  let bad = false;
  const total = minor(properties.total ?? properties.revenue, currency, `${at}properties.${properties.total !== undefined ? 'total' : 'revenue'}`, warnings);
  if (total === null) bad = true;
  const products = Array.isArray(properties.products) ? properties.products : [];
  const items = products.map((p: unknown, n) => {
    const path = `${at}properties.products[${n}]`;
    if (!isObject(p)) {
      bad = true;
      warnings.push({ path, message: 'expected a product object' });
      return undefined;
    }
    const price = minor(p.price, currency, `${path}.price`, warnings);
    if (price === null) bad = true;
    const quantity = p.quantity === undefined || p.quantity === null ? 1 : quantityOf(p.quantity);
    if (quantity === undefined) {
      bad = true;
      warnings.push({ path: `${path}.quantity`, message: 'expected a number' });
    }
    return {
      sku: idText(p.sku ?? p.product_id ?? p.productId ?? p.id),
      productName: typeof p.name === 'string' && p.name.trim() !== '' ? p.name : undefined,
      category: typeof p.category === 'string' && p.category.trim() !== '' ? p.category : undefined,
      quantity: quantity ?? 1,
      unitPriceMinor: price ?? 0,
    };
  });
  if (bad) return skip('the order has unreadable amounts or products (see the other warnings)');

  const order: OrderInput = {
    externalId: orderId,
    customer: buyer ? { identities: [buyer] } : undefined,
    store: typeof properties.affiliation === 'string' && properties.affiliation.trim() !== '' ? properties.affiliation : undefined,
    channel: typeof properties.channel === 'string' && properties.channel.trim() !== '' ? properties.channel : undefined,
    currency,
    orderedAt,
    totalMinor: total ?? undefined,
    items: items.filter((i) => i !== undefined),
  };
  const parsed = orderInputSchema.safeParse(order);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return skip(`${issue.path.join('.') || 'order'}: ${issue.message}`);
  }
  return order;
}

/**
 * An `Order Refunded` event as a refund request: order_id and the refunded amount from total (else
 * revenue, else products[] by price × quantity; products without a price are refunded at the order's
 * line price). With no amount at all it is a full refund of what is left of the order (Segment's rule
 * for full refunds: only order_id). The refund id is the event's message id, so a retry refunds once.
 */
export function refundFromEvent(properties: JsonObject, messageId: string, refundedAt: Date, workspace: Workspace, at: string, warnings: TrackingWarning[]): RefundRequest | undefined {
  const skip = (why: string) => {
    warnings.push({ path: `${at}properties`, message: `${why}; the event was stored but no refund was recorded` });
    return undefined;
  };
  const orderId = idText(properties.order_id ?? properties.orderId);
  if (!orderId) return skip('Order Refunded needs properties.order_id');
  const currency = properties.currency === undefined ? undefined : currencyOf(properties, workspace, at, warnings);
  if (properties.currency !== undefined && !currency) return skip('the currency is not readable');
  const amountCurrency = currency ?? workspace.currency;

  const total = minor(properties.total ?? properties.revenue, amountCurrency, `${at}properties.total`, warnings);
  if (total === null) return skip('the refunded amount is not readable');
  let amountMinor = total;
  const unpriced: { sku: string; quantity: number }[] = [];
  if (amountMinor === undefined && Array.isArray(properties.products) && properties.products.length > 0) {
    let sum = 0;
    for (const [n, p] of properties.products.entries()) {
      const path = `${at}properties.products[${n}]`;
      if (!isObject(p)) return skip(`${path} is not a product object`);
      const quantity = p.quantity === undefined || p.quantity === null ? 1 : quantityOf(p.quantity);
      if (quantity === undefined || quantity <= 0) return skip(`${path}.quantity is not a positive number`);
      const price = minor(p.price, amountCurrency, `${path}.price`, warnings);
      if (price === null) return skip(`${path}.price is not readable`);
      if (price === undefined) {
        const sku = idText(p.sku ?? p.product_id ?? p.productId ?? p.id);
        if (!sku) return skip(`${path} has neither a price nor a sku or product_id to find its price on the order`);
        unpriced.push({ sku, quantity });
      } else {
        sum += Math.round(price * quantity);
      }
    }
    amountMinor = sum;
  }
  return { externalId: `tracking:${messageId}`, orderExternalId: orderId, currency, amountMinor, unpriced, refundedAt, at };
}

/**
 * Applies refund requests in the caller's transaction through the orders module, after settling each
 * amount against its order: a refund for an unknown order, of an order in another currency, or of an
 * order with nothing left is skipped with a warning; one above what is left is capped with a warning.
 * Reads the orders' totals directly (locked FOR UPDATE) because orders/ has no read function for them yet.
 */
export async function applyRefunds(trx: Transaction<Database>, workspace: Workspace, requests: readonly RefundRequest[], warnings: TrackingWarning[]): Promise<number> {
  if (requests.length === 0) return 0;
  const numbers = [...new Set(requests.map((r) => r.orderExternalId))];
  const orders = await trx
    .selectFrom('orders')
    .select(['id', 'external_id', 'currency', 'total_minor', 'refunded_minor'])
    .where('workspace_id', '=', workspace.id)
    .where('external_id', 'in', numbers)
    .orderBy('id')
    .forUpdate()
    .execute();
  const byNumber = new Map(orders.map((o) => [o.external_id, { ...o, left: o.total_minor - o.refunded_minor }]));
  const needPrices = requests.some((r) => r.unpriced.length > 0) && orders.length > 0;
  const prices = new Map<string, number>();
  if (needPrices) {
    const lines = await sql<{ order_id: number; sku: string; unit_price_minor: number }>`
      SELECT order_id, sku, max(unit_price_minor)::bigint AS unit_price_minor FROM order_items
      WHERE workspace_id = ${workspace.id} AND order_id = ANY(${orders.map((o) => o.id)}::bigint[]) AND sku IS NOT NULL
      GROUP BY order_id, sku`.execute(trx);
    for (const l of lines.rows) prices.set(`${l.order_id}\u0000${l.sku}`, Number(l.unit_price_minor));
  }

  const refunds: RefundInput[] = [];
  for (const r of requests) {
    const order = byNumber.get(r.orderExternalId);
    const skip = (why: string) => warnings.push({ path: `${r.at}properties.order_id`, message: `${why}; the event was stored but no refund was recorded` });
    if (!order) {
      skip(`order ${r.orderExternalId} is not known (send its Order Completed first)`);
      continue;
    }
    if (r.currency !== undefined && r.currency !== order.currency) {
      skip(`the refund is in ${r.currency} but order ${r.orderExternalId} is in ${order.currency}`);
      continue;
    }
    let amount = r.amountMinor;
    for (const u of r.unpriced) {
      const price = prices.get(`${order.id}\u0000${u.sku}`);
      if (price === undefined) {
        warnings.push({ path: `${r.at}properties.products`, message: `order ${r.orderExternalId} has no line with sku ${u.sku}; that product was not refunded` });
        continue;
      }
      amount = (amount ?? 0) + Math.round(price * u.quantity);
    }
    amount ??= order.left;
    if (order.left <= 0) {
      skip(`order ${r.orderExternalId} is already fully refunded`);
      continue;
    }
    if (amount <= 0) {
      skip('the refunded amount is zero');
      continue;
    }
    if (amount > order.left) {
      warnings.push({ path: `${r.at}properties`, message: `the refund of ${amount} exceeds the ${order.left} left on order ${r.orderExternalId}; refunded ${order.left}` });
      amount = order.left;
    }
    order.left -= amount;
    refunds.push({ externalId: r.externalId, orderExternalId: r.orderExternalId, amountMinor: amount, refundedAt: r.refundedAt });
  }
  if (refunds.length === 0) return 0;
  const result = await recordRefundsInTransaction(trx, workspace, refunds, 'tracking: Order Refunded');
  return result.applied;
}
