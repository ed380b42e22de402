import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { identityKey, type Identity } from './identity.ts';

// Reads of who owns which identity, for callers that sort work before resolving (the tracking API) or
// count what an import changed; every write still goes through resolveCustomer(s).

const lists = (identities: readonly Identity[]) => [identities.map((i) => i.type), identities.map((i) => i.value)] as const;

/**
 * Which profile owns each of the given identities right now, read with one statement and no locks:
 * a hint for sorting a call's messages (already linked or linking, what an alias's previousId is).
 */
export async function findIdentityOwners(trx: Transaction<Database>, workspaceId: number, identities: readonly Identity[]): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  if (identities.length === 0) return owners;
  const [types, values] = lists(identities);
  // One index lookup per identity, whatever the statistics say (LIMIT 1 keeps the subquery from being
  // flattened into a join that scans the workspace's identities when the table grew since its last ANALYZE).
  const result = await sql<{ type: string; value: string; customer_id: number }>`
    SELECT u.t AS type, u.v AS value, i.customer_id
    FROM unnest(${types}::text[], ${values}::text[]) AS u(t, v)
    CROSS JOIN LATERAL (SELECT customer_id FROM identities WHERE workspace_id = ${workspaceId} AND type = u.t AND value = u.v LIMIT 1) i`.execute(trx);
  for (const r of result.rows) owners.set(identityKey(r), Number(r.customer_id));
  return owners;
}

/**
 * Holds FOR SHARE locks on the given profiles (taken in id order) until the transaction ends and returns
 * those still live: a concurrent merge of one of them waits for this transaction, then moves the events
 * written here with the rest. Unlike resolveCustomers this takes no exclusive advisory lock, so concurrent
 * calls about the same known people do not queue behind each other.
 */
export async function lockLiveProfiles(trx: Transaction<Database>, workspaceId: number, customerIds: readonly number[]): Promise<Set<number>> {
  if (customerIds.length === 0) return new Set();
  // A row locked after waiting is read in its newest version, so a merge committed meanwhile shows in merged_into.
  const result = await sql<{ id: number; merged_into: number | null }>`
    SELECT id, merged_into FROM customers
    WHERE workspace_id = ${workspaceId} AND id = ANY(${[...new Set(customerIds)]}::bigint[])
    ORDER BY id
    FOR SHARE`.execute(trx);
  return new Set(result.rows.filter((r) => r.merged_into === null).map((r) => Number(r.id)));
}
