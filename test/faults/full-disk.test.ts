import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/access/index.ts';
import { connectPglite, migrateToLatest } from '../../src/db/index.ts';
import { testWorkspace } from '../fixtures.ts';
import { createBatchClient, eventCounts } from './batch-client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The embedded store's disk fills up during /v1/batch ingestion: Patron answers 503 with a message saying
// so (nothing of a refused batch is stored), and once space is freed the same process carries on, with
// every acknowledged event stored exactly once. The data directory lives on a small tmpfs of the test's
// own; where mounting is not allowed (not root, or no mount permission) the test is skipped.

const dir = mkdtempSync(join(tmpdir(), 'patron-full-disk-'));
const mnt = join(dir, 'mnt');
mkdirSync(mnt);
const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mnt]).status === 0;

describe.skipIf(!mounted)('a full disk under the embedded store', () => {
  const dataDir = join(mnt, 'data');
  const filler = join(mnt, 'filler');
  let server: ServerProcess | undefined;
  let workspaceId: number;
  let writeKey: string;

  beforeAll(async () => {
    const h = await connectPglite(dataDir);
    await migrateToLatest(h.db as never);
    workspaceId = (await testWorkspace(h.db)).id;
    writeKey = (await createApiKey(h.db, { workspaceId, kind: 'write', name: 'disk' })).key;
    await h.close();
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    spawnSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses batches with a 503 naming the disk while it is full, and carries on without loss once space is freed', async () => {
    server = await startServer({ PATRON_DATA_DIR: dataDir });
    const client = createBatchClient(writeKey);
    for (let i = 0; i < 5; i++) expect(await client.sendOne(server.url)).toBe(true);

    // Leave the data directory about 200 KB.
    const fs = statfsSync(mnt);
    writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 200_000)));
    let refusedInARow = 0;
    for (let i = 0; i < 300 && refusedInARow < 5; i++) refusedInARow = (await client.sendOne(server.url)) ? 0 : refusedInARow + 1;
    expect(refusedInARow).toBe(5);
    const res = await fetch(`${server.url}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: Array.from({ length: 50 }, (_, i) => ({ type: 'track', userId: `probe-${i}`, event: 'Probe', messageId: `probe-${i}` })) }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/run out of disk space, so nothing of this request was stored/);
    expect(server.child.exitCode).toBeNull();

    unlinkSync(filler);
    for (let attempt = 0; client.unacknowledged.length > 0 && attempt < 100; attempt++) await client.sendOne(server.url);
    expect(client.unacknowledged).toEqual([]);
    for (let i = 0; i < 3; i++) expect(await client.sendOne(server.url)).toBe(true);
    const log = server.output();
    await server.stop();
    server = undefined;

    const h = await connectPglite(dataDir);
    const counts = await eventCounts(h.db, workspaceId);
    await h.close();
    console.log(`full disk: ${client.stats.sent} batches sent, statuses ${JSON.stringify([...client.stats.statuses])}; ${client.acknowledged.size} acknowledged events, ${counts.size} stored`);
    expect([...client.acknowledged].filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.keys()].filter((id) => id.startsWith('probe-'))).toEqual([]);
    expect(counts.size).toBe(client.acknowledged.size);
    expect(log).toMatch(/database disk full/);
    expect(log).not.toMatch(/unhandled error/);
  }, 300_000);
});

// Nothing mounted: remove the directory now rather than in a hook that never runs.
if (!mounted) rmSync(dir, { recursive: true, force: true });
