import { sql, type Transaction } from 'kysely';
import { mergedMembers, registerMergeHook, type MergeHookMerge, type MergeHookUnmerge } from '../customers/index.ts';
import type { Database } from '../db/index.ts';
import { expireLockedLots, lockAccount, type LedgerContext } from './ledger.ts';
import { listPrograms, type Program } from './program.ts';
import { evaluateTierUpgrades, rankOf, transferTier } from './tiers.ts';

type Trx = Transaction<Database>;

interface LotToMove {
  posting_id: number;
  remaining: number;
  earned_at: Date;
  expires_at: Date | null;
  origin_customer: number;
  origin_lot: number;
}

// A lot moved by a merge remembers the profile and lot it was first earned on, through any chain of merges,
// so an unmerge finds the points that came from the restored profile and a refund finds its order's lot.
const lotsWithOrigin = (trx: Trx, ctx: LedgerContext, customerId: number) => sql<LotToMove>`
  SELECT l.posting_id, l.remaining, l.earned_at, l.expires_at,
         coalesce((p.details->>'originCustomer')::bigint, l.customer_id) AS origin_customer,
         coalesce((p.details->>'originLot')::bigint, l.posting_id) AS origin_lot
  FROM loyalty_lots l
  JOIN loyalty_postings p ON p.workspace_id = l.workspace_id AND p.customer_id = l.customer_id AND p.id = l.posting_id
  WHERE l.workspace_id = ${ctx.workspaceId} AND l.customer_id = ${customerId} AND l.program_id = ${ctx.program.id} AND l.remaining > 0
  ORDER BY l.expires_at NULLS LAST, l.posting_id`.execute(trx);

/**
 * Moves lots between two locked accounts as ledger entries: one `transfer` debit on `from` that consumes the
 * lots (recorded as lot uses), and one `transfer` credit per lot on `to` whose new lot keeps the points left,
 * when they were earned and when they expire. Both balances stay the sum of their postings. Returns the points moved.
 */
async function transferLots(trx: Trx, ctx: LedgerContext, move: { from: number; to: number; lots: readonly LotToMove[]; key: string; reason: string; mergeId: number }): Promise<number> {
  const { lots } = move;
  const total = lots.reduce((a, l) => a + l.remaining, 0);
  if (total === 0) return 0;
  const ws = ctx.workspaceId;
  const programId = ctx.program.id;
  const out = await trx
    .insertInto('loyalty_postings')
    .values({
      workspace_id: ws,
      customer_id: move.from,
      program_id: programId,
      idempotency_key: `${move.key}:out`,
      request_hash: '',
      kind: 'transfer',
      points: -total,
      reason: move.reason,
      actor: 'system',
      details: JSON.stringify({ mergeId: move.mergeId, to: move.to }),
      occurred_at: ctx.now,
      created_at: ctx.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ids = lots.map((l) => l.posting_id);
  await sql`
    WITH used AS (
      INSERT INTO loyalty_lot_uses (workspace_id, customer_id, posting_id, lot_id, points)
      SELECT ${ws}, ${move.from}, ${out.id}, lot, n FROM unnest(${ids}::bigint[], ${lots.map((l) => l.remaining)}::bigint[]) AS u(lot, n)
    ), emptied AS (
      UPDATE loyalty_lots SET remaining = 0 WHERE workspace_id = ${ws} AND customer_id = ${move.from} AND posting_id = ANY(${ids}::bigint[])
    )
    UPDATE loyalty_accounts SET balance = balance - ${total}, updated_at = ${ctx.now} WHERE workspace_id = ${ws} AND customer_id = ${move.from} AND program_id = ${programId}`.execute(trx);
  const details = lots.map((l) => JSON.stringify({ mergeId: move.mergeId, from: move.from, fromLot: l.posting_id, originCustomer: l.origin_customer, originLot: l.origin_lot }));
  await sql`
    WITH src AS (
      SELECT * FROM unnest(${ids}::bigint[], ${lots.map((l) => l.remaining)}::bigint[], ${lots.map((l) => l.earned_at.toISOString())}::timestamptz[],
                           ${lots.map((l) => l.expires_at?.toISOString() ?? null)}::timestamptz[], ${details}::jsonb[]) AS u(lot, n, earned_at, expires_at, details)
    ), posted AS (
      INSERT INTO loyalty_postings (workspace_id, customer_id, program_id, idempotency_key, request_hash, kind, points, reason, actor, details, occurred_at, created_at)
      SELECT ${ws}, ${move.to}, ${programId}, ${move.key} || ':lot:' || lot, '', 'transfer', n, ${move.reason}, 'system', details, ${ctx.now}, ${ctx.now} FROM src ORDER BY lot
      RETURNING id, points, (details->>'fromLot')::bigint AS lot
    ), lots AS (
      INSERT INTO loyalty_lots (workspace_id, customer_id, posting_id, program_id, points, remaining, earned_at, expires_at)
      SELECT ${ws}, ${move.to}, posted.id, ${programId}, posted.points, posted.points, src.earned_at, src.expires_at FROM posted JOIN src USING (lot)
    )
    UPDATE loyalty_accounts SET balance = balance + ${total}, updated_at = ${ctx.now} WHERE workspace_id = ${ws} AND customer_id = ${move.to} AND program_id = ${programId}`.execute(trx);
  return total;
}

async function contextFor(trx: Trx, workspaceId: number, program: Program): Promise<LedgerContext> {
  // Merges are made deep inside identity resolution, which has no clock: the transaction's time is the merge's time.
  const { rows } = await sql<{ timezone: string; now: Date }>`SELECT timezone, now() AS now FROM workspaces WHERE id = ${workspaceId}`.execute(trx);
  return { workspaceId, timezone: rows[0]!.timezone, program, now: rows[0]!.now };
}

/** Locks two accounts in customer order (as every batch locks them), creating the live one's when missing. */
async function lockPair(trx: Trx, ctx: LedgerContext, a: number, b: number) {
  const [first, second] = a < b ? [a, b] : [b, a];
  const locked = new Map([[first, await lockAccount(trx, ctx, first)]]);
  locked.set(second, await lockAccount(trx, ctx, second));
  return { [a]: locked.get(a)!, [b]: locked.get(b)! };
}

/**
 * Moves the merged profile's loyalty to the survivor, in the merge's transaction, for every program it has an
 * account in: its due lots expire first, then what is left moves as transfer postings (lots keep their expiry),
 * the survivor takes the higher of the two tiers with its period, then is checked for an upgrade on their
 * combined spend or points; coupons move too (remembering the profile they were issued to). Recorded per
 * program in loyalty_merges, so an unmerge can undo it.
 */
export async function moveLoyaltyOnMerge(trx: Trx, merge: MergeHookMerge): Promise<void> {
  const ws = merge.workspaceId;
  const accounts = await trx.selectFrom('loyalty_accounts').select(['program_id']).where('workspace_id', '=', ws).where('customer_id', '=', merge.mergedId).execute();
  const held = new Set(accounts.map((a) => a.program_id));
  for (const program of (await listPrograms(trx, ws)).filter((p) => held.has(p.id))) {
    const ctx = await contextFor(trx, ws, program);
    await lockPair(trx, ctx, merge.survivorId, merge.mergedId);
    await expireLockedLots(trx, ctx, [merge.mergedId]);
    const { rows: lots } = await lotsWithOrigin(trx, ctx, merge.mergedId);
    const points = await transferLots(trx, ctx, { from: merge.mergedId, to: merge.survivorId, lots, key: `merge:${merge.mergeId}:${program.id}`, reason: 'profiles merged', mergeId: merge.mergeId });

    const periods = await trx
      .selectFrom('loyalty_accounts')
      .select(['customer_id', 'tier', 'tier_since', 'tier_review_at'])
      .where('workspace_id', '=', ws)
      .where('program_id', '=', program.id)
      .where('customer_id', 'in', [merge.survivorId, merge.mergedId])
      .execute();
    const s = periods.find((p) => p.customer_id === merge.survivorId)!;
    const m = periods.find((p) => p.customer_id === merge.mergedId)!;
    const adopt = rankOf(program.rules, m.tier) > rankOf(program.rules, s.tier);
    if (adopt) await transferTier(trx, ctx, { customerId: merge.survivorId, from: s.tier, to: m.tier, since: m.tier_since, reviewAt: m.tier_review_at, reason: 'merge', emit: true });
    // The merged profile keeps no tier of its own while merged (the tier review skips it); an unmerge gives it back.
    if (m.tier !== null) await transferTier(trx, ctx, { customerId: merge.mergedId, from: m.tier, to: null, since: null, reviewAt: null, reason: 'merge', emit: false });
    await trx
      .insertInto('loyalty_merges')
      .values({
        workspace_id: ws,
        merge_id: merge.mergeId,
        program_id: program.id,
        survivor_id: merge.survivorId,
        merged_id: merge.mergedId,
        points,
        survivor_tier: s.tier,
        survivor_tier_since: s.tier_since,
        survivor_tier_review_at: s.tier_review_at,
        merged_tier: m.tier,
        merged_tier_since: m.tier_since,
        merged_tier_review_at: m.tier_review_at,
        adopted_tier: adopt,
        merged_at: ctx.now,
      })
      .execute();
    if (program.active) await evaluateTierUpgrades(trx, ctx, [merge.survivorId]);
  }
  await trx
    .updateTable('coupons')
    .set((eb) => ({ origin_customer_id: eb.fn.coalesce('origin_customer_id', 'customer_id'), customer_id: merge.survivorId }))
    .where('workspace_id', '=', ws)
    .where('customer_id', '=', merge.mergedId)
    .execute();
}

/**
 * Undoes what moveLoyaltyOnMerge moved, in the unmerge's transaction: the points that came from the restored
 * profile (or profiles merged into it before) and are still unspent and unexpired on the holder move back as
 * transfer postings with their expiry; what the holder spent meanwhile is not taken from its other points and
 * is recorded as the shortfall (returned_points below points). The restored profile gets its tier and period
 * back; the holder goes back to its own tier only if the merge gave it the tier it still has. Coupons issued
 * to the restored profile move back, used or not.
 */
export async function undoLoyaltyMerge(trx: Trx, unmerge: MergeHookUnmerge): Promise<void> {
  const ws = unmerge.workspaceId;
  const records = await trx.selectFrom('loyalty_merges').selectAll().where('workspace_id', '=', ws).where('merge_id', '=', unmerge.mergeId).where('undone_at', 'is', null).execute();
  const members = (await mergedMembers(trx, ws, [unmerge.restoredId])).get(unmerge.restoredId) ?? [unmerge.restoredId];
  const programs = new Map((await listPrograms(trx, ws)).map((p) => [p.id, p]));
  for (const record of records) {
    const program = programs.get(record.program_id)!;
    const ctx = await contextFor(trx, ws, program);
    const locked = await lockPair(trx, ctx, unmerge.holderId, unmerge.restoredId);
    const holder = locked[unmerge.holderId]!;
    await expireLockedLots(trx, ctx, [unmerge.holderId]);
    const { rows } = await lotsWithOrigin(trx, ctx, unmerge.holderId);
    const lots = rows.filter((l) => members.includes(l.origin_customer));
    const returned = await transferLots(trx, ctx, { from: unmerge.holderId, to: unmerge.restoredId, lots, key: `unmerge:${unmerge.mergeId}:${program.id}`, reason: 'profiles unmerged', mergeId: unmerge.mergeId });

    if (record.merged_tier !== null) {
      await transferTier(trx, ctx, { customerId: unmerge.restoredId, from: null, to: record.merged_tier, since: record.merged_tier_since, reviewAt: record.merged_tier_review_at, reason: 'unmerge', emit: true });
    }
    if (record.adopted_tier && unmerge.holderId === record.survivor_id && holder.tier === record.merged_tier) {
      const latest = await trx
        .selectFrom('loyalty_tier_changes')
        .select('reason')
        .where('workspace_id', '=', ws)
        .where('customer_id', '=', unmerge.holderId)
        .where('program_id', '=', program.id)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest?.reason === 'merge') {
        await transferTier(trx, ctx, {
          customerId: unmerge.holderId,
          from: holder.tier,
          to: record.survivor_tier,
          since: record.survivor_tier_since,
          reviewAt: record.survivor_tier_review_at,
          reason: 'unmerge',
          emit: true,
        });
      }
    }
    await trx
      .updateTable('loyalty_merges')
      .set({ returned_points: returned, undone_at: ctx.now })
      .where('workspace_id', '=', ws)
      .where('merge_id', '=', unmerge.mergeId)
      .where('program_id', '=', program.id)
      .execute();
  }
  await trx
    .updateTable('coupons')
    .set({ customer_id: unmerge.restoredId })
    .where('workspace_id', '=', ws)
    .where('customer_id', '=', unmerge.holderId)
    .where('origin_customer_id', 'in', members)
    .execute();
}

registerMergeHook('loyalty', { merged: moveLoyaltyOnMerge, unmerged: undoLoyaltyMerge });
