import { sql, type Transaction } from 'kysely';
import type { Identity } from '../../customers/index.ts';
import type { Database } from '../../db/index.ts';

/** The key of an identity in maps: type and value. */
export const identityKey = (i: Identity) => `${i.type}\u0000${i.value}`;

/**
 * Which profile owns each of the given identities right now, read with one statement and no locks.
 * Only a hint for sorting a batch's messages (which are already linked, which need linking, what an
 * alias's previousId is); resolveCustomers does the binding, locked resolution. It reads customers'
 * identities table directly because customers/ exports no such lookup yet.
 */
export async function findIdentityOwners(trx: Transaction<Database>, workspaceId: number, identities: readonly Identity[]): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  if (identities.length === 0) return owners;
  const result = await sql<{ type: string; value: string; customer_id: number }>`
    SELECT i.type, i.value, i.customer_id
    FROM unnest(${identities.map((i) => i.type)}::text[], ${identities.map((i) => i.value)}::text[]) AS u(t, v)
    JOIN identities i ON i.workspace_id = ${workspaceId} AND i.type = u.t AND i.value = u.v`.execute(trx);
  for (const r of result.rows) owners.set(`${r.type}\u0000${r.value}`, Number(r.customer_id));
  return owners;
}
