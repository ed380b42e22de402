import type { Kysely, Transaction } from 'kysely';
import type { IdentityType, Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { normalizeIdentities } from './identity.ts';
import { unmergeCustomers } from './merge.ts';
import { applyProfilePatch, type ProfilePatch } from './profile.ts';
import { resolveCustomer, type Resolution } from './resolve.ts';

/** Raw identifiers as they arrive from outside, before normalization. */
export type RawIdentity = { type: IdentityType; value: string };

/**
 * Resolves raw identifiers to one profile and applies profile fields, in the caller's transaction.
 * The building block of every way in: identify calls, imports, orders.
 */
export async function identifyInTransaction(
  trx: Transaction<Database>,
  workspace: Workspace,
  input: { identities: readonly RawIdentity[]; profile?: ProfilePatch; reason: string },
): Promise<Resolution> {
  const identities = normalizeIdentities(input.identities, workspace.defaultCountry);
  const resolution = await resolveCustomer(trx, workspace, identities, input.reason);
  if (input.profile) await applyProfilePatch(trx, workspace.id, resolution.customerId, input.profile);
  return resolution;
}

/** Resolves identifiers to a profile and applies profile fields, in a transaction of its own. */
export async function identifyCustomer(
  db: Kysely<Database>,
  workspace: Workspace,
  input: { identities: readonly RawIdentity[]; profile?: ProfilePatch; reason: string },
): Promise<Resolution> {
  return db.transaction().execute((trx) => identifyInTransaction(trx, workspace, input));
}

/** Undoes a recorded merge (see unmergeCustomers), in a transaction of its own. */
export async function unmerge(db: Kysely<Database>, workspace: Workspace, mergeId: number) {
  return db.transaction().execute((trx) => unmergeCustomers(trx, workspace.id, mergeId));
}
