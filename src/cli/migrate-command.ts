import { Command } from 'commander';
import { readConfig } from '../config.ts';
import { connectDatabase, migrateToLatest } from '../db/index.ts';
import { describeStore } from './open-database.ts';

/** `patron migrate`: bring the schema up to date and say what was applied. */
export function migrateCommand(): Command {
  return new Command('migrate').description('Apply pending database migrations (each in its own transaction)').action(async () => {
    const config = readConfig();
    const handle = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrateToLatest(handle.db as never);
      console.log(applied.length > 0 ? `Applied ${applied.join(', ')} to ${describeStore(config)}` : `Up to date: ${describeStore(config)}`);
    } finally {
      await handle.close();
    }
  });
}
