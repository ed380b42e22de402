import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { identityKey, type Identity } from './identity.ts';
import { findIdentityOwners } from './identity-owners.ts';
import { liveProfileOf } from './merge.ts';
import { applyProfilePatch, type ProfilePatch } from './profile.ts';
import { lockIdentities, resolveCustomer } from './resolve.ts';

type Trx = Transaction<Database>;

/** One customer to resolve in a bulk call: normalized identities and optional profile fields. */
export interface BulkResolveRequest {
  readonly identities: readonly Identity[];
  readonly profile?: ProfilePatch | undefined;
}


/**
 * Resolves many customers in the caller's transaction and returns their profile ids in request order.
 * Requests with one identifier (the bulk of imports: a customer number per row) are resolved with a
 * handful of set-based statements; requests that can link several identifiers go through resolveCustomer.
 */
export async function resolveCustomers(trx: Trx, workspace: Workspace, requests: readonly BulkResolveRequest[], reason: string): Promise<number[]> {
  const ws = workspace.id;
  const all = new Map<string, Identity>();
  for (const r of requests) for (const i of r.identities) all.set(identityKey(i), i);
  await lockIdentities(trx, ws, [...all.values()]);

  const result = new Array<number>(requests.length);
  const single = new Map<string, Identity>();
  const resolvedSets = new Map<string, number>();
  const fresh = await freshRequests(trx, workspace, requests);
  if (fresh.length > 0) {
    const created = await trx
      .insertInto('customers')
      .values(fresh.map(() => ({ workspace_id: ws })))
      .returning('id')
      .execute();
    const rows = fresh.flatMap((index, n) => requests[index]!.identities.map((identity) => ({ identity, customerId: created[n]!.id })));
    await sql`
      INSERT INTO identities (workspace_id, type, value, customer_id, origin_customer_id)
      SELECT ${ws}, t, v, c, c FROM unnest(${rows.map((r) => r.identity.type)}::text[], ${rows.map((r) => r.identity.value)}::text[], ${rows.map((r) => r.customerId)}::bigint[]) AS u(t, v, c)`.execute(trx);
    fresh.forEach((index, n) => (result[index] = created[n]!.id));
  }
  await attachToOwners(trx, workspace, requests, result, reason);
  let merged = false;
  for (const [index, r] of requests.entries()) {
    if (r.identities.length === 1) {
      single.set(identityKey(r.identities[0]!), r.identities[0]!);
      continue;
    }
    if (result[index] !== undefined) continue;
    const setKey = r.identities.map(identityKey).sort().join('\u0001');
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
      // Bound as two arrays: PGlite (PostgreSQL 18.6) returns no rows for a row-value IN list of more than
      // about 260 tuples, which made large batches create duplicate profiles. Driven by the list, with one index
      // probe per identity and per owner (LIMIT 1 keeps the lateral subqueries from being flattened): written as
      // joins, stale statistics (any bulk load into a fresh database, before autovacuum analyzes) made the
      // planner scan every identity, or loop over every customer, of the workspace on each call.
      // FOR SHARE keeps the owners from being merged away until this transaction ends.
      const { rows } = await sql<{ type: string; value: string; customer_id: number; merged_into: number | null }>`
        SELECT u.t AS type, u.v AS value, c.id AS customer_id, c.merged_into
        FROM unnest(${list.map((i) => i.type)}::text[], ${list.map((i) => i.value)}::text[]) AS u(t, v)
        CROSS JOIN LATERAL (SELECT customer_id FROM identities WHERE workspace_id = ${ws} AND type = u.t AND value = u.v LIMIT 1) i
        CROSS JOIN LATERAL (SELECT id, merged_into FROM customers WHERE workspace_id = ${ws} AND id = i.customer_id LIMIT 1) c
        FOR SHARE OF c`.execute(trx);
      if (rows.some((r) => r.merged_into !== null) && attempt < 5) continue;
      for (const r of rows) owners.set(identityKey(r), r.customer_id);
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
    if (r.identities.length === 1) result[index] = owners.get(identityKey(r.identities[0]!))!;
    if (r.profile) await applyProfilePatch(trx, ws, result[index]!, r.profile);
  }
  return result;
}

/**
 * Requests with several identities whose known ones all belong to one live profile, the new ones to no
 * other request of the batch: the usual identify of a known person that brings a new email or phone.
 * Their new identities are attached in bulk (a handful of statements for the whole batch instead of five
 * per request), with resolveCustomer's outcome: within the workspace's identity limits, else recorded as
 * a conflict. Sets `result` for the requests it resolved; the rest go through resolveCustomer. The
 * caller holds the advisory locks of every identity of the batch.
 */
async function attachToOwners(trx: Trx, workspace: Workspace, requests: readonly BulkResolveRequest[], result: number[], reason: string): Promise<void> {
  const ws = workspace.id;
  const pending = [...requests.entries()].filter(([index, r]) => r.identities.length > 1 && result[index] === undefined);
  if (pending.length === 0) return;
  const owners = await findIdentityOwners(trx, ws, pending.flatMap(([, r]) => r.identities));
  const uses = new Map<string, number>();
  for (const [, r] of pending) for (const k of new Set(r.identities.map(identityKey))) if (!owners.has(k)) uses.set(k, (uses.get(k) ?? 0) + 1);
  const candidates = pending.flatMap(([index, r]) => {
    const keys = r.identities.map(identityKey);
    const ownerIds = new Set(keys.flatMap((k) => (owners.has(k) ? [owners.get(k)!] : [])));
    const [owner] = ownerIds;
    return ownerIds.size === 1 && new Set(keys).size === keys.length && keys.every((k) => owners.has(k) || uses.get(k) === 1) ? [{ index, owner: owner!, identities: r.identities }] : [];
  });
  if (candidates.length === 0) return;
  const ownerIds = [...new Set(candidates.map((c) => c.owner))].sort((a, b) => a - b);
  // In id order, as resolveCustomer locks them; a profile merged away meanwhile is left to resolveCustomer.
  const locked = await trx.selectFrom('customers').select(['id', 'merged_into']).where('workspace_id', '=', ws).where('id', 'in', ownerIds).orderBy('id').forUpdate().execute();
  const live = new Set(locked.filter((c) => c.merged_into === null).map((c) => c.id));
  if (live.size === 0) return;
  const counts = new Map<number, Map<string, number>>();
  const rows = await trx
    .selectFrom('identities')
    .select(['customer_id', 'type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', [...live])
    .groupBy(['customer_id', 'type'])
    .execute();
  for (const r of rows) counts.set(r.customer_id, (counts.get(r.customer_id) ?? new Map<string, number>()).set(r.type, Number(r.n)));
  const limits = workspace.settings.identityLimits;
  const limitOf = (type: string) => limits[type as keyof typeof limits] ?? Number.POSITIVE_INFINITY;
  const added: { identity: Identity; customerId: number }[] = [];
  const conflicts: { identity: Identity; customerId: number }[] = [];
  for (const { index, owner, identities } of candidates) {
    const theirs = counts.get(owner) ?? new Map<string, number>();
    // A profile already past the limits (they were lowered since) is not linked to: resolveCustomer decides.
    if (!live.has(owner) || [...theirs].some(([type, n]) => n > limitOf(type))) continue;
    for (const identity of identities) {
      if (owners.has(identityKey(identity))) continue;
      const n = theirs.get(identity.type) ?? 0;
      if (n + 1 > limitOf(identity.type)) conflicts.push({ identity, customerId: owner });
      else {
        added.push({ identity, customerId: owner });
        theirs.set(identity.type, n + 1);
      }
    }
    counts.set(owner, theirs);
    result[index] = owner;
  }
  if (added.length > 0) {
    await sql`
      INSERT INTO identities (workspace_id, type, value, customer_id, origin_customer_id)
      SELECT ${ws}, t, v, c, c FROM unnest(${added.map((a) => a.identity.type)}::text[], ${added.map((a) => a.identity.value)}::text[], ${added.map((a) => a.customerId)}::bigint[]) AS u(t, v, c)`.execute(trx);
  }
  if (conflicts.length > 0) {
    await trx
      .insertInto('identity_conflicts')
      .values(
        conflicts.map((c) => ({
          workspace_id: ws,
          customer_id: c.customerId,
          other_customer_id: null,
          type: c.identity.type,
          value: c.identity.value,
          reason: `${reason}: the profile already has the most ${c.identity.type} identities allowed (${limitOf(c.identity.type)})`,
        })),
      )
      .execute();
  }
}

/**
 * The requests with several identities that can be created in bulk: none of their identities has a
 * profile yet, no other request in the batch names any of them, and they fit the identity limits. For
 * these, resolveCustomer would create one profile holding them all; doing it set-based is the same result
 * (a new customer import is mostly such rows).
 */
async function freshRequests(trx: Trx, workspace: Workspace, requests: readonly BulkResolveRequest[]): Promise<number[]> {
  const uses = new Map<string, number>();
  for (const r of requests) for (const k of new Set(r.identities.map(identityKey))) uses.set(k, (uses.get(k) ?? 0) + 1);
  const limits = workspace.settings.identityLimits;
  const fits = (identities: readonly Identity[]) => {
    const perType = new Map<string, number>();
    for (const i of identities) perType.set(i.type, (perType.get(i.type) ?? 0) + 1);
    return [...perType].every(([type, n]) => n <= (limits[type as keyof typeof limits] ?? Number.POSITIVE_INFINITY));
  };
  const candidates = [...requests.entries()].filter(
    ([, r]) => r.identities.length > 1 && new Set(r.identities.map(identityKey)).size === r.identities.length && r.identities.every((i) => uses.get(identityKey(i)) === 1) && fits(r.identities),
  );
  if (candidates.length === 0) return [];
  const wanted = candidates.flatMap(([, r]) => r.identities);
  // One index lookup per identity, whatever the table statistics say (see the single-identity lookup above).
  const { rows: owned } = await sql<{ type: string; value: string }>`
    SELECT u.t AS type, u.v AS value
    FROM unnest(${wanted.map((i) => i.type)}::text[], ${wanted.map((i) => i.value)}::text[]) AS u(t, v)
    CROSS JOIN LATERAL (SELECT 1 FROM identities WHERE workspace_id = ${workspace.id} AND type = u.t AND value = u.v LIMIT 1) i`.execute(trx);
  const ownedKeys = new Set(owned.map(identityKey));
  return candidates.filter(([, r]) => r.identities.every((i) => !ownedKeys.has(identityKey(i)))).map(([index]) => index);
}
