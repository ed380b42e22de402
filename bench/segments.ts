// The segments benchmark: a workspace of customers (profiles, attributes, tags), orders and behavioural
// events generated with SQL, stats rebuilt and scored, then
//   1. preview of a 5-condition rule mixing scores, attributes and a 90-day behaviour condition (p50/p99),
//   2. 20 dynamic segments kept current while events arrive at a steady rate: time from an event's commit
//      to the customer's entry being visible (p50/p99), measured by polling a sample of the events,
//   3. the nightly time-based refresh of the 20 segments.
// Prints the data size with every figure.
//
// Run: npm run bench:segments -- [--customers 1000000] [--orders-per-customer 10] [--events 3000000]
//      [--rate 2000] [--seconds 30] [--store postgres|pglite]
// PostgreSQL: DATABASE_URL must let the user create databases (a fresh one is created and dropped).
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { createWorkspace, type Workspace } from '../src/access/index.ts';
import { rebuildCustomerStats, runScoring } from '../src/analytics/index.ts';
import type { Database } from '../src/db/index.ts';
import { recordEvents } from '../src/events/index.ts';
import { manualClock, systemClock } from '../src/lib/clock.ts';
import { createSegment, previewRule, refreshDueSegments, startSegmentWorker, type RuleJson } from '../src/segments/index.ts';
import { openBenchDatabase } from './bench-database.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    'orders-per-customer': { type: 'string', default: '10' },
    events: { type: 'string', default: '3000000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    previews: { type: 'string', default: '30' },
    store: { type: 'string', default: process.env.DATABASE_URL ? 'postgres' : 'pglite' },
    keep: { type: 'boolean', default: false },
  },
});
const customers = Number(values.customers);
const ordersPerCustomer = Number(values['orders-per-customer']);
const eventCount = Number(values.events);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const store = values.store as 'postgres' | 'pglite';

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (since: number) => (performance.now() - since) / 1000;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};


const cities = ['上海', '北京', '杭州', '广州', '深圳', '成都', 'Singapore', 'London', '南京', '苏州'];
const categories = ['咖啡', '茶', '甜点', '礼盒', 'Merch'];
const eventNames = ['Product Viewed', 'Added to Cart', 'Checkout Started', 'Coupon Claimed'];

async function generate(db: Kysely<Database>, ws: Workspace): Promise<{ orders: number; events: number }> {
  await sql`SELECT setseed(0.42)`.execute(db);
  await sql`
    INSERT INTO customers (workspace_id, id, name, gender, birthday, city, signed_up_at, acquisition_channel, attributes)
    SELECT ${ws.id}::bigint, c, 'Customer ' || c, (ARRAY['female', 'male', 'other'])[1 + floor(random() * 3)::int],
           date '1960-01-01' + floor(random() * 16000)::int,
           (${cities}::text[])[1 + floor(random() * ${cities.length})::int],
           timestamptz '2024-01-01 10:00:00+08' + random() * interval '730 days',
           (ARRAY['online', 'pos', 'wechat', 'app'])[1 + floor(random() * 4)::int],
           jsonb_build_object('vip_level', floor(random() * 5)::int, 'member', random() < 0.4)
    FROM generate_series(1, ${customers}::int) AS c`.execute(db);
  await sql`SELECT setval(pg_get_serial_sequence('customers', 'id'), ${customers}::bigint)`.execute(db);
  await sql`INSERT INTO tags (workspace_id, name) VALUES (${ws.id}, 'vip'), (${ws.id}, 'staff')`.execute(db);
  await sql`
    INSERT INTO customer_tags (workspace_id, customer_id, tag_id)
    SELECT ${ws.id}::bigint, c, t.id FROM generate_series(1, ${customers}::int) AS c
    JOIN tags t ON t.workspace_id = ${ws.id} AND t.name = CASE WHEN c % 5 = 0 THEN 'vip' WHEN c % 97 = 0 THEN 'staff' END`.execute(db);
  // Orders as in the analytics benchmark: arrival over two years, log-normal rates, exponential lifetimes.
  const scale = Math.max(0, ordersPerCustomer - 1) / (1.65 * 207);
  await sql`
    CREATE TEMP TABLE bench_customers AS
    SELECT c, f, w, least(200, 1 + floor(lam * w + random()))::int AS k, m
    FROM (
      SELECT c, f, least(729 - f, -ln(1 - random()) * 365::float8) AS w,
             ${scale}::float8 * exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS lam,
             exp(ln(6000) + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS m
      FROM (SELECT c, floor(random() * 730)::int AS f FROM generate_series(1, ${customers}::int) AS c) a
    ) b`.execute(db);
  await sql`
    INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, channel, store, status, currency, ordered_at, total_minor, content_hash)
    SELECT ${ws.id}::bigint, c || '-' || i, c, c, (ARRAY['online', 'pos', 'wechat'])[1 + floor(random() * 3)::int], 'S' || (c % 40),
           'completed', 'CNY', timestamptz '2024-01-01 10:00:00+08' + (f + CASE WHEN i = 1 THEN 0 ELSE random() * w END) * interval '1 day',
           greatest(100, round(m * (0.5 + random())))::bigint, ''
    FROM bench_customers, generate_series(1, k) AS i`.execute(db);
  await sql`DROP TABLE bench_customers`.execute(db);
  // Behaviour over the last 180 days before 2026-01-01.
  await sql`
    INSERT INTO events (workspace_id, message_id, customer_id, origin_customer_id, type, name, occurred_at, received_at, properties)
    SELECT ${ws.id}::bigint, 'gen-' || e, who, who, 'track',
           (${eventNames.slice(0, 3)}::text[])[1 + floor(random() * 3)::int],
           timestamptz '2026-01-01 00:00:00+08' - random() * interval '180 days', now(),
           jsonb_build_object('category', (${categories}::text[])[1 + floor(random() * ${categories.length})::int], 'price', round((random() * 300)::numeric, 1))
    FROM (SELECT e, 1 + floor(random() * ${customers})::bigint AS who FROM generate_series(1, ${eventCount}::int) AS e) g`.execute(db);
  await sql`ANALYZE`.execute(db);
  const counts = await sql<{ orders: number; events: number }>`
    SELECT (SELECT count(*) FROM orders WHERE workspace_id = ${ws.id})::bigint AS orders, (SELECT count(*) FROM events WHERE workspace_id = ${ws.id})::bigint AS events`.execute(db);
  return { orders: Number(counts.rows[0]!.orders), events: Number(counts.rows[0]!.events) };
}

// Twenty rules of the kinds operations teams keep: scores, attributes, tags, consent-free behaviour.
function twentyRules(): RuleJson[] {
  const rules: RuleJson[] = [];
  for (let i = 0; i < 20; i += 1) {
    const city = cities[i % cities.length]!;
    const base = [
      { kind: 'event', name: 'Coupon Claimed', op: 'did', window: { last: 7 + i, unit: 'days' } },
      { kind: 'field', field: 'city', op: i % 2 === 0 ? 'neq' : 'eq', value: city },
    ];
    const extra =
      i % 4 === 0
        ? { kind: 'field', field: 'lifecycle_stage', op: 'in', value: ['active', 'won_back', 'new', 'dormant', 'churned'] }
        : i % 4 === 1
          ? { kind: 'attribute', key: 'vip_level', type: 'number', op: 'gte', value: 0 }
          : i % 4 === 2
            ? { any: [{ kind: 'tag', op: 'has_not', tag: 'staff' }, { kind: 'field', field: 'm_score', op: 'gte', value: 4 }] }
            : { kind: 'orders', measure: 'count', op: 'gte', value: 0, window: { last: 365, unit: 'days' } };
    rules.push({ version: 1, root: { all: [...base, extra] } } as RuleJson);
  }
  return rules;
}

const { handle, drop } = await openBenchDatabase(store, values.keep);
const db = handle.db;
try {
  const ws = await createWorkspace(db, { slug: 'bench', name: 'Benchmark' });
  let started = performance.now();
  const size = await generate(db, ws);
  console.log(`${store}: generated ${fmt(customers)} customers, ${fmt(size.orders)} orders, ${fmt(size.events)} events in ${secs(started).toFixed(1)} s (not counted)`);
  started = performance.now();
  await rebuildCustomerStats(db, ws);
  const run = await runScoring(db, ws, { asOf: '2025-12-31' });
  await sql`ANALYZE`.execute(db);
  console.log(`stats rebuilt and ${fmt(run.customers)} buyers scored in ${secs(started).toFixed(1)} s (not counted)`);

  // 1. Preview while typing.
  const clock = manualClock(new Date('2026-01-01T02:00:00Z'));
  const previewRuleJson: RuleJson = {
    version: 1,
    root: {
      all: [
        { kind: 'field', field: 'lifecycle_stage', op: 'in', value: ['active', 'won_back'] },
        { kind: 'field', field: 'm_score', op: 'gte', value: 3 },
        { kind: 'attribute', key: 'vip_level', type: 'number', op: 'gte', value: 2 },
        { kind: 'field', field: 'city', op: 'in', value: ['上海', '北京', '杭州', '深圳'] },
        { kind: 'orders', measure: 'count', op: 'gte', value: 2, window: { last: 90, unit: 'days' } },
      ],
    },
  } as RuleJson;
  const times: number[] = [];
  let count = 0;
  for (let i = 0; i < Number(values.previews); i += 1) {
    const t = performance.now();
    count = (await previewRule(db, ws, previewRuleJson, clock)).count;
    times.push(performance.now() - t);
  }
  console.log(
    `preview (5 conditions: lifecycle, M score, attribute, city, ≥2 orders in 90 days) over ${fmt(customers)} customers / ${fmt(size.orders)} orders: ` +
      `${fmt(count)} members; p50 ${pct(times, 50).toFixed(0)} ms, p99 ${pct(times, 99).toFixed(0)} ms over ${times.length} runs (target p50 < 300 ms)`,
  );

  // 2. Twenty dynamic segments kept current while events arrive.
  started = performance.now();
  const segments = [];
  for (const [i, rule] of twentyRules().entries()) segments.push(await createSegment(db, ws, { name: `bench ${i}`, rule }, systemClock));
  console.log(`created 20 dynamic segments in ${secs(started).toFixed(1)} s`);
  const watched = segments[1]!; // city = 北京 (odd index: eq), Coupon Claimed within 8 days, vip_level ≥ 0
  const watchedCity = cities[1]!;
  const inWatchedCity = await sql<{ id: number }>`SELECT id FROM customers WHERE workspace_id = ${ws.id} AND city = ${watchedCity} LIMIT 100000`.execute(db);
  const candidates = inWatchedCity.rows.map((r) => Number(r.id));
  const worker = startSegmentWorker(db, systemClock, { changeIntervalMs: 50, scheduleIntervalMs: 3_600_000, onError: (e) => console.error('worker:', e) });
  const pending = new Map<number, number>(); // customer → when the event committed
  const latencies: number[] = [];
  let sent = 0;
  let stop = false;
  let deadline = Number.POSITIVE_INFINITY;
  const poller = (async () => {
    while (!stop || pending.size > 0) {
      const ids = [...pending.keys()];
      if (ids.length > 0) {
        const seen = await db
          .selectFrom('segment_memberships')
          .select('customer_id')
          .where('workspace_id', '=', ws.id)
          .where('segment_id', '=', watched.id)
          .where('exited_at', 'is', null)
          .where('customer_id', 'in', ids)
          .execute();
        const at = performance.now();
        for (const s of seen) {
          const from = pending.get(s.customer_id);
          if (from !== undefined) latencies.push(at - from);
          pending.delete(s.customer_id);
        }
      }
      await new Promise((r) => setTimeout(r, 10));
      if (stop && performance.now() - deadline > 10_000) break;
    }
  })();
  const tickMs = 100;
  const perTick = Math.round((rate * tickMs) / 1000);
  const streamStart = performance.now();
  let used = 0;
  for (let tick = 0; performance.now() - streamStart < seconds * 1000; tick += 1) {
    const due = streamStart + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Most events go to random customers; one per tick goes to a not-yet-member in the watched city, timed.
    const batch = Array.from({ length: perTick }, (_, k) => {
      const probe = k === 0 && used < candidates.length;
      const customerId = probe ? candidates[used++]! : 1 + Math.floor(Math.random() * customers);
      return {
        messageId: `live-${tick}-${k}`,
        customerId,
        anonymousId: null,
        type: 'track' as const,
        name: probe || k % 10 === 0 ? 'Coupon Claimed' : eventNames[k % 3]!,
        occurredAt: new Date(),
        receivedAt: new Date(),
        properties: { category: categories[k % categories.length]! },
        context: {},
        probe,
      };
    });
    await db.transaction().execute((trx) => recordEvents(trx, ws.id, batch));
    const committed = performance.now();
    for (const e of batch) if (e.probe) pending.set(e.customerId!, committed);
    sent += batch.length;
  }
  const streamSeconds = secs(streamStart);
  stop = true;
  deadline = performance.now();
  await poller;
  await worker.stop();
  const lost = pending.size;
  console.log(
    `live: ${fmt(sent)} events in ${streamSeconds.toFixed(1)} s (${fmt(Math.round(sent / streamSeconds))}/s) with 20 dynamic segments over ${fmt(customers)} customers; ` +
      `entry visible after the event: p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms ` +
      `over ${latencies.length} timed entries${lost > 0 ? `, ${lost} not seen within 10 s` : ''} (target p99 < 1000 ms)`,
  );

  // 3. The nightly refresh: every segment here reads a time window, so all 20 are due the next day.
  const nextDay = manualClock(new Date(Date.now() + 86_400_000));
  started = performance.now();
  const refreshed = await refreshDueSegments(db, nextDay);
  const total = secs(started);
  console.log(
    `nightly time-based refresh: ${refreshed.length} segments in ${total.toFixed(1)} s (slowest ${Math.max(...refreshed.map((r) => r.ms))} ms; ` +
      `${fmt(refreshed.reduce((s, r) => s + r.exited, 0))} exits, ${fmt(refreshed.reduce((s, r) => s + r.entered, 0))} entries) over ${fmt(customers)} customers (target < 30 s)`,
  );
} finally {
  await drop();
}
