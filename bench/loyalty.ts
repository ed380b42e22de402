// `npm run bench:loyalty [-- --orders 10000000]`: posting the earn rules for imported orders (set-based,
// batches of order ids in one statement each) on PostgreSQL, then single earn and redeem calls through the
// HTTP API under 200 concurrent connections (autocannon against `patron serve`), on the same 2-core machine.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createApiKey, createWorkspace } from '../src/access/index.ts';
import { rebuildCustomerStats } from '../src/customers/index.ts';
import { connectPostgres, migrateToLatest } from '../src/db/index.ts';
import { systemClock } from '../src/lib/clock.ts';
import { checkLedger, earnPointsForOrders, saveProgram } from '../src/loyalty/index.ts';
import { createEmptyDatabase } from './bench-database.ts';
import { startPatron, stopChild } from './bench-process.ts';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000000' },
    customers: { type: 'string' },
    batch: { type: 'string', default: '50000' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '200,16' },
    'skip-http': { type: 'boolean', default: false },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const orderCount = Number(args.orders);
const customerCount = Number(args.customers ?? Math.max(1, Math.round(orderCount / 10)));
const batchSize = Number(args.batch);
const seconds = Number(args.seconds);
// One HTTP phase per connection count: 200 is the target's; a lower one shows the latency without queueing.
const connectionCounts = args.connections.split(',').map(Number);
const maxConnections = Math.max(...connectionCounts);

const database = await createEmptyDatabase(args['admin-url']);
const dbUrl = database.url;
const handle = connectPostgres(dbUrl);
const db = handle.db;

async function drop(): Promise<void> {
  await handle.close();
  await database.drop();
}

try {
  await migrateToLatest(db as never);
  const workspace = await createWorkspace(db, { slug: 'bench', name: 'Bench' });
  const ws = workspace.id;
  await saveProgram(
    db,
    ws,
    {
      name: 'Bench members',
      rules: {
        earn: { pointsPerUnit: 1, unitMinor: 100, channelMultipliers: { app: 1.5, tmall: 1.2 }, maxPerOrder: 20_000 },
        expiry: { kind: 'rolling', months: 24 },
        tiers: {
          metric: 'spend',
          levels: [
            { code: 'member', name: 'Member', threshold: 0 },
            { code: 'silver', name: 'Silver', threshold: 200_000, multiplier: 1.25 },
            { code: 'gold', name: 'Gold', threshold: 1_000_000, multiplier: 1.5 },
          ],
        },
      },
    },
    systemClock,
  );

  // Other work on the machine (test suites, other benches) changes every figure: say how busy it was.
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');
  process.on('exit', () => console.log(`load average at the end (1/5/15 min): ${load()}`));
  console.log(`load average at the start (1/5/15 min): ${load()}`);
  console.log(`bench:loyalty — ${orderCount.toLocaleString()} orders of ${customerCount.toLocaleString()} customers, earn batches of ${batchSize.toLocaleString()} orders; PostgreSQL, 2 cores shared by Node and the database`);
  let t = performance.now();
  await sql`INSERT INTO customers (workspace_id, id, name) SELECT ${ws}, g, 'c' || g FROM generate_series(1, ${customerCount}::int) g`.execute(db);
  await sql`ALTER TABLE customers ALTER COLUMN id RESTART WITH ${sql.raw(String(customerCount + 1))}`.execute(db);
  // Orders as an import leaves them: spread over two years, a few channels, totals from ¥10 to ¥1,010.
  await sql`
    INSERT INTO orders (workspace_id, id, external_id, customer_id, origin_customer_id, channel, status, currency, ordered_at, total_minor, item_count, content_hash)
    SELECT ${ws}, g, 'B' || g, 1 + g % ${customerCount}, 1 + g % ${customerCount}, (ARRAY['app', 'tmall', 'store', 'jd'])[1 + g % 4], 'completed', 'CNY',
           now() - make_interval(mins => ((g * 7919) % 1051200)::int), 1000 + (g * 104729) % 100000, 1, 'h'
    FROM generate_series(1, ${orderCount}::bigint) g`.execute(db);
  await sql`ALTER TABLE orders ALTER COLUMN id RESTART WITH ${sql.raw(String(orderCount + 1))}`.execute(db);
  // customer_stats as an import leaves it (tier upgrades skip customers whose lifetime spend cannot reach the next tier).
  await db.transaction().execute((trx) => rebuildCustomerStats(trx, ws));
  await sql`ANALYZE`.execute(db);
  console.log(`data generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const now = new Date();
  t = performance.now();
  let postings = 0;
  for (let start = 1; start <= orderCount; start += batchSize) {
    const ids = Array.from({ length: Math.min(batchSize, orderCount - start + 1) }, (_, i) => start + i);
    const result = await db.transaction().execute((trx) => earnPointsForOrders(trx, workspace, ids, now));
    postings += result.postings;
    // Statistics of the loyalty tables as autovacuum would soon have them (they were analyzed empty).
    if (start === 1) await sql`ANALYZE loyalty_postings, loyalty_lots, loyalty_accounts`.execute(db);
  }
  const earnSeconds = (performance.now() - t) / 1000;
  const rate = postings / earnSeconds;
  console.log(`earn rules posted: ${postings.toLocaleString()} postings (with lots, balances and tier upgrades) in ${earnSeconds.toFixed(1)} s = ${Math.round(rate).toLocaleString()} postings/s (target ≥ 50,000)`);
  const tiers = await sql<{ tier: string; n: number }>`SELECT tier, count(*)::int AS n FROM loyalty_accounts WHERE workspace_id = ${ws} GROUP BY tier ORDER BY n DESC`.execute(db);
  console.log(`tiers after the run: ${tiers.rows.map((r) => `${r.tier} ${r.n.toLocaleString()}`).join(', ')}`);
  t = performance.now();
  const again = await db.transaction().execute((trx) => earnPointsForOrders(trx, workspace, Array.from({ length: Math.min(batchSize, orderCount) }, (_, i) => i + 1), now));
  console.log(`re-posting a batch of ${Math.min(batchSize, orderCount).toLocaleString()} already-posted orders: ${again.postings} postings in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  const problems = await checkLedger(db, ws);
  console.log(problems.length === 0 ? 'ledger check: every balance equals its postings and its lots' : `LEDGER PROBLEMS: ${JSON.stringify(problems.slice(0, 5))}`);

  await sql`ANALYZE`.execute(db);
  if (!args['skip-http']) await httpPhase(ws);
} finally {
  await drop();
}

async function httpPhase(ws: number): Promise<void> {
  // One secret key per connection: the per-key rate limit (50/s) is for one integration, not for this load.
  const keys: string[] = [];
  for (let i = 0; i < maxConnections; i++) keys.push((await createApiKey(db, { workspaceId: ws, kind: 'secret', name: `bench ${i}`, plain: `ps_bench_${i}_${randomBytes(8).toString('hex')}` })).key);
  const server = await startPatron({ DATABASE_URL: dbUrl });
  try {
    for (const connections of connectionCounts) await httpLoad(ws, server.port, keys, connections);
  } finally {
    await stopChild(server.child);
  }
}

async function httpLoad(ws: number, port: number, keys: readonly string[], connections: number): Promise<void> {
  let n = 0;
  const statuses = new Map<number, number>();
  const run = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          n++;
          const customer = 1 + Math.floor(Math.random() * customerCount);
          const body =
            n % 2 === 0
              ? { type: 'earn', idempotencyKey: `http-${connections}-${n}`, amountMinor: 1000 + (n % 50_000), channel: 'app' }
              : { type: 'redeem', idempotencyKey: `http-${connections}-${n}`, points: 1 + (n % 5), reward: 'bench' };
          return { ...req, path: `/api/loyalty/accounts/${customer}/postings`, headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[n % keys.length]}` }, body: JSON.stringify(body) };
        },
        onResponse: (status) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
      },
    ],
  });
  console.log(
    `HTTP earn/redeem calls, ${connections} concurrent connections, ${seconds} s: ${run.requests.total.toLocaleString()} calls (${Math.round(run.requests.average).toLocaleString()}/s), ` +
      `p50 ${run.latency.p50} ms, p90 ${run.latency.p90} ms, p99 ${run.latency.p99} ms (target p99 < 20 ms), non-201: ${run.non2xx + run.errors}`,
  );
  console.log(`responses by status: ${[...statuses].map(([code, count]) => `${code}: ${count.toLocaleString()}`).join(', ')}; errors (timeouts, resets): ${run.errors}`);
  const little = (connections / run.requests.average) * 1000;
  console.log(`Little's law: ${connections} requests in flight at ${Math.round(run.requests.average)}/s means ${little.toFixed(0)} ms mean latency; a 20 ms p99 at this concurrency needs > ${Math.round((connections / 20) * 1000).toLocaleString()} calls/s`);
  const problems = await checkLedger(db, ws);
  console.log(problems.length === 0 ? 'ledger check after the HTTP run: consistent' : `LEDGER PROBLEMS: ${JSON.stringify(problems.slice(0, 5))}`);
}

