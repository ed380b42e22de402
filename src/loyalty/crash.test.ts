import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, migrateToLatest, type DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { checkLedger, saveProgram } from './index.ts';

const url = process.env.TEST_DATABASE_URL;
const worker = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));

// Runs the worker until a random moment, then kills it with SIGKILL: whatever it was doing is cut short.
function runAndKill(dbUrl: string, workspaceId: number, run: number, afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dbUrl, String(workspaceId), String(run)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`worker exited with ${code}: ${err}`))));
  });
}

// PGlite lives inside one process; a crash between steps needs a server that outlives its client.
describe.skipIf(!url)('ledger after crashes on PostgreSQL (set TEST_DATABASE_URL)', () => {
  const name = `patron_crash_${randomBytes(6).toString('hex')}`;
  let dbUrl: string;
  let h: DatabaseHandle;
  let workspaceId: number;

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
    const ws = await testWorkspace(h.db);
    workspaceId = ws.id;
    await saveProgram(h.db, ws.id, { name: 'Members', rules: { expiry: { kind: 'rolling', months: 1 }, earn: { maxPerDay: 2000 } } }, manualClock(new Date('2025-01-01T00:00:00Z')));
    for (let i = 0; i < 5; i++) {
      const c = await h.db.insertInto('customers').values({ workspace_id: ws.id, name: `c${i}` }).returning('id').executeTakeFirstOrThrow();
      await h.db.insertInto('identities').values({ workspace_id: ws.id, type: 'email', value: `crash${i}@example.com`, customer_id: c.id, origin_customer_id: c.id }).execute();
    }
  });
  afterAll(async () => {
    await h?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('a worker killed at random points, again and again, leaves a consistent ledger', async () => {
    for (let run = 1; run <= 6; run++) {
      await runAndKill(dbUrl, workspaceId, run, 300 + Math.floor(Math.random() * 1200));
      expect(await checkLedger(h.db, workspaceId)).toEqual([]);
    }
    const { count } = await h.db.selectFrom('loyalty_postings').select((eb) => eb.fn.countAll<number>().as('count')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    expect(Number(count)).toBeGreaterThan(20);
    const negative = await h.db.selectFrom('loyalty_accounts').select('customer_id').where('workspace_id', '=', workspaceId).where('balance', '<', 0).execute();
    expect(negative).toEqual([]);
  }, 120_000);
});
