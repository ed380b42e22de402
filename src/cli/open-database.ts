import { readConfig, type Config } from '../config.ts';
import { connectDatabase, migrateToLatest, type DatabaseHandle } from '../db/index.ts';

/** Opens the configured store (DATABASE_URL or the embedded one under PATRON_DATA_DIR) and migrates it. */
export async function openDatabase(config: Config = readConfig()): Promise<DatabaseHandle> {
  const handle = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(handle.db as never);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** A one-line description of where data lives, for logs and CLI output (no credentials). */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return `embedded PostgreSQL (PGlite) in ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
