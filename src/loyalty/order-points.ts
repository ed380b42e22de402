import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { expirySql, postDebit, type LedgerContext } from './ledger.ts';
import { findActiveProgram } from './program.ts';
import { evaluateTierUpgrades } from './tiers.ts';

type Trx = Transaction<Database>;

/** What posting points for orders did. */
export interface OrderPointsResult {
  /** Earn postings made now (orders posted before are skipped by their key). */
  readonly postings: number;
  readonly points: number;
  readonly customers: number;
}

/** The idempotency key of an order's earn posting. */
export const orderEarnKey = (orderId: number) => `order:${orderId}:earn`;

/**
 * Posts the earn rules for the given orders in the caller's transaction, set-based (one statement for any
 * number of orders): points = floor(total × line-weighted category multiplier × channel multiplier × tier
 * multiplier × pointsPerUnit / unitMinor), capped per order, then per customer and local day in order-time
 * order. Guest, cancelled and pre-program orders earn nothing; an order earns once (key order:<id>:earn).
 * Customers who now qualify for a higher tier are moved up. Does nothing without an active program.
 */
export async function earnPointsForOrders(trx: Trx, workspace: Workspace, orderIds: readonly number[], now: Date): Promise<OrderPointsResult> {
  const program = orderIds.length === 0 ? undefined : await findActiveProgram(trx, workspace.id);
  if (!program) return { postings: 0, points: 0, customers: 0 };
  return earnForOrders(trx, { workspaceId: workspace.id, timezone: workspace.timezone, program, now }, orderIds);
}

/** earnPointsForOrders for a known program. */
export async function earnForOrders(trx: Trx, ctx: LedgerContext, orderIds: readonly number[]): Promise<OrderPointsResult> {
  if (orderIds.length === 0) return { postings: 0, points: 0, customers: 0 };
  const { program, now } = ctx;
  const rules = program.rules.earn;
  const ws = ctx.workspaceId;
  const timezone = ctx.timezone;
  const tiers = Object.fromEntries(program.rules.tiers.levels.map((l) => [l.code, l.multiplier]));
  const useCategories = Object.keys(rules.categoryMultipliers).length > 0;
  // Multipliers travel as JSON so that numeric reads their exact decimal text.
  const categoryWeight = useCategories
    ? sql`LEFT JOIN LATERAL (
        SELECT sum(i.amount_minor * coalesce((${JSON.stringify(rules.categoryMultipliers)}::jsonb ->> i.category)::numeric, 1)) AS weighted, sum(i.amount_minor) AS plain
        FROM order_items i WHERE i.workspace_id = ${ws} AND i.order_id = o.id) w ON true`
    : sql`LEFT JOIN LATERAL (SELECT NULL::numeric AS weighted, NULL::numeric AS plain) w ON true`;
  const perOrder = rules.maxPerOrder === undefined ? sql`raw` : sql`least(raw, ${rules.maxPerOrder}::bigint)`;
  const day = sql`(ordered_at AT TIME ZONE ${timezone})::date`;
  // The day cap counts what the customer earned that local day before this batch, then this batch in time order.
  const granted =
    rules.maxPerDay === undefined
      ? sql`capped`
      : sql`greatest(0, least(capped, ${rules.maxPerDay}::bigint - coalesce((
          SELECT sum(p.points) FROM loyalty_postings p
          WHERE p.workspace_id = ${ws} AND p.customer_id = c.customer_id AND p.program_id = ${program.id} AND p.kind = 'earn'
            AND p.occurred_at >= (${day}::timestamp AT TIME ZONE ${timezone}) AND p.occurred_at < ((${day} + 1)::timestamp AT TIME ZONE ${timezone})
        ), 0) - (sum(capped) OVER (PARTITION BY customer_id, ${day} ORDER BY ordered_at, id) - capped)))`;
  // The day cap must not count an order twice, so already-posted orders are left out up front; without a
  // day cap the key's ON CONFLICT is enough and saves a probe per order.
  const unposted =
    rules.maxPerDay === undefined ? sql`` : sql`AND NOT EXISTS (SELECT 1 FROM loyalty_postings p WHERE p.workspace_id = ${ws} AND p.idempotency_key = 'order:' || o.id || ':earn')`;
  const since = rules.ordersSince === undefined ? sql`` : sql`AND o.ordered_at >= ${rules.ordersSince}`;
  const { rows } = await sql<{ customers: number; postings: number; points: number; ids: number[] }>`
    WITH o AS (
      SELECT o.id, o.customer_id, o.total_minor, o.ordered_at, o.channel FROM orders o
      WHERE o.workspace_id = ${ws} AND o.id = ANY(${[...orderIds]}::bigint[]) AND o.customer_id IS NOT NULL AND o.status <> 'cancelled' ${since}
        ${unposted}
    ), r AS (
      SELECT o.id, o.customer_id, o.ordered_at,
             floor(o.total_minor * (CASE WHEN w.plain > 0 THEN w.weighted ELSE 1 END)
                   * coalesce((${JSON.stringify(rules.channelMultipliers)}::jsonb ->> o.channel)::numeric, 1)
                   * coalesce((${JSON.stringify(tiers)}::jsonb ->> a.tier)::numeric, 1) * ${rules.pointsPerUnit}::numeric
                   / ((CASE WHEN w.plain > 0 THEN w.plain ELSE 1 END) * ${rules.unitMinor}::numeric))::bigint AS raw
      FROM o ${categoryWeight}
      LEFT JOIN loyalty_accounts a ON a.workspace_id = ${ws} AND a.customer_id = o.customer_id AND a.program_id = ${program.id}
    ), c AS (
      SELECT id, customer_id, ordered_at, ${perOrder} AS capped FROM r
    ), g AS (
      SELECT id, customer_id, ordered_at, ${granted} AS points FROM c
    ), posted AS (
      INSERT INTO loyalty_postings (workspace_id, customer_id, program_id, idempotency_key, request_hash, kind, points, rule, order_id, reason, actor, occurred_at, created_at)
      SELECT ${ws}, customer_id, ${program.id}, 'order:' || id || ':earn', '', 'earn', points, 'order', id, 'order', 'system', ordered_at, ${now}
      FROM g WHERE points > 0 ORDER BY customer_id, id
      ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
      RETURNING id, customer_id, points, occurred_at
    ), lots AS (
      INSERT INTO loyalty_lots (workspace_id, customer_id, posting_id, program_id, points, remaining, earned_at, expires_at)
      SELECT ${ws}, customer_id, id, ${program.id}, points, points, occurred_at, ${expirySql(program.rules, sql`posted.occurred_at`, timezone)} FROM posted
    ), per_customer AS (
      SELECT customer_id, count(*)::int AS n, sum(points)::bigint AS points FROM posted GROUP BY customer_id
    ), accounts AS (
      INSERT INTO loyalty_accounts (workspace_id, customer_id, program_id, balance, created_at, updated_at)
      SELECT ${ws}, customer_id, ${program.id}, points, ${now}, ${now} FROM per_customer ORDER BY customer_id
      ON CONFLICT (workspace_id, customer_id, program_id) DO UPDATE SET balance = loyalty_accounts.balance + excluded.balance, updated_at = excluded.updated_at
    )
    SELECT count(*)::int AS customers, coalesce(sum(n), 0)::int AS postings, coalesce(sum(points), 0)::bigint AS points,
           coalesce(array_agg(customer_id), '{}') AS ids
    FROM per_customer`.execute(trx);
  const row = rows[0]!;
  if (row.customers > 0) await evaluateTierUpgrades(trx, ctx, row.ids);
  await reverseCancelledOrders(trx, ctx, orderIds);
  return { postings: row.postings, points: row.points, customers: row.customers };
}

/**
 * Takes back the points an order earned as far as it has been refunded (all of them once it is cancelled),
 * in the caller's transaction. The target is floor(earned × refunded / total) of the order's state now, so
 * partial refunds add up to exactly what the order earned once it is refunded in full; each reversal is keyed
 * by the refunded amount it settles, so a retry applies once. A reversal consumes the order's own lot first,
 * then others first-expiring-first, and never overdraws: what the balance cannot cover is recorded as its
 * shortfall (the customer already spent those points).
 */
export async function reverseOrderPoints(trx: Trx, ctx: LedgerContext, orderIds: readonly number[]): Promise<number> {
  if (orderIds.length === 0) return 0;
  // The points are taken from the order's profile now: after a merge the earn lot moved there (as a transfer
  // lot that remembers it), and reversals already made may sit on either profile, so they are summed by order.
  const { rows } = await sql<{ order_id: number; customer_id: number; earn_id: number; lot_id: number | null; earned: number; target: number; settled: number; state: string; refunded_at: Date }>`
    SELECT e.order_id, o.customer_id, e.id AS earn_id, e.points AS earned,
           CASE WHEN o.customer_id = e.customer_id THEN e.id ELSE (
             SELECT t.id FROM loyalty_postings t
             WHERE t.workspace_id = e.workspace_id AND t.customer_id = o.customer_id AND t.kind = 'transfer' AND t.details->>'originLot' = e.id::text
             ORDER BY t.id DESC LIMIT 1) END AS lot_id,
           CASE WHEN o.status = 'cancelled' OR o.total_minor = 0 THEN e.points ELSE floor(e.points::numeric * o.refunded_minor / o.total_minor)::bigint END AS target,
           coalesce((SELECT sum((r.details->>'due')::bigint) FROM loyalty_postings r
                     WHERE r.workspace_id = e.workspace_id AND r.order_id = e.order_id AND r.kind = 'reverse'), 0)::bigint AS settled,
           CASE WHEN o.status = 'cancelled' THEN 'cancelled' ELSE o.refunded_minor::text END AS state,
           coalesce((SELECT max(f.refunded_at) FROM order_refunds f WHERE f.workspace_id = o.workspace_id AND f.order_id = o.id), ${ctx.now}) AS refunded_at
    FROM loyalty_postings e JOIN orders o ON o.workspace_id = e.workspace_id AND o.id = e.order_id
    WHERE e.workspace_id = ${ctx.workspaceId} AND e.program_id = ${ctx.program.id}
      AND e.idempotency_key = ANY(${orderIds.map(orderEarnKey)}::text[]) AND (o.refunded_minor > 0 OR o.status = 'cancelled') AND o.customer_id IS NOT NULL
    ORDER BY o.customer_id, e.order_id`.execute(trx);
  let reversed = 0;
  for (const r of rows) {
    const due = r.target - r.settled;
    if (due <= 0) continue;
    const result = await postDebit(trx, ctx, {
      customerId: r.customer_id,
      idempotencyKey: `order:${r.order_id}:reverse:${r.state}`,
      requestHash: '',
      kind: 'reverse',
      points: due,
      clamp: true,
      preferLot: r.lot_id ?? undefined,
      orderId: r.order_id,
      reason: r.state === 'cancelled' ? 'order cancelled' : 'order refunded',
      actor: 'system',
      details: { due, earnPosting: r.earn_id },
      occurredAt: r.refunded_at,
    });
    reversed -= result.posting.points;
  }
  return reversed;
}

async function reverseCancelledOrders(trx: Trx, ctx: LedgerContext, orderIds: readonly number[]): Promise<void> {
  const { rows } = await sql<{ id: number }>`
    SELECT id FROM orders WHERE workspace_id = ${ctx.workspaceId} AND id = ANY(${[...orderIds]}::bigint[]) AND status = 'cancelled'`.execute(trx);
  if (rows.length > 0) await reverseOrderPoints(trx, ctx, rows.map((r) => r.id));
}

/** Posts earn rules for orders named by their order numbers (the ways in know numbers, not ids). */
export async function earnPointsForOrderNumbers(trx: Trx, workspace: Workspace, orderNumbers: readonly string[], now: Date): Promise<OrderPointsResult> {
  const program = orderNumbers.length === 0 ? undefined : await findActiveProgram(trx, workspace.id);
  if (!program) return { postings: 0, points: 0, customers: 0 };
  return earnForOrderNumbers(trx, { workspaceId: workspace.id, timezone: workspace.timezone, program, now }, orderNumbers);
}

/** earnPointsForOrderNumbers for a known program. */
export async function earnForOrderNumbers(trx: Trx, ctx: LedgerContext, orderNumbers: readonly string[]): Promise<OrderPointsResult> {
  if (orderNumbers.length === 0) return { postings: 0, points: 0, customers: 0 };
  const { rows } = await sql<{ id: number }>`
    SELECT id FROM orders WHERE workspace_id = ${ctx.workspaceId} AND external_id = ANY(${[...orderNumbers]}::text[])`.execute(trx);
  return earnForOrders(
    trx,
    ctx,
    rows.map((r) => r.id),
  );
}

/** Reverses the points of the orders the given refunds (by refund id) were applied to; nothing without an active program. */
export async function reversePointsForRefunds(trx: Trx, workspace: Workspace, refundIds: readonly string[], now: Date): Promise<number> {
  const program = refundIds.length === 0 ? undefined : await findActiveProgram(trx, workspace.id);
  if (!program) return 0;
  return reverseForRefunds(trx, { workspaceId: workspace.id, timezone: workspace.timezone, program, now }, refundIds);
}

/** reversePointsForRefunds for a known program. */
export async function reverseForRefunds(trx: Trx, ctx: LedgerContext, refundIds: readonly string[]): Promise<number> {
  if (refundIds.length === 0) return 0;
  const { rows } = await sql<{ order_id: number }>`
    SELECT DISTINCT order_id FROM order_refunds WHERE workspace_id = ${ctx.workspaceId} AND external_id = ANY(${[...refundIds]}::text[]) ORDER BY order_id`.execute(trx);
  return reverseOrderPoints(trx, ctx, rows.map((r) => r.order_id));
}
