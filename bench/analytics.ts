// The analytics benchmark: generates a workspace of customers and orders with SQL (generate_series,
// straight into orders), then times the cold rebuild, the first and the daily scoring run, a
// targeted rescore, and — on PostgreSQL — the same RFM summary computed by DuckDB from the same raw
// orders. Prints the data size with every figure.
//
// Run: npm run bench:analytics -- [--customers 1000000] [--orders-per-customer 10] [--store postgres|pglite]
// PostgreSQL: set DATABASE_URL to a server where the user may create databases (a fresh one is
// created and dropped); PGlite runs in memory.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createApiKey, createWorkspace, type Workspace } from '../src/access/index.ts';
import { overviewPeriods, precomputeOverview, runScoring, scoreCustomers, type ScoreRunSummary } from '../src/analytics/index.ts';
import type { Database, DatabaseHandle } from '../src/db/index.ts';
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
  },
});
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

// The overview page's requests (web/src/pages/overview/overview-api.ts) for the default period (the last 30
// days ending on the run's as-of date), each timed on its first call and as the median of five more.
async function overviewEndpoints(handle: DatabaseHandle, ws: Workspace, anchor: string): Promise<void> {
  const app = await buildApp({ db: handle.db, store: handle.kind, clock: manualClock(new Date(`${anchor}T12:00:00Z`)) });
  const auth = { authorization: `Bearer ${(await createApiKey(handle.db, { workspaceId: ws.id, kind: 'secret', name: 'bench' })).key}` };
  const period = overviewPeriods(anchor)[0]!;
  const urls = [
    '/api/analytics/runs/latest',
    `/api/analytics/kpis?from=${period.from}&to=${period.to}`,
    `/api/analytics/cohorts?from=1970-01&to=${anchor.slice(0, 7)}&asOf=${anchor}`,
    '/api/analytics/rfm/grid',
    `/api/analytics/lifecycle/flows?from=${period.from}&to=${period.to}`,
    '/api/analytics/clv/distribution',
    '/api/analytics/churn-warnings?limit=10',
  ];
  // One request first, so the timings below do not include Fastify compiling its hooks and serializers.
  await app.inject({ url: '/api/analytics/settings', headers: auth });
  let slowest = 0;
  let total = 0;
  for (const url of urls) {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      const res = await app.inject({ url, headers: auth });
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
      times.push(secs(t));
    }
    const [first, ...rest] = times as [number, ...number[]];
    const median = rest.sort((a, b) => a - b)[2]!;
    slowest = Math.max(slowest, first);
    total += first;
    console.log(`  ${url.padEnd(72)} first ${(first * 1000).toFixed(0).padStart(6)} ms, median ${(median * 1000).toFixed(0).padStart(6)} ms`);
  }
  console.log(`overview endpoints: slowest first call ${(slowest * 1000).toFixed(0)} ms, all in sequence ${(total * 1000).toFixed(0)} ms (the page sends them in parallel)`);
  const t = performance.now();
  await app.inject({ url: `/api/analytics/kpis?from=${period.from}&to=${period.to}&fresh=true`, headers: auth });
  console.log(`  for comparison, the same KPIs computed from raw orders: ${secs(t).toFixed(2)} s`);
  await app.close();
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
  await overviewEndpoints(handle, ws, '2026-01-01');
} finally {
  await drop();
}
