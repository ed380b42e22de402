import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { identifyCustomer, recordConsents, updateCustomerTags } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { recordEvents } from '../events/index.ts';
import { manualClock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { recordOrders, recordRefunds, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { compileRule, membersFrom, withRule } from './compile.ts';
import { compileContext } from './membership.ts';
import { matchingCustomers } from './preview.ts';
import { evaluateReference, loadReferenceData, type ReferenceData } from './reference-evaluator.ts';
import { parseRule } from './rule.ts';
import { createSegment } from './segments.ts';

// Random rules over random data: the compiled SQL and the in-memory reference evaluator must name the same
// members, for the whole workspace and for a chosen few customers (the incremental path); hostile values are
// answered as data or rejected with a path, never executed.

const now = new Date('2026-03-01T02:30:00Z'); // 10:30 in Shanghai
const day = 86_400_000;
const cities = ['杭州', '上海', 'Beijing', 'BEIJING', "O'Brien", '%_\\', ''];
const names = ['王芳', '李雷', 'Tom Lee', 'tom', null];
const tagPool = ['vip', '新客', "x'); DROP TABLE tags; --", 'a%b'];
const categories = ['咖啡', '茶', 'Cake', null];
const skus = ['SKU-1', 'SKU-2', 'SKU-3'];
const channels = ['online', 'pos', 'wechat'];
const stores = ['西湖店', 'Pudong', null];
const eventNames = ['View', 'Cart', 'Buy'];
const segmentsOf = new Map<number, ReferenceData['segments']>();

function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(h: DatabaseHandle, ws: Workspace, seedValue: number): Promise<void> {
  const r = rng(seedValue);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T,>(p: number, x: () => T) => (r() < p ? x() : undefined);
  const some = <K extends string, T>(key: K, value: T | null) => (value === null ? {} : ({ [key]: value } as Record<K, T>));
  const ids: number[] = [];
  const orders: OrderInput[] = [];
  for (let i = 0; i < 40; i += 1) {
    const birthday = maybe(0.8, () =>
      r() < 0.4 ? `19${60 + Math.floor(r() * 40)}-${pick(['02-28', '02-29', '03-01', '03-05', '02-27'])}` : new Date(Date.UTC(1960 + Math.floor(r() * 45), 0, 1) + Math.floor(r() * 365) * day).toISOString().slice(0, 10),
    );
    const profile = {
      ...some('name', pick(names)),
      ...(r() < 0.8 ? { city: pick(cities) || '杭州' } : {}),
      ...(r() < 0.7 ? { gender: pick(['female', 'male', 'other'] as const) } : {}),
      ...(birthday ? { birthday: birthday.endsWith('02-29') && Number(birthday.slice(0, 4)) % 4 !== 0 ? birthday.replace('02-29', '02-28') : birthday } : {}),
      ...(r() < 0.8 ? { signedUpAt: new Date(now.getTime() - Math.floor(r() * 400 * day) + 10 * day + i * 1000) } : {}),
      ...(r() < 0.6 ? { acquisitionChannel: pick(channels) } : {}),
      attributes: {
        ...(r() < 0.7 ? { vip_level: pick([1, 2, 3.5, '2', '10', 'high', -1]) } : {}),
        ...(r() < 0.5 ? { member: r() < 0.5 } : {}),
        ...(r() < 0.5 ? { note: pick(['咖啡控', 'Likes tea', "it's"]) } : {}),
      },
    };
    const identities = [
      { type: 'email' as const, value: `p${seedValue}-${i}@example.com` },
      ...(r() < 0.5 ? [{ type: 'phone' as const, value: `1390000${String(seedValue % 10)}${String(i).padStart(3, '0')}` }] : []),
      ...(r() < 0.3 ? [{ type: 'wechat_unionid' as const, value: `union-${seedValue}-${i}` }] : []),
    ];
    const { customerId } = await identifyCustomer(h.db, ws, { identities, profile, reason: 'seed' });
    ids.push(customerId);
    const orderCount = Math.floor(r() * 6);
    for (let k = 0; k < orderCount; k += 1) {
      const lines = 1 + Math.floor(r() * 2);
      orders.push({
        externalId: `O-${i}-${k}`,
        customer: { identities: [identities[0]!] },
        ...(r() < 0.9 ? { channel: pick(channels) } : {}),
        ...some('store', pick(stores)),
        status: r() < 0.1 ? 'cancelled' : 'completed',
        currency: 'CNY',
        orderedAt: new Date(now.getTime() - Math.floor(r() * 400) * day + i * 1000 + k * 7),
        items: Array.from({ length: lines }, () => ({
          sku: pick(skus),
          ...some('category', pick(categories)),
          quantity: 1,
          unitPriceMinor: 100 * (1 + Math.floor(r() * 300)),
        })),
      });
    }
    const events = Array.from({ length: Math.floor(r() * 7) }, (_, k) => ({
      messageId: `e-${seedValue}-${i}-${k}`,
      customerId,
      anonymousId: null,
      type: 'track' as const,
      name: pick(eventNames),
      occurredAt: new Date(now.getTime() - Math.floor(r() * 120 * day) + Math.floor(r() * 2 * day)),
      receivedAt: now,
      properties: {
        ...(r() < 0.8 ? { category: pick(categories) } : {}),
        ...(r() < 0.7 ? { price: pick([5, 58, 99.5, '58', 'cheap', 120]) } : {}),
        ...(r() < 0.3 ? { flag: r() < 0.5 } : {}),
      },
      context: {},
    }));
    await h.db.transaction().execute((trx) => recordEvents(trx, ws.id, events));
    const tags = tagPool.filter(() => r() < 0.35);
    if (tags.length > 0) await updateCustomerTags(h.db, ws.id, { customerIds: [customerId], add: tags });
    await recordConsents(
      h.db,
      ws.id,
      (['email', 'sms'] as const).flatMap((channel) =>
        r() < 0.6 ? [{ customerId, channel, purpose: 'marketing' as const, status: r() < 0.6 ? ('opted_in' as const) : ('opted_out' as const), source: 'seed', recordedAt: now }] : [],
      ),
    );
  }
  await recordOrders(h.db, ws, orders);
  const refundable = orders.filter((o) => o.status === 'completed').filter((_, k) => k % 5 === 0);
  await recordRefunds(
    h.db,
    ws,
    refundable.map((o, k) => ({
      externalId: `R-${o.externalId}`,
      orderExternalId: o.externalId,
      amountMinor: k % 2 === 0 ? (o.items ?? []).reduce((sum, item) => sum + item.unitPriceMinor * item.quantity, 0) : 100,
      refundedAt: new Date(now.getTime() - day),
    })),
  );
  // Scores as a scoring run would leave them, with random values, and a churn warning list.
  const run = await h.db
    .insertInto('score_runs')
    .values({ workspace_id: ws.id, kind: 'full', as_of: '2026-02-28', finished_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const scored = ids.filter(() => r() < 0.7);
  for (const customerId of scored) {
    await h.db
      .insertInto('customer_scores')
      .values({
        workspace_id: ws.id,
        customer_id: customerId,
        run_id: run.id,
        as_of: '2026-02-28',
        first_order_day: '2025-01-01',
        last_order_day: '2026-01-01',
        recency_days: Math.floor(r() * 400),
        frequency: Math.floor(r() * 6),
        monetary_minor: Math.floor(r() * 100_000),
        revenue_minor: Math.floor(r() * 100_000),
        r_score: 1 + Math.floor(r() * 5),
        f_score: 1 + Math.floor(r() * 5),
        m_score: 1 + Math.floor(r() * 5),
        rfm_segment: pick(['champions', 'loyal', 'at_risk', 'hibernating', 'lost']),
        lifecycle_stage: pick(['new', 'active', 'dormant', 'churned', 'won_back']),
        stage_since: '2025-06-01',
        value_tier: pick(['high', 'mid', 'low']),
        p_alive: r() < 0.9 ? r() : null,
        clv_minor: r() < 0.9 ? r() * 200_000 : null,
        expected_purchases_90: r() * 3,
      })
      .execute();
  }
  await h.db
    .insertInto('churn_warnings')
    .values(scored.filter(() => r() < 0.3).map((customerId) => ({ workspace_id: ws.id, run_id: run.id, customer_id: customerId, reasons: ['test'], gap_days: 100 })))
    .execute();
  const clock = manualClock(now);
  const vip = await createSegment(h.db, ws, { name: 'vip snapshot', kind: 'static', rule: { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'vip' }] } } }, clock);
  const hz = await createSegment(h.db, ws, { name: 'hangzhou', rule: { version: 1, root: { any: [{ kind: 'field', field: 'city', op: 'in', value: ['杭州', 'Beijing'] }] } } }, clock);
  const staticMembers = await h.db.selectFrom('segment_memberships').select('customer_id').where('workspace_id', '=', ws.id).where('segment_id', '=', vip.id).execute();
  segmentsOf.set(
    ws.id,
    new Map([
      [vip.id, { kind: 'static', rule: parseRule(vip.rule), members: new Set(staticMembers.map((m) => m.customer_id)) }],
      [hz.id, { kind: 'dynamic', rule: parseRule(hz.rule), members: new Set() }],
    ]),
  );
}

// Arbitrary rules from the same small pools as the data, so conditions often hold and often fail.
const windowArb = fc.option(
  fc.oneof(
    fc.record({ last: fc.integer({ min: 1, max: 200 }), unit: fc.constantFrom('hours', 'days', 'weeks', 'months') }),
    fc
      .tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 120 }))
      .map(([back, len]) => ({ from: new Date(now.getTime() - back * day).toISOString().slice(0, 10), to: new Date(now.getTime() - back * day + len * day).toISOString().slice(0, 10) })),
  ),
  { nil: undefined },
);
const dayArb = fc.integer({ min: -30_000, max: 30 }).map((d) => new Date(now.getTime() + d * day).toISOString().slice(0, 10));
const relativeArb = fc.record({ amount: fc.integer({ min: 1, max: 400 }), unit: fc.constantFrom('hours', 'days', 'weeks', 'months') });
const textOps = (pool: readonly string[]) =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'neq', 'contains', 'not_contains', 'starts_with'), value: fc.constantFrom(...pool, 'bei', '杭') }),
    fc.record({ op: fc.constantFrom('in', 'not_in'), value: fc.subarray([...pool], { minLength: 1 }) }),
    fc.record({ op: fc.constantFrom('is_set', 'is_not_set') }),
  );
const numberOps = (max: number) =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: fc.integer({ min: 0, max }) }),
    fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max })).map(([a, b]) => ({ op: 'between', value: [Math.min(a, b), Math.max(a, b)] })),
    fc.record({ op: fc.constantFrom('is_set', 'is_not_set') }),
  );
const dateOps = fc.oneof(
  fc.record({ op: fc.constantFrom('before', 'after'), value: dayArb }),
  fc.tuple(dayArb, dayArb).map(([a, b]) => ({ op: 'between', value: a <= b ? [a, b] : [b, a] })),
  fc.record({ op: fc.constantFrom('in_last', 'not_in_last', 'in_next'), value: relativeArb }),
  fc.record({ op: fc.constant('anniversary_in_next'), value: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constantFrom('is_set', 'is_not_set') }),
);

function conditionArb(segmentIds: number[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    textOps(cities).map((o) => ({ kind: 'field', field: 'city', ...o })),
    textOps(['王芳', 'Tom Lee', 'tom']).map((o) => ({ kind: 'field', field: 'name', ...o })),
    textOps(channels).map((o) => ({ kind: 'field', field: 'last_order_channel', ...o })),
    fc.record({ op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom('female', 'male', 'other') }).map((o) => ({ kind: 'field', field: 'gender', ...o })),
    fc.record({ op: fc.constantFrom('in', 'not_in'), value: fc.subarray(['champions', 'loyal', 'at_risk', 'lost'], { minLength: 1 }) }).map((o) => ({ kind: 'field', field: 'rfm_segment', ...o })),
    fc.constantFrom('r_score', 'f_score', 'recency_days', 'order_count').chain((field) => numberOps(field === 'recency_days' ? 400 : 6).map((o) => ({ kind: 'field', field, ...o }))),
    fc.constantFrom('clv', 'total_spent').chain((field) => numberOps(2000).map((o) => ({ kind: 'field', field, ...o }))),
    numberOps(1).map((o) => ({ kind: 'field', field: 'p_alive', ...o, ...('value' in o ? { value: Array.isArray(o.value) ? o.value.map((v) => v / 2) : (o.value as number) / 2 } : {}) })),
    fc.constantFrom('birthday', 'signed_up_at', 'last_order_at').chain((field) => dateOps.map((o) => ({ kind: 'field', field, ...o }))),
    fc.constantFrom('is_true', 'is_false').map((op) => ({ kind: 'field', field: 'churn_risk', op })),
    numberOps(10).map((o) => ({ kind: 'attribute', key: 'vip_level', type: 'number', ...o })),
    textOps(['咖啡控', "it's", 'tea']).map((o) => ({ kind: 'attribute', key: 'note', type: 'text', ...o })),
    fc.constantFrom('is_true', 'is_false').map((op) => ({ kind: 'attribute', key: 'member', type: 'boolean', op })),
    fc.record({ op: fc.constantFrom('has', 'has_not'), tag: fc.constantFrom(...tagPool, 'nobody') }).map((o) => ({ kind: 'tag', ...o })),
    fc.record({ op: fc.constantFrom('present', 'absent'), type: fc.constantFrom('email', 'phone', 'wechat_unionid') }).map((o) => ({ kind: 'identity', ...o })),
    fc.record({ op: fc.constantFrom('opted_in', 'not_opted_in', 'opted_out'), channel: fc.constantFrom('email', 'sms', 'wechat') }).map((o) => ({ kind: 'consent', ...o })),
    fc
      .record({
        name: fc.constantFrom(...eventNames),
        counts: fc.oneof(
          fc.constant({ op: 'did_not' }),
          fc.tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined })).map(([atLeast, extra]) => ({
            op: 'did',
            atLeast,
            ...(extra === undefined ? {} : { atMost: atLeast + extra }),
          })),
        ),
        where: fc.option(
          fc.array(
            fc.oneof(
              fc.record({ property: fc.constant('category'), op: fc.constantFrom('eq', 'neq', 'contains'), value: fc.constantFrom('咖啡', '茶', 'cake') }),
              fc.record({ property: fc.constant('category'), op: fc.constant('in'), value: fc.subarray(['咖啡', '茶', 'Cake'], { minLength: 1 }) }),
              fc.record({ property: fc.constant('price'), op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: fc.constantFrom(5, 58, 99.5, 100) }),
              fc.record({ property: fc.constant('price'), op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom(58, '58', 99.5) }),
              fc.record({ property: fc.constantFrom('flag', 'price'), op: fc.constant('exists') }),
              fc.record({ property: fc.constant('flag'), op: fc.constant('eq'), value: fc.boolean() }),
            ),
            { minLength: 1, maxLength: 2 },
          ),
          { nil: undefined },
        ),
        window: windowArb,
      })
      .map(({ counts, where, window, name }) => ({ kind: 'event', name, ...counts, ...(where ? { where } : {}), ...(window ? { window } : {}) })),
    fc
      .record({
        measure: fc.constantFrom('count', 'total_spent', 'average_order_value'),
        cmp: fc.oneof(
          fc.record({ op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: fc.integer({ min: 0, max: 600 }) }),
          fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 })).map(([a, b]) => ({ op: 'between', value: [Math.min(a, b), Math.max(a, b)] })),
        ),
        window: windowArb,
        channels: fc.option(fc.subarray(channels, { minLength: 1 }), { nil: undefined }),
        stores: fc.option(fc.subarray(['西湖店', 'Pudong'], { minLength: 1 }), { nil: undefined }),
      })
      .map(({ measure, cmp, window, channels: ch, stores: st }) => {
        const value = measure === 'count' ? (Array.isArray(cmp.value) ? cmp.value.map((v) => v % 6) : cmp.value % 6) : cmp.value;
        const range = Array.isArray(value) ? [Math.min(...value), Math.max(...value)] : value;
        return { kind: 'orders', measure, op: cmp.op, value: range, ...(window ? { window } : {}), ...(ch ? { channels: ch } : {}), ...(st ? { stores: st } : {}) };
      }),
    fc
      .record({
        op: fc.constantFrom('did', 'did_not'),
        skus: fc.option(fc.subarray(skus, { minLength: 1 }), { nil: undefined }),
        categories: fc.option(fc.subarray(['咖啡', '茶', 'Cake'], { minLength: 1 }), { nil: undefined }),
        window: windowArb,
      })
      .map(({ op, skus: s, categories: k, window }) => ({ kind: 'purchased', op, ...(s || !k ? { skus: s ?? ['SKU-1'] } : {}), ...(k ? { categories: k } : {}), ...(window ? { window } : {}) })),
    fc.record({ op: fc.constantFrom('member', 'not_member'), segmentId: fc.constantFrom(...segmentIds) }).map((o) => ({ kind: 'segment', ...o })),
  );
}

function ruleArb(segmentIds: number[]): fc.Arbitrary<unknown> {
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, conditionArb(segmentIds), tie('group')),
    group: fc.record({ type: fc.constantFrom('all', 'any', 'none'), children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) }).map((g) => ({ [g.type]: g.children })),
  }));
  return fc
    .record({ type: fc.constantFrom('all', 'any', 'none'), children: fc.array(node, { minLength: 1, maxLength: 5 }) })
    .map((g) => ({ version: 1, root: { [g.type]: g.children } }));
}

describe.each(testStores())('compiled rules agree with the reference evaluator on $kind', (store) => {
  let h: DatabaseHandle;
  let ws: Workspace;
  let data: ReferenceData;
  let allIds: number[];
  beforeAll(async () => {
    h = await store.open();
    ws = await testWorkspace(h.db);
    await seed(h, ws, 7);
    data = await loadReferenceData(h.db, ws.id, segmentsOf.get(ws.id)!, 8 * 60);
    allIds = data.customers.map((c) => c.id).sort((a, b) => a - b);
  }, 120_000);
  afterAll(() => h.close());

  async function sqlMembers(ruleJson: unknown): Promise<number[]> {
    const rule = parseRule(ruleJson);
    return h.db.transaction().execute(async (trx) => {
      const ctx = compileContext(trx, ws, now);
      const compiled = await compileRule(rule, ctx);
      const result = await sql<{ id: number }>`${withRule([compiled])} SELECT c.id ${membersFrom(compiled, ctx)} ORDER BY c.id`.execute(trx);
      return result.rows.map((r) => Number(r.id));
    });
  }

  it('names the same members for random rules, whole workspace and a chosen few', async () => {
    let cases = 0;
    let nonTrivial = 0;
    const segmentIds = [...data.segments.keys()];
    await fc.assert(
      fc.asyncProperty(ruleArb(segmentIds), fc.subarray(allIds.slice(0, 40), { minLength: 1, maxLength: 6 }), async (ruleJson, few) => {
        cases += 1;
        const expected = [...evaluateReference(parseRule(ruleJson), data, now)].sort((a, b) => a - b);
        if (expected.length > 0 && expected.length < allIds.length) nonTrivial += 1;
        expect(await sqlMembers(ruleJson)).toEqual(expected);
        const scoped = await matchingCustomers(h.db, ws, ruleJson, few, now);
        expect([...scoped].sort((a, b) => a - b)).toEqual(expected.filter((id) => few.includes(id)));
      }),
      { numRuns: 200 },
    );
    console.log(`rule property: ${cases} random rules on ${store.kind}, ${nonTrivial} matched some but not all of ${allIds.length} customers`);
    expect(nonTrivial).toBeGreaterThan(cases / 3);
  }, 300_000);

  it('answers hostile strings and numbers as data or rejects them with a path, never executing them', async () => {
    let rejected = 0;
    let answered = 0;
    const hostileString = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom("'; DROP TABLE customers; --", '$1', '\\', '%', '_', '\u0000', '\uD800', '"', '`', 'c.id', ') OR (1=1', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'x'.repeat(1001)),
    );
    const hostileNumber = fc.oneof(fc.double(), fc.constantFrom(1e300, -1e300, Number.MAX_SAFE_INTEGER, 0.1 + 0.2, -0));
    const hostileRule = fc.oneof(
      hostileString.map((v) => ({ kind: 'field', field: 'name', op: 'eq', value: v })),
      hostileString.map((v) => ({ kind: 'field', field: 'city', op: 'in', value: [v, '杭州'] })),
      hostileString.map((v) => ({ kind: 'attribute', key: v, type: 'text', op: 'eq', value: 'x' })),
      hostileString.map((v) => ({ kind: 'event', name: v, op: 'did' })),
      hostileString.map((v) => ({ kind: 'event', name: 'View', op: 'did', where: [{ property: v, op: 'eq', value: v }] })),
      hostileString.map((v) => ({ kind: 'tag', op: 'has', tag: v })),
      hostileString.map((v) => ({ kind: 'field', field: v, op: 'eq', value: 'x' })),
      hostileString.map((v) => ({ kind: v, field: 'city', op: 'eq', value: 'x' })),
      hostileNumber.map((v) => ({ kind: 'orders', measure: 'total_spent', op: 'gte', value: v })),
      hostileNumber.map((v) => ({ kind: 'field', field: 'clv', op: 'lt', value: v })),
    );
    await fc.assert(
      fc.asyncProperty(hostileRule, async (condition) => {
        const ruleJson = { version: 1, root: { any: [condition] } };
        let rule;
        try {
          rule = parseRule(ruleJson);
        } catch (error) {
          expect(error).toBeInstanceOf(PatronError);
          expect((error as PatronError).code).toBe('invalid_input');
          expect((error as Error).message).toMatch(/^rule\./);
          rejected += 1;
          return;
        }
        answered += 1;
        const expected = [...evaluateReference(rule, data, now)].sort((a, b) => a - b);
        expect(await sqlMembers(ruleJson)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customers WHERE workspace_id = ${ws.id}`.execute(h.db);
    expect(tables.rows[0]!.n).toBe(40);
    console.log(`hostile rules on ${store.kind}: ${answered} answered as data, ${rejected} rejected with a path`);
    expect(answered).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(5);
  }, 300_000);
});
