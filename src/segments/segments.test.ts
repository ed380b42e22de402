import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { identifyCustomer, recordConsents, updateCustomerTags } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { recordEvents } from '../events/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import {
  archiveSegment,
  createSegment,
  explainCustomer,
  explainRule,
  previewRule,
  processSegmentChanges,
  refreshDueSegments,
  startSegmentWorker,
  updateSegment,
  type RuleJson,
} from './index.ts';

const day = 86_400_000;

describe.each(testStores())('segments on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  async function customer(ws: Workspace, email: string, profile: Record<string, unknown> = {}) {
    const { customerId } = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: email }], profile, reason: 'test' });
    return customerId;
  }
  async function order(ws: Workspace, email: string, externalId: string, at: Date, amountMinor: number, category = '咖啡') {
    await recordOrders(h.db, ws, [
      {
        externalId,
        customer: { identities: [{ type: 'email', value: email }] },
        channel: 'online',
        currency: 'CNY',
        orderedAt: at,
        items: [{ sku: `SKU-${category}`, category, quantity: 1, unitPriceMinor: amountMinor }],
      },
    ]);
  }
  async function event(ws: Workspace, customerId: number, name: string, at: Date, properties: Record<string, unknown> = {}) {
    await h.db.transaction().execute((trx) =>
      recordEvents(trx, ws.id, [
        { messageId: `${name}-${customerId}-${at.getTime()}-${Math.random()}`, customerId, anonymousId: null, type: 'track', name, occurredAt: at, receivedAt: at, properties, context: {} },
      ]),
    );
  }
  const members = async (ws: Workspace, segmentId: number) =>
    (
      await h.db
        .selectFrom('segment_memberships')
        .select('customer_id')
        .where('workspace_id', '=', ws.id)
        .where('segment_id', '=', segmentId)
        .where('exited_at', 'is', null)
        .orderBy('customer_id')
        .execute()
    ).map((r) => r.customer_id);

  it('previews "bought at least twice in 90 days in Hangzhou" with count, revenue and a sample', async () => {
    const ws = await testWorkspace(h.db);
    const now = new Date('2026-06-30T04:00:00Z');
    const clock = manualClock(now);
    const a = await customer(ws, 'a@example.com', { city: '杭州', name: '王芳' });
    const b = await customer(ws, 'b@example.com', { city: '杭州' });
    await customer(ws, 'c@example.com', { city: '上海' });
    await order(ws, 'a@example.com', 'A1', new Date(now.getTime() - 10 * day), 12_000);
    await order(ws, 'a@example.com', 'A2', new Date(now.getTime() - 40 * day), 8_000);
    await order(ws, 'b@example.com', 'B1', new Date(now.getTime() - 10 * day), 5_000);
    await order(ws, 'b@example.com', 'B2', new Date(now.getTime() - 200 * day), 5_000);
    await order(ws, 'c@example.com', 'C1', new Date(now.getTime() - 1 * day), 5_000);
    await order(ws, 'c@example.com', 'C2', new Date(now.getTime() - 2 * day), 5_000);
    const rule: RuleJson = {
      version: 1,
      root: {
        all: [
          { kind: 'field', field: 'city', op: 'eq', value: '杭州' },
          { kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 90, unit: 'days' } },
        ],
      },
    };
    const preview = await previewRule(h.db, ws, rule, clock);
    expect(preview).toMatchObject({ count: 1, revenueMinor: 20_000, timeDependent: true, reads: ['orders', 'profile'] });
    expect(preview.sample).toEqual([{ id: a, name: '王芳', city: '杭州', rfmSegment: null, lifecycleStage: null, totalSpentMinor: 20_000 }]);

    const why = await explainCustomer(h.db, ws, rule, b, clock);
    expect(why.holds).toBe(false);
    expect(why.children!.map((c) => [c.holds, c.observed])).toEqual([
      [true, '杭州'],
      [false, 1],
    ]);
    const explained = await explainRule(h.db, ws, rule, clock);
    expect(explained.sql).toContain('FROM customers c');
    expect(explained.sql).not.toContain('杭州');
    expect(explained.parameters).toContain('杭州');
  });

  it('treats the average order value of a customer without matching orders as unknown, in and out of a window', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const buyer = await customer(ws, 'buyer@example.com');
    const none = await customer(ws, 'none@example.com');
    await order(ws, 'buyer@example.com', 'B1', new Date('2026-06-20T04:00:00Z'), 5_000);
    const aov = (op: 'neq' | 'eq' | 'gt', value: number, window?: { last: number; unit: 'days' }) =>
      previewRule(h.db, ws, { version: 1, root: { all: [{ kind: 'orders', measure: 'average_order_value', op, value, ...(window ? { window } : {}) }] } }, clock).then((p) =>
        p.sample.map((s) => s.id).sort((x, y) => x - y),
      );
    // `neq` is a negative operator and so includes the unknown average; the others need an average.
    for (const window of [undefined, { last: 30, unit: 'days' as const }]) {
      expect(await aov('neq', 0, window)).toEqual([buyer, none]);
      expect(await aov('neq', 50, window)).toEqual([none]);
      expect(await aov('eq', 50, window)).toEqual([buyer]);
      expect(await aov('gt', 0, window)).toEqual([buyer]);
    }
  });

  it('keeps a dynamic segment current from writes, emits entries and exits as events, and records sizes', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const a = await customer(ws, 'a@example.com');
    const b = await customer(ws, 'b@example.com');
    await updateCustomerTags(h.db, ws.id, { customerIds: [a], add: ['vip'] });
    const segment = await createSegment(
      h.db,
      ws,
      {
        name: 'VIPs with email consent',
        rule: {
          version: 1,
          root: {
            all: [
              { kind: 'tag', op: 'has', tag: 'vip' },
              { kind: 'consent', channel: 'email', op: 'opted_in' },
            ],
          },
        },
      },
      clock,
    );
    expect(segment).toMatchObject({ memberCount: 0, reads: ['consent', 'tags'], timeDependent: false });

    await recordConsents(h.db, ws.id, [
      { customerId: a, channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'form', recordedAt: clock.now() },
      { customerId: b, channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'form', recordedAt: clock.now() },
    ]);
    expect(await processSegmentChanges(h.db, clock)).toMatchObject({ customers: 2, checks: 1, entered: 1, exited: 0 });
    expect(await members(ws, segment.id)).toEqual([a]);

    clock.advance(60_000);
    await updateCustomerTags(h.db, ws.id, { customerIds: [a], remove: ['vip'] });
    await updateCustomerTags(h.db, ws.id, { customerIds: [b], add: ['vip'] });
    expect(await processSegmentChanges(h.db, clock)).toMatchObject({ entered: 1, exited: 1 });
    expect(await members(ws, segment.id)).toEqual([b]);
    // The entry and exit events are changes too, but no segment reads them; then the queue is empty.
    expect(await processSegmentChanges(h.db, clock)).toMatchObject({ notes: 2, checks: 0 });
    expect(await processSegmentChanges(h.db, clock)).toMatchObject({ notes: 0 });

    const events = await h.db
      .selectFrom('events')
      .select(['customer_id', 'name'])
      .where('workspace_id', '=', ws.id)
      .where('name', 'in', ['Segment Entered', 'Segment Exited'])
      .orderBy('id')
      .execute();
    expect(events.map((e) => `${e.customer_id}:${e.name}`).sort()).toEqual([`${a}:Segment Entered`, `${a}:Segment Exited`, `${b}:Segment Entered`].sort());
    const history = await h.db
      .selectFrom('segment_memberships')
      .select(['customer_id', 'entered_at', 'exited_at'])
      .where('workspace_id', '=', ws.id)
      .where('segment_id', '=', segment.id)
      .orderBy('id')
      .execute();
    expect(history.map((r) => [r.customer_id, r.exited_at === null])).toEqual([
      [a, false],
      [b, true],
    ]);
    const sizes = await h.db.selectFrom('segment_sizes').selectAll().where('workspace_id', '=', ws.id).where('segment_id', '=', segment.id).execute();
    expect(sizes).toEqual([expect.objectContaining({ day: '2026-06-30', members: 1, entered: 2, exited: 1 })]);
  });

  it('runs as a worker that picks up writes as they happen and stops cleanly', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const segment = await createSegment(h.db, ws, { name: 'Tagged', rule: { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'gold' }] } } }, clock);
    const errors: unknown[] = [];
    const worker = startSegmentWorker(h.db, clock, { changeIntervalMs: 20, scheduleIntervalMs: 50, onError: (e) => errors.push(e) });
    try {
      const a = await customer(ws, 'a@example.com');
      await updateCustomerTags(h.db, ws.id, { customerIds: [a], add: ['gold'] });
      await expect.poll(() => members(ws, segment.id), { timeout: 10_000, interval: 20 }).toEqual([a]);
    } finally {
      await worker.stop();
    }
    expect(errors).toEqual([]);
  });

  it('lets a merged-away profile leave its segments while the survivor stays', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const a = await customer(ws, 'a@example.com', { city: '杭州' });
    const { customerId: b } = await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '13800138009' }], profile: { city: '杭州' }, reason: 'test' });
    const segment = await createSegment(h.db, ws, { name: 'Hangzhou', rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '杭州' }] } } }, clock);
    expect(await members(ws, segment.id)).toEqual([a, b].sort((x, y) => x - y));
    await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'a@example.com' },
        { type: 'phone', value: '13800138009' },
      ],
      reason: 'test',
    });
    await processSegmentChanges(h.db, clock);
    expect(await members(ws, segment.id)).toEqual([a]);
    const [row] = await h.db.selectFrom('segments').select('member_count').where('id', '=', segment.id).execute();
    expect(row!.member_count).toBe(1);
  });

  it('follows a targeted rescore customer by customer, and a full scoring run by refreshing after it', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const a = await customer(ws, 'a@example.com');
    const segment = await createSegment(h.db, ws, { name: 'At risk', rule: { version: 1, root: { all: [{ kind: 'field', field: 'rfm_segment', op: 'eq', value: 'at_risk' }] } } }, clock);
    const score = async (kind: 'targeted' | 'full', rfm: string) => {
      const run = await h.db.insertInto('score_runs').values({ workspace_id: ws.id, kind, as_of: '2026-06-29', finished_at: clock.now() }).returning('id').executeTakeFirstOrThrow();
      const row = {
        workspace_id: ws.id, customer_id: a, run_id: run.id, as_of: '2026-06-29', first_order_day: '2026-01-01', last_order_day: '2026-03-01', recency_days: 120,
        frequency: 2, monetary_minor: 10_000, revenue_minor: 20_000, r_score: 2, f_score: 3, m_score: 3, rfm_segment: rfm, lifecycle_stage: 'dormant', stage_since: '2026-05-01', value_tier: 'mid',
      };
      await h.db.insertInto('customer_scores').values(row).onConflict((oc) => oc.columns(['workspace_id', 'customer_id']).doUpdateSet({ rfm_segment: rfm, run_id: run.id })).execute();
    };
    await score('targeted', 'at_risk');
    expect(await processSegmentChanges(h.db, clock)).toMatchObject({ entered: 1 });
    expect(await members(ws, segment.id)).toEqual([a]);
    clock.advance(60_000);
    await score('full', 'hibernating');
    // The full run's rows are refreshed by the pass after the run (here the rows are few, so they are noted too).
    const due = await refreshDueSegments(h.db, clock);
    expect(due.map((d) => d.segmentId)).toContain(segment.id);
    expect(await members(ws, segment.id)).toEqual([]);
  });

  it('re-checks time-based rules on the daily pass, and a customer leaves when the window passes them by', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const a = await customer(ws, 'a@example.com');
    await event(ws, a, 'Product Viewed', new Date('2026-06-25T04:00:00Z'), { category: '茶', price: 58 });
    const segment = await createSegment(
      h.db,
      ws,
      {
        name: 'Viewed tea this week',
        rule: {
          version: 1,
          root: {
            all: [{ kind: 'event', name: 'Product Viewed', op: 'did', where: [{ property: 'category', op: 'eq', value: '茶' }, { property: 'price', op: 'gte', value: 50 }], window: { last: 7, unit: 'days' } }],
          },
        },
      },
      clock,
    );
    expect(segment.memberCount).toBe(1);
    expect(segment.timeDependent).toBe(true);
    // More time-based segments, refreshed on the same pass.
    const viewedIn = (days: number) =>
      createSegment(h.db, ws, { name: `Viewed in ${days} days`, rule: { version: 1, root: { all: [{ kind: 'event', name: 'Product Viewed', op: 'did', window: { last: days, unit: 'days' } }] } } }, clock);
    const month = await viewedIn(30);
    const notLately = await createSegment(
      h.db,
      ws,
      { name: 'Not viewed in 7 days', rule: { version: 1, root: { all: [{ kind: 'event', name: 'Product Viewed', op: 'did_not', window: { last: 7, unit: 'days' } }] } } },
      clock,
    );
    expect([month.memberCount, notLately.memberCount]).toEqual([1, 0]);
    // Same day: nothing is due.
    expect(await refreshDueSegments(h.db, clock)).toEqual([]);
    clock.set(new Date('2026-07-03T04:00:00Z'));
    expect(await refreshDueSegments(h.db, clock)).toEqual([
      expect.objectContaining({ segmentId: segment.id, entered: 0, exited: 1 }),
      expect.objectContaining({ segmentId: month.id, entered: 0, exited: 0 }),
      expect.objectContaining({ segmentId: notLately.id, entered: 1, exited: 0 }),
    ]);
    expect(await members(ws, segment.id)).toEqual([]);
    expect(await members(ws, month.id)).toEqual([a]);
    expect(await members(ws, notLately.id)).toEqual([a]);
  });

  it('inlines dynamic segments, refuses cycles and archiving a segment in use, and follows a changed inner rule', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    const a = await customer(ws, 'a@example.com', { city: '杭州' });
    const b = await customer(ws, 'b@example.com', { city: '上海' });
    const inner = await createSegment(h.db, ws, { name: 'Hangzhou', rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '杭州' }] } } }, clock);
    const outer = await createSegment(
      h.db,
      ws,
      { name: 'Not Hangzhou', rule: { version: 1, root: { all: [{ kind: 'segment', op: 'not_member', segmentId: inner.id }] } } },
      clock,
    );
    expect(await members(ws, outer.id)).toEqual([b]);
    await expect(
      updateSegment(h.db, ws, inner.id, { rule: { version: 1, root: { any: [{ kind: 'segment', op: 'member', segmentId: outer.id }] } } }, clock),
    ).rejects.toThrow(/cycle/);
    await expect(archiveSegment(h.db, ws, inner.id, clock)).rejects.toThrow(/used by "Not Hangzhou"/);
    await updateSegment(h.db, ws, inner.id, { rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '上海' }] } } }, clock);
    expect(await members(ws, inner.id)).toEqual([b]);
    expect(await members(ws, outer.id)).toEqual([a]);
  });

  it('rejects hostile and malformed rules with the path of the problem, and answers hostile values as data', async () => {
    const ws = await testWorkspace(h.db);
    const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
    await customer(ws, 'x@example.com', { name: "O'Brien; DROP TABLE customers; --" });
    const bad = async (rule: unknown) => previewRule(h.db, ws, rule, clock).then(() => 'accepted', (e: Error) => e.message);
    expect(await bad({ version: 1, root: { all: [{ kind: 'field', field: 'name; DROP TABLE customers', op: 'eq', value: 'x' }] } })).toMatch(/^rule\.root\.all\[0\]\.field: is not a field/);
    expect(await bad({ version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'gte', value: 'x' }] } })).toMatch(/rule\.root\.all\[0\]\.op: "gte" does not apply to text field "city"/);
    expect(await bad({ version: 1, root: { all: [{ kind: 'orders', measure: 'count', op: 'gte', value: 1e300 }] } })).toMatch(/rule\.root\.all\[0\]\.value/);
    expect(await bad({ version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'vip', sql: 'x' }] } })).toMatch(/rule\.root\.all\[0\]/);
    expect(await bad({ version: 2, root: { all: [] } })).toMatch(/rule\.version: must be 1/);
    // Names every object inherits are not condition kinds (they once reached a lookup and failed with a TypeError).
    for (const kind of ['__proto__', 'constructor', 'toString']) {
      expect(await bad({ version: 1, root: { all: [{ kind, field: 'city', op: 'eq', value: 'x' }] } })).toMatch(/^rule\.root\.all\[0\]\.kind: must be one of field/);
    }
    let deep: Record<string, unknown> = { kind: 'tag', op: 'has', tag: 'x' };
    for (let i = 0; i < 12; i += 1) deep = { any: [deep] };
    expect(await bad({ version: 1, root: deep })).toMatch(/nested more than 10 deep/);
    expect(await bad({ version: 1, root: { all: [{ kind: 'segment', op: 'member', segmentId: 999_999 }] } })).toMatch(/segment 999999 does not exist/);
    const hostile = await previewRule(
      h.db,
      ws,
      { version: 1, root: { all: [{ kind: 'field', field: 'name', op: 'eq', value: "O'Brien; DROP TABLE customers; --" }] } },
      clock,
    );
    expect(hostile.count).toBe(1);
  });
});
