import type { JsonObject } from '../../db/index.ts';
import { day, dayNumber, timeInDay, type ShoppingCalendar } from './calendar.ts';
import { categories, productsByCategory, type DemoProduct } from './catalogue.ts';
import type { CustomerTraits } from './customers.ts';
import type { DemoOrder } from './orders.ts';
import type { PurchaseHistory } from './purchases.ts';
import type { Random } from './random.ts';

/** A tracking event of the demo data set; the customer is named by member number until the load resolves it. */
export interface DemoEvent {
  readonly messageId: string;
  readonly customerExternalId: string | null;
  readonly anonymousId: string | null;
  readonly type: 'track' | 'page' | 'screen';
  readonly name: string;
  readonly occurredAt: Date;
  readonly properties: JsonObject;
  readonly context: JsonObject;
}

const pages = [
  { name: '首页', path: '/pages/index/index', weight: 5 },
  { name: '分类', path: '/pages/category/index', weight: 2 },
  { name: '会员中心', path: '/pages/member/index', weight: 1 },
  { name: '活动会场', path: '/pages/campaign/index', weight: 1 },
];
const searches = ['龙井', '白茶', '礼盒', '普洱', '茶具', '咖啡', '护手霜', '中秋礼盒', '大红袍', '冷泡茶', '盖碗', 'gift'];
const comments = {
  good: ['茶叶很新鲜，回购了', '包装很精美，送人很有面子', '门店茶艺师很专业', '发货快，好评', '会员活动很实惠'],
  bad: ['物流太慢了', '客服回复慢', '和图片不太一样', '价格偏贵', '退款处理太久'],
};

const yuan = (minor: number) => minor / 100;
const productProperties = (p: DemoProduct) => ({ product_id: p.sku, sku: p.sku, name: p.name, category: p.category, price: yuan(p.priceMinor), currency: 'CNY' });

/** Builds the events of one person; message ids are their member number (or visitor id) and a sequence. */
function eventWriter(owner: string, customerExternalId: string | null, anonymousId: string | null, locale: string) {
  const events: DemoEvent[] = [];
  let seq = 0;
  const add = (type: DemoEvent['type'], name: string, at: number, channel: string, properties: JsonObject) => {
    seq++;
    events.push({
      messageId: `demo-${owner}-${String(seq).padStart(4, '0')}`,
      customerExternalId,
      anonymousId,
      type,
      name,
      occurredAt: new Date(at),
      properties,
      context: { channel, locale, library: { name: 'patron-demo', version: '1' } },
    });
  };
  return { events, add };
}

/** A browsing session on the mini-program or the app: a page, some products viewed, maybe a cart left behind. */
function browse(random: Random, add: ReturnType<typeof eventWriter>['add'], at: number, channel: 'miniprogram' | 'app', affinity: ReadonlyMap<string, number> | null): void {
  const viewType = channel === 'app' ? 'screen' : 'page';
  const page = random.weighted(pages, (p) => p.weight);
  let t = at;
  add(viewType, page.name, t, channel, { path: page.path, title: page.name });
  if (random.chance(0.12)) add('track', 'Products Searched', (t += random.int(10, 60) * 1000), channel, { query: random.pick(searches) });
  const views = random.int(1, 3);
  let last: DemoProduct | undefined;
  for (let v = 0; v < views; v++) {
    const category = random.weighted(categories, (c) => affinity?.get(c.name) ?? c.weight);
    last = random.weighted(productsByCategory.get(category.name) ?? [], (x) => x.popularity);
    add('track', 'Product Viewed', (t += random.int(15, 120) * 1000), channel, productProperties(last));
  }
  if (last && random.chance(0.25)) add('track', 'Product Added', t + random.int(10, 90) * 1000, channel, { ...productProperties(last), quantity: 1 });
}

/**
 * The tracking events of a customer, following their purchases: sign-up, the funnel before each order
 * on the brand's own channels (mini-program and app; marketplaces and stores send orders, not
 * clickstreams), refunds, browsing while they are active (stopping when they drop out), and the
 * occasional CSAT and NPS survey, scored lower after a refund and higher by loyal customers.
 */
export function buildCustomerEvents(random: Random, traits: CustomerTraits, history: PurchaseHistory, orders: readonly DemoOrder[], calendar: ShoppingCalendar, asOf: number): DemoEvent[] {
  const locale = traits.name.english ? 'en-GB' : 'zh-CN';
  const { events, add } = eventWriter(traits.externalId, traits.externalId, traits.anonymousId, locale);
  const ownChannel = traits.wechat ? 'miniprogram' : traits.anonymousId ? 'app' : null;
  add('track', 'Signed Up', traits.signedUpAt, traits.channel, { method: traits.channel, city: traits.city.city });

  for (const order of orders) {
    const own = order.channel === 'miniprogram' || order.channel === 'app';
    if (own) {
      const channel = order.channel as 'miniprogram' | 'app';
      let t = order.orderedAt - (order.lines.length * 3 + 4) * 60_000;
      add(channel === 'app' ? 'screen' : 'page', order.campaign ? '活动会场' : '首页', t, channel, { path: order.campaign ? '/pages/campaign/index' : '/pages/index/index', ...(order.campaign ? { campaign: order.campaign } : {}) });
      for (const line of order.lines) add('track', 'Product Viewed', (t += random.int(20, 90) * 1000), channel, productProperties(line.product));
      for (const line of order.lines) add('track', 'Product Added', (t += random.int(10, 60) * 1000), channel, { ...productProperties(line.product), quantity: line.quantity });
      add('track', 'Checkout Started', t + random.int(20, 90) * 1000, channel, { order_id: order.externalId, value: yuan(order.totalMinor), currency: 'CNY' });
      if (order.status === 'completed') {
        // The Segment e-commerce spec's Order Completed, amounts in yuan.
        add('track', 'Order Completed', order.orderedAt, channel, {
          order_id: order.externalId,
          total: yuan(order.totalMinor),
          revenue: yuan(order.totalMinor),
          discount: yuan(order.lines.reduce((a, l) => a + l.quantity * l.product.priceMinor - l.amountMinor, 0)),
          currency: 'CNY',
          ...(order.campaign ? { campaign: order.campaign } : {}),
          products: order.lines.map((l) => ({ ...productProperties(l.product), quantity: l.quantity })),
        });
      }
      if (order.refund) add('track', 'Order Refunded', order.refund.refundedAt, channel, { order_id: order.externalId, total: yuan(order.refund.amountMinor), currency: 'CNY' });
    }
    if (order.status === 'completed' && random.chance(order.channel === 'store' ? 0.12 : 0.08)) {
      const at = order.orderedAt + random.int(1, 3) * day + random.int(0, 36_000) * 1000;
      if (at < asOf) {
        const score = clamp(Math.round(random.normal(order.refund ? 3 : 4.4, 0.8)), 1, 5);
        add('track', 'Survey Answered', at, order.channel === 'store' ? 'sms' : 'miniprogram', {
          survey: 'CSAT',
          score,
          scale_max: 5,
          order_id: order.externalId,
          ...(random.chance(0.3) ? { comment: random.pick(score >= 4 ? comments.good : comments.bad) } : {}),
        });
      }
    }
  }

  const first = history.purchases[0];
  if (first !== undefined && random.chance(0.15)) {
    const at = first + random.next() * (asOf - first);
    const score = clamp(Math.round(random.normal(5.5 + 4 * (1 - traits.dropout), 2)), 0, 10);
    add('track', 'Survey Answered', at, traits.wechat ? 'miniprogram' : 'email', {
      survey: 'NPS',
      score,
      scale_max: 10,
      ...(random.chance(0.3) ? { comment: random.pick(score >= 8 ? comments.good : comments.bad) } : {}),
    });
  }

  if (ownChannel) {
    // Browsing while active; a customer who drops out stops visiting within a month.
    const end = Math.min(asOf, (history.droppedAt ?? asOf) + random.exponential(1 / 30) * day);
    const years = Math.max(0, end - traits.signedUpAt) / (365 * day);
    const sessions = random.poisson(years * (0.5 + 0.7 * Math.min(traits.rate, 6)));
    for (let s = 0; s < sessions; s++) {
      const at = timeInDay(random, dayNumber(traits.signedUpAt + random.next() * (end - traits.signedUpAt)), false);
      if (at > traits.signedUpAt && at < asOf) browse(random, add, at, ownChannel, traits.affinity);
    }
  }
  return events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/** Visitors who browse without signing up: events with an anonymous id and no customer. */
export function buildVisitorEvents(random: Random, visitor: number, calendar: ShoppingCalendar, asOf: number): DemoEvent[] {
  const anonymousId = `v-${random.chars('0123456789abcdef', 8)}-${random.chars('0123456789abcdef', 12)}`;
  const { events, add } = eventWriter(`v${String(visitor + 1).padStart(6, '0')}`, null, anonymousId, 'zh-CN');
  const channel = random.chance(0.6) ? 'miniprogram' : 'app';
  const sessions = random.int(1, 3);
  for (let s = 0; s < sessions; s++) {
    const d = calendar.firstDay + random.int(0, calendar.lastDay - calendar.firstDay);
    const at = timeInDay(random, d, false);
    if (at < asOf) browse(random, add, at, channel, null);
  }
  return events;
}

function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}
