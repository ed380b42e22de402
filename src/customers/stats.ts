import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Whose stats to compute: a list of customers (those without orders get a zero row), or every customer with orders. */
type StatsScope = { readonly customerIds: readonly number[] } | 'all';

/**
 * Recomputes the customer_stats rows of the given customers from their orders, in the caller's
 * transaction. Called by every write that touches orders, so analytics reads one row per customer
 * instead of scanning orders. Order days are calendar days in the workspace's time zone; refunds
 * count against the total but a fully refunded order still counts as an order day only if any of it was kept.
 */
export async function refreshCustomerStats(db: Db, workspaceId: number, customerIds: readonly number[]): Promise<void> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return;
  await writeStats(db, workspaceId, { customerIds: ids });
}

/**
 * Recomputes every customer_stats row of a workspace from its raw orders with one set-based statement
 * (the definitions of refreshCustomerStats), in the caller's transaction; for after a bulk load that
 * bypassed the per-write refresh. Run it after bulk imports, not under live order traffic: an order
 * written meanwhile may be missed. Returns the number of rows written.
 */
export async function rebuildCustomerStats(trx: Transaction<Database>, workspaceId: number): Promise<number> {
  await trx.deleteFrom('customer_stats').where('workspace_id', '=', workspaceId).execute();
  return writeStats(trx, workspaceId, 'all');
}

async function writeStats(db: Db, workspaceId: number, scope: StatsScope): Promise<number> {
  const whose = scope === 'all' ? sql`o.customer_id IS NOT NULL` : sql`o.customer_id = ANY(${scope.customerIds}::bigint[])`;
  const result = await sql`
    WITH tz AS (SELECT timezone FROM workspaces WHERE id = ${workspaceId}),
    o AS (
      SELECT o.customer_id, o.ordered_at, o.total_minor, o.refunded_minor, o.item_count, o.channel, o.store, o.status,
             (o.ordered_at AT TIME ZONE (SELECT timezone FROM tz))::date AS day
      FROM orders o
      WHERE o.workspace_id = ${workspaceId} AND ${whose}
    ),
    kept AS (SELECT * FROM o WHERE status <> 'cancelled' AND total_minor > refunded_minor),
    agg AS (
      SELECT customer_id,
             min(ordered_at) AS first_order_at,
             max(ordered_at) AS last_order_at,
             count(*)::int AS order_count,
             count(DISTINCT day)::int AS order_days,
             sum(total_minor - refunded_minor)::bigint AS total_minor,
             sum(item_count)::int AS item_count,
             (array_agg(channel ORDER BY ordered_at DESC))[1] AS last_order_channel,
             (array_agg(store ORDER BY ordered_at DESC))[1] AS last_order_store,
             min(day) AS first_day
      FROM kept GROUP BY customer_id
    ),
    first_day AS (
      SELECT k.customer_id, sum(k.total_minor - k.refunded_minor)::bigint AS first_day_minor
      FROM kept k JOIN agg a ON a.customer_id = k.customer_id AND k.day = a.first_day
      GROUP BY k.customer_id
    ),
    refunds AS (SELECT customer_id, sum(refunded_minor)::bigint AS refunded_minor FROM o GROUP BY customer_id),
    ids AS (${scope === 'all' ? sql`SELECT customer_id FROM refunds` : sql`SELECT unnest(${scope.customerIds}::bigint[]) AS customer_id`})
    INSERT INTO customer_stats (workspace_id, customer_id, first_order_at, last_order_at, order_count, order_days,
      total_minor, refunded_minor, first_day_minor, item_count, last_order_channel, last_order_store, updated_at)
    SELECT ${workspaceId}, ids.customer_id, a.first_order_at, a.last_order_at, coalesce(a.order_count, 0), coalesce(a.order_days, 0),
           coalesce(a.total_minor, 0), coalesce(r.refunded_minor, 0), coalesce(f.first_day_minor, 0), coalesce(a.item_count, 0),
           a.last_order_channel, a.last_order_store, now()
    FROM ids
    LEFT JOIN agg a ON a.customer_id = ids.customer_id
    LEFT JOIN first_day f ON f.customer_id = ids.customer_id
    LEFT JOIN refunds r ON r.customer_id = ids.customer_id
    ON CONFLICT (workspace_id, customer_id) DO UPDATE SET
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at,
      order_count = excluded.order_count, order_days = excluded.order_days, total_minor = excluded.total_minor,
      refunded_minor = excluded.refunded_minor, first_day_minor = excluded.first_day_minor, item_count = excluded.item_count,
      last_order_channel = excluded.last_order_channel, last_order_store = excluded.last_order_store, updated_at = now()
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
