// `npm run bench:load`: /v1/batch ingestion and the customer API (list, search by email and phone, the 360)
// driven together against one `patron serve` for 60 s (--seconds), with autocannon on the same 2-core
// machine. Prints throughput and p50/p99 per endpoint, the server's RSS at the start, middle and end, and
// checks that every acknowledged event was stored exactly once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createApiKey } from '../src/access/index.ts';
import { connectDatabase, migrateToLatest } from '../src/db/index.ts';
import { demoWriteKey, loadDemo } from '../src/ingest/index.ts';
import { createEmptyDatabase } from './bench-database.ts';
import { startPatron, stopChild } from './bench-process.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    store: { type: 'string', default: 'postgres' },
    customers: { type: 'string', default: '20000' },
    'tracking-connections': { type: 'string', default: '8' },
    'api-connections': { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' },
    'admin-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const seconds = Number(args.seconds);
const batchSize = Number(args.batch);
const customers = Number(args.customers);
// Rate limits are per key (50 requests/s sustained for a secret key): the API load is spread over many keys,
// as many integrations calling at once would be, so the bench measures the server and not the limiter.
const apiKeys = 64;

interface Sample {
  readonly at: number;
  readonly rssMb: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function prepareStore(): Promise<{ location: { databaseUrl?: string; dataDir?: string }; cleanup: () => Promise<void> }> {
  if (args.store === 'postgres') {
    const db = await createEmptyDatabase(args['admin-url']);
    return { location: { databaseUrl: db.url }, cleanup: db.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'patron-load-'));
  return { location: { dataDir: join(dir, 'data') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}
const { location, cleanup } = await prepareStore();

// The demo data set (customers with emails and phones, orders, events) is what the API reads.
const started = performance.now();
const handle = await connectDatabase(location);
await migrateToLatest(handle.db as never);
const demo = await loadDemo(handle.db, { customers, asOf: new Date('2025-06-30T00:00:00Z') });
const keys = await Promise.all(Array.from({ length: apiKeys }, (_, i) => createApiKey(handle.db, { workspaceId: demo.workspace.id, kind: 'secret', name: `load ${i}` })));
const sample = await sql<{ id: number; email: string | null; phone: string | null }>`
  SELECT c.id,
    (SELECT min(value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.type = 'email') AS email,
    (SELECT min(value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.id AND i.type = 'phone') AS phone
  FROM customers c WHERE c.workspace_id = ${demo.workspace.id} AND c.merged_into IS NULL ORDER BY random() LIMIT 2000`.execute(handle.db);
const eventsBefore = Number((await handle.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
await handle.close();
const people = sample.rows;
const c = demo.counts;
console.log(
  `bench:load — ${args.store}, demo data ${c.customers.toLocaleString('en')} customers, ${c.orders.toLocaleString('en')} orders, ${c.events.toLocaleString('en')} events (loaded in ${((performance.now() - started) / 1000).toFixed(0)} s); ` +
    `${seconds} s of /v1/batch (${args['tracking-connections']} connections, ${batchSize} events a request) and the customer API (${args['api-connections']} connections) at once; ` +
    `server, database and load generator share 2 cores`,
);

const server = await startPatron(location.databaseUrl ? { DATABASE_URL: location.databaseUrl } : { PATRON_DATA_DIR: location.dataDir! });
const base = `http://127.0.0.1:${server.port}`;
const pid = server.child.pid!;
const samples: Sample[] = [{ at: 0, rssMb: rssOf(pid) }];
const t0 = Date.now();
const sampler = setInterval(() => samples.push({ at: (Date.now() - t0) / 1000, rssMb: rssOf(pid) }), 1000);

const runId = randomBytes(4).toString('hex');
let sequence = 0;
let acknowledgedEvents = 0;
const trackingAuth = `Basic ${Buffer.from(`${demoWriteKey}:`).toString('base64')}`;
function makeBatch(): string {
  const batch = [];
  for (let i = 0; i < batchSize; i++) {
    sequence++;
    const person = people[sequence % people.length]!;
    const messageId = `${runId}-${sequence}`;
    const timestamp = new Date().toISOString();
    if (i % 20 === 0 && person.email) batch.push({ type: 'identify', messageId, userId: `load-${person.id}`, timestamp, traits: { email: person.email } });
    else batch.push({ type: 'track', messageId, userId: `load-${person.id}`, event: 'Product Viewed', timestamp, properties: { sku: `SKU${sequence % 500}`, price: 99 } });
  }
  return JSON.stringify({ batch, sentAt: new Date().toISOString() });
}

let apiCall = 0;
const apiRequest = () => {
  apiCall++;
  const person = people[apiCall % people.length]!;
  const key = keys[apiCall % keys.length]!.key;
  const headers = { authorization: `Bearer ${key}` };
  switch (apiCall % 4) {
    case 0:
      return { method: 'GET' as const, path: '/api/customers?limit=50', headers };
    case 1:
      return { method: 'GET' as const, path: `/api/customers?q=${encodeURIComponent(person.email?.slice(0, 6) ?? 'a')}&limit=20`, headers };
    case 2:
      return { method: 'GET' as const, path: `/api/customers?q=${encodeURIComponent(person.phone?.slice(-8) ?? '1380')}&limit=20`, headers };
    default:
      return { method: 'GET' as const, path: `/api/customers/${person.id}`, headers };
  }
};

const [tracking, api] = await Promise.all([
  autocannon({
    url: base,
    connections: Number(args['tracking-connections']),
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/batch',
        headers: { 'content-type': 'application/json', authorization: trackingAuth },
        setupRequest: (req) => ({ ...req, body: makeBatch() }),
        onResponse: (status) => {
          if (status === 200) acknowledgedEvents += batchSize;
        },
      },
    ],
  }),
  autocannon({ url: base, connections: Number(args['api-connections']), duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, ...apiRequest() }) }] }),
]);
clearInterval(sampler);
samples.push({ at: (Date.now() - t0) / 1000, rssMb: rssOf(pid) });
await stopChild(server.child);

const after = await connectDatabase(location);
const stored = Number((await after.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) - eventsBefore;
const doubled = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT message_id FROM events WHERE message_id LIKE ${`${runId}-%`} GROUP BY workspace_id, message_id HAVING count(*) > 1) d`.execute(after.db);
await after.close();
await cleanup();

const rssAt = (fraction: number) => {
  const target = (seconds * fraction) as number;
  return samples.reduce((best, s) => (Math.abs(s.at - target) < Math.abs(best.at - target) ? s : best), samples[0]!).rssMb;
};
console.log('');
console.log('endpoint'.padEnd(34), 'requests'.padStart(9), 'req/s'.padStart(8), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), 'non-2xx'.padStart(8), 'errors'.padStart(7));
const row = (name: string, r: autocannon.Result) =>
  console.log(name.padEnd(34), String(r.requests.total).padStart(9), (r.requests.total / seconds).toFixed(0).padStart(8), String(r.latency.p50).padStart(7), String(r.latency.p99).padStart(7), String(r.non2xx).padStart(8), String(r.errors).padStart(7));
row(`POST /v1/batch (${batchSize} events)`, tracking);
row('GET /api/customers[/:id] (mixed)', api);
console.log(`\nevents: ${acknowledgedEvents.toLocaleString('en')} acknowledged (${(acknowledgedEvents / seconds).toFixed(0)} events/s), ${stored.toLocaleString('en')} stored, ${doubled.rows[0]?.n ?? 0} stored twice`);
const [start, middle, end] = [rssAt(0), rssAt(0.5), rssAt(1)];
const peak = Math.max(...samples.map((s) => s.rssMb));
console.log(`server RSS: start ${start.toFixed(0)} MB, middle ${middle.toFixed(0)} MB, end ${end.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (${end - middle > 0.1 * middle ? 'still growing in the second half' : 'flat in the second half'})`);
if (stored < acknowledgedEvents) console.log('ACKNOWLEDGED EVENTS MISSING');
