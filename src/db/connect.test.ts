import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectPostgres } from './connect.ts';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('PostgreSQL connections', () => {
  it('commit durably even where the server or database default says otherwise', async () => {
    const name = `patron_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
      const dbUrl = new URL(url!);
      dbUrl.pathname = `/${name}`;
      // A plain client sees the database's default…
      const plain = new pg.Client({ connectionString: dbUrl.toString() });
      await plain.connect();
      expect((await plain.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0]!.s).toBe('off');
      await plain.end();
      // …Patron's pool does not.
      const handle = connectPostgres(dbUrl.toString());
      const rows = await Promise.all([1, 2, 3].map(() => sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(handle.db)));
      expect(rows.map((r) => r.rows[0]!.s)).toEqual(['on', 'on', 'on']);
      await handle.close();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
