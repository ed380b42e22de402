import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { awardBirthdayBonuses } from './birthdays.ts';
import { expireLockedLots, type LedgerContext } from './ledger.ts';
import { findActiveProgram } from './program.ts';
import { reviewTiers } from './tiers.ts';

/** What a daily run did. */
export interface DailyJobResult {
  readonly birthdayPoints: number;
  readonly expiredPoints: number;
  readonly expiredAccounts: number;
  readonly tierChanges: number;
}

/**
 * Expires the points whose lots are due, in batches of accounts (each locked in customer order, as every
 * posting locks them), recording an expire posting per lot. Safe to rerun and to run beside live traffic.
 */
export async function expirePoints(db: Kysely<Database>, ctx: LedgerContext, batchSize = 1000): Promise<{ points: number; accounts: number }> {
  let points = 0;
  let accounts = 0;
  let after = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ customer_id: number }>`
        SELECT DISTINCT customer_id FROM loyalty_lots
        WHERE workspace_id = ${ctx.workspaceId} AND program_id = ${ctx.program.id} AND remaining > 0 AND expires_at <= ${ctx.now} AND customer_id > ${after}
        ORDER BY customer_id LIMIT ${batchSize}`.execute(trx);
      if (rows.length === 0) return true;
      const ids = rows.map((r) => r.customer_id);
      await sql`
        SELECT customer_id FROM loyalty_accounts WHERE workspace_id = ${ctx.workspaceId} AND program_id = ${ctx.program.id} AND customer_id = ANY(${ids}::bigint[])
        ORDER BY customer_id FOR UPDATE`.execute(trx);
      const expired = await expireLockedLots(trx, ctx, ids);
      for (const p of expired.values()) points += p;
      accounts += expired.size;
      after = ids[ids.length - 1]!;
      return rows.length < batchSize;
    });
    if (done) return { points, accounts };
  }
}

/** The daily loyalty job: birthday bonuses from profiles, expire due points, then review tiers whose period (plus grace) has ended. */
export async function runDailyLoyaltyJob(db: Kysely<Database>, workspace: Workspace, clock: Clock): Promise<DailyJobResult> {
  const program = await findActiveProgram(db, workspace.id);
  if (!program) return { birthdayPoints: 0, expiredPoints: 0, expiredAccounts: 0, tierChanges: 0 };
  const ctx: LedgerContext = { workspaceId: workspace.id, timezone: workspace.timezone, program, now: clock.now() };
  const birthdayPoints = await awardBirthdayBonuses(db, ctx);
  const expired = await expirePoints(db, ctx);
  const changes = await reviewTiers(db, ctx);
  return { birthdayPoints, expiredPoints: expired.points, expiredAccounts: expired.accounts, tierChanges: changes.length };
}
