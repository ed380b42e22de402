// The analytics benchmark: generates a workspace of customers and orders with SQL (generate_series,
// straight into orders), then times the cold rebuild, the first and the daily scoring run, a
// targeted rescore, and — on PostgreSQL — the same RFM summary computed by DuckDB from the same raw
// orders. Prints the data size with every figure.
//
// Run: npm run bench:analytics -- [--customers 1000000] [--orders-per-customer 10] [--store postgres|pglite]
//        [--keep] [--requests 30]
// PostgreSQL: set DATABASE_URL to a server where the user may create databases (a fresh one is
// created and dropped, or kept with --keep); PGlite runs in memory.
// The last phase serves the API over HTTP and times every request the console's overview sends
// (p50/p99 per endpoint, and whole page loads), with the data size and the machine's load average.
// To time a kept workspace again without generating it (after code changes: migrates, runs the daily
// run once as of --as-of, then the overview phase):
//   npm run bench:analytics -- --reuse patron_bench_xxxxxxxx [--as-of 2026-01-01]
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createApiKey, createWorkspace, getWorkspace, type Workspace } from '../src/access/index.ts';
import { compareKpis, overviewPeriods, precomputedKpis, precomputeOverview, runScoring, scoreCustomers, type ScoreRunSummary } from '../src/analytics/index.ts';
import { connectPostgres, migrateToLatest, type Database, type DatabaseHandle } from '../src/db/index.ts';
import { manualClock } from '../src/lib/clock.ts';
import { buildApp } from '../src/server/app.ts';
import { openBenchDatabase } from './bench-database.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    'orders-per-customer': { type: 'string', default: '10' },
    store: { type: 'string', default: process.env.DATABASE_URL ? 'postgres' : 'pglite' },
    'mean-life-days': { type: 'string', default: '365' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    'as-of': { type: 'string', default: '2026-01-01' },
    requests: { type: 'string', default: '30' },
  },
});
const requests = Number(values.requests);
const customers = Number(values.customers);
const ordersPerCustomer = Number(values['orders-per-customer']);
const meanLife = Number(values['mean-life-days']);
const store = values.store as 'postgres' | 'pglite';
const asOf = '2025-12-31';

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (since: number) => (performance.now() - since) / 1000;


// Customers arrive uniformly over two years; each buys at a rate drawn from a log-normal and stays
// for an exponential lifetime (mean 365 days), so some churn and some keep buying; order values
// vary around a per-customer mean. E[orders] ≈ 1 + 1.65 · scale · 207 days for these choices.
async function generate(db: Kysely<Database>, workspaceId: number): Promise<number> {
  const scale = Math.max(0, ordersPerCustomer - 1) / (1.65 * 207);
  await sql`SELECT setseed(0.2024)`.execute(db);
  await sql`
    CREATE TABLE bench_customers AS
    SELECT c, f, w, least(200, 1 + floor(lam * w + random()))::int AS k, m
    FROM (
      SELECT c, f, least(729 - f, -ln(1 - random()) * ${meanLife}::float8) AS w,
             ${scale}::float8 * exp(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS lam,
             exp(ln(6000) + 0.6 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) AS m
      FROM (SELECT c, floor(random() * 730)::int AS f FROM generate_series(1, ${customers}::int) AS c) a
    ) b`.execute(db);
  await sql`
    INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, status, currency, ordered_at, total_minor, content_hash)
    SELECT ${workspaceId}::bigint, c || '-' || i, c, c, 'completed', 'CNY',
           timestamptz '2024-01-01 10:00:00+08' + (f + CASE WHEN i = 1 THEN 0 ELSE random() * w END) * interval '1 day',
           greatest(100, round(m * (0.5 + random())))::bigint, ''
    FROM bench_customers, generate_series(1, k) AS i`.execute(db);
  await sql`DROP TABLE bench_customers`.execute(db);
  await sql`ANALYZE orders`.execute(db);
  const n = await sql<{ n: number }>`SELECT count(*)::bigint AS n FROM orders WHERE workspace_id = ${workspaceId}`.execute(db);
  return Number(n.rows[0]!.n);
}

function line(what: string, s: ScoreRunSummary): string {
  const steps = Object.entries(s.steps).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  return `${what.padEnd(28)} ${s.seconds.toFixed(2).padStart(7)} s  (${fmt(s.customers)} customers; ${steps})`;
}

async function duckdbRfm(url: string, workspaceId: number, timezone: string): Promise<{ seconds: number; load: number; rows: number }> {
  // The same raw orders, exported by the server and loaded into DuckDB (not timed), then the same
  // RFM summary and mid-rank quintile scores as Patron's run (timed).
  const file = join(tmpdir(), `patron-bench-${randomBytes(4).toString('hex')}.csv`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let started = performance.now();
  await client.query(
    `COPY (SELECT customer_id, (ordered_at AT TIME ZONE '${timezone}')::date AS day, total_minor - refunded_minor AS net FROM orders
           WHERE workspace_id = ${workspaceId} AND customer_id IS NOT NULL AND status <> 'cancelled' AND total_minor > refunded_minor) TO '${file}' (FORMAT csv, HEADER)`,
  );
  await client.end();
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  await c.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${file}', header = true, columns = {'customer_id': 'BIGINT', 'day': 'DATE', 'net': 'BIGINT'})`);
  const load = secs(started);
  rmSync(file);
  started = performance.now();
  await c.run(`
    CREATE TABLE rfm AS
    WITH s AS (
      SELECT customer_id, DATE '${asOf}' - max(day) AS recency, count(DISTINCT day) AS frequency, sum(net) AS monetary
      FROM orders WHERE day <= DATE '${asOf}' GROUP BY customer_id
    ),
    n AS (SELECT count(*) AS n FROM s),
    r AS (SELECT recency AS v, count(*) AS cnt FROM s GROUP BY 1),
    r2 AS (SELECT v, 1 + (5 * (2 * (sum(cnt) OVER (ORDER BY v DESC ROWS UNBOUNDED PRECEDING) - cnt) + cnt)) // (2 * (SELECT n FROM n)) AS score FROM r),
    f AS (SELECT frequency AS v, count(*) AS cnt FROM s GROUP BY 1),
    f2 AS (SELECT v, 1 + (5 * (2 * (sum(cnt) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) - cnt) + cnt)) // (2 * (SELECT n FROM n)) AS score FROM f),
    m AS (SELECT monetary AS v, count(*) AS cnt FROM s GROUP BY 1),
    m2 AS (SELECT v, 1 + (5 * (2 * (sum(cnt) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) - cnt) + cnt)) // (2 * (SELECT n FROM n)) AS score FROM m)
    SELECT s.*, r2.score AS r_score, f2.score AS f_score, m2.score AS m_score
    FROM s JOIN r2 ON r2.v = s.recency JOIN f2 ON f2.v = s.frequency JOIN m2 ON m2.v = s.monetary`);
  const seconds = secs(started);
  const rows = Number((await (await c.run('SELECT count(*) FROM rfm')).getRows())[0]![0]);
  c.closeSync();
  return { seconds, load, rows };
}

const ms = (seconds: number) => `${Math.round(seconds * 1000).toLocaleString('en-US')} ms`;
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

async function dataSize(db: Kysely<Database>, workspaceId: number): Promise<string> {
  const r = await sql<{ customers: string; orders: string; scores: string; transitions: string; flow_days: string; counts: string }>`
    SELECT (SELECT count(*) FROM customer_stats WHERE workspace_id = ${workspaceId}) AS customers,
           (SELECT count(*) FROM orders WHERE workspace_id = ${workspaceId}) AS orders,
           (SELECT count(*) FROM customer_scores WHERE workspace_id = ${workspaceId}) AS scores,
           (SELECT count(*) FROM lifecycle_transitions WHERE workspace_id = ${workspaceId}) AS transitions,
           (SELECT count(*) FROM lifecycle_flow_days WHERE workspace_id = ${workspaceId}) AS flow_days,
           (SELECT count(*) FROM analytics_score_counts WHERE workspace_id = ${workspaceId}) AS counts`.execute(db);
  const n = r.rows[0]!;
  return `${fmt(Number(n.customers))} buyers, ${fmt(Number(n.orders))} orders, ${fmt(Number(n.scores))} score rows, ${fmt(Number(n.transitions))} lifecycle transitions (stored counts: ${fmt(Number(n.counts))} groups, ${fmt(Number(n.flow_days))} flow days)`;
}

// The overview page's requests (web/src/pages/overview/overview-page.tsx) for the default period (the last 30
// days ending on the run's as-of date), over HTTP from this process: each endpoint `requests` times in turn
// (p50/p99), then whole page loads as the console sends them — the latest run first, then the rest at once.
async function overviewOverHttp(handle: DatabaseHandle, ws: Workspace, anchor: string): Promise<void> {
  const app = await buildApp({ db: handle.db, store: handle.kind, clock: manualClock(new Date(`${anchor}T12:00:00Z`)) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const headers = { authorization: `Bearer ${(await createApiKey(handle.db, { workspaceId: ws.id, kind: 'secret', name: 'bench' })).key}` };
  const period = overviewPeriods(anchor)[0]!;
  const latest = '/api/analytics/runs/latest';
  const rest = [
    `/api/analytics/kpis?from=${period.from}&to=${period.to}`,
    `/api/analytics/cohorts?from=1970-01&to=${anchor.slice(0, 7)}&asOf=${anchor}`,
    '/api/analytics/rfm/grid',
    `/api/analytics/lifecycle/flows?from=${period.from}&to=${period.to}`,
    '/api/analytics/clv/distribution',
    '/api/analytics/churn-warnings?limit=10',
  ];
  const get = async (path: string): Promise<{ seconds: number; bytes: number }> => {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.slice(0, 200)}`);
    return { seconds: secs(t), bytes: body.length };
  };
  console.log(`overview over HTTP: ${await dataSize(handle.db, ws.id)}; load average ${load()} (1 / 5 / 15 min)`);
  let slowest = { path: '', p99: 0 };
  for (const path of [latest, ...rest]) {
    const first = await get(path);
    const times = [first.seconds];
    for (let i = 1; i < requests; i++) times.push((await get(path)).seconds);
    times.sort((x, y) => x - y);
    const p99 = quantile(times, 0.99);
    if (p99 > slowest.p99) slowest = { path, p99 };
    console.log(`  ${path.padEnd(66)} first ${ms(first.seconds).padStart(8)}  p50 ${ms(quantile(times, 0.5)).padStart(8)}  p99 ${ms(p99).padStart(8)}  (${fmt(first.bytes)} bytes, ${requests} requests)`);
  }
  const pages: number[] = [];
  for (let i = 0; i < Math.max(5, Math.round(requests / 3)); i++) {
    const t = performance.now();
    await get(latest);
    await Promise.all(rest.map(get));
    pages.push(secs(t));
  }
  pages.sort((x, y) => x - y);
  console.log(`  slowest endpoint: ${slowest.path} (p99 ${ms(slowest.p99)})`);
  console.log(`  whole overview (latest run, then the other ${rest.length} requests at once): p50 ${ms(quantile(pages, 0.5))}, p99 ${ms(quantile(pages, 0.99))} over ${pages.length} loads (target: interactive within 1.5 s)`);
  console.log(`  load average after: ${load()}`);
  await app.close();
}

// A kept benchmark database, timed again without generating it: the daily run once (so the counts are the
// current code's), the overview precomputed only when that day's is missing, then the overview phase.
async function reuse(name: string, anchor: string): Promise<void> {
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error('Set DATABASE_URL to the server holding the kept database');
  const dbUrl = new URL(admin);
  dbUrl.pathname = `/${name}`;
  const handle = connectPostgres(dbUrl.toString());
  try {
    const applied = await migrateToLatest(handle.db as never);
    if (applied.length > 0) console.log(`migrated: ${applied.join(', ')}`);
    const row = await handle.db.selectFrom('workspaces').select('id').where('slug', '=', 'bench').executeTakeFirstOrThrow();
    const ws = await getWorkspace(handle.db, row.id);
    const daily = await runScoring(handle.db, ws, { asOf: anchor });
    console.log(line(`daily run as of ${anchor}`, daily));
    const period = overviewPeriods(anchor)[0]!;
    if (!(await precomputedKpis(handle.db, ws.id, period.from, period.to))) {
      const overview = await precomputeOverview(handle.db, ws, anchor, manualClock(new Date(`${anchor}T08:00:00Z`)));
      console.log(`overview precomputed: ${overview.views} views in ${overview.seconds.toFixed(2)} s`);
    }
    await overviewOverHttp(handle, ws, anchor);
  } finally {
    await handle.close();
  }
}

if (values.reuse) {
  await reuse(values.reuse, values['as-of']);
  process.exit(0);
}

const { handle, url, drop } = await openBenchDatabase(store, values.keep);
try {
  const ws = await createWorkspace(handle.db, { slug: 'bench', name: 'Benchmark' });
  let started = performance.now();
  const orders = await generate(handle.db, ws.id);
  console.log(`${store}: generated ${fmt(customers)} customers, ${fmt(orders)} orders in ${secs(started).toFixed(1)} s (not counted)`);

  const cold = await runScoring(handle.db, ws, { asOf, cold: true });
  console.log(line('cold rebuild + first run', cold));
  const daily = await runScoring(handle.db, ws, { asOf: '2026-01-01' });
  console.log(line('daily run', daily));
  const ids = Array.from({ length: 1000 }, (_, i) => 1 + Math.floor((i * customers) / 1000));
  const targeted = await scoreCustomers(handle.db, ws, ids, { clock: manualClock(new Date('2026-01-01T08:00:00Z')) });
  console.log(line('targeted rescore of 1,000', targeted));
  const rfmSeconds = (daily.steps.input ?? 0) + (daily.steps.cuts ?? 0) + (daily.steps.score ?? 0);
  console.log(`RFM step of the daily run (input + cuts + score, from customer_stats): ${rfmSeconds.toFixed(2)} s`);
  for (const [what, run] of [['first', cold], ['daily', daily]] as const) {
    const clv = run.params.clv;
    if (!clv) continue;
    const gg = clv.gammaGammaFit;
    console.log(
      `${what} run fits: BG/NBD ${fmt(clv.bgnbdFit.distinctRows)} distinct rows, ${clv.bgnbdFit.iterations} iterations, ${clv.bgnbdFit.seconds.toFixed(2)} s` +
        (gg ? `; Gamma-Gamma ${fmt(gg.distinctRows)} rows, ${gg.iterations} iterations, ${gg.seconds.toFixed(2)} s` : ''),
    );
  }
  if (daily.params.clv) console.log(`BG/NBD ${JSON.stringify(daily.params.clv.bgnbd)}; Gamma-Gamma ${JSON.stringify(daily.params.clv.gammaGamma)}`);
  if (daily.problems.length > 0) console.log(`notes: ${daily.problems.join(' ')}`);
  if (url) {
    const duck = await duckdbRfm(url, ws.id, ws.timezone);
    console.log(`DuckDB RFM from raw orders: ${duck.seconds.toFixed(2)} s for ${fmt(duck.rows)} customers (export + load ${duck.load.toFixed(1)} s, not counted)`);
    console.log(`ratio Patron RFM step / DuckDB: ${(rfmSeconds / duck.seconds).toFixed(2)} (target ≤ 1.5)`);
  }
  started = performance.now();
  const overview = await precomputeOverview(handle.db, ws, '2026-01-01', manualClock(new Date('2026-01-01T08:00:00Z')));
  console.log(`overview precomputed by the run: ${overview.views} views in ${overview.seconds.toFixed(2)} s (KPIs of the console's preset periods, cohorts)`);
  await overviewOverHttp(handle, ws, '2026-01-01');
  started = performance.now();
  const period = overviewPeriods('2026-01-01')[0]!;
  await compareKpis(handle.db, ws, period.from, period.to);
  console.log(`for comparison, the same KPIs computed from raw orders per request: ${secs(started).toFixed(2)} s`);
} finally {
  await drop();
}
