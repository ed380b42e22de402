import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace } from '../access/index.ts';
import { connectPostgres, migrateToLatest, type DatabaseHandle } from '../db/index.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/peers/webhook-receiver.ts';
import { claimLeaseMs, queueMessages, saveProvider, type MessageRequest } from './index.ts';

const url = process.env.TEST_DATABASE_URL;
const root = join(import.meta.dirname, '../..');
const now = new Date('2026-03-02T04:00:00Z');
// Each restarted dispatcher runs a lease later, as it would after a crash: the killed one's claims have lapsed.
let workerTime = now;

// Several processes must share the database, so this runs on PostgreSQL only.
describe.skipIf(!url)('dispatcher killed with SIGKILL mid-delivery (PostgreSQL)', () => {
  let h: DatabaseHandle;
  let dbUrl: string;
  let hook: WebhookReceiver;
  const name = `patron_kill_${randomBytes(6).toString('hex')}`;
  const secret = 'kill-test-signing-secret-0123';

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
    hook = await startWebhookReceiver(secret, () => Math.floor(workerTime.getTime() / 1000));
  });
  afterAll(async () => {
    await hook?.close();
    await h?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  function runWorker(killAfterMs: number | null): Promise<'killed' | 'finished'> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/peers/dispatch-worker.ts'), dbUrl, workerTime.toISOString()], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      // Kill only once the worker is delivering (its first round has started reaching the receiver).
      const startedAt = hook.requests;
      const arm = setInterval(() => {
        if (killAfterMs !== null && hook.requests > startedAt && !timer) {
          clearInterval(arm);
          timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
      }, 5);
      child.once('exit', (code, signal) => {
        clearInterval(arm);
        if (timer) clearTimeout(timer);
        if (signal === 'SIGKILL') resolve('killed');
        else if (code === 0) resolve('finished');
        else reject(new Error(`dispatcher exited with ${code}:\n${output}`));
      });
    });
  }

  it('delivers every message, and the receiver acts on each idempotency key exactly once', async () => {
    const workspace = await createWorkspace(h.db, { slug: 'kill', name: 'Kill test' });
    await saveProvider(h.db, workspace.id, 'webhook', { config: { url: hook.url }, secrets: { signingSecret: secret } }, now);
    const count = 1500;
    await sql`INSERT INTO customers (workspace_id, id, name) SELECT ${workspace.id}, g, 'C' || g FROM generate_series(1, ${count}) g`.execute(h.db);
    const requests: MessageRequest[] = Array.from({ length: count }, (_, i) => ({
      customerId: i + 1,
      channel: 'webhook',
      purpose: 'transactional',
      content: { text: 'Order {{ customer.id }} shipped' },
      idempotencyKey: `order:${i + 1}`,
      source: { kind: 'api', id: 1 },
    }));
    await h.db.transaction().execute((trx) => queueMessages(trx, workspace, requests, now));

    hook.delay(3);
    const kills: string[] = [];
    for (const after of [150, 400, 250, 600]) {
      kills.push(await runWorker(after));
      workerTime = new Date(workerTime.getTime() + claimLeaseMs + 1000);
    }
    hook.delay(0);
    expect(await runWorker(null)).toBe('finished');
    expect(kills.filter((k) => k === 'killed').length).toBeGreaterThanOrEqual(3);

    const statuses = await h.db.selectFrom('messages').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspace.id).groupBy('status').execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['sent', count]]);
    // Every key reached the receiver, which acted once per key; redeliveries after a kill carried the same key.
    expect(hook.received).toHaveLength(count);
    expect(new Set(hook.received.map((r) => r.idempotencyKey)).size).toBe(count);
    const redelivered = [...hook.attempts.values()].filter((n) => n > 1).length;
    expect(redelivered).toBeGreaterThan(0);
  }, 180_000);
});
