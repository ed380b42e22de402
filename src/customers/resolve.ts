import { sql, type Transaction } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput, PatronError } from '../lib/errors.ts';
import { identityKey, identityPriority, type Identity } from './identity.ts';
import { mergeCustomers, mergedMembers } from './merge.ts';

type Trx = Transaction<Database>;

/** The outcome of resolving a set of identities to one profile. */
export interface Resolution {
  readonly customerId: number;
  readonly created: boolean;
  /** Profiles merged into customerId by this call. */
  readonly mergedIds: readonly number[];
  /** Identities that were not linked because of a limit or a merge block (recorded in identity_conflicts). */
  readonly conflicts: readonly Identity[];
}

const maxAttempts = 5;

/**
 * Takes transaction-scoped advisory locks on identities, in one global order, so that concurrent
 * resolutions of the same person serialize instead of creating two profiles.
 */
export async function lockIdentities(trx: Trx, workspaceId: number, identities: readonly Identity[]): Promise<void> {
  if (identities.length === 0) return;
  const keys = identities.map((i) => `${workspaceId}:${i.type}:${i.value}`);
  await sql`SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${keys}::text[]) AS k) s ORDER BY h`.execute(trx);
}

/**
 * Finds or creates the one profile that the given identities (normalized) belong to, in the caller's
 * transaction, merging profiles that the identities link. Deterministic: the most specific identity is
 * considered first, the oldest profile survives a merge, and resolving the same identities again changes
 * nothing. A link that would exceed the workspace's identity limits, or re-join an unmerged pair, is
 * refused and recorded as a conflict rather than dropped.
 */
export async function resolveCustomer(trx: Trx, workspace: Workspace, identities: readonly Identity[], reason: string): Promise<Resolution> {
  if (identities.length === 0) throw invalidInput('At least one identifier is needed (userId, anonymousId, email, phone, WeChat id or external id)');
  const sorted = [...identities].sort((a, b) => identityPriority(a.type) - identityPriority(b.type));
  await lockIdentities(trx, workspace.id, sorted);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const result = await tryResolve(trx, workspace, sorted, reason);
    if (result) return result;
  }
  throw new PatronError('unavailable', 'The profile kept changing under concurrent merges; retry the request');
}

async function tryResolve(trx: Trx, workspace: Workspace, identities: readonly Identity[], reason: string): Promise<Resolution | undefined> {
  const ws = workspace.id;
  const owned = await trx
    .selectFrom('identities')
    .select(['type', 'value', 'customer_id'])
    .where('workspace_id', '=', ws)
    .where((eb) => eb.or(identities.map((i) => eb.and([eb('type', '=', i.type), eb('value', '=', i.value)]))))
    .execute();
  const ownerOf = new Map(owned.map((o) => [identityKey(o), o.customer_id]));
  const ownerIds = [...new Set(owned.map((o) => o.customer_id))].sort((a, b) => a - b);

  if (ownerIds.length > 0) {
    const locked = await trx
      .selectFrom('customers')
      .select(['id', 'merged_into'])
      .where('workspace_id', '=', ws)
      .where('id', 'in', ownerIds)
      .orderBy('id')
      .forUpdate()
      .execute();
    // A concurrent merge moved these identities while we waited: read them again.
    if (locked.length !== ownerIds.length || locked.some((c) => c.merged_into !== null)) return undefined;
  }

  const counts = new Map<number, Map<string, number>>(ownerIds.map((id) => [id, new Map()]));
  if (ownerIds.length > 0) {
    const rows = await trx
      .selectFrom('identities')
      .select(['customer_id', 'type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ownerIds)
      .groupBy(['customer_id', 'type'])
      .execute();
    for (const r of rows) counts.get(r.customer_id)?.set(r.type, Number(r.n));
  }
  const blocked = ownerIds.length > 1 ? await blockedPairs(trx, ws, ownerIds) : new Set<string>();
  const limits = workspace.settings.identityLimits;

  const profiles: number[] = [];
  const fresh: Identity[] = [];
  const conflicts: { identity: Identity; other: number | null; why: string }[] = [];
  const total = new Map<string, number>();
  const fits = (extra: Map<string, number>) =>
    [...extra].every(([type, n]) => (total.get(type) ?? 0) + n <= (limits[type as keyof typeof limits] ?? Number.POSITIVE_INFINITY));

  for (const identity of identities) {
    const owner = ownerOf.get(identityKey(identity));
    if (owner !== undefined) {
      if (profiles.includes(owner)) continue;
      const theirs = counts.get(owner) ?? new Map<string, number>();
      if (profiles.some((p) => blocked.has(pairKey(p, owner)))) {
        conflicts.push({ identity, other: owner, why: 'the two profiles were unmerged before; merge them by hand if they are one person' });
      } else if (!fits(theirs)) {
        conflicts.push({ identity, other: owner, why: `merging would exceed the identity limits (${describeLimits(limits)})` });
      } else {
        profiles.push(owner);
        for (const [t, n] of theirs) total.set(t, (total.get(t) ?? 0) + n);
      }
    } else {
      const one = new Map([[identity.type, 1]]);
      if (!fits(one)) {
        conflicts.push({ identity, other: null, why: `the profile already has the most ${identity.type} identities allowed (${limits[identity.type]})` });
      } else {
        fresh.push(identity);
        total.set(identity.type, (total.get(identity.type) ?? 0) + 1);
      }
    }
  }

  let customerId: number;
  let created = false;
  const mergedIds: number[] = [];
  if (profiles.length === 0) {
    const row = await trx.insertInto('customers').values({ workspace_id: ws }).returning('id').executeTakeFirstOrThrow();
    customerId = row.id;
    created = true;
  } else {
    const [survivor, ...others] = [...profiles].sort((a, b) => a - b) as [number, ...number[]];
    customerId = survivor;
    for (const other of others) {
      await mergeCustomers(trx, ws, survivor, other, `${reason}: linked by ${describeIdentities(identities)}`);
      mergedIds.push(other);
    }
  }
  if (fresh.length > 0) {
    await trx
      .insertInto('identities')
      .values(fresh.map((i) => ({ workspace_id: ws, type: i.type, value: i.value, customer_id: customerId, origin_customer_id: customerId })))
      .execute();
  }
  if (conflicts.length > 0) {
    await trx
      .insertInto('identity_conflicts')
      .values(conflicts.map((c) => ({ workspace_id: ws, customer_id: customerId, other_customer_id: c.other, type: c.identity.type, value: c.identity.value, reason: `${reason}: ${c.why}` })))
      .execute();
  }
  return { customerId, created, mergedIds, conflicts: conflicts.map((c) => c.identity) };
}

const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

// Pairs of live profiles that must not merge: a block between any of the profiles merged into each side counts.
async function blockedPairs(trx: Trx, ws: number, ownerIds: readonly number[]): Promise<Set<string>> {
  const members = await mergedMembers(trx, ws, ownerIds);
  const rootOf = new Map<number, number>();
  for (const [root, ids] of members) for (const id of ids) rootOf.set(id, root);
  const all = [...rootOf.keys()];
  const blocks = await trx
    .selectFrom('merge_blocks')
    .select(['customer_a', 'customer_b'])
    .where('workspace_id', '=', ws)
    .where('customer_a', 'in', all)
    .where('customer_b', 'in', all)
    .execute();
  const pairs = new Set<string>();
  for (const b of blocks) {
    const ra = rootOf.get(b.customer_a);
    const rb = rootOf.get(b.customer_b);
    if (ra !== undefined && rb !== undefined && ra !== rb) pairs.add(pairKey(ra, rb));
  }
  return pairs;
}

function describeLimits(limits: Partial<Record<string, number>>): string {
  return Object.entries(limits).map(([t, n]) => `${t} ≤ ${n}`).join(', ');
}

function describeIdentities(identities: readonly Identity[]): string {
  return identities.map((i) => `${i.type}`).join(' + ');
}
