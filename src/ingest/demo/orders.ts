import type { OrderInput, RefundInput } from '../../orders/index.ts';
import { day, dayNumber, localDate, timeInDay, type DayProfile, type ShoppingCalendar } from './calendar.ts';
import { categories, products, productsByCategory, type DemoProduct } from './catalogue.ts';
import { channelWeight, channels, type Channel, type CustomerTraits } from './customers.ts';
import { allStores } from './places.ts';
import type { Random } from './random.ts';

/** One line of a demo order. */
export interface DemoLine {
  readonly product: DemoProduct;
  readonly quantity: number;
  /** After the promotion discount. */
  readonly amountMinor: number;
}

/** A refund of a demo order: the whole order, or one line of it. */
export interface DemoRefund {
  readonly externalId: string;
  readonly amountMinor: number;
  readonly refundedAt: number;
  readonly sku: string | null;
}

/** A demo order with what the tracking events need to describe it. */
export interface DemoOrder {
  readonly externalId: string;
  /** Null for a guest order (a walk-in who is not a member). */
  readonly customer: CustomerTraits | null;
  readonly channel: Channel;
  readonly store: string;
  readonly orderedAt: number;
  readonly status: 'completed' | 'cancelled';
  readonly lines: readonly DemoLine[];
  readonly totalMinor: number;
  readonly campaign: string | null;
  readonly refund: DemoRefund | null;
}

/** The shop front of each online channel, stored as the order's store. */
const onlineStores: Readonly<Record<Exclude<Channel, 'store'>, string>> = {
  tmall: '天猫旗舰店',
  jd: '京东自营旗舰店',
  miniprogram: '微信小程序商城',
  app: 'App',
};
const orderPrefix: Readonly<Record<Channel, string>> = { tmall: 'TM', jd: 'JD', miniprogram: 'MP', app: 'AP', store: 'ST' };
const lineCounts = [1, 2, 3, 4] as const;
const lineCountWeights = [62, 25, 10, 3];
const giftBoost: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  new_year: { 'GIFT-CNY-01': 6, 'GIFT-LJ-01': 2, 'GIFT-BIZ-01': 2 },
  mid_autumn: { 'GIFT-MA-01': 6, 'GIFT-LJ-01': 2, 'GIFT-BIZ-01': 2 },
  dragon_boat: { 'GIFT-DW-01': 5 },
};

/** The order number: channel prefix, local date, customer number and sequence, as shop systems print them. */
export function orderNumber(channel: Channel, at: number, customerPart: string, seq: number): string {
  const [y, m, d] = localDate(at);
  return `${orderPrefix[channel]}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${customerPart}${String(seq).padStart(3, '0')}`;
}

/** Picks the channel of a purchase: mostly the customer's own, sometimes another they can reach. */
export function purchaseChannel(random: Random, traits: CustomerTraits): Channel {
  if (random.chance(0.7)) return traits.channel;
  return random.weighted(channels, (c) => channelWeight(traits.city, c));
}

function storeFor(random: Random, traits: CustomerTraits | null): string {
  const home = traits?.city.stores ?? [];
  if (home.length > 0 && traits) return random.chance(0.8) ? home[traits.index % home.length]! : random.pick(home);
  // Visitors buy in the big cities' flagship stores.
  return random.weighted(allStores, (s) => (s.startsWith('上海') || s.startsWith('北京') ? 4 : 1));
}

function pickProducts(random: Random, count: number, affinity: ReadonlyMap<string, number> | null, profile: DayProfile, channel: Channel): DemoProduct[] {
  const chosen: DemoProduct[] = [];
  for (let attempt = 0; chosen.length < count && attempt < count * 6; attempt++) {
    const category = random.weighted(categories, (c) => (affinity?.get(c.name) ?? c.weight) * (c.name === '礼盒' && profile.giftSeason ? (profile.giftSeason === 'dragon_boat' ? 2 : 4) : 1));
    const boost = profile.giftSeason ? (giftBoost[profile.giftSeason] ?? {}) : {};
    const candidates = (productsByCategory.get(category.name) ?? []).filter(
      (x) => !chosen.includes(x) && (channel === 'store' ? x.sku !== 'CLS-ONLINE-01' : x.sku !== 'CLS-TEA-01') && x.sku !== 'GIFT-BIZ-01',
    );
    if (candidates.length === 0) continue;
    chosen.push(random.weighted(candidates, (x) => x.popularity * (boost[x.sku] ?? 1)));
  }
  return chosen;
}

/**
 * Builds the order of one purchase: channel and store, 1–4 lines from the categories the customer
 * likes (gift boxes before the festivals), the promotion discount on online orders, and sometimes a
 * refund — more often online, where seven-day no-reason returns apply.
 */
export function buildOrder(
  random: Random,
  input: { traits: CustomerTraits | null; at: number; channel: Channel; externalId: string; calendar: ShoppingCalendar; asOf: number },
): DemoOrder {
  const { traits, channel, calendar, asOf } = input;
  const dayNo = dayNumber(input.at);
  // A typical hour for the channel, unless that would put the order before sign-up or after asOf.
  let orderedAt = timeInDay(random, dayNo, channel === 'store');
  if (orderedAt >= asOf || (traits && orderedAt < traits.signedUpAt)) orderedAt = Math.min(input.at, asOf - 1000);
  const profile = calendar.at(dayNo);
  const online = channel !== 'store';
  const discount = online ? profile.discount : 0;

  let picked: { product: DemoProduct; quantity: number }[];
  if (traits?.enterprise && random.chance(0.6)) {
    const seasonal = profile.giftSeason === 'mid_autumn' ? 'GIFT-MA-01' : profile.giftSeason === 'new_year' ? 'GIFT-CNY-01' : 'GIFT-BIZ-01';
    picked = [{ product: products.find((x) => x.sku === seasonal)!, quantity: random.int(5, 30) }];
  } else {
    const count = random.weighted(lineCounts, (n) => lineCountWeights[n - 1]!);
    picked = pickProducts(random, count, traits?.affinity ?? null, profile, channel).map((product) => ({
      product,
      quantity: random.weighted([1, 2, 3], (q) => [85, 12, 3][q - 1]!),
    }));
  }
  const lines = picked.map(({ product, quantity }) => ({ product, quantity, amountMinor: Math.round(quantity * product.priceMinor * (1 - discount)) }));
  const totalMinor = lines.reduce((a, l) => a + l.amountMinor, 0);

  let refund: DemoRefund | null = null;
  const r = random.next();
  const [fullShare, partialShare] = online ? [0.045, 0.03] : [0.01, 0.01];
  if (r < fullShare + partialShare) {
    const refundedAt = orderedAt + random.int(1, 10) * day + random.int(0, 86_399) * 1000;
    const line = random.pick(lines);
    const partial = r >= fullShare && (lines.length > 1 || line.quantity > 1);
    const amountMinor = partial ? (lines.length > 1 ? line.amountMinor : Math.round(line.amountMinor / line.quantity)) : totalMinor;
    if (refundedAt < asOf && amountMinor > 0) refund = { externalId: `${input.externalId}-R1`, amountMinor, refundedAt, sku: partial ? line.product.sku : null };
  }
  return {
    externalId: input.externalId,
    customer: traits,
    channel,
    store: channel === 'store' ? storeFor(random, traits) : onlineStores[channel],
    orderedAt,
    status: 'completed',
    lines,
    totalMinor,
    campaign: online ? profile.campaign : null,
    refund,
  };
}

/** An order placed and then cancelled (unpaid): online shops see a few percent of these. */
export function cancelledCopy(random: Random, order: DemoOrder, externalId: string): DemoOrder {
  return { ...order, externalId, status: 'cancelled', orderedAt: order.orderedAt - random.int(10, 50) * 60_000, refund: null };
}

/** Walk-in purchases by people who are not members: orders with no customer. */
export function buildGuestOrders(random: Random, count: number, calendar: ShoppingCalendar, asOf: number): DemoOrder[] {
  const orders: DemoOrder[] = [];
  const span = calendar.lastDay - calendar.firstDay;
  for (let n = 0; n < count; n++) {
    let d: number;
    do d = calendar.firstDay + random.int(0, span);
    while (random.next() * calendar.maxDemand > calendar.at(d).demand);
    const at = Math.min(timeInDay(random, d, true), asOf - 1000);
    const order = buildOrder(random, { traits: null, at, channel: 'store', externalId: '', calendar, asOf });
    const [y, m, dd] = localDate(order.orderedAt);
    orders.push({ ...order, externalId: `ST${y}${String(m).padStart(2, '0')}${String(dd).padStart(2, '0')}G${String(n + 1).padStart(6, '0')}`, refund: null });
  }
  return orders;
}

/** The order as the orders module takes it; the buyer is named by member number. */
export function toOrderInput(order: DemoOrder, currency: string): OrderInput {
  return {
    externalId: order.externalId,
    ...(order.customer ? { customer: { identities: [{ type: 'external_id', value: order.customer.externalId }] } } : {}),
    channel: order.channel,
    store: order.store,
    status: order.status,
    currency,
    orderedAt: new Date(order.orderedAt),
    totalMinor: order.totalMinor,
    items: order.lines.map((l) => ({
      sku: l.product.sku,
      productName: l.product.name,
      category: l.product.category,
      quantity: l.quantity,
      unitPriceMinor: l.product.priceMinor,
      amountMinor: l.amountMinor,
    })),
  };
}

/** The refund as the orders module takes it, by order number. */
export function toRefundInput(order: DemoOrder): RefundInput | null {
  if (!order.refund) return null;
  return { externalId: order.refund.externalId, orderExternalId: order.externalId, amountMinor: order.refund.amountMinor, refundedAt: new Date(order.refund.refundedAt) };
}
