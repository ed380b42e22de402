import type { Kysely } from 'kysely';
import { createApiKey, type Workspace } from '../../src/access/index.ts';
import { dateInZone, runScoring, saveAnalyticsSettings, seededRandom } from '../../src/analytics/index.ts';
import { identifyCustomer } from '../../src/customers/index.ts';
import type { Database } from '../../src/db/index.ts';
import { recordOrders, type OrderInput } from '../../src/orders/index.ts';
import { testWorkspace } from '../fixtures.ts';

/** What the overview test needs: three workspaces (scored, orders but no run, no orders) and their keys. */
export interface OverviewData {
  readonly workspace: Workspace;
  readonly secretKey: string;
  /** Orders, never scored: the overview offers to run the scoring. */
  readonly unscoredKey: string;
  /** Customers without orders: the overview says to import orders. */
  readonly noOrdersKey: string;
  /** The as-of dates of the three scoring runs, oldest first. */
  readonly runs: readonly string[];
  readonly customers: number;
  readonly orders: number;
  /** Churn warnings of the latest run. */
  readonly warnings: number;
}

const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const givenNames = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '婷', '浩然', '子涵', '雨桐', '思远'];
const cities = ['上海', '北京', '杭州', '深圳', '广州', '成都', '南京', '武汉', '苏州', '西安'];
const channels = ['Tmall', 'JD', '小程序', '门店', 'App'];
const products = [
  ['TEA-LJ', '明前龙井礼盒', '茶叶'],
  ['TEA-PE', '普洱熟茶饼', '茶叶'],
  ['CUP-01', '316 保温杯', '杯具'],
  ['SET-02', '旅行茶具套装', '茶具'],
  ['GIFT-5', '中秋茶礼', '礼盒'],
] as const;

const dayMs = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);


/**
 * A tea retailer with `customers` buyers over two years up to yesterday: one-off buyers, and repeat
 * buyers at their own pace who eventually stop (some months ago), so every overview chart has
 * something to show. Scored three times (90 and 45 days ago, and today), which records stage
 * changes and churn warnings the way daily runs would.
 */
export async function seedOverviewData(db: Kysely<Database>, options: { customers?: number; now?: Date } = {}): Promise<OverviewData> {
  const count = options.customers ?? 400;
  // Seeded, so the workspace is the same on every run (relative to today).
  const random = seededRandom(20_260_301);
  const workspace = await testWorkspace(db, { name: '茶语生活 Tea & Living' });
  const secretKey = (await createApiKey(db, { workspaceId: workspace.id, kind: 'secret', name: 'overview e2e', plain: `e2e-overview-${workspace.id}` })).key;
  const today = dateInZone(options.now ?? new Date(), workspace.timezone);
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);

  const orders: OrderInput[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(4, '0');
    const firstDaysAgo = Math.round(between(2, 720));
    // A third buy once; the others buy at their own pace and, after each purchase, stop for good with
    // their own probability: the purchase-then-dropout process the BG/NBD model assumes.
    const oneOff = random() < 0.3;
    const gap = random() < 0.3 ? between(12, 35) : between(40, 120);
    // Beta(1, 4) dropout probabilities (mean 0.2): varied enough for the model to fit finite a and b.
    const dropout = 1 - Math.pow(1 - random(), 1 / 4);
    const basket = Math.round(between(6_000, 45_000));
    const profile = { name: `${pick(surnames)}${pick(givenNames)}`, city: pick(cities), country: 'CN' };
    const identities = [
      { type: 'external_id' as const, value: `C${n}` },
      { type: 'email' as const, value: `member${n}@example.com` },
    ];
    let daysAgo = firstDaysAgo;
    let k = 0;
    while (daysAgo >= 1) {
      const [sku, productName, category] = pick(products);
      const quantity = 1 + Math.floor(random() * 2);
      orders.push({
        externalId: `TL-${n}-${++k}`,
        customer: { identities, profile },
        channel: pick(channels),
        currency: 'CNY',
        // 12:00 in Shanghai.
        orderedAt: new Date(todayMs - daysAgo * dayMs + 4 * 3_600_000),
        items: [{ sku, productName, category, quantity, unitPriceMinor: Math.round((basket * between(0.6, 1.4)) / quantity / 100) * 100 }],
      });
      if (oneOff || random() < dropout) break;
      // Exponential gaps around the customer's mean: a Poisson purchase process while alive.
      daysAgo -= Math.max(1, Math.round(-Math.log(1 - random()) * gap));
    }
  }
  for (let i = 0; i < orders.length; i += 500) await recordOrders(db, workspace, orders.slice(i, i + 500));

  // A warning threshold a little above the default, so the warning list has more than one page.
  await saveAnalyticsSettings(db, workspace.id, { churnWarning: { pAliveThreshold: 0.7, gapMultiple: 2 } });
  const runs = [isoDay(todayMs - 90 * dayMs), isoDay(todayMs - 45 * dayMs), today];
  let warnings = 0;
  for (const asOf of runs) warnings = (await runScoring(db, workspace, { asOf })).warnings;

  const unscored = await testWorkspace(db, { name: '未评分小店 Unscored shop' });
  const unscoredKey = (await createApiKey(db, { workspaceId: unscored.id, kind: 'secret', name: 'overview e2e', plain: `e2e-unscored-${unscored.id}` })).key;
  await recordOrders(
    db,
    unscored,
    Array.from({ length: 30 }, (_, i) => ({
      externalId: `U-${i}`,
      customer: { identities: [{ type: 'external_id' as const, value: `U${i % 12}` }], profile: { name: `${surnames[i % 20]}${givenNames[i % 24]}` } },
      currency: 'CNY',
      orderedAt: new Date(todayMs - (i * 11 + 1) * dayMs + 4 * 3_600_000),
      totalMinor: 9_900 + i * 700,
    })),
  );

  const noOrders = await testWorkspace(db, { name: '新开张 New shop' });
  const noOrdersKey = (await createApiKey(db, { workspaceId: noOrders.id, kind: 'secret', name: 'overview e2e', plain: `e2e-no-orders-${noOrders.id}` })).key;
  await identifyCustomer(db, noOrders, { identities: [{ type: 'email', value: 'first@example.com' }], profile: { name: '第一位客户' }, reason: 'import' });

  return { workspace, secretKey, unscoredKey, noOrdersKey, runs, customers: count, orders: orders.length, warnings };
}
