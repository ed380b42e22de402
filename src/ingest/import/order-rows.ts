import { z } from 'zod';
import { identityTypes } from '../../access/index.ts';
import type { Identity, ProfilePatch } from '../../customers/index.ts';
import { identityCell, quantityCell, readAmount, requiredDateCell, textCell } from './cell-values.ts';
import { fail, identitiesOf, rowSchema, type RowContext } from './import-kind.ts';
import type { DateReading } from './parse-date.ts';

/** One valid row of an orders file: a line of an order, or a refund of one. */
export interface OrderLine {
  readonly orderNumber: string | undefined;
  readonly orderedAt: DateReading;
  /** The buyer's identities, most specific first; empty for a guest order. */
  readonly identities: Identity[];
  readonly profile: ProfilePatch | undefined;
  readonly channel: string | undefined;
  readonly store: string | undefined;
  readonly status: 'completed' | 'cancelled';
  readonly currency: string;
  readonly sku: string | undefined;
  readonly productName: string | undefined;
  readonly category: string | undefined;
  /** Positive; for a refund row, the quantity returned. */
  readonly quantity: number;
  /** The line in minor units, when the row has one (a row may carry only the order total). */
  readonly item: { readonly unitPriceMinor: number; readonly amountMinor: number } | undefined;
  readonly orderTotalMinor: number | undefined;
  /** Set on a refund row: the amount refunded (positive) and the order named as refunded, if any. */
  readonly refund: { readonly amountMinor: number; readonly orderNumber: string | undefined } | undefined;
}

// Statuses as shops export them; anything else is refused with the list, rather than guessed.
const statuses: Record<string, 'completed' | 'cancelled'> = {
  completed: 'completed',
  complete: 'completed',
  paid: 'completed',
  shipped: 'completed',
  delivered: 'completed',
  fulfilled: 'completed',
  success: 'completed',
  finished: 'completed',
  closed: 'completed',
  已完成: 'completed',
  已付款: 'completed',
  已发货: 'completed',
  交易成功: 'completed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  void: 'cancelled',
  voided: 'cancelled',
  已取消: 'cancelled',
  交易关闭: 'cancelled',
};

const currencyPattern = /^[A-Z]{3}$/;

const orderIdentityKeys = identityTypes.map((type) => `customer.${type}` as const);

/** The row schema of orders files, over the fields the file maps (`present`; all when unknown). */
export function orderLineSchema(ctx: RowContext, present?: ReadonlySet<string>): z.ZodType<OrderLine, unknown> {
  const raw = z.unknown().optional();
  const shape = {
    order_number: textCell(200),
    ordered_at: requiredDateCell(ctx.parseDate, 'the order date is empty'),
    ...(Object.fromEntries(identityTypes.map((type) => [`customer.${type}`, identityCell(type, ctx.country)])) as Record<(typeof orderIdentityKeys)[number], ReturnType<typeof identityCell>>),
    'customer.name': textCell(200),
    'customer.city': textCell(100),
    'customer.province': textCell(100),
    'customer.country': textCell(100),
    channel: textCell(100),
    store: textCell(200),
    status: textCell(50),
    currency: textCell(10),
    sku: textCell(200),
    product_name: textCell(500),
    category: textCell(200),
    quantity: quantityCell(),
    // Amounts are read once the row's currency is known (JPY has no minor unit, KWD three).
    unit_price: raw,
    amount: raw,
    order_total: raw,
    refunded_order: textCell(200),
  };
  return rowSchema(shape, present, (r, issues): OrderLine => {
    const currency = r.currency?.toUpperCase() ?? ctx.currency;
    if (!currencyPattern.test(currency)) return fail(issues, 'currency', `"${r.currency}" is not a three-letter currency code such as CNY`);
    const unitPrice = readAmount(r.unit_price, currency);
    if (typeof unitPrice === 'string') return fail(issues, 'unit_price', unitPrice);
    const amount = readAmount(r.amount, currency);
    if (typeof amount === 'string') return fail(issues, 'amount', amount);
    const orderTotal = readAmount(r.order_total, currency);
    if (typeof orderTotal === 'string') return fail(issues, 'order_total', orderTotal);
    let status: 'completed' | 'cancelled' = 'completed';
    if (r.status !== undefined) {
      const known = statuses[r.status.toLowerCase()];
      if (!known) return fail(issues, 'status', `"${r.status}" is not a status Patron knows: use completed (or paid, shipped, delivered) or cancelled`);
      status = known;
    }
    const quantity = r.quantity ?? 1;
    if (quantity === 0) return fail(issues, 'quantity', 'the quantity is 0');
    if (unitPrice === undefined && amount === undefined && orderTotal === undefined) return fail(issues, 'amount', 'the row has no amount: map amount, unit_price or order_total');

    const byPrefix = ctx.refundPrefix !== undefined && r.order_number !== undefined && r.order_number.startsWith(ctx.refundPrefix);
    const isRefund = byPrefix || quantity < 0 || (amount ?? 0) < 0 || (unitPrice ?? 0) < 0 || (amount === undefined && unitPrice === undefined && (orderTotal ?? 0) < 0);
    const absQuantity = Math.abs(quantity);
    const lineAmount = amount !== undefined ? Math.abs(amount) : unitPrice !== undefined ? Math.round(absQuantity * Math.abs(unitPrice)) : undefined;
    const item =
      lineAmount === undefined ? undefined : { unitPriceMinor: unitPrice !== undefined ? Math.abs(unitPrice) : Math.round(lineAmount / absQuantity), amountMinor: lineAmount };
    let refund: OrderLine['refund'];
    if (isRefund) {
      const refunded = lineAmount ?? Math.abs(orderTotal ?? 0);
      if (refunded === 0) return fail(issues, amount !== undefined ? 'amount' : 'unit_price', 'a refund of 0: nothing to refund');
      refund = { amountMinor: refunded, orderNumber: r.refunded_order };
    }
    let profile: ProfilePatch | undefined;
    if (r['customer.name'] !== undefined || r['customer.city'] !== undefined || r['customer.province'] !== undefined || r['customer.country'] !== undefined) {
      profile = {};
      if (r['customer.name'] !== undefined) profile.name = r['customer.name'];
      if (r['customer.city'] !== undefined) profile.city = r['customer.city'];
      if (r['customer.province'] !== undefined) profile.province = r['customer.province'];
      if (r['customer.country'] !== undefined) profile.country = r['customer.country'];
    }
    return {
      orderNumber: r.order_number,
      orderedAt: r.ordered_at,
      identities: identitiesOf(r, orderIdentityKeys),
      profile,
      channel: r.channel,
      store: r.store,
      status,
      currency,
      sku: r.sku,
      productName: r.product_name,
      category: r.category,
      quantity: absQuantity,
      item,
      orderTotalMinor: orderTotal === undefined ? undefined : Math.abs(orderTotal),
      refund,
    };
  });
}
