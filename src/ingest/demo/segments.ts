import type { Kysely } from 'kysely';
import type { Workspace } from '../../access/index.ts';
import type { Database } from '../../db/index.ts';
import type { Clock } from '../../lib/clock.ts';
import { createSegment, listSegments, type SegmentInput } from '../../segments/index.ts';

// Saved segments an operations team of the demo shop would keep, so the console's segment pages and the
// journeys that trigger on segment entry have something real to show on the first start.
const demoSegments: readonly SegmentInput[] = [
  {
    name: '高价值待唤醒 · High value at risk',
    description: 'High value tier, dormant or churned: worth a personal win-back offer.',
    rule: {
      version: 1,
      root: {
        all: [
          { kind: 'field', field: 'value_tier', op: 'eq', value: 'high' },
          { kind: 'field', field: 'lifecycle_stage', op: 'in', value: ['dormant', 'churned'] },
        ],
      },
    },
  },
  {
    name: '近30天新客 · New in the last 30 days',
    description: 'First order in the last 30 days: the welcome series audience.',
    rule: { version: 1, root: { all: [{ kind: 'field', field: 'first_order_at', op: 'in_last', value: { amount: 30, unit: 'days' } }] } },
  },
  {
    name: '7天内生日 · Birthday within 7 days',
    description: 'Birthday today or in the next 7 days, with marketing consent on WeChat or SMS.',
    rule: {
      version: 1,
      root: {
        all: [
          { kind: 'field', field: 'birthday', op: 'anniversary_in_next', value: 7 },
          {
            any: [
              { kind: 'consent', channel: 'wechat', op: 'opted_in' },
              { kind: 'consent', channel: 'sms', op: 'opted_in' },
            ],
          },
        ],
      },
    },
  },
  {
    name: '咖啡爱好者 · Coffee lovers',
    description: 'Bought coffee and ordered at least twice in the last 180 days.',
    rule: {
      version: 1,
      root: {
        all: [
          { kind: 'purchased', op: 'did', categories: ['咖啡'] },
          { kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 180, unit: 'days' } },
        ],
      },
    },
  },
  {
    name: '加购未下单 · Added to cart, no order',
    description: 'Added a product to the cart in the last 7 days without ordering since.',
    rule: {
      version: 1,
      root: {
        all: [
          { kind: 'event', name: 'Product Added', op: 'did', window: { last: 7, unit: 'days' } },
          { kind: 'orders', measure: 'count', op: 'eq', value: 0, window: { last: 7, unit: 'days' } },
        ],
      },
    },
  },
  {
    name: '微信可触达VIP · VIPs on WeChat',
    description: 'Tagged VIP, with a WeChat identity and WeChat marketing consent.',
    rule: {
      version: 1,
      root: {
        all: [
          { kind: 'tag', op: 'has', tag: 'VIP' },
          { kind: 'identity', type: 'wechat_unionid', op: 'present' },
          { kind: 'consent', channel: 'wechat', op: 'opted_in' },
        ],
      },
    },
  },
];

/** Saves the demo's segments that are not there yet (a resumed load adds only the missing ones). */
export async function ensureDemoSegments(db: Kysely<Database>, workspace: Workspace, clock: Clock): Promise<number> {
  const existing = new Set((await listSegments(db, workspace.id)).map((s) => s.name));
  let created = 0;
  for (const segment of demoSegments) {
    if (existing.has(segment.name)) continue;
    await createSegment(db, workspace, segment, clock);
    created += 1;
  }
  return created;
}
