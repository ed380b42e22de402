/** The database layer: connecting to PGlite or PostgreSQL, migrations, and the table types. */
export { connectDatabase, connectPglite, connectPostgres, type DatabaseHandle, type StoreKind } from './connect.ts';
export { migrateToLatest } from './migrate.ts';
export type * from './tables.ts';
