import type { ProfilePatch, RawIdentity } from '../../customers/index.ts';
import type { OrderInput, ProductInput, RefundInput } from '../../orders/index.ts';
import { createShoppingCalendar, dayNumber } from './calendar.ts';
import { categories, products } from './catalogue.ts';
import { drawCustomer, isNew, withMemberNumber } from './customers.ts';
import { buildCustomerEvents, buildVisitorEvents, type DemoEvent } from './events.ts';
import { buildGuestOrders, buildOrder, cancelledCopy, orderNumber, purchaseChannel, toOrderInput, toRefundInput, type DemoOrder } from './orders.ts';
import { simulatePurchases } from './purchases.ts';
import { createRandom } from './random.ts';

/** What to generate: the seed decides everything, asOf is the moment the data ends. */
export interface DemoOptions {
  readonly seed?: number;
  readonly customers?: number;
  readonly asOf: Date;
}

/** A demo customer as the customers module takes it, with the tags they carry. */
export interface DemoCustomer {
  readonly externalId: string;
  readonly identities: readonly RawIdentity[];
  readonly profile: ProfilePatch;
  readonly tags: readonly string[];
}

/** The whole demo data set, in the input shapes of the modules that store it. */
export interface DemoDataSet {
  readonly seed: number;
  readonly asOf: Date;
  readonly currency: 'CNY';
  readonly products: readonly ProductInput[];
  readonly customers: readonly DemoCustomer[];
  readonly orders: readonly OrderInput[];
  readonly refunds: readonly RefundInput[];
  readonly events: readonly DemoEvent[];
}

export const defaultDemoSeed = 42;
export const defaultDemoCustomers = 20_000;
/** Two years of history end at asOf. */
export const demoHistoryDays = 730;

// VIP: lifetime net spend of ¥2,000 or more (about the top 5 % of customers), the gold tier and up.
const vipMinimumMinor = 200_000;
const tierThresholds: readonly (readonly [string, number])[] = [
  ['黑金会员', 500_000],
  ['金卡会员', 200_000],
  ['银卡会员', 80_000],
  ['普通会员', 0],
];

/**
 * Generates the demo data set of a tea-and-lifestyle retailer selling on Tmall, JD, its WeChat
 * mini-program, its app and its stores: customers with Chinese (and some English) names, cities,
 * identities and tags; about two years of orders ending at asOf from a per-customer BG/NBD purchase
 * process with Chinese retail seasonality; refunds, guest orders and tracking events. Deterministic:
 * the same options give the same data set. Member numbers follow sign-up order.
 */
export function generateDemo(options: DemoOptions): DemoDataSet {
  const seed = options.seed ?? defaultDemoSeed;
  const count = options.customers ?? defaultDemoCustomers;
  const asOf = options.asOf.getTime();
  const root = createRandom(seed);
  const lastDay = dayNumber(asOf - 1);
  const calendar = createShoppingCalendar(lastDay - demoHistoryDays, lastDay);
  const unique = { emails: new Set<string>(), phones: new Set<string>() };

  // Draw everyone first, then number members in sign-up order, as a shop does.
  const drawn = Array.from({ length: count }, (_, index) => drawCustomer(root.fork(`customer:${index}`).fork('profile'), index, calendar, asOf, unique));
  const bySignup = drawn.map((_, index) => index).sort((a, b) => drawn[a]!.signedUpAt - drawn[b]!.signedUpAt || a - b);
  const people = bySignup.map((index, rank) => {
    const random = root.fork(`customer:${index}`);
    const traits = withMemberNumber(drawn[index]!, rank + 1);
    const history = simulatePurchases(random.fork('purchases'), traits, calendar, asOf);
    const orderRandom = random.fork('orders');
    const customerPart = String(rank + 1).padStart(6, '0');
    const orders: DemoOrder[] = [];
    for (const at of history.purchases) {
      const channel = purchaseChannel(orderRandom, traits);
      const order = buildOrder(orderRandom, { traits, at, channel, externalId: orderNumber(channel, at, customerPart, orders.length + 1), calendar, asOf });
      orders.push(order);
      if (channel !== 'store' && orderRandom.chance(0.025)) orders.push(cancelledCopy(orderRandom, order, orderNumber(channel, at, customerPart, orders.length + 1)));
    }
    const events = buildCustomerEvents(random.fork('events'), traits, history, orders, calendar, asOf);
    return { traits, orders, events };
  });

  const memberOrders = people.reduce((a, p) => a + p.orders.length, 0);
  const guestOrders = buildGuestOrders(root.fork('guests'), Math.round(memberOrders * 0.04), calendar, asOf);
  const visitorEvents = Array.from({ length: Math.round(count * 0.1) }, (_, n) => buildVisitorEvents(root.fork(`visitor:${n}`), n, calendar, asOf)).flat();

  const spend = people.map((p) => p.orders.reduce((a, o) => a + (o.status === 'completed' ? o.totalMinor - (o.refund?.amountMinor ?? 0) : 0), 0));

  const customers = people.map(({ traits, orders }, i): DemoCustomer => {
    const random = root.fork(`customer:${traits.index}`).fork('tags');
    const total = spend[i]!;
    const tags: string[] = [];
    if (traits.channel !== 'tmall' && traits.channel !== 'jd' ? true : traits.wechat || random.chance(0.4)) tags.push('会员');
    if (total >= vipMinimumMinor) tags.push('VIP');
    if (isNew(traits, asOf, 30)) tags.push('新客');
    if (traits.enterprise) tags.push('企业客户');
    if (orders.some((o) => o.lines.some((l) => l.product.category === '课程')) || (orders.length >= 5 && random.chance(0.3))) tags.push('茶友会');
    if (traits.wechat && random.chance(0.6)) tags.push('公众号粉丝');
    const tier = tierThresholds.find(([, min]) => total >= min)![0];
    const profile: ProfilePatch = {
      name: traits.name.display,
      ...(traits.gender ? { gender: traits.gender } : {}),
      ...(traits.birthday ? { birthday: traits.birthday } : {}),
      city: traits.city.city,
      ...(traits.city.province ? { province: traits.city.province } : {}),
      country: traits.city.country,
      timezone: traits.city.timezone,
      signedUpAt: new Date(traits.signedUpAt),
      acquisitionChannel: traits.channel,
      attributes: { memberTier: tier, marketingOptIn: traits.optIn, ...(traits.enterprise ? { company: companyName(random, traits.city.city) } : {}) },
    };
    return { externalId: traits.externalId, identities: traits.identities, profile, tags };
  });

  const allOrders = [...people.flatMap((p) => p.orders), ...guestOrders];
  return {
    seed,
    asOf: new Date(asOf),
    currency: 'CNY',
    products: products.map((p) => ({
      sku: p.sku,
      name: p.name,
      category: p.category,
      priceMinor: p.priceMinor,
      currency: 'CNY',
      attributes: { nameEn: p.nameEn, categoryEn: categories.find((c) => c.name === p.category)!.nameEn },
    })),
    customers,
    orders: allOrders.map((o) => toOrderInput(o, 'CNY')),
    refunds: allOrders
      .map(toRefundInput)
      .filter((r): r is RefundInput => r !== null)
      .sort((a, b) => (a.refundedAt as Date).getTime() - (b.refundedAt as Date).getTime()),
    events: [...people.flatMap((p) => p.events), ...visitorEvents],
  };
}

function companyName(random: ReturnType<typeof createRandom>, city: string): string {
  return `${city}${random.pick(['云杉', '星河', '博远', '瑞丰', '嘉和', '恒信', '易达', '汇智'])}${random.pick(['科技', '贸易', '咨询', '文化传媒', '投资'])}有限公司`;
}
