import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Identity } from './identity.ts';
import { liveProfileOf } from './merge.ts';
import { applyProfilePatch, type ProfilePatch } from './profile.ts';
import { lockIdentities, resolveCustomer } from './resolve.ts';

type Trx = Transaction<Database>;

/** One customer to resolve in a bulk call: normalized identities and optional profile fields. */
export interface BulkResolveRequest {
  readonly identities: readonly Identity[];
  readonly profile?: ProfilePatch | undefined;
}

const key = (i: Identity) => `${i.type}\u0000${i.value}`;

/**
 * Resolves many customers in the caller's transaction and returns their profile ids in request order.
 * Requests with one identifier (the bulk of imports: a customer number per row) are resolved with a
 * handful of set-based statements; requests that can link several identifiers go through resolveCustomer.
 */
export async function resolveCustomers(trx: Trx, workspace: Workspace, requests: readonly BulkResolveRequest[], reason: string): Promise<number[]> {
  const ws = workspace.id;
  const all = new Map<string, Identity>();
  for (const r of requests) for (const i of r.identities) all.set(key(i), i);
  await lockIdentities(trx, ws, [...all.values()]);

  const result = new Array<number>(requests.length);
  const single = new Map<string, Identity>();
  const resolvedSets = new Map<string, number>();
  let merged = false;
  for (const [index, r] of requests.entries()) {
    if (r.identities.length === 1) {
      single.set(key(r.identities[0]!), r.identities[0]!);
      continue;
    }
    const setKey = r.identities.map(key).sort().join('\u0001');
    const known = resolvedSets.get(setKey);
    if (known !== undefined) {
      result[index] = known;
      continue;
    }
    const resolution = await resolveCustomer(trx, workspace, r.identities, reason);
    merged ||= resolution.mergedIds.length > 0;
    resolvedSets.set(setKey, resolution.customerId);
    result[index] = resolution.customerId;
  }
  // A later request may have merged away a profile an earlier one resolved to: point those at the survivor.
  if (merged) {
    const ids = [...new Set(result.filter((id) => id !== undefined))];
    const gone = await trx.selectFrom('customers').select('id').where('workspace_id', '=', ws).where('id', 'in', ids).where('merged_into', 'is not', null).execute();
    for (const { id } of gone) {
      const live = await liveProfileOf(trx, ws, id);
      for (let i = 0; i < result.length; i++) if (result[i] === id) result[i] = live;
    }
  }

  const owners = new Map<string, number>();
  if (single.size > 0) {
    for (let attempt = 0; ; attempt++) {
      owners.clear();
      const list = [...single.values()];
      const rows = await trx
        .selectFrom('identities')
        .innerJoin('customers', (j) => j.onRef('customers.workspace_id', '=', 'identities.workspace_id').onRef('customers.id', '=', 'identities.customer_id'))
        .select(['identities.type', 'identities.value', 'identities.customer_id', 'customers.merged_into'])
        .where('identities.workspace_id', '=', ws)
        // Bound as two arrays: PGlite (PostgreSQL 18.6) returns no rows for a row-value IN list of more than
        // about 260 tuples, which made large batches create duplicate profiles.
        .where(sql<boolean>`(identities.type, identities.value) IN (SELECT * FROM unnest(${list.map((i) => i.type)}::text[], ${list.map((i) => i.value)}::text[]))`)
        // FOR SHARE keeps the owners from being merged away until this transaction ends.
        .forShare('customers')
        .execute();
      if (rows.some((r) => r.merged_into !== null) && attempt < 5) continue;
      for (const r of rows) owners.set(`${r.type}\u0000${r.value}`, r.customer_id);
      break;
    }
    const missing = [...single.entries()].filter(([k]) => !owners.has(k));
    if (missing.length > 0) {
      const created = await trx
        .insertInto('customers')
        .values(missing.map(() => ({ workspace_id: ws })))
        .returning('id')
        .execute();
      await trx
        .insertInto('identities')
        .values(missing.map(([, identity], n) => ({ workspace_id: ws, type: identity.type, value: identity.value, customer_id: created[n]!.id, origin_customer_id: created[n]!.id })))
        .execute();
      missing.forEach(([k], n) => owners.set(k, created[n]!.id));
    }
  }
  for (const [index, r] of requests.entries()) {
    if (r.identities.length === 1) result[index] = owners.get(key(r.identities[0]!))!;
    if (r.profile) await applyProfilePatch(trx, ws, result[index]!, r.profile);
  }
  return result;
}
