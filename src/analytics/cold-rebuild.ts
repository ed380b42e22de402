import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { lockScoring } from './scoring-lock.ts';

/**
 * Recomputes every customer_stats row of a workspace from its raw orders in one set-based statement,
 * for after a bulk import that bypassed the per-write refresh. The definitions are those of
 * customers/stats.ts (refreshCustomerStats), which does the same for a list of customers; a test
 * checks that both agree. Returns the number of rows written.
 */
export async function rebuildCustomerStats(db: Kysely<Database>, workspace: Workspace): Promise<number> {
  const ws = workspace.id;
  return db.transaction().execute(async (trx) => {
    await lockScoring(trx, ws);
    await trx.deleteFrom('customer_stats').where('workspace_id', '=', ws).execute();
    const result = await sql`
      WITH o AS (
        SELECT customer_id, ordered_at, total_minor, refunded_minor, item_count, channel, store, status,
               (ordered_at AT TIME ZONE ${workspace.timezone})::date AS day
        FROM orders WHERE workspace_id = ${ws} AND customer_id IS NOT NULL
      ),
      kept AS (SELECT * FROM o WHERE status <> 'cancelled' AND total_minor > refunded_minor),
      agg AS (
        SELECT customer_id, min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at, count(*)::int AS order_count,
               count(DISTINCT day)::int AS order_days, sum(total_minor - refunded_minor)::bigint AS total_minor, sum(item_count)::int AS item_count,
               (array_agg(channel ORDER BY ordered_at DESC))[1] AS last_order_channel, (array_agg(store ORDER BY ordered_at DESC))[1] AS last_order_store,
               min(day) AS first_day
        FROM kept GROUP BY customer_id
      ),
      first_day AS (
        SELECT k.customer_id, sum(k.total_minor - k.refunded_minor)::bigint AS first_day_minor
        FROM kept k JOIN agg a ON a.customer_id = k.customer_id AND k.day = a.first_day GROUP BY k.customer_id
      ),
      everyone AS (SELECT customer_id, sum(refunded_minor)::bigint AS refunded_minor FROM o GROUP BY customer_id)
      INSERT INTO customer_stats (workspace_id, customer_id, first_order_at, last_order_at, order_count, order_days,
        total_minor, refunded_minor, first_day_minor, item_count, last_order_channel, last_order_store, updated_at)
      SELECT ${ws}, e.customer_id, a.first_order_at, a.last_order_at, coalesce(a.order_count, 0), coalesce(a.order_days, 0),
             coalesce(a.total_minor, 0), e.refunded_minor, coalesce(f.first_day_minor, 0), coalesce(a.item_count, 0),
             a.last_order_channel, a.last_order_store, now()
      FROM everyone e LEFT JOIN agg a ON a.customer_id = e.customer_id LEFT JOIN first_day f ON f.customer_id = e.customer_id
      -- An order written during the rebuild may have refreshed a row already; the rebuild's values replace it
      -- (and may miss that order): rebuild after bulk imports, not under live order traffic.
      ON CONFLICT (workspace_id, customer_id) DO UPDATE SET
        first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, order_count = excluded.order_count,
        order_days = excluded.order_days, total_minor = excluded.total_minor, refunded_minor = excluded.refunded_minor,
        first_day_minor = excluded.first_day_minor, item_count = excluded.item_count, last_order_channel = excluded.last_order_channel,
        last_order_store = excluded.last_order_store, updated_at = now()`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}
