import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveContactPolicy, saveProvider, verifyWebhookSignature } from '../channels/index.ts';
import { recordConsents } from '../customers/index.ts';
import { connectPostgres, migrateToLatest, type DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { changeJourneyState, createJourney, enrolThroughApi } from './index.ts';

const url = process.env.TEST_DATABASE_URL;
const worker = fileURLToPath(new URL('./kill-worker.ts', import.meta.url));
const secret = 'kill-test-signing-secret-0123456789';
const customersCount = 200;

/**
 * Runs the worker; kills it with SIGKILL as soon as `killNow()` says so (checked every few milliseconds:
 * mid-work, whatever the machine's speed), or lets it finish when killNow is null.
 */
function runWorker(dbUrl: string, clockStart: Date, killNow: (() => boolean) | null): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dbUrl, clockStart.toISOString()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const watch = killNow ? setInterval(() => killNow() && child.kill('SIGKILL'), 2) : undefined;
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`worker exited with ${code}: ${err}`));
    });
  });
}

// PGlite lives inside one process; a crash between steps needs a server that outlives its client.
describe.skipIf(!url)('journey engine killed with SIGKILL mid-run on PostgreSQL (set TEST_DATABASE_URL)', () => {
  const name = `patron_kill_${randomBytes(6).toString('hex')}`;
  let dbUrl: string;
  let h: DatabaseHandle;
  let server: Server;
  const deliveries: { key: string; signed: boolean }[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(url!);
    u.pathname = `/${name}`;
    dbUrl = u.toString();
    h = connectPostgres(dbUrl);
    await migrateToLatest(h.db as never);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const signed = verifyWebhookSignature(secret, { body, signature: req.headers['x-patron-signature'] as string, timestamp: req.headers['x-patron-timestamp'] as string }, Number(req.headers['x-patron-timestamp']));
        deliveries.push({ key: String(req.headers['idempotency-key']), signed });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server?.close();
    await h?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('every customer finishes a send → wait → send journey and no message is sent twice, across repeated kills', async () => {
    const start = new Date('2026-07-01T00:00:00Z');
    const clock = manualClock(start);
    const ws = await testWorkspace(h.db);
    await saveProvider(h.db, ws.id, 'webhook', { config: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in` }, secrets: { signingSecret: secret } }, clock.now());
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['webhook'] }, clock.now());
    const ids = (
      await h.db
        .insertInto('customers')
        .values(Array.from({ length: customersCount }, (_, i) => ({ workspace_id: ws.id, name: `K${i}` })))
        .returning('id')
        .execute()
    ).map((r) => r.id);
    await h.db.transaction().execute((trx) =>
      recordConsents(trx, ws.id, ids.map((customerId) => ({ customerId, channel: 'push', purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: clock.now() }))),
    );
    const journey = await createJourney(
      h.db,
      ws,
      {
        name: 'Kill test',
        graph: {
          version: 1,
          trigger: { kind: 'api' },
          entry: 'first',
          nodes: {
            first: { kind: 'send', channel: 'webhook', content: { text: 'First for {{ customer.name }}' }, next: 'wait' },
            wait: { kind: 'wait', duration: { minutes: 30 }, next: 'second' },
            second: { kind: 'send', channel: 'webhook', content: { text: 'Second' }, next: 'done' },
            done: { kind: 'exit' },
          },
        },
      },
      clock,
    );
    await changeJourneyState(h.db, ws, journey.id, 'publish', clock);
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: ids }, clock);

    let kills = 0;
    // Each run's clock starts later than the last one's could have reached, so waits keep passing.
    // Each run is killed after a random number of deliveries, so a kill lands while messages are going out.
    for (let run = 0; run < 6; run++) {
      const before = deliveries.length;
      const after = 1 + Math.floor(Math.random() * 60);
      const outcome = await runWorker(dbUrl, new Date(start.getTime() + run * 86_400_000), () => deliveries.length - before >= after);
      if (outcome === 'killed') kills++;
    }
    expect(await runWorker(dbUrl, new Date(start.getTime() + 7 * 86_400_000), null)).toBe('finished');
    expect(kills).toBeGreaterThan(0);

    const entries = await h.db.selectFrom('journey_entries').select(['status']).where('journey_id', '=', journey.id).execute();
    expect(entries).toHaveLength(customersCount);
    expect(entries.every((e) => e.status === 'completed')).toBe(true);
    const messages = await h.db.selectFrom('messages').select(['idempotency_key', 'status']).where('workspace_id', '=', ws.id).execute();
    expect(messages).toHaveLength(2 * customersCount);
    expect(messages.every((m) => m.status === 'sent' || m.status === 'delivered')).toBe(true);
    const keys = new Set(deliveries.map((d) => d.key));
    // Every message reached the receiver; a re-delivery after a kill between delivery and recording carries the
    // same idempotency key, so the receiver acts once per message.
    expect(keys.size).toBe(2 * customersCount);
    expect([...keys].every((k) => messages.some((m) => m.idempotency_key === k))).toBe(true);
    expect(deliveries.every((d) => d.signed)).toBe(true);
    console.log(`kill test: ${kills} kills, ${deliveries.length} deliveries for ${keys.size} messages (${deliveries.length - keys.size} re-deliveries with the same key)`);
  }, 240_000);
});
