import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './tables.ts';

/** Which store a database handle talks to. */
export type StoreKind = 'pglite' | 'postgres';

/** An open database: the Kysely instance and how to close it. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  close(): Promise<void>;
}

const INT8 = 20;
const INT8_ARRAY = 1016;
const NUMERIC = 1700;
const DATE = 1082;

// bigint ids and minor-unit amounts stay below 2^53, so they are read as numbers on both stores;
// dates stay ISO strings so that no time zone shifts a birthday.
const toNumber = (value: string): number => Number(value);
const keepText = (value: string): string => value;

/** Opens a PostgreSQL server connection pool. */
export function connectPostgres(url: string, poolSize = 10): DatabaseHandle {
  const defaultTypes = pg.types;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Every commit waits for its WAL flush, whatever the server's default: an acknowledged write (a tracking
    // call, an import batch, a ledger posting) survives a crash. A job that can be redone turns it off locally.
    options: '-c synchronous_commit=on',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8 || oid === NUMERIC) return toNumber;
        if (oid === DATE) return keepText;
        if (oid === INT8_ARRAY) {
          const parseTextArray = defaultTypes.getTypeParser(INT8_ARRAY as Parameters<typeof defaultTypes.getTypeParser>[0], 'text') as (v: string) => string[];
          return (v: string) => parseTextArray(v).map(Number);
        }
        return defaultTypes.getTypeParser(oid, format ?? 'text');
      }) as typeof defaultTypes.getTypeParser,
    },
  });
  // An idle connection that the server closes (restart, failover) is dropped from the pool and the next
  // query opens a new one; without a listener the error would crash the process.
  pool.on('error', () => {});
  // A connection that is checked out but between queries (inside a transaction, while the code awaits
  // something else) gets the server's termination as an 'error' event too; with no listener that event
  // kills the process. The query that next uses it fails instead, and the pool discards the broken client.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/** Opens the embedded store: in memory when dataDir is undefined, else persisted in dataDir. */
export async function connectPglite(dataDir?: string): Promise<DatabaseHandle> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir ?? 'memory://', {
    parsers: {
      [INT8]: toNumber,
      [NUMERIC]: toNumber,
      [DATE]: keepText,
      [INT8_ARRAY]: (v: string) => (v === '{}' ? [] : v.slice(1, -1).split(',').map(Number)),
    },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/** Opens the server database when a URL is given, else the embedded one under dataDir. */
export async function connectDatabase(options: { databaseUrl?: string | undefined; dataDir?: string }): Promise<DatabaseHandle> {
  return options.databaseUrl ? connectPostgres(options.databaseUrl) : connectPglite(options.dataDir);
}
