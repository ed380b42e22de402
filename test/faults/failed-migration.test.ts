import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { connectPglite, connectPostgres, type Database, type DatabaseHandle } from '../../src/db/index.ts';

// A migration that fails stops `patron migrate` (and `patron serve`) with a message naming it and the
// cause, and leaves nothing of itself behind: its first statement succeeded, its second failed, and the
// first one's table is gone. Once the cause is removed, the same command applies everything.

const root = join(import.meta.dirname, '../..');

interface MigrationStore {
  readonly kind: string;
  readonly env: Record<string, string>;
  open(): Promise<DatabaseHandle>;
  cleanup(): Promise<void>;
}

function pgliteStore(): MigrationStore {
  const dir = mkdtempSync(join(tmpdir(), 'patron-migration-'));
  return {
    kind: 'pglite',
    env: { PATRON_DATA_DIR: join(dir, 'data') },
    open: () => connectPglite(join(dir, 'data')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresStore(url: string): MigrationStore {
  const name = `patron_migration_${randomBytes(6).toString('hex')}`;
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(statement);
    await c.end();
  };
  let created = false;
  return {
    kind: 'postgres',
    env: { DATABASE_URL: dbUrl.toString() },
    open: async () => {
      if (!created) await admin(`CREATE DATABASE ${name}`);
      created = true;
      return connectPostgres(dbUrl.toString(), 2);
    },
    cleanup: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

const stores: (() => MigrationStore)[] = [pgliteStore];
if (process.env.TEST_DATABASE_URL) stores.push(() => postgresStore(process.env.TEST_DATABASE_URL!));

function patron(env: Record<string, string>, ...args: string[]) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PATRON_NO_DEMO: '1', ...env };
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  const result = spawnSync(process.execPath, [join(root, 'bin/patron.js'), ...args], { cwd: root, env: childEnv, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function tables(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`.execute(db);
  return r.rows.map((t) => t.table_name);
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  if (!(await tables(db)).includes('kysely_migration')) return [];
  const r = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
  return r.rows.map((m) => m.name);
}

describe.each(stores.map((make) => ({ make, kind: make === pgliteStore ? 'pglite' : 'postgres' })))('a failed migration on $kind', ({ make }) => {
  const store = make();
  afterAll(() => store.cleanup());

  it('stops with a message naming the migration and leaves no half-applied state; the next run applies everything', async () => {
    // 0003-consent creates consents, then consent_records: a table already named consent_records fails its second statement.
    let h = await store.open();
    await sql`CREATE TABLE consent_records (note text)`.execute(h.db);
    await h.close();

    const failed = patron(store.env, 'migrate');
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^patron: Migration 0003-consent failed and was rolled back: relation "consent_records" already exists\n$/);
    const serve = patron({ ...store.env, PORT: '0', HOST: '127.0.0.1' }, 'serve');
    expect(serve.status).toBe(1);
    expect(serve.stderr).toMatch(/Migration 0003-consent failed and was rolled back/);

    h = await store.open();
    const applied = await appliedMigrations(h.db);
    const present = await tables(h.db);
    await h.close();
    // Nothing of 0003 (its first table) and nothing after it; what is recorded as applied is whole.
    expect(applied).not.toContain('0003-consent');
    expect(present).not.toContain('consents');
    if (applied.includes('0001-core')) expect(present).toEqual(expect.arrayContaining(['customers', 'identities', 'orders', 'events', 'customer_stats']));
    else expect(present.filter((t) => !t.startsWith('kysely_'))).toEqual(['consent_records']);

    h = await store.open();
    await sql`DROP TABLE consent_records`.execute(h.db);
    await h.close();
    const fixed = patron(store.env, 'migrate');
    expect(fixed.stdout).toMatch(/^Applied .*0003-consent/);
    expect(fixed.status).toBe(0);
    h = await store.open();
    expect(await tables(h.db)).toEqual(expect.arrayContaining(['consents', 'consent_records', 'customers', 'audit_log']));
    await h.close();
  }, 240_000);
});
