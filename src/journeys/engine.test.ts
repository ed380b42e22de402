import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { identifyCustomer } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { recordEvents } from '../events/index.ts';
import { manualClock, type ManualClock } from '../lib/clock.ts';
import { createCouponTemplate, getAccount, saveProgram } from '../loyalty/index.ts';
import { createSegment } from '../segments/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { verifyWebhookSignature } from '../channels/index.ts';
import { changeJourneyState, createJourney, enrolThroughApi, eventSettleMs, listEntries, listTasks, runEngineTick, updateJourney } from './index.ts';

const day = 86_400_000;

describe.each(testStores())('journey engine on $kind', (store) => {
  let h: DatabaseHandle;
  let clock: ManualClock;
  let ws: Workspace;
  const customers: number[] = [];

  const tick = () => runEngineTick(h.db, clock, { deliver: false });
  const entries = async (journeyId: number) => (await listEntries(h.db, ws.id, journeyId, { limit: 500 })).entries;
  const tagsOf = async (customerId: number) =>
    (
      await h.db
        .selectFrom('customer_tags as ct')
        .innerJoin('tags as t', (j) => j.onRef('t.workspace_id', '=', 'ct.workspace_id').onRef('t.id', '=', 'ct.tag_id'))
        .select('t.name')
        .where('ct.workspace_id', '=', ws.id)
        .where('ct.customer_id', '=', customerId)
        .execute()
    )
      .map((r) => r.name)
      .sort();
  let eventCounter = 0;
  const track = async (customerId: number, name: string, properties: Record<string, unknown> = {}) => {
    eventCounter++;
    await h.db.transaction().execute((trx) =>
      recordEvents(trx, ws.id, [{ messageId: `t-${eventCounter}`, customerId, anonymousId: null, type: 'track', name, occurredAt: clock.now(), receivedAt: clock.now(), properties, context: {} }]),
    );
  };
  const live = async (name: string, graph: unknown) => {
    const journey = await createJourney(h.db, ws, { name, graph: graph as Record<string, unknown> }, clock);
    return changeJourneyState(h.db, ws, journey.id, 'publish', clock);
  };

  beforeAll(async () => {
    h = await store.open();
    clock = manualClock(new Date('2026-02-20T00:00:00Z'));
    ws = await testWorkspace(h.db);
    for (let i = 1; i <= 6; i++) {
      const r = await identifyCustomer(h.db, ws, {
        identities: [{ type: 'email', value: `c${i}@example.com` }],
        profile: { name: `C${i}`, city: i % 2 === 0 ? '上海' : '杭州', ...(i === 1 ? { birthday: '1990-03-05' } : {}) },
        reason: 'test',
      });
      customers.push(r.customerId);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs tags, a split, a task, a wait, a branch on the segment rule language and exit, moving only when the clock does', async () => {
    const journey = await live('Welcome', {
      version: 1,
      trigger: { kind: 'api' },
      entry: 'tag',
      nodes: {
        tag: { kind: 'update', addTags: ['welcomed'], attributes: { welcome_step: 1 }, next: 'split' },
        split: { kind: 'split', branches: [{ name: 'a', weight: 1, next: 'task' }, { name: 'b', weight: 1, next: 'task' }] },
        task: { kind: 'task', title: 'Call the new customer', assignee: 'li.na', dueInDays: 2, next: 'wait' },
        wait: { kind: 'wait', duration: { days: 3 }, next: 'branch' },
        branch: { kind: 'branch', rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '上海' }] } }, yes: 'vip', no: 'done' },
        vip: { kind: 'update', addTags: ['shanghai-follow-up'], removeTags: ['welcomed'], next: 'done' },
        done: { kind: 'exit' },
      },
    });
    const result = await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[0]!, customers[1]!, customers[1]!] }, clock);
    expect(result.entered).toHaveLength(2);
    await tick();
    expect(await tagsOf(customers[0]!)).toEqual(['welcomed']);
    let rows = await entries(journey.id);
    expect(rows.every((e) => e.status === 'active' && e.nodeId === 'branch')).toBe(true);
    expect(rows.every((e) => ['a', 'b'].includes(e.splits.split!))).toBe(true);
    const tasks = await listTasks(h.db, ws.id, { assignee: 'li.na', limit: 10 });
    expect(tasks).toHaveLength(2);
    expect(tasks[0]!.dueAt.toISOString()).toBe(new Date(clock.now().getTime() + 2 * day).toISOString());

    clock.advance(3 * day - 1000);
    await tick();
    expect((await entries(journey.id)).every((e) => e.status === 'active')).toBe(true);
    clock.advance(1000);
    await tick();
    rows = await entries(journey.id);
    expect(rows.every((e) => e.status === 'completed' && e.nodeId === 'done')).toBe(true);
    expect(await tagsOf(customers[0]!)).toEqual(['welcomed']);
    expect(await tagsOf(customers[1]!)).toEqual(['shanghai-follow-up']);
    // Re-entry policy "never": entering again is refused.
    expect((await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[0]!] }, clock)).skipped).toEqual([customers[0]]);
  });

  it('keeps customers in flight on their version when a live journey is edited', async () => {
    const graph = (tag: string) => ({
      version: 1,
      trigger: { kind: 'api' },
      reentry: { mode: 'after_exit' },
      entry: 'wait',
      nodes: { wait: { kind: 'wait', duration: { hours: 1 }, next: 'tag' }, tag: { kind: 'update', addTags: [tag], next: 'done' }, done: { kind: 'exit' } },
    });
    const journey = await live('Versions', graph('v1'));
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[2]!] }, clock);
    await tick();
    const edited = await updateJourney(h.db, ws, journey.id, { graph: graph('v2') }, clock);
    expect(edited.version).toBe(2);
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[3]!] }, clock);
    await tick();
    clock.advance(3_600_000);
    await tick();
    expect(await tagsOf(customers[2]!)).toContain('v1');
    expect(await tagsOf(customers[3]!)).toContain('v2');
    expect((await entries(journey.id)).map((e) => e.version).sort()).toEqual([1, 2]);
  });

  it('waits for an event with a timeout branch, enrols on a filtered event trigger and ends on the goal event as a conversion', async () => {
    const journey = await live('Cart', {
      version: 1,
      trigger: { kind: 'event', event: 'Cart Abandoned', where: [{ property: 'value', op: 'gte', value: 100 }] },
      goal: { event: 'Order Completed' },
      entry: 'wait',
      nodes: {
        wait: { kind: 'wait_for_event', event: 'Checkout Started', timeout: { hours: 2 }, next: 'returned', timeoutNext: 'nudge' },
        returned: { kind: 'update', addTags: ['came-back'], next: 'hold' },
        nudge: { kind: 'update', addTags: ['nudged'], next: 'hold' },
        hold: { kind: 'wait', duration: { days: 1 }, next: 'done' },
        done: { kind: 'exit' },
      },
    });
    await tick(); // the event cursor starts here
    const [a, b, c] = [customers[3]!, customers[4]!, customers[5]!];
    await track(a, 'Cart Abandoned', { value: 150 });
    await track(b, 'Cart Abandoned', { value: 300 });
    await track(c, 'Cart Abandoned', { value: 20 }); // below the filter
    clock.advance(eventSettleMs);
    await tick();
    expect((await entries(journey.id)).map((e) => e.customerId).sort()).toEqual([a, b].sort());
    await track(a, 'Checkout Started');
    clock.advance(eventSettleMs);
    await tick();
    expect(await tagsOf(a)).toContain('came-back');
    clock.advance(2 * 3_600_000);
    await tick();
    expect(await tagsOf(b)).toContain('nudged');
    await track(b, 'Order Completed');
    clock.advance(eventSettleMs);
    await tick();
    const rows = await entries(journey.id);
    expect(rows.find((e) => e.customerId === b)!.status).toBe('converted');
    expect(rows.find((e) => e.customerId === a)!.status).toBe('active');
  });

  it('enters customers on segment entry, on their birthday (once a day) and on a cron schedule', async () => {
    const segment = await createSegment(h.db, ws, { name: 'Hangzhou', kind: 'static', rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'eq', value: '杭州' }] } } }, clock);
    const birthday = await live('Birthday', {
      version: 1,
      trigger: { kind: 'date', field: 'birthday' },
      reentry: { mode: 'after_days', days: 300 },
      entry: 'tag',
      nodes: { tag: { kind: 'update', addTags: ['birthday'], next: 'done' }, done: { kind: 'exit' } },
    });
    const weekly = await live('Weekly', {
      version: 1,
      trigger: { kind: 'schedule', cron: '0 10 * * 1', segmentId: segment.id },
      reentry: { mode: 'after_exit' },
      entry: 'tag',
      nodes: { tag: { kind: 'update', addTags: ['weekly'], next: 'done' }, done: { kind: 'exit' } },
    });
    const onEntry = await live('Segment entry', {
      version: 1,
      trigger: { kind: 'segment', segmentId: segment.id, on: 'entry' },
      entry: 'tag',
      nodes: { tag: { kind: 'update', addTags: ['entered-hangzhou'], next: 'done' }, done: { kind: 'exit' } },
    });
    // The segments worker writes entries and exits as events; the trigger listens to those of its segment.
    await track(customers[4]!, 'Segment Entered', { segment_id: segment.id, segment_name: 'Hangzhou' });
    await track(customers[2]!, 'Segment Entered', { segment_id: segment.id + 1000, segment_name: 'Other' });
    await track(customers[0]!, 'Segment Exited', { segment_id: segment.id, segment_name: 'Hangzhou' });
    clock.advance(eventSettleMs);
    await tick();
    expect((await entries(onEntry.id)).map((e) => e.customerId)).toEqual([customers[4]!]);
    // Customer 1 was born on 5 March; Shanghai time.
    clock.set(new Date('2026-03-04T17:00:00Z'));
    await tick();
    expect(await entries(birthday.id)).toHaveLength(1);
    await tick();
    expect(await entries(birthday.id)).toHaveLength(1);
    expect(await tagsOf(customers[0]!)).toContain('birthday');
    // The weekly run of Monday 2 March (10:00 Shanghai) came due while time jumped: it ran once for the segment's members.
    const members = [customers[0]!, customers[2]!, customers[4]!].sort();
    expect((await entries(weekly.id)).map((e) => e.customerId).sort()).toEqual(members);
    // The next run is Monday 9 March, 10:00 Shanghai = 02:00 UTC.
    clock.set(new Date('2026-03-09T01:59:00Z'));
    await tick();
    expect(await entries(weekly.id)).toHaveLength(3);
    clock.set(new Date('2026-03-09T02:00:00Z'));
    await tick();
    expect(await entries(weekly.id)).toHaveLength(6);
  });

  it('calls a webhook with an HMAC signature and the idempotency key, retrying a failing receiver', async () => {
    const received: { key: string; ok: boolean }[] = [];
    let failFirst = true;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const ok = verifyWebhookSignature(
          'a-very-secret-key-123',
          { body, signature: req.headers['x-patron-signature'] as string, timestamp: req.headers['x-patron-timestamp'] as string },
          Math.floor(clock.now().getTime() / 1000),
        );
        received.push({ key: String(req.headers['idempotency-key']), ok });
        res.statusCode = failFirst ? 503 : 200;
        failFirst = false;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const journey = await live('Hook', {
        version: 1,
        trigger: { kind: 'api' },
        entry: 'hook',
        nodes: { hook: { kind: 'webhook', url, secret: 'a-very-secret-key-123', body: { reason: 'vip' }, next: 'done' }, done: { kind: 'exit' } },
      });
      await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[5]!] }, clock);
      await tick();
      expect((await entries(journey.id))[0]).toMatchObject({ status: 'active', nodeId: 'hook', attempts: 1, lastError: `webhook ${url} answered 503` });
      clock.advance(120_000);
      await tick();
      expect((await entries(journey.id))[0]!.status).toBe('completed');
      expect(received).toHaveLength(2);
      expect(received.every((r) => r.ok)).toBe(true);
      expect(new Set(received.map((r) => r.key)).size).toBe(1);
    } finally {
      server.close();
    }
  });

  it('grants a coupon in the step transaction and points through the loyalty ledger, each once per entry', async () => {
    const points = { version: 1, trigger: { kind: 'api' }, entry: 'points', nodes: { points: { kind: 'grant_points', points: 200, reason: 'welcome gift', next: 'coupon' }, coupon: { kind: 'grant_coupon', couponTemplateId: 1, next: 'done' }, done: { kind: 'exit' } } };
    await expect(createJourney(h.db, ws, { name: 'No loyalty', graph: points }, clock)).rejects.toThrow('journey node "points" (grant_points): loyalty is not available (the workspace has no active loyalty program)');
    await saveProgram(h.db, ws.id, { name: 'Members', rules: { expiry: { kind: 'rolling', months: 12 } } }, clock);
    const template = await createCouponTemplate(h.db, ws.id, { name: '10 off', discountKind: 'amount_off', amountOffMinor: 1000, validDays: 30 });
    const journey = await live('Gifts', { ...points, nodes: { ...points.nodes, coupon: { kind: 'grant_coupon', couponTemplateId: template.id, next: 'done' } } });
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[1]!, customers[2]!] }, clock);
    await tick();
    await tick();
    expect((await entries(journey.id)).every((e) => e.status === 'completed')).toBe(true);
    expect((await getAccount(h.db, ws, customers[1]!)).balance).toBe(200);
    const coupons = await h.db.selectFrom('coupons').select(['customer_id', 'source']).where('workspace_id', '=', ws.id).execute();
    expect(coupons.map((c) => c.customer_id).sort()).toEqual([customers[1]!, customers[2]!].sort());
    expect(coupons.every((c) => c.source === `journey:${journey.id}`)).toBe(true);
  });
});
