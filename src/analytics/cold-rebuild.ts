import type { Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import { rebuildCustomerStats as rebuildStats } from '../customers/index.ts';
import type { Database } from '../db/index.ts';
import { lockScoring } from './scoring-lock.ts';

/**
 * Recomputes every customer_stats row of a workspace from its raw orders (customers' rebuildCustomerStats),
 * taking the scoring lock first so that no scoring run reads the table half rebuilt. Returns the rows written.
 */
export async function rebuildCustomerStats(db: Kysely<Database>, workspace: Workspace): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await lockScoring(trx, workspace.id);
    return rebuildStats(trx, workspace.id);
  });
}
