// `npm run bench:ingest`: /v1/batch throughput and latency into PostgreSQL (and PGlite), with the load
// generator on the same 2-core machine, against the ceiling of a bare Fastify + one-unnest handler
// measured in the same run. Every acknowledged event must be stored exactly once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { createApiKey, createWorkspace } from '../src/access/index.ts';
import { connectDatabase, migrateToLatest } from '../src/db/index.ts';
import { createEmptyDatabase } from './bench-database.ts';
import { startChild, startPatron, stopChild } from './bench-process.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    users: { type: 'string', default: '200000' },
    stores: { type: 'string', default: 'postgres,pglite' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const batchSize = Number(args.batch);
const users = Number(args.users);
const writeKey = 'bench-write-key';

interface Phase {
  name: string;
  events: number;
  requests: number;
  errors: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  stored?: number;
}

let sequence = 0;
const runId = randomBytes(4).toString('hex');
const events = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Page Viewed'];

// A realistic mix: most calls from known users, some anonymous, a few identifies carrying email and phone.
function makeBatch(): string {
  const batch = [];
  for (let i = 0; i < batchSize; i++) {
    sequence++;
    const user = Math.floor(Math.random() * users);
    const messageId = `${runId}-${sequence}`;
    const timestamp = new Date().toISOString();
    const roll = Math.random();
    if (roll < 0.05) {
      batch.push({ type: 'identify', messageId, userId: `u${user}`, timestamp, traits: { email: `u${user}@example.com`, name: `User ${user}` } });
    } else if (roll < 0.15) {
      batch.push({ type: 'page', messageId, anonymousId: `a${user}`, name: 'Home', timestamp, properties: { path: '/' } });
    } else {
      batch.push({ type: 'track', messageId, userId: `u${user}`, event: events[user % 4], timestamp, properties: { sku: `SKU${user % 500}`, price: 99 } });
    }
  }
  return JSON.stringify({ batch, sentAt: new Date().toISOString() });
}

async function load(name: string, port: number): Promise<Phase> {
  sequence = 0;
  let acknowledged = 0;
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', authorization: auth },
        setupRequest: (req) => ({ ...req, body: makeBatch() }),
        onResponse: (status) => {
          if (status === 200) acknowledged += batchSize;
        },
      },
    ],
  });
  return {
    name,
    events: acknowledged,
    requests: result.requests.total,
    errors: result.non2xx + result.errors,
    eventsPerSecond: acknowledged / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function prepareWorkspace(options: { databaseUrl?: string; dataDir?: string }): Promise<void> {
  const handle = await connectDatabase(options);
  await migrateToLatest(handle.db as never);
  const ws = await createWorkspace(handle.db, { slug: 'bench', name: 'Bench' });
  await createApiKey(handle.db, { workspaceId: ws.id, kind: 'write', name: 'bench', plain: writeKey });
  await handle.close();
}

async function countEvents(options: { databaseUrl?: string; dataDir?: string }): Promise<number> {
  const handle = await connectDatabase(options);
  const row = await handle.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  await handle.close();
  return Number(row.n);
}

const phases: Phase[] = [];
const stores = args.stores.split(',');
console.log(`bench:ingest — ${seconds} s per phase, ${connections} connections, ${batchSize} events per /v1/batch request, ${users.toLocaleString()} distinct users, 2 cores shared by server, database and load generator`);

if (stores.includes('postgres')) {
  const ceilingDb = await createEmptyDatabase(args['admin-url']);
  const c = new pg.Client({ connectionString: ceilingDb.url });
  await c.connect();
  await c.query(`CREATE TABLE ceiling_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message_id text, user_id text, anonymous_id text, type text, name text, occurred_at timestamptz, properties jsonb, context jsonb)`);
  await c.end();
  const ceiling = await startChild('node', ['--import', 'tsx', 'bench/ceiling-server.ts'], { DATABASE_URL: ceilingDb.url });
  phases.push(await load('ceiling: bare Fastify + one unnest INSERT (PostgreSQL)', ceiling.port));
  await stopChild(ceiling.child);
  await ceilingDb.drop();

  const db = await createEmptyDatabase(args['admin-url']);
  await prepareWorkspace({ databaseUrl: db.url });
  const server = await startPatron({ DATABASE_URL: db.url });
  const phase = await load('Patron /v1/batch (PostgreSQL)', server.port);
  await stopChild(server.child);
  phase.stored = await countEvents({ databaseUrl: db.url });
  phases.push(phase);
  await db.drop();
}

if (stores.includes('pglite')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-bench-'));
  await prepareWorkspace({ dataDir });
  const server = await startPatron({ PATRON_DATA_DIR: dataDir });
  const phase = await load('Patron /v1/batch (PGlite, embedded)', server.port);
  await stopChild(server.child);
  phase.stored = await countEvents({ dataDir });
  phases.push(phase);
  rmSync(dataDir, { recursive: true, force: true });
}

console.log('');
console.log('phase'.padEnd(56), 'events'.padStart(10), 'events/s'.padStart(10), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7), 'stored'.padStart(10));
for (const p of phases) {
  console.log(p.name.padEnd(56), String(p.events).padStart(10), p.eventsPerSecond.toFixed(0).padStart(10), String(p.p50).padStart(8), String(p.p99).padStart(8), String(p.errors).padStart(7), String(p.stored ?? '—').padStart(10));
}
const ceiling = phases.find((p) => p.name.startsWith('ceiling'));
const patronPg = phases.find((p) => p.name.includes('Patron') && p.name.includes('PostgreSQL'));
if (ceiling && patronPg) console.log(`\nPatron / ceiling on PostgreSQL: ${(patronPg.eventsPerSecond / ceiling.eventsPerSecond).toFixed(2)}× (target: ≥ 50,000 events/s)`);
for (const p of phases) {
  if (p.stored !== undefined && p.stored !== p.events) {
    // Acknowledged-but-missing events would be lost data; more stored than acknowledged means timed-out requests that still committed.
    console.log(`${p.name}: ${p.events} acknowledged, ${p.stored} stored${p.stored < p.events ? ' — ACKNOWLEDGED EVENTS MISSING' : ' (requests cut off at the end of the run committed without an answer)'}`);
  }
}
