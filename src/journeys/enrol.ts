import { sql, type Transaction } from 'kysely';
import type { Database, JsonObject } from '../db/index.ts';
import { assertNever } from '../lib/errors.ts';
import type { JourneyGraph } from './graph.ts';

/** The version a customer enters and what the trigger knew (event properties become Liquid variables). */
export interface EnrolTarget {
  readonly workspaceId: number;
  readonly journeyId: number;
  readonly versionId: number;
  readonly graph: JourneyGraph;
}

export interface Enrolment {
  readonly customerId: number;
  readonly context?: JsonObject;
}

/**
 * Puts customers into a journey version, due now at its entry node, in one statement. The re-entry policy
 * decides who may enter again: never (once per journey), after_exit (when not in it now) or after_days
 * (not within N days of the last entry). A unique index keeps a customer from being in one journey twice
 * at once, even when two workers enrol the same event. Returns the entries made.
 */
export async function enrolCustomers(trx: Transaction<Database>, target: EnrolTarget, enrolments: readonly Enrolment[], now: Date): Promise<{ entryId: number; customerId: number }[]> {
  const seen = new Set<number>();
  const unique = enrolments.filter((e) => (seen.has(e.customerId) ? false : (seen.add(e.customerId), true)));
  if (unique.length === 0) return [];
  const { reentry } = target.graph;
  let earlier;
  switch (reentry.mode) {
    case 'never':
      earlier = sql`true`;
      break;
    case 'after_exit':
      earlier = sql`false`;
      break;
    case 'after_days':
      earlier = sql`e.entered_at > ${new Date(now.getTime() - reentry.days * 86_400_000)}`;
      break;
    default:
      return assertNever(reentry, 're-entry policy');
  }
  const ids = unique.map((e) => e.customerId);
  // The earlier entries are found by an index lookup on the ids first (a NOT EXISTS per row can be planned as a
  // scan of the whole journey per customer when the table's statistics are stale, e.g. during a bulk enrolment).
  const { rows } = await sql<{ id: number; customer_id: number }>`
    WITH prior AS MATERIALIZED (
      SELECT DISTINCT e.customer_id FROM journey_entries e
      WHERE e.workspace_id = ${target.workspaceId} AND e.journey_id = ${target.journeyId} AND e.customer_id = ANY(${ids}::bigint[]) AND (${earlier}))
    INSERT INTO journey_entries (workspace_id, customer_id, journey_id, version_id, node_id, status, due_at, context, entered_at)
    SELECT ${target.workspaceId}, u.id, ${target.journeyId}, ${target.versionId}, ${target.graph.entry}, 'active', ${now}, u.ctx, ${now}
    FROM unnest(${ids}::bigint[], ${unique.map((e) => JSON.stringify(e.context ?? {}))}::jsonb[]) AS u(id, ctx)
    JOIN customers c ON c.workspace_id = ${target.workspaceId} AND c.id = u.id AND c.merged_into IS NULL
    WHERE u.id NOT IN (SELECT customer_id FROM prior)
    ON CONFLICT (workspace_id, journey_id, customer_id) WHERE status IN ('active', 'waiting') DO NOTHING
    RETURNING id, customer_id`.execute(trx);
  return rows.map((r) => ({ entryId: r.id, customerId: r.customer_id }));
}
