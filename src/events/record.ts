import { sql, type Transaction } from 'kysely';
import type { Database, EventType, JsonObject } from '../db/index.ts';

/** A behavioural event attributed to a profile (or to no one yet), ready to store. */
export interface EventRow {
  readonly messageId: string;
  readonly customerId: number | null;
  readonly anonymousId: string | null;
  readonly type: EventType;
  readonly name: string | null;
  readonly occurredAt: Date;
  readonly receivedAt: Date;
  readonly properties: JsonObject;
  readonly context: JsonObject;
}

/**
 * Stores events in the caller's transaction with one statement, skipping message ids already stored
 * (clients retry; a retried message must land once). Returns the message ids that were new.
 */
export async function recordEvents(trx: Transaction<Database>, workspaceId: number, events: readonly EventRow[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const result = await sql<{ message_id: string }>`
    INSERT INTO events (workspace_id, message_id, customer_id, origin_customer_id, anonymous_id, type, name, occurred_at, received_at, properties, context)
    SELECT ${workspaceId}, m, c, c, a, t, n, o, r, p, x
    FROM unnest(${events.map((e) => e.messageId)}::text[], ${events.map((e) => e.customerId)}::bigint[], ${events.map((e) => e.anonymousId)}::text[],
                ${events.map((e) => e.type)}::text[], ${events.map((e) => e.name)}::text[], ${events.map((e) => e.occurredAt.toISOString())}::timestamptz[],
                ${events.map((e) => e.receivedAt.toISOString())}::timestamptz[], ${events.map((e) => JSON.stringify(e.properties))}::jsonb[],
                ${events.map((e) => JSON.stringify(e.context))}::jsonb[]) AS u(m, c, a, t, n, o, r, p, x)
    ON CONFLICT (workspace_id, message_id) DO NOTHING
    RETURNING message_id`.execute(trx);
  return new Set(result.rows.map((r) => r.message_id));
}
