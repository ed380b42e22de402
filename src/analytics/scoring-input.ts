import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import type { AnalyticsSettings } from './settings.ts';

type Trx = Transaction<Database>;

/** Which customers a run covers and where their purchase history is read from. */
export interface ScoringInputOptions {
  readonly workspaceId: number;
  readonly timezone: string;
  /** ISO date in the workspace's time zone; orders after the end of this day are not counted. */
  readonly asOf: string;
  readonly settings: AnalyticsSettings;
  /** Also find each buyer's order day before the last (first run, cold run), which takes one pass over orders; needed to recognise "won back" without a previous state. */
  readonly previousDay: boolean;
  /** Only these customers (targeted rescoring); all buyers when absent. */
  readonly customerIds?: readonly number[];
}

// A kept order is one that counts: not cancelled and not wholly refunded — the same rule as customer_stats.
const keptOrder = sql`o.status <> 'cancelled' AND o.total_minor > o.refunded_minor`;

/** The ISO date of an instant in a time zone (the workspace's "today" for a clock reading). */
export function dateInZone(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Builds the temporary table score_input (dropped at commit): one row per buyer with their history up
 * to the end of the as-of day and the RFM inputs. Buyers whose whole history precedes the as-of day are
 * read from customer_stats (one row each, no order scan); only those with orders after it (an as-of in
 * the past, or future-dated orders) are re-aggregated from their orders. The first and cold runs also
 * look up each buyer's previous order day (one pass over orders). With a window, frequency and
 * monetary come from the window's orders. Returns the number of buyers.
 */
export async function buildScoringInput(trx: Trx, options: ScoringInputOptions): Promise<number> {
  const { workspaceId: ws, timezone: tz, asOf, settings, previousDay, customerIds } = options;
  const asOfEnd = sql`((${asOf}::date + 1)::timestamp AT TIME ZONE ${tz})`;
  const statsIds = customerIds ? sql`AND s.customer_id = ANY(${[...customerIds]}::bigint[])` : sql``;
  const orderIds = customerIds ? sql`AND o.customer_id = ANY(${[...customerIds]}::bigint[])` : sql``;

  // The latest kept order before the start of the last order day: one hash join of orders to
  // customer_stats and a hash aggregate, no sort.
  const prevDays = sql`
    SELECT o.customer_id, max((o.ordered_at AT TIME ZONE ${tz})::date) AS prev_day
    FROM orders o JOIN customer_stats s ON s.workspace_id = o.workspace_id AND s.customer_id = o.customer_id
    WHERE o.workspace_id = ${ws} AND ${keptOrder} AND s.order_days > 1 AND s.last_order_at < ${asOfEnd} ${statsIds}
      AND o.ordered_at < (((s.last_order_at AT TIME ZONE ${tz})::date)::timestamp AT TIME ZONE ${tz})
    GROUP BY o.customer_id`;
  const fromStats = sql`
    SELECT s.customer_id, (s.first_order_at AT TIME ZONE ${tz})::date AS first_day, (s.last_order_at AT TIME ZONE ${tz})::date AS last_day,
           ${previousDay ? sql`p.prev_day` : sql`NULL::date`} AS prev_day, s.order_count, s.order_days, s.total_minor, s.first_day_minor
    FROM customer_stats s ${previousDay ? sql`LEFT JOIN (${prevDays}) p ON p.customer_id = s.customer_id` : sql``}
    WHERE s.workspace_id = ${ws} AND s.order_count > 0 AND s.last_order_at < ${asOfEnd} ${statsIds}`;
  // Buyers with orders after the as-of day (usually none, or a few future-dated ones) are looked up first,
  // so their orders are read through the (workspace, customer) index instead of scanning all orders.
  const later = await sql<{ customer_id: number }>`
    SELECT s.customer_id FROM customer_stats s WHERE s.workspace_id = ${ws} AND s.last_order_at >= ${asOfEnd} ${statsIds}`.execute(trx);
  const skipOrders = later.rows.length === 0;
  const laterBuyers = sql`AND o.customer_id = ANY(${later.rows.map((r) => r.customer_id)}::bigint[])`;
  const fromOrderRows = sql`
    SELECT customer_id, min(day) AS first_day, max(day) AS last_day, max(day) FILTER (WHERE back = 2) AS prev_day,
           sum(n)::int AS order_count, count(*)::int AS order_days, sum(net)::bigint AS total_minor,
           sum(net) FILTER (WHERE forth = 1)::bigint AS first_day_minor
    FROM (
      SELECT d.*, row_number() OVER (PARTITION BY customer_id ORDER BY day DESC) AS back, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS forth
      FROM (
        SELECT o.customer_id, (o.ordered_at AT TIME ZONE ${tz})::date AS day, count(*) AS n, sum(o.total_minor - o.refunded_minor) AS net
        FROM orders o
        WHERE o.workspace_id = ${ws} AND o.customer_id IS NOT NULL AND ${keptOrder} AND o.ordered_at < ${asOfEnd} ${orderIds} ${laterBuyers}
        GROUP BY 1, 2
      ) d
    ) r
    GROUP BY customer_id`;
  const history = skipOrders ? fromStats : sql`${fromStats} UNION ALL ${fromOrderRows}`;

  const { windowDays, frequency, monetary } = settings.rfm;
  let windowCte: RawBuilder<unknown>;
  let win: { orders: RawBuilder<unknown>; days: RawBuilder<unknown>; total: RawBuilder<unknown> };
  if (windowDays === null) {
    windowCte = sql``;
    win = { orders: sql`h.order_count`, days: sql`h.order_days`, total: sql`h.total_minor` };
  } else {
    const windowStart = sql`((${asOf}::date - ${windowDays - 1}::int)::timestamp AT TIME ZONE ${tz})`;
    windowCte = sql`, win AS (
      SELECT o.customer_id, count(*)::int AS orders, count(DISTINCT (o.ordered_at AT TIME ZONE ${tz})::date)::int AS days, sum(o.total_minor - o.refunded_minor)::bigint AS total
      FROM orders o
      WHERE o.workspace_id = ${ws} AND o.customer_id IS NOT NULL AND ${keptOrder} AND o.ordered_at >= ${windowStart} AND o.ordered_at < ${asOfEnd} ${orderIds}
      GROUP BY o.customer_id)`;
    win = { orders: sql`coalesce(w.orders, 0)`, days: sql`coalesce(w.days, 0)`, total: sql`coalesce(w.total, 0)` };
  }
  const freq = frequency === 'orders' ? win.orders : win.days;
  const money = monetary === 'total' ? win.total : sql`CASE WHEN ${freq} > 0 THEN round(${win.total}::numeric / ${freq})::bigint ELSE 0 END`;
  const join = windowDays === null ? sql`` : sql`LEFT JOIN win w ON w.customer_id = h.customer_id`;

  await sql`DROP TABLE IF EXISTS score_input`.execute(trx);
  await sql`
    CREATE TEMP TABLE score_input ON COMMIT DROP AS
    WITH hist AS (${history}) ${windowCte}
    SELECT h.customer_id, h.first_day, h.last_day, h.prev_day, h.order_count, h.order_days, h.total_minor, h.first_day_minor,
           (${asOf}::date - h.last_day) AS recency, ${freq} AS frequency, ${money} AS monetary, ${win.total} AS revenue
    FROM hist h ${join}`.execute(trx);
  await sql`ANALYZE score_input`.execute(trx);
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM score_input`.execute(trx);
  return count.rows[0]?.n ?? 0;
}
