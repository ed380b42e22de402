import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { ChannelKind } from '../types.ts';

/** What a provider reported about one message after it was handed over. */
export interface DeliveryReport {
  readonly channel: ChannelKind;
  /** How the provider names the message: the id it gave at send time, and/or the idempotency key Patron sent along. */
  readonly providerMessageId?: string;
  readonly idempotencyKey?: string;
  /**
   * delivered: it reached the recipient. failed: it did not, for a reason that may pass. bounced: the address itself
   * refuses (hard bounce, blocked), so it is suppressed. complaint: the recipient marked it as spam; suppressed too.
   */
  readonly outcome: 'delivered' | 'failed' | 'bounced' | 'complaint';
  readonly reason: string | null;
  /** When the provider says it happened. */
  readonly at: Date;
}

/** How many reports named a message of this workspace, and how many did not. */
export interface ReportTally {
  readonly matched: number;
  readonly unmatched: number;
}

/**
 * Applies delivery reports to the message log in one transaction. A report must name a message of this workspace
 * on its channel (by provider id, idempotency key, or both, and then both must agree). A message still being
 * delivered ('queued', the receipt came before the dispatcher recorded its result) or 'sent' moves to delivered,
 * failed or bounced with the report's time and reason; a failure or bounce also overrides a 'delivered' that only
 * tracking had inferred (an open), but a provider's first report stands, so repeated or contradictory pushes change
 * nothing. Bounces and complaints put the address on the channel's suppression list.
 */
export async function recordDeliveryReports(db: Kysely<Database>, workspaceId: number, reports: readonly DeliveryReport[], now: Date): Promise<ReportTally> {
  if (reports.length === 0) return { matched: 0, unmatched: 0 };
  return db.transaction().execute(async (trx) => {
    const found = await sql<{ i: number; customer_id: number; id: number; address: string | null }>`
      SELECT r.i, m.customer_id, m.id, m.address
      FROM unnest(${reports.map((_, i) => i)}::int[], ${reports.map((r) => r.channel)}::text[],
                  ${reports.map((r) => r.providerMessageId ?? null)}::text[], ${reports.map((r) => r.idempotencyKey ?? null)}::text[])
        AS r (i, channel, provider_id, idempotency_key)
      JOIN messages m ON m.workspace_id = ${workspaceId} AND m.channel = r.channel
        AND (r.provider_id IS NOT NULL OR r.idempotency_key IS NOT NULL)
        AND (r.provider_id IS NULL OR m.provider_message_id = r.provider_id)
        AND (r.idempotency_key IS NULL OR m.idempotency_key = r.idempotency_key)`.execute(trx);
    const byIndex = new Map(found.rows.map((row) => [Number(row.i), row]));
    const matched = reports.flatMap((report, i) => {
      const row = byIndex.get(i);
      return row ? [{ report, customerId: Number(row.customer_id), id: Number(row.id), address: row.address }] : [];
    });
    if (matched.length > 0) {
      const status = matched.map(({ report }) => (report.outcome === 'complaint' ? null : report.outcome));
      await sql`
        UPDATE messages m
        SET status = u.status,
            reason = u.reason,
            delivered_at = CASE WHEN u.status = 'delivered' THEN coalesce(m.delivered_at, u.at) ELSE m.delivered_at END,
            next_attempt_at = NULL,
            reported_at = u.at
        FROM unnest(${matched.map((m) => m.customerId)}::bigint[], ${matched.map((m) => m.id)}::bigint[], ${status}::text[],
                    ${matched.map((m) => m.report.reason)}::text[], ${matched.map((m) => m.report.at.toISOString())}::timestamptz[])
          AS u (customer_id, id, status, reason, at)
        WHERE m.workspace_id = ${workspaceId} AND m.customer_id = u.customer_id AND m.id = u.id AND u.status IS NOT NULL
          AND (m.status IN ('queued', 'sent') OR (m.status = 'delivered' AND m.reported_at IS NULL AND u.status IN ('failed', 'bounced')))`.execute(trx);
      const suppress = matched.filter((m) => (m.report.outcome === 'bounced' || m.report.outcome === 'complaint') && m.address);
      if (suppress.length > 0) {
        await sql`
          INSERT INTO suppressions (workspace_id, channel, address, reason, source, created_at)
          SELECT DISTINCT ON (s.channel, s.address) ${workspaceId}, s.channel, s.address, s.reason, 'message ' || s.id, ${now.toISOString()}::timestamptz
          FROM unnest(${suppress.map((m) => m.report.channel)}::text[], ${suppress.map((m) => m.address!.toLowerCase())}::text[],
                      ${suppress.map((m) => (m.report.outcome === 'complaint' ? 'complaint' : 'bounced'))}::text[], ${suppress.map((m) => m.id)}::bigint[])
            AS s (channel, address, reason, id)
          ON CONFLICT (workspace_id, channel, address) DO NOTHING`.execute(trx);
      }
    }
    return { matched: matched.length, unmatched: reports.length - matched.length };
  });
}
