import type { Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { awardBonuses, type BonusEvent } from './bonuses.ts';
import { releaseCouponsOfVoidOrders } from './coupons.ts';
import type { LedgerContext } from './ledger.ts';
import { earnForOrderNumbers, reverseForRefunds } from './order-points.ts';
import { findActiveProgram } from './program.ts';

/** What the ways in (tracking API, file import) just wrote that may move points. */
export interface LoyaltyActivity {
  /** Order numbers written (new or changed): they earn once; cancelled ones give their points back. */
  readonly orderNumbers?: readonly string[] | undefined;
  /** Refund ids applied: their orders' points are reversed in proportion. */
  readonly refundIds?: readonly string[] | undefined;
  /** Tracked events stored now (for action bonuses). */
  readonly events?: readonly BonusEvent[] | undefined;
}

/**
 * Posts points for what was just written, in the caller's transaction, when the workspace has an active
 * program (one query when it has none): orders earn, refunds reverse, events earn bonuses. Every posting
 * is keyed (order, refunded amount, event), so replays and retried calls post nothing twice. Coupons used
 * on orders now cancelled or refunded in full are released, with or without a program.
 */
export async function postPointsForActivity(trx: Transaction<Database>, workspace: Workspace, activity: LoyaltyActivity, now: Date): Promise<void> {
  await releaseCouponsOfVoidOrders(trx, workspace.id, { orderNumbers: activity.orderNumbers ?? [], refundIds: activity.refundIds ?? [] }, now);
  const busy = (activity.orderNumbers?.length ?? 0) + (activity.refundIds?.length ?? 0) + (activity.events?.length ?? 0) > 0;
  const program = busy ? await findActiveProgram(trx, workspace.id) : undefined;
  if (!program) return;
  const ctx: LedgerContext = { workspaceId: workspace.id, timezone: workspace.timezone, program, now };
  await earnForOrderNumbers(trx, ctx, activity.orderNumbers ?? []);
  await reverseForRefunds(trx, ctx, activity.refundIds ?? []);
  await awardBonuses(trx, ctx, activity.events ?? []);
}
