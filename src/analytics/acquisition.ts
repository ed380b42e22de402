import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

/** Customer acquisition cost of one channel in a period. */
export interface ChannelCac {
  /** customers.acquisition_channel; null for new customers without one (they have no spend to divide). */
  readonly channel: string | null;
  /** Spend attributed to the period (minor units; a month's spend pro rata by days when the period cuts it). */
  readonly spendMinor: number;
  /** Customers whose first kept order fell in the period and who came through this channel. */
  readonly newCustomers: number;
  /** spend / new customers; null without new customers (or, for channel null, without spend). */
  readonly cacMinor: number | null;
}

/**
 * CAC per acquisition channel for [from, to] (ISO days in the workspace's time zone; start and end the
 * same bounds as instants): the channel's spend in the period divided by the customers it brought whose
 * first kept order (as in the KPIs' "new") fell in the period. Channels with spend and no new customer,
 * and new customers of channels without spend, are both listed, so neither side hides.
 */
export async function channelCac(db: Kysely<Database>, workspaceId: number, tz: string, from: string, to: string): Promise<ChannelCac[]> {
  const start = sql`(${from}::date::timestamp AT TIME ZONE ${tz})`;
  const end = sql`((${to}::date + 1)::timestamp AT TIME ZONE ${tz})`;
  const rows = await sql<{ channel: string | null; spend: number | null; customers: number | null }>`
    WITH firsts AS (
      SELECT customer_id FROM orders
      WHERE workspace_id = ${workspaceId} AND customer_id IS NOT NULL AND status <> 'cancelled' AND total_minor > refunded_minor AND ordered_at < ${end}
      GROUP BY customer_id HAVING min(ordered_at) >= ${start}
    ),
    acquired AS (
      SELECT c.acquisition_channel AS channel, count(*)::int AS customers
      FROM firsts f JOIN customers c ON c.workspace_id = ${workspaceId} AND c.id = f.customer_id
      GROUP BY 1
    ),
    spent AS (
      SELECT channel,
             round(sum(amount_minor::numeric * ((least(period_end, ${to}::date) - greatest(period_start, ${from}::date) + 1))
                       / (period_end - period_start + 1)))::bigint AS spend
      FROM marketing_spend
      WHERE workspace_id = ${workspaceId} AND period_end >= ${from}::date AND period_start <= ${to}::date
      GROUP BY channel
    )
    SELECT coalesce(s.channel, a.channel) AS channel, s.spend, a.customers
    FROM spent s FULL JOIN acquired a ON a.channel = s.channel
    ORDER BY coalesce(s.spend, 0) DESC, coalesce(a.customers, 0) DESC, 1`.execute(db);
  return rows.rows.map((r) => {
    const spendMinor = Number(r.spend ?? 0);
    const newCustomers = Number(r.customers ?? 0);
    return { channel: r.channel, spendMinor, newCustomers, cacMinor: r.channel === null || newCustomers === 0 ? null : spendMinor / newCustomers };
  });
}
