import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchClient, eventCounts, postgresFaultStore, type FaultStore } from './batch-client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// PostgreSQL restarts under load: Patron reconnects by itself and loses nothing it acknowledged. The
// machine's shared PostgreSQL is never touched: the test runs a throwaway cluster of its own (initdb +
// pg_ctl on a temporary directory and a free port), and skips when the server binaries are not installed.

const binDir = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
})();

// initdb and postgres refuse to run as root; as root the cluster runs as the postgres user.
const asRoot = process.getuid?.() === 0;
const run = (tool: string, args: string[]) => {
  const [cmd, full] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir!, tool), ...args]] : [join(binDir!, tool), args];
  return execFileSync(cmd, full, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe.skipIf(!binDir)('PostgreSQL restart during ingestion (private cluster)', () => {
  let dir: string;
  let port: number;
  let store: FaultStore | undefined;
  let server: ServerProcess | undefined;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', join(dir, 'cluster'), '-w', ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patron-pg-restart-'));
    if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
    port = await freePort();
    run('initdb', ['-D', join(dir, 'cluster'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    pgCtl('-l', join(dir, 'postgres.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start');
    store = await postgresFaultStore(`postgres://postgres@127.0.0.1:${port}/postgres`);
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    if (dir) {
      spawnSync(asRoot ? 'runuser' : join(binDir!, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(binDir!, 'pg_ctl'), '-D', join(dir, 'cluster'), '-m', 'immediate', 'stop'] : ['-D', join(dir, 'cluster'), '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reconnects after the database restarts and keeps every acknowledged event exactly once', async () => {
    const s = store!;
    const client = createBatchClient(s.writeKey);
    server = await startServer(s.env);
    const url = server.url;
    let stopped = false;
    const sending = client.run(() => url, 2, () => stopped);
    const waitForAcks = async (n: number, timeoutMs: number) => {
      const target = client.stats.acknowledged + n;
      const until = Date.now() + timeoutMs;
      while (client.stats.acknowledged < target && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return client.stats.acknowledged >= target;
    };

    expect(await waitForAcks(10, 30_000)).toBe(true);
    // A fast shutdown ends every session (as a failover or an operator's restart does), then a pause with no database at all.
    pgCtl('-m', 'fast', 'stop');
    const failedBefore = client.stats.failed;
    await new Promise((r) => setTimeout(r, 1500));
    const failedWhileDown = client.stats.failed - failedBefore;
    pgCtl('-l', join(dir, 'postgres.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start');
    // The same server process carries on once the database is back.
    expect(await waitForAcks(10, 60_000)).toBe(true);
    stopped = true;
    await sending;
    for (let attempt = 0; client.unacknowledged.length > 0 && attempt < 100; attempt++) await client.sendOne(url);
    expect(client.unacknowledged).toEqual([]);
    const log = server.output();
    await server.stop();

    const counts = await s.inspect((db) => eventCounts(db, s.workspaceId));
    const missing = [...client.acknowledged].filter((id) => !counts.has(id));
    const doubled = [...counts].filter(([, n]) => n !== 1);
    console.log(
      `PostgreSQL restart: ${client.stats.sent} batches sent, ${client.stats.acknowledged} acknowledged, ${client.stats.failed} refused or failed (${failedWhileDown} while the database was down; statuses ${JSON.stringify([...client.stats.statuses])}); ` +
        `${client.acknowledged.size} acknowledged events, ${counts.size} stored, ${missing.length} missing, ${doubled.length} doubled`,
    );
    expect(failedWhileDown).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
    // While the database was away the server answered 503 (retry) rather than 500, logged no bug, and did not crash.
    expect([...client.stats.statuses.keys()].sort()).toEqual([200, 503]);
    expect(server.child.exitCode === 0 || server.child.signalCode === 'SIGTERM').toBe(true);
    expect(log).not.toMatch(/unhandled error|uncaught/i);
    expect(log).toMatch(/database unavailable/);
  }, 240_000);
});
