import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';

// Runs and cold rebuilds of one workspace take turns (a second waits for the first), so two never
// interleave their reads of the previous state and their writes.
const scoringLockClass = 0x5c0e;

/** Takes the workspace's scoring lock until the transaction ends. */
export async function lockScoring(trx: Transaction<Database>, workspaceId: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${scoringLockClass}::int, ${workspaceId}::int)`.execute(trx);
}
