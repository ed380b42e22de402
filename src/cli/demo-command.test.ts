import { sql } from 'kysely';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findApiKey, findWorkspaceBySlug, updateWorkspaceSettings } from '../access/index.ts';
import { connectPglite, type DatabaseHandle } from '../db/index.ts';
import { demoStatus, loadDemo } from '../ingest/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { demoCommand, demoProgressLine, loadDemoOnFirstStart, parseDemoFlags } from './demo-command.ts';

const small = { customers: 40, seed: 5, asOf: new Date('2026-06-30T16:00:00Z') };

function captureStream(isTTY: boolean) {
  let text = '';
  return { isTTY, write: (t: string) => (text += t), text: () => text };
}

describe('patron demo flags and progress', () => {
  it('reads a bare --as-of date as the end of that day in China Standard Time', () => {
    expect(parseDemoFlags({ asOf: '2026-06-30', seed: '7', customers: '500' })).toEqual({ asOf: new Date('2026-06-30T16:00:00Z'), seed: 7, customers: 500, reset: false });
    expect(parseDemoFlags({ asOf: '2026-06-30T12:00:00Z', reset: true })).toMatchObject({ asOf: new Date('2026-06-30T12:00:00Z'), reset: true });
    expect(() => parseDemoFlags({ asOf: 'yesterday' })).toThrow(/--as-of: give a date/);
    expect(() => parseDemoFlags({ customers: '0' })).toThrow(/--customers/);
    expect(() => parseDemoFlags({ seed: '1.5' })).toThrow(/--seed/);
  });

  it('rewrites one line on a terminal and prints one line per phase elsewhere', () => {
    const tty = captureStream(true);
    const line = demoProgressLine(tty);
    line.update({ phase: 'orders', done: 45, total: 100 });
    line.update({ phase: 'orders', done: 45, total: 100 });
    line.update({ phase: 'events', done: 100, total: 100 });
    line.finish();
    expect(tty.text()).toBe('\r\x1b[2KLoading demo data… 45% (orders)\r\x1b[2KLoading demo data… 100% (events)\r\x1b[2K');
    const log = captureStream(false);
    const plain = demoProgressLine(log);
    plain.update({ phase: 'orders', done: 45, total: 100 });
    plain.update({ phase: 'orders', done: 50, total: 100 });
    plain.update({ phase: 'events', done: 100, total: 100 });
    expect(log.text()).toBe('Loading demo data… 45% (orders)\nLoading demo data… 100% (events)\n');
  });
});

describe.each(testStores())('the first-start demo load on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('loads nothing when PATRON_NO_DEMO=1, then the demo on a fresh install, then nothing again', async () => {
    const stream = captureStream(false);
    expect(await loadDemoOnFirstStart(h.db, { env: { PATRON_NO_DEMO: '1' }, stream, load: small })).toBeUndefined();
    expect(await demoStatus(h.db)).toEqual({ exists: false, startedByLoader: false, complete: false, otherWorkspaces: false });
    await expect(loadDemoOnFirstStart(h.db, { env: { PATRON_NO_DEMO: 'yes' }, stream, load: small })).rejects.toThrow(/PATRON_NO_DEMO is invalid/);

    const loaded = await loadDemoOnFirstStart(h.db, { env: {}, stream, load: small, baseUrl: 'http://localhost:4321' });
    expect(loaded?.counts.customers).toBe(40);
    expect(stream.text()).toMatch(/^Loading demo data… \d+% \(workspace\)\n/);
    expect(stream.text()).toContain("curl -H 'Authorization: Bearer demo-secret-key' http://localhost:4321/api/customers");
    expect(stream.text()).toContain('PATRON_NO_DEMO=1');
    expect(await loadDemoOnFirstStart(h.db, { env: {}, stream, load: small })).toBeUndefined();
    expect(stream.text()).toContain('Console sign-in at http://localhost:4321: demo@patron.dev / patron-demo');

    // A demo loaded before console users existed gets the documented login on the next start.
    await h.db.deleteFrom('users').execute();
    expect(await loadDemoOnFirstStart(h.db, { env: {}, stream, load: small })).toBeUndefined();
    expect(await h.db.selectFrom('users').innerJoin('memberships', 'memberships.user_id', 'users.id').select(['email', 'role']).execute()).toEqual([{ email: 'demo@patron.dev', role: 'owner' }]);

    // Changing the workspace settings keeps the load record.
    const demo = (await findWorkspaceBySlug(h.db, 'demo'))!;
    await updateWorkspaceSettings(h.db, demo, { identityLimits: { external_id: 1 } });
    expect(await demoStatus(h.db)).toMatchObject({ exists: true, startedByLoader: true, complete: true });

    // A demo workspace without a load record (made by hand, or the record removed): the next start must still come up.
    await sql`UPDATE workspaces SET settings = settings - 'demo' WHERE id = ${demo.id}`.execute(h.db);
    expect(await demoStatus(h.db)).toMatchObject({ exists: true, startedByLoader: false });
    expect(await loadDemoOnFirstStart(h.db, { env: {}, stream, load: small })).toBeUndefined();
    await expect(loadDemo(h.db, {})).rejects.toThrow(/has no record of a demo load .* run `patron demo --reset`/);
  });

  it('leaves an installation with other workspaces alone', async () => {
    const fresh = await store.open();
    try {
      await testWorkspace(fresh.db);
      expect(await loadDemoOnFirstStart(fresh.db, { env: {}, stream: captureStream(false), load: small })).toBeUndefined();
      expect((await demoStatus(fresh.db)).exists).toBe(false);
    } finally {
      await fresh.close();
    }
  });
});

describe('patron demo, run as the CLI mounts it', () => {
  const saved = { dir: process.env.PATRON_DATA_DIR, url: process.env.DATABASE_URL };
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => {
    process.env.PATRON_DATA_DIR = saved.dir;
    if (saved.url === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved.url;
  });

  it('loads into the embedded store, says so when run again, and reloads with --reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-demo-'));
    process.env.PATRON_DATA_DIR = dir;
    delete process.env.DATABASE_URL;
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((text: string) => void out.push(text));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = (...args: string[]) => demoCommand().exitOverride().parseAsync(args, { from: 'user' });

    await run('--customers', '30', '--seed', '2', '--as-of', '2026-06-30');
    expect(out[0]).toMatch(/^Loaded the demo workspace "demo" \(Patron Demo 示例商店\) in [\d.]+ s: 30 customers, [\d,]+ orders/);
    expect(out[0]).toContain('seed 2, data up to 2026-06-30');
    await run();
    expect(out[1]).toMatch(/^The demo workspace "demo" is already loaded \(seed 2, as of 2026-06-30\): 30 customers/);
    await run('--reset', '--customers', '20', '--seed', '3');
    expect(out[2]).toMatch(/^Loaded the demo workspace .*: 20 customers/);

    const handle = await connectPglite(dir);
    try {
      expect(await findApiKey(handle.db, 'demo-secret-key')).toMatchObject({ kind: 'secret' });
    } finally {
      await handle.close();
    }
  });
});
