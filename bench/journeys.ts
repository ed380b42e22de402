// `npm run bench:journeys [-- --customers 100000]`: customers enter a send → wait (1 day) → send journey on
// PostgreSQL; the engine runs with the clock advanced past the wait, and every message is delivered end to end
// (contact policy: consent and a cap of 2 marketing messages in 7 days) to a webhook receiver on loopback that
// checks each HMAC signature and counts deliveries per idempotency key. Prints sends/s, duplicates, lost, sizes.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { createWorkspace } from '../src/access/index.ts';
import { dispatchMessages, saveContactPolicy, saveProvider } from '../src/channels/index.ts';
import { connectPostgres, migrateToLatest } from '../src/db/index.ts';
import { changeJourneyState, createJourney, enrolThroughApi, newEngineCache, runDueSteps } from '../src/journeys/index.ts';
import { manualClock } from '../src/lib/clock.ts';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'step-batch': { type: 'string', default: '1000' },
    'dispatch-batch': { type: 'string', default: '1000' },
    'dispatch-concurrency': { type: 'string', default: '64' },
    workers: { type: 'string', default: '2' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const customerCount = Number(args.customers);
const stepBatch = Number(args['step-batch']);
const dispatchBatch = Number(args['dispatch-batch']);
const dispatchConcurrency = Number(args['dispatch-concurrency']);
const workers = Number(args.workers);
const secret = 'bench-signing-secret-0123456789';

const name = `patron_bench_journeys_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: args['admin-url'] });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const url = new URL(args['admin-url']);
url.pathname = `/${name}`;
const handle = connectPostgres(url.toString(), 12);
const db = handle.db;

// The receiver runs in a process of its own, as a real peer would: it checks every delivery's signature and
// counts deliveries per idempotency key (GET /stats), so duplicates and losses are measured at the peer.
const receiverScript = `
const { createServer } = require('node:http');
const { createHmac } = require('node:crypto');
const secret = process.argv[1];
const seen = new Map();
let deliveries = 0, badSignatures = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') { res.end(JSON.stringify({ deliveries, distinct: seen.size, badSignatures })); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const ts = req.headers['x-patron-timestamp'];
    const expected = 'v1=' + createHmac('sha256', secret).update(ts + '.' + body).digest('hex');
    if (req.headers['x-patron-signature'] !== expected) badSignatures++;
    const key = req.headers['idempotency-key'];
    deliveries++;
    seen.set(key, (seen.get(key) || 0) + 1);
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const receiver = spawn(process.execPath, ['-e', receiverScript, secret], { stdio: ['ignore', 'pipe', 'inherit'] });
const receiverPort = await new Promise<number>((resolve) => receiver.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
async function receiverStats(): Promise<{ deliveries: number; distinct: number; badSignatures: number }> {
  return (await fetch(`http://127.0.0.1:${receiverPort}/stats`)).json() as Promise<{ deliveries: number; distinct: number; badSignatures: number }>;
}

async function drop(): Promise<void> {
  receiver.kill();
  await handle.close();
  const c = new pg.Client({ connectionString: args['admin-url'] });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

try {
  await migrateToLatest(db as never);
  const clock = manualClock(new Date('2026-09-01T02:00:00Z'));
  const workspace = await createWorkspace(db, { slug: 'bench', name: 'Bench' });
  const ws = workspace.id;
  await saveProvider(db, ws, 'webhook', { config: { url: `http://127.0.0.1:${receiverPort}/in` }, secrets: { signingSecret: secret } }, clock.now());
  await saveContactPolicy(db, ws, { fallbackOrder: ['webhook'], caps: { global: [{ max: 2, days: 7 }], perChannel: {} } }, clock.now());

  let started = performance.now();
  await sql`INSERT INTO customers (workspace_id, name) SELECT ${ws}, 'B' || g FROM generate_series(1, ${customerCount}) g`.execute(db);
  await sql`INSERT INTO consents (workspace_id, customer_id, channel, purpose, status, source, recorded_at)
            SELECT ${ws}, id, 'push', 'marketing', 'opted_in', 'bench', ${clock.now()} FROM customers WHERE workspace_id = ${ws}`.execute(db);
  const ids = (await db.selectFrom('customers').select('id').where('workspace_id', '=', ws).orderBy('id').execute()).map((r) => r.id);
  console.log(`setup: ${customerCount.toLocaleString('en')} customers with marketing consent in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const journey = await createJourney(
    db,
    workspace,
    {
      name: 'Bench',
      graph: {
        version: 1,
        trigger: { kind: 'api' },
        entry: 'first',
        nodes: {
          first: { kind: 'send', channel: 'webhook', content: { text: 'Hello {{ customer.name }}' }, next: 'wait' },
          wait: { kind: 'wait', duration: { days: 1 }, next: 'second' },
          second: { kind: 'send', channel: 'preferred', content: { text: 'Still there, {{ customer.name }}?' }, next: 'done' },
          done: { kind: 'exit' },
        },
      },
    },
    clock,
  );
  await changeJourneyState(db, workspace, journey.id, 'publish', clock);
  started = performance.now();
  for (let i = 0; i < ids.length; i += 10_000) await enrolThroughApi(db, workspace, journey.id, { customerIds: ids.slice(i, i + 10_000) }, clock);
  console.log(`enrolment: ${ids.length.toLocaleString('en')} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // Engine loops and delivery loops run side by side, as several workers of `patron worker` would.
  const cache = newEngineCache();
  async function phase(label: string): Promise<number> {
    const t0 = performance.now();
    const before = (await receiverStats()).distinct;
    let stepsDone = false;
    const steppers = Array.from({ length: workers }, async () => {
      for (;;) {
        const run = await runDueSteps(db, clock, { limit: stepBatch, cache });
        if (run.claimed === 0) return;
      }
    });
    const deliverers = Array.from({ length: workers }, async () => {
      for (;;) {
        const round = await dispatchMessages(db, clock, { limit: dispatchBatch, concurrency: dispatchConcurrency });
        if (round.sent + round.failed === 0) {
          if (stepsDone) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });
    await Promise.all(steppers);
    const stepsSeconds = (performance.now() - t0) / 1000;
    stepsDone = true;
    await Promise.all(deliverers);
    const seconds = (performance.now() - t0) / 1000;
    const delivered = (await receiverStats()).distinct - before;
    console.log(
      `${label}: ${delivered.toLocaleString('en')} messages delivered in ${seconds.toFixed(1)} s = ${Math.round(delivered / seconds).toLocaleString('en')} sends/s end to end (engine steps done after ${stepsSeconds.toFixed(1)} s)`,
    );
    return seconds;
  }
  const first = await phase('send 1');
  clock.advance(86_400_000);
  const second = await phase('send 2 (after the 1-day wait)');

  const expected = 2 * customerCount;
  const stats = await receiverStats();
  const duplicates = stats.deliveries - stats.distinct;
  const badSignatures = stats.badSignatures;
  const { rows: statuses } = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM messages WHERE workspace_id = ${ws} GROUP BY status ORDER BY status`.execute(db);
  const { rows: entryStates } = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM journey_entries WHERE workspace_id = ${ws} GROUP BY status`.execute(db);
  const lost = expected - stats.distinct;
  console.log(`total: ${stats.distinct.toLocaleString('en')} of ${expected.toLocaleString('en')} messages in ${(first + second).toFixed(1)} s = ${Math.round(stats.distinct / (first + second)).toLocaleString('en')} sends/s`);
  console.log(`duplicates (deliveries of a key already delivered): ${duplicates}; lost: ${lost}; bad signatures: ${badSignatures}`);
  console.log(`message log: ${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}; entries: ${entryStates.map((s) => `${s.status} ${s.n}`).join(', ')}`);
  const { rows: sizes } = await sql<{ db: number; entries: number; messages: number }>`
    SELECT pg_database_size(current_database())::bigint AS db, pg_total_relation_size('journey_entries')::bigint AS entries, pg_total_relation_size('messages')::bigint AS messages`.execute(db);
  console.log(`data: database ${mb(sizes[0]!.db)}, journey_entries ${mb(sizes[0]!.entries)}, messages ${mb(sizes[0]!.messages)}`);
  if (duplicates !== 0 || lost !== 0 || badSignatures !== 0) process.exitCode = 1;
} finally {
  await drop();
}
