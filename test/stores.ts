import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPglite, connectPostgres, migrateToLatest, type DatabaseHandle, type StoreKind } from '../src/db/index.ts';

/** A store the storage suites run against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export interface TestStore {
  readonly kind: StoreKind;
  /** Opens a fresh, migrated database of its own; close() drops it. */
  open(): Promise<DatabaseHandle>;
}

const pglite: TestStore = {
  kind: 'pglite',
  open: async () => {
    const handle = await connectPglite();
    await migrateToLatest(handle.db as never);
    return handle;
  },
};

function postgres(url: string): TestStore {
  return {
    kind: 'postgres',
    open: async () => {
      const name = `patron_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const dbUrl = new URL(url);
      dbUrl.pathname = `/${name}`;
      const handle = connectPostgres(dbUrl.toString());
      await migrateToLatest(handle.db as never);
      return {
        ...handle,
        close: async () => {
          await handle.close();
          const cleanup = new pg.Client({ connectionString: url });
          await cleanup.connect();
          await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await cleanup.end();
        },
      };
    },
  };
}

/** The stores this run checks, for `describe.each`. */
export function testStores(): TestStore[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pglite, postgres(url)] : [pglite];
}
