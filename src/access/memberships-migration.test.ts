import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { hash } from '@node-rs/argon2';
import { Migrator, type Migration } from 'kysely/migration';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPglite, migrateToLatest, type Database, type DatabaseHandle } from '../db/index.ts';
import { findSession, listMemberships, verifyPassword } from './index.ts';

// The migrations before this one, read from the folder, so the test starts from the schema existing installations have.
async function earlierMigrations(): Promise<Record<string, Migration>> {
  const names = readdirSync(new URL('../db/migrations/', import.meta.url)).filter((f) => /^\d{4}-.*\.ts$/.test(f) && !f.endsWith('.test.ts') && f < '0014');
  return Object.fromEntries(await Promise.all(names.map((f) => f.replace(/\.ts$/, '')).map(async (name) => [name, (await import(`../db/migrations/${name}.ts`)) as Migration] as const)));
}

describe('migration 0014-access-memberships on pglite', () => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await connectPglite();
  });
  afterAll(() => h.close());

  it('moves every user’s role and disabled state into a membership of their workspace, and keeps their sessions working', async () => {
    const migrations = await earlierMigrations();
    const { error } = await new Migrator({ db: h.db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
    expect(error).toBeUndefined();
    const at = new Date('2026-03-01T08:00:00Z');
    await sql`INSERT INTO workspaces (slug, name) VALUES ('one', 'One'), ('two', 'Two')`.execute(h.db);
    const passwordHash = await hash('old-password');
    await sql`INSERT INTO users (workspace_id, email, name, role, password_hash, last_login_at, disabled_at)
      SELECT w.id, u.email, u.name, u.role, ${passwordHash}, ${at}, u.disabled::timestamptz
      FROM (VALUES ('one', 'ann@example.com', 'Ann', 'owner', NULL), ('one', 'bob@example.com', 'Bob', 'viewer', '2026-02-01T00:00:00Z'), ('two', 'cy@example.com', 'Cy', 'analyst', NULL))
        AS u (slug, email, name, role, disabled)
      JOIN workspaces w ON w.slug = u.slug`.execute(h.db);
    const tokenHash = createHash('sha256').update('old-session-token').digest('hex');
    await sql`INSERT INTO sessions (workspace_id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at)
      SELECT workspace_id, id, ${tokenHash}, 'csrf', ${at}, ${at}, ${new Date(at.getTime() + 3600_000)} FROM users WHERE email = 'ann@example.com'`.execute(h.db);

    expect(await migrateToLatest(h.db as Kysely<unknown>)).toContain('0014-access-memberships');
    const db = h.db as Kysely<Database>;
    const rows = await db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').innerJoin('workspaces as w', 'w.id', 'm.workspace_id').select(['u.email', 'w.slug', 'm.role', 'm.disabled_at', 'm.last_used_at']).orderBy('u.email').execute();
    expect(rows).toEqual([
      { email: 'ann@example.com', slug: 'one', role: 'owner', disabled_at: null, last_used_at: at },
      { email: 'bob@example.com', slug: 'one', role: 'viewer', disabled_at: new Date('2026-02-01T00:00:00Z'), last_used_at: at },
      { email: 'cy@example.com', slug: 'two', role: 'analyst', disabled_at: null, last_used_at: at },
    ]);
    const columns = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'users'`.execute(h.db);
    expect(columns.rows.map((c) => c.column_name)).not.toContain('role');
    const ann = (await db.selectFrom('users').select('id').where('email', '=', 'ann@example.com').executeTakeFirstOrThrow()).id;
    expect(await listMemberships(db, ann)).toMatchObject([{ slug: 'one', role: 'owner' }]);
    // Signed-in users stay signed in, with the role they had; passwords still work; a disabled user stays out.
    expect(await findSession(db, 'old-session-token', at)).toMatchObject({ userId: ann, role: 'owner', email: 'ann@example.com' });
    expect(await verifyPassword(db, 'cy@example.com', 'old-password', at)).toMatchObject({ role: 'analyst', email: 'cy@example.com' });
    expect(await verifyPassword(db, 'bob@example.com', 'old-password', at)).toBeUndefined();
  });
});
