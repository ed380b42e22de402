import type { Kysely } from 'kysely';
import { createApiKey, type Workspace } from '../../src/access/index.ts';
import { identifyCustomer, updateCustomerTags } from '../../src/customers/index.ts';
import type { Database } from '../../src/db/index.ts';
import { recordEvents } from '../../src/events/index.ts';
import { recordOrders } from '../../src/orders/index.ts';
import { testWorkspace } from '../fixtures.ts';

const people = [
  ['张伟', '上海', 'male'],
  ['李娜', '北京', 'female'],
  ['王芳', '杭州', 'female'],
  ['刘洋', '深圳', 'male'],
  ['陈静', '成都', 'female'],
  ['杨磊', '南京', 'male'],
  ['赵敏', '武汉', 'female'],
  ['黄晓明', '广州', 'male'],
  ['周婷', '苏州', 'female'],
  ['吴刚', '西安', 'male'],
  ['Emily Chen', 'Shanghai', 'female'],
  ['James Wilson', 'Hong Kong', 'male'],
  ['徐丽', '重庆', 'female'],
  ['孙浩', '天津', 'male'],
  ['马琳', '青岛', 'female'],
  ['朱军', '长沙', 'male'],
  ['胡蓉', '厦门', 'female'],
  ['郭强', '郑州', 'male'],
  ['林佳', '福州', 'female'],
  ['何伟', '合肥', 'male'],
  ['高雪', '大连', 'female'],
  ['罗斌', '昆明', 'male'],
  ['Sophie Martin', 'Beijing', 'female'],
  ['梁静茹', '宁波', 'female'],
] as const;

/** What the console test needs to find again: the key, the star customer and the pair that was merged. */
export interface ConsoleData {
  readonly workspace: Workspace;
  readonly secretKey: string;
  readonly emptyWorkspaceKey: string;
  readonly zhangWeiId: number;
  readonly mergedSurvivorId: number;
}

const day = 86_400_000;

/** A small retail workspace: 26 customers, orders on Tmall, JD and the mini-program, events, tags and one merge. */
export async function seedConsoleData(db: Kysely<Database>, now = new Date('2026-03-01T10:00:00Z')): Promise<ConsoleData> {
  const workspace = await testWorkspace(db, { name: '演示零售 Demo Retail' });
  const secretKey = (await createApiKey(db, { workspaceId: workspace.id, kind: 'secret', name: 'console e2e', plain: `e2e-secret-${workspace.id}` })).key;
  const empty = await testWorkspace(db, { name: 'Empty shop' });
  const emptyWorkspaceKey = (await createApiKey(db, { workspaceId: empty.id, kind: 'secret', name: 'console e2e', plain: `e2e-empty-${empty.id}` })).key;

  const ids: number[] = [];
  for (const [index, [name, city, gender]] of people.entries()) {
    const n = String(index + 10).padStart(4, '0');
    const resolution = await identifyCustomer(db, workspace, {
      identities: [
        { type: 'phone', value: index === 0 ? '13812345678' : `1390000${n}` },
        { type: 'email', value: `customer${n}@example.com` },
      ],
      profile: { name, city, gender, birthday: `19${80 + (index % 20)}-0${(index % 9) + 1}-1${index % 10}`, acquisitionChannel: ['Tmall', 'JD', '小程序', '门店'][index % 4], country: 'CN' },
      reason: 'import',
    });
    ids.push(resolution.customerId);
  }
  const zhangWeiId = ids[0]!;

  const channels = ['Tmall', 'JD', '小程序', '门店'];
  await recordOrders(
    db,
    workspace,
    people.flatMap((_, index) =>
      Array.from({ length: (index % 4) + 1 }, (_, k) => ({
        externalId: `SO-${2000 + index * 10 + k}`,
        customer: { identities: [{ type: 'email' as const, value: `customer${String(index + 10).padStart(4, '0')}@example.com` }] },
        channel: channels[(index + k) % 4],
        store: k % 2 === 0 ? '上海旗舰店' : undefined,
        currency: 'CNY',
        orderedAt: new Date(now.getTime() - (index * 7 + k * 31 + 1) * day),
        items: [
          { sku: `SKU-${k + 1}`, productName: ['龙井茶礼盒', '保温杯', '蓝牙耳机', '真丝围巾'][k % 4], category: '礼品', quantity: 1 + (k % 2), unitPriceMinor: 12_900 + index * 1_050 + k * 3_300 },
        ],
      })),
    ),
  );

  await updateCustomerTags(db, workspace.id, { customerIds: [zhangWeiId, ids[1]!, ids[4]!], add: ['VIP'] });
  await updateCustomerTags(db, workspace.id, { customerIds: [ids[2]!, ids[3]!], add: ['新客'] });

  await db.transaction().execute((trx) =>
    recordEvents(
      trx,
      workspace.id,
      [
        { name: 'Product Viewed', props: { product: '龙井茶礼盒', price: 129 }, type: 'track' as const },
        { name: 'Product Added', props: { product: '龙井茶礼盒', quantity: 1 }, type: 'track' as const },
        { name: '/promo/spring', props: { title: '春季上新' }, type: 'page' as const },
        { name: 'Coupon Claimed', props: { coupon: 'SPRING20' }, type: 'track' as const },
        { name: null, props: {}, type: 'identify' as const },
      ].map((e, i) => ({
        messageId: `e2e-${workspace.id}-${i}`,
        customerId: zhangWeiId,
        anonymousId: null,
        type: e.type,
        name: e.name,
        occurredAt: new Date(now.getTime() - i * 3_600_000),
        receivedAt: new Date(now.getTime() - i * 3_600_000),
        properties: e.props,
        context: {},
      })),
    ),
  );

  // Two profiles that one identify call links: the store account (phone) and the app account (email).
  const phoneOnly = await identifyCustomer(db, workspace, { identities: [{ type: 'phone', value: '13766668888' }], profile: { name: '唐小雨', city: '上海' }, reason: 'import' });
  await identifyCustomer(db, workspace, { identities: [{ type: 'email', value: 'xiaoyu.tang@example.com' }], profile: { name: 'Tang Xiaoyu' }, reason: 'import' });
  const linked = await identifyCustomer(db, workspace, {
    identities: [
      { type: 'phone', value: '13766668888' },
      { type: 'email', value: 'xiaoyu.tang@example.com' },
    ],
    reason: 'identify',
  });
  if (linked.mergedIds.length !== 1) throw new Error(`the merge fixture did not merge (phone-only profile ${phoneOnly.customerId})`);

  return { workspace, secretKey, emptyWorkspaceKey, zhangWeiId, mergedSurvivorId: linked.customerId };
}
