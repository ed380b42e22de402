import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { PatronError } from '../lib/errors.ts';
import * as core from './migrations/0001-core.ts';
import * as analytics from './migrations/0002-analytics.ts';
import * as consent from './migrations/0003-consent.ts';
import * as segments from './migrations/0004-segments.ts';
import * as loyalty from './migrations/0005-loyalty.ts';
import * as access from './migrations/0006-access.ts';
import * as channels from './migrations/0008-channels.ts';
import * as journeys from './migrations/0009-journeys.ts';
import * as analyticsRollups from './migrations/0010-analytics-rollups.ts';
import * as messageReceipts from './migrations/0011-message-receipts.ts';
import * as loyaltyMerges from './migrations/0012-loyalty-merges.ts';
import * as analyticsSnapshot from './migrations/0013-analytics-snapshot.ts';
import * as accessMemberships from './migrations/0014-access-memberships.ts';

// Migrations are listed here rather than read from a folder, so they work the same from source,
// from a bundle and under any loader.
const migrations: Readonly<Record<string, Migration>> = {
  '0001-core': core,
  '0002-analytics': analytics,
  '0003-consent': consent,
  '0004-segments': segments,
  '0005-loyalty': loyalty,
  '0006-access': access,
  '0008-channels': channels,
  '0009-journeys': journeys,
  '0010-analytics-rollups': analyticsRollups,
  '0011-message-receipts': messageReceipts,
  '0012-loyalty-merges': loyaltyMerges,
  '0013-analytics-snapshot': analyticsSnapshot,
  '0014-access-memberships': accessMemberships,
};

const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };

/** Brings the schema up to date; each migration runs in its own transaction, so a failure leaves no half-applied state. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new PatronError('unavailable', `Migration ${failed} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`, {
      migration: failed,
    });
  }
  return applied;
}
