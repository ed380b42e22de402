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

export async function openBenchDatabase(store: 'postgres' | 'pglite', keep = false): Promise<BenchDatabase> {
  if (store === 'pglite') {
    const handle = await connectPglite();
    await migrateToLatest(handle.db as never);
    return { handle, drop: () => handle.close() };
  }
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error('Set DATABASE_URL for --store postgres');
  const name = `patron_bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const handle = connectPostgres(url.toString());
  await migrateToLatest(handle.db as never);
  return {
    handle,
    url: url.toString(),
    drop: async () => {
      await handle.close();
      if (keep) return console.log(`kept database ${name}`);
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
