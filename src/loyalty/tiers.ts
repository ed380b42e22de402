import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { recordEvents } from '../events/index.ts';
import type { LedgerContext } from './ledger.ts';
import type { ProgramRules, Tier } from './schema.ts';

type Trx = Transaction<Database>;

/** The behavioural event journeys listen to when a customer's tier changes. */
export const tierChangedEvent = 'Tier Changed';

/** A tier change as the tier history shows it. */
export interface TierChange {
  readonly id: number;
  readonly customerId: number;
  readonly fromTier: string | null;
  readonly toTier: string | null;
  readonly reason: 'qualified' | 'period_end' | 'merge' | 'unmerge';
  readonly qualifyingValue: number;
  readonly changedAt: Date;
}

/** The highest tier whose threshold the value reaches (tiers are listed lowest first). */
export function qualifyingTier(rules: ProgramRules, value: number): Tier | undefined {
  let found: Tier | undefined;
  for (const level of rules.tiers.levels) if (value >= level.threshold) found = level;
  return found;
}

/** A tier's position in the program (-1 for no tier), for comparing tiers. */
export const rankOf = (rules: ProgramRules, code: string | null) => (code === null ? -1 : rules.tiers.levels.findIndex((l) => l.code === code));

/** SQL for the start of the qualifying window that ends at `end` (calendar years in the workspace time zone). */
function windowStartSql(rules: ProgramRules, end: RawBuilder<unknown>, timezone: string): RawBuilder<Date> {
  const w = rules.tiers.window;
  return w.kind === 'rolling'
    ? sql<Date>`(${end} - make_interval(months => ${w.months}::int))`
    : sql<Date>`(date_trunc('year', (${end} - interval '1 microsecond') AT TIME ZONE ${timezone}) AT TIME ZONE ${timezone})`;
}

/** SQL for the end of the tier period that is running at `at`, plus the grace days: when a downgrade may happen. */
function reviewAtSql(rules: ProgramRules, at: RawBuilder<unknown>, timezone: string): RawBuilder<Date> {
  const w = rules.tiers.window;
  const end =
    w.kind === 'rolling'
      ? sql`(${at} + make_interval(months => ${w.months}::int))`
      : sql`((date_trunc('year', ${at} AT TIME ZONE ${timezone}) + interval '1 year') AT TIME ZONE ${timezone})`;
  return sql<Date>`(${end} + make_interval(days => ${rules.tiers.graceDays}::int))`;
}

/** Qualifying spend (net of refunds, minor units) or points (earned, bonus, minus reversals) per customer over the window ending at each `end`. */
async function qualifyingValues(trx: Trx, ctx: LedgerContext, items: readonly { customerId: number; end: Date }[], endIncluded: boolean): Promise<Map<number, number>> {
  if (items.length === 0) return new Map();
  // Up to now includes what happened this instant; a period ending at midnight excludes the next one's first instant.
  const before = endIncluded ? sql`<=` : sql`<`;
  const rules = ctx.program.rules;
  const ws = ctx.workspaceId;
  const from = windowStartSql(rules, sql`u.e`, ctx.timezone);
  const value =
    rules.tiers.metric === 'spend'
      ? sql`(SELECT sum(o.total_minor - o.refunded_minor) FROM orders o
             WHERE o.workspace_id = ${ws} AND o.customer_id = u.c AND o.status <> 'cancelled' AND o.ordered_at >= ${from} AND o.ordered_at ${before} u.e)`
      : // Points earned on profiles merged into this one count too: their earnings moved here as transfers, which do not count.
        sql`(SELECT sum(p.points) FROM loyalty_postings p
             WHERE p.workspace_id = ${ws} AND p.customer_id IN (SELECT m.id FROM members m WHERE m.root = u.c) AND p.program_id = ${ctx.program.id}
               AND p.kind IN ('earn', 'bonus', 'reverse') AND p.occurred_at >= ${from} AND p.occurred_at ${before} u.e)`;
  const members =
    rules.tiers.metric === 'spend'
      ? sql``
      : sql`, members(root, id) AS (
          SELECT c, c FROM u
          UNION ALL
          SELECT m.root, k.id FROM customers k JOIN members m ON k.workspace_id = ${ws} AND k.merged_into = m.id
        )`;
  const { rows } = await sql<{ customer_id: number; value: number }>`
    WITH RECURSIVE u(c, e) AS (
      SELECT * FROM unnest(${items.map((i) => i.customerId)}::bigint[], ${items.map((i) => i.end.toISOString())}::timestamptz[])
    )${members}
    SELECT u.c AS customer_id, coalesce(${value}, 0)::bigint AS value FROM u`.execute(trx);
  return new Map(rows.map((r) => [r.customer_id, r.value]));
}

interface Decision {
  customerId: number;
  from: string | null;
  to: string | null;
  value: number;
  /** When the new period starts: now for an upgrade, the end of the reviewed period for a review. */
  periodAt: Date;
  reason: 'qualified' | 'period_end';
}

async function applyDecisions(trx: Trx, ctx: LedgerContext, decisions: readonly Decision[]): Promise<TierChange[]> {
  if (decisions.length === 0) return [];
  const ws = ctx.workspaceId;
  const rules = ctx.program.rules;
  // The tier is updated only if it is still what was read: two concurrent evaluations record one change.
  const { rows } = await sql<{ id: number; customer_id: number; from_tier: string | null; to_tier: string | null; reason: 'qualified' | 'period_end'; qualifying_value: number; changed_at: Date }>`
    WITH d AS (
      SELECT * FROM unnest(${decisions.map((d) => d.customerId)}::bigint[], ${decisions.map((d) => d.from)}::text[], ${decisions.map((d) => d.to)}::text[],
                           ${decisions.map((d) => d.value)}::bigint[], ${decisions.map((d) => d.periodAt.toISOString())}::timestamptz[], ${decisions.map((d) => d.reason)}::text[])
        AS u(customer_id, from_tier, to_tier, value, period_at, reason)
    ), updated AS (
      UPDATE loyalty_accounts a
      SET tier = d.to_tier,
          tier_since = CASE WHEN d.from_tier IS DISTINCT FROM d.to_tier THEN ${ctx.now} ELSE a.tier_since END,
          tier_review_at = CASE WHEN d.to_tier IS NULL THEN NULL ELSE ${reviewAtSql(rules, sql`d.period_at`, ctx.timezone)} END,
          updated_at = ${ctx.now}
      FROM d
      WHERE a.workspace_id = ${ws} AND a.program_id = ${ctx.program.id} AND a.customer_id = d.customer_id AND a.tier IS NOT DISTINCT FROM d.from_tier
      RETURNING a.customer_id
    )
    INSERT INTO loyalty_tier_changes (workspace_id, customer_id, program_id, from_tier, to_tier, reason, qualifying_value, changed_at)
    SELECT ${ws}, d.customer_id, ${ctx.program.id}, d.from_tier, d.to_tier, d.reason, d.value, ${ctx.now}
    FROM d JOIN updated USING (customer_id) WHERE d.from_tier IS DISTINCT FROM d.to_tier
    ORDER BY d.customer_id
    RETURNING id, customer_id, from_tier, to_tier, reason, qualifying_value, changed_at`.execute(trx);
  await emitTierChanges(trx, ctx, rows);
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id, fromTier: r.from_tier, toTier: r.to_tier, reason: r.reason, qualifyingValue: r.qualifying_value, changedAt: r.changed_at }));
}

/** Records the `Tier Changed` events of stored tier changes. */
async function emitTierChanges(trx: Trx, ctx: LedgerContext, rows: readonly { id: number; customer_id: number; from_tier: string | null; to_tier: string | null }[]): Promise<void> {
  // The change id makes the message id: re-evaluating without a change emits nothing, a retry of the event write is a no-op.
  await recordEvents(
    trx,
    ctx.workspaceId,
    rows.map((r) => ({
      messageId: `loyalty:tier-changed:${ctx.program.id}:${r.customer_id}:${r.id}`,
      customerId: r.customer_id,
      anonymousId: null,
      type: 'track',
      name: tierChangedEvent,
      occurredAt: ctx.now,
      receivedAt: ctx.now,
      properties: { program: ctx.program.id, from: r.from_tier, to: r.to_tier },
      context: {},
    })),
  );
}

/** A tier set by a profile merge or unmerge: the account takes the tier with the period it had elsewhere. */
export interface TierTransfer {
  readonly customerId: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly since: Date | null;
  readonly reviewAt: Date | null;
  readonly reason: 'merge' | 'unmerge';
  /** Whether journeys hear of it (not for a profile that has just been merged away). */
  readonly emit: boolean;
}

/** Sets an account's tier and period as a merge or unmerge decided, recording the change (and its event). */
export async function transferTier(trx: Trx, ctx: LedgerContext, change: TierTransfer): Promise<void> {
  await trx
    .updateTable('loyalty_accounts')
    .set({ tier: change.to, tier_since: change.since, tier_review_at: change.reviewAt, updated_at: ctx.now })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', change.customerId)
    .where('program_id', '=', ctx.program.id)
    .execute();
  if (change.from === change.to) return;
  const row = await trx
    .insertInto('loyalty_tier_changes')
    .values({ workspace_id: ctx.workspaceId, customer_id: change.customerId, program_id: ctx.program.id, from_tier: change.from, to_tier: change.to, reason: change.reason, qualifying_value: 0, changed_at: ctx.now })
    .returning(['id', 'customer_id', 'from_tier', 'to_tier'])
    .executeTakeFirstOrThrow();
  if (change.emit) await emitTierChanges(trx, ctx, [row]);
}

/**
 * Moves customers up as soon as they qualify for a higher tier (never down: that waits for the end of
 * the period). Called in the transaction that changed their spend or points.
 */
export async function evaluateTierUpgrades(trx: Trx, ctx: LedgerContext, customerIds: readonly number[]): Promise<TierChange[]> {
  const rules = ctx.program.rules;
  if (rules.tiers.levels.length === 0 || customerIds.length === 0) return [];
  const ids = [...new Set(customerIds)].sort((a, b) => a - b);
  // Only customers who could move up are evaluated: not those at the top tier, and (for spend) not those
  // whose lifetime net spend in customer_stats, which no window can exceed, is below the next threshold.
  const levels = rules.tiers.levels;
  const top = levels[levels.length - 1]!.code;
  const next = Object.fromEntries([['', levels[0]!.threshold], ...levels.slice(0, -1).map((l, i) => [l.code, levels[i + 1]!.threshold])]);
  const canReach =
    rules.tiers.metric === 'spend'
      ? sql`AND (s.customer_id IS NULL OR s.total_minor >= coalesce((${JSON.stringify(next)}::jsonb ->> coalesce(a.tier, ''))::bigint, 0))`
      : sql``;
  const { rows: current } = await sql<{ customer_id: number; tier: string | null }>`
    SELECT a.customer_id, a.tier FROM loyalty_accounts a
    LEFT JOIN customer_stats s ON s.workspace_id = a.workspace_id AND s.customer_id = a.customer_id
    WHERE a.workspace_id = ${ctx.workspaceId} AND a.program_id = ${ctx.program.id} AND a.customer_id = ANY(${ids}::bigint[]) AND a.tier IS DISTINCT FROM ${top} ${canReach}`.execute(trx);
  const values = await qualifyingValues(trx, ctx, current.map((c) => ({ customerId: c.customer_id, end: ctx.now })), true);
  const decisions: Decision[] = [];
  for (const c of current) {
    const value = values.get(c.customer_id) ?? 0;
    const tier = qualifyingTier(rules, value);
    if (tier && rankOf(rules, tier.code) > rankOf(rules, c.tier)) decisions.push({ customerId: c.customer_id, from: c.tier, to: tier.code, value, periodAt: ctx.now, reason: 'qualified' });
  }
  return applyDecisions(trx, ctx, decisions);
}

/**
 * Reviews accounts whose tier period (plus grace) has ended: each gets the tier its qualifying value over
 * that period earns (possibly lower) and a new period. Works in batches; returns the changes.
 */
export async function reviewTiers(db: Kysely<Database>, ctx: LedgerContext, batchSize = 1000): Promise<TierChange[]> {
  const rules = ctx.program.rules;
  const changes: TierChange[] = [];
  const graceMs = rules.tiers.graceDays * 86_400_000;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('loyalty_accounts')
        .select(['customer_id', 'tier', 'tier_review_at'])
        .where('workspace_id', '=', ctx.workspaceId)
        .where('program_id', '=', ctx.program.id)
        .where('tier_review_at', '<=', ctx.now)
        .orderBy('customer_id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      // The period ended grace days before the review date; its window is what counts.
      const ends = due.map((d) => ({ customerId: d.customer_id, end: new Date(d.tier_review_at!.getTime() - graceMs) }));
      const values = await qualifyingValues(trx, ctx, ends, false);
      const decisions = due.map((d, i): Decision => {
        const value = values.get(d.customer_id) ?? 0;
        return { customerId: d.customer_id, from: d.tier, to: qualifyingTier(rules, value)?.code ?? null, value, periodAt: ends[i]!.end, reason: 'period_end' };
      });
      changes.push(...(await applyDecisions(trx, ctx, decisions)));
      return due.length;
    });
    if (batch < batchSize) return changes;
  }
}

/** A customer's tier history, newest first. */
export async function tierHistory(db: Kysely<Database>, workspaceId: number, programId: number, customerId: number): Promise<TierChange[]> {
  const rows = await db
    .selectFrom('loyalty_tier_changes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('program_id', '=', programId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id, fromTier: r.from_tier, toTier: r.to_tier, reason: r.reason, qualifyingValue: r.qualifying_value, changedAt: r.changed_at }));
}
