// A throwaway database for a benchmark: PGlite in memory, or a fresh PostgreSQL database created on the
// server in DATABASE_URL (the user must be allowed to create databases) and dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPglite, connectPostgres, migrateToLatest, type DatabaseHandle } from '../src/db/index.ts';

export interface BenchDatabase {
  readonly handle: DatabaseHandle;
  /** The PostgreSQL URL of the database (absent for PGlite). */
  readonly url?: string;
  /** Closes the connection and drops the database, unless `keep` (then it says which one it kept). */
  readonly drop: () => Promise<void>;
}

/** An empty PostgreSQL database created on the server of `adminUrl`: its URL, and drop() (unless `keep`). */
export async function createEmptyDatabase(adminUrl: string, keep = false): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `patron_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      if (keep) return console.log(`kept database ${name}`);
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function openBenchDatabase(store: 'postgres' | 'pglite', keep = false): Promise<BenchDatabase> {
  if (store === 'pglite') {
    const handle = await connectPglite();
    await migrateToLatest(handle.db as never);
    return { handle, drop: () => handle.close() };
  }
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error('Set DATABASE_URL for --store postgres');
  const database = await createEmptyDatabase(admin, keep);
  const handle = connectPostgres(database.url);
  await migrateToLatest(handle.db as never);
  return {
    handle,
    url: database.url,
    drop: async () => {
      await handle.close();
      await database.drop();
    },
  };
}
