import type { Transaction } from 'kysely';
import type { Database } from '../db/index.ts';

type Trx = Transaction<Database>;

/** A merge as the hooks see it: the survivor now holds what was the merged profile's. */
export interface MergeHookMerge {
  readonly workspaceId: number;
  readonly mergeId: number;
  readonly survivorId: number;
  readonly mergedId: number;
}

/** An unmerge as the hooks see it: `holderId` is the live profile that held the merged data, `restoredId` is live again. */
export interface MergeHookUnmerge {
  readonly workspaceId: number;
  readonly mergeId: number;
  readonly holderId: number;
  readonly restoredId: number;
}

/**
 * What a domain above customers/ does when profiles merge or unmerge, inside the merge's transaction.
 * Domains that keep per-customer data of their own (loyalty) register one, because customers/ must not
 * import them: dependencies point from those domains down to this one.
 */
export interface MergeHook {
  readonly merged: (trx: Trx, merge: MergeHookMerge) => Promise<void>;
  readonly unmerged: (trx: Trx, unmerge: MergeHookUnmerge) => Promise<void>;
}

const hooks = new Map<string, MergeHook>();

/** Registers (or replaces) the hook a domain runs on every merge and unmerge. */
export function registerMergeHook(name: string, hook: MergeHook): void {
  hooks.set(name, hook);
}

/** Runs every registered hook after a merge, in registration order. */
export async function runMergedHooks(trx: Trx, merge: MergeHookMerge): Promise<void> {
  for (const hook of hooks.values()) await hook.merged(trx, merge);
}

/** Runs every registered hook after an unmerge, in registration order. */
export async function runUnmergedHooks(trx: Trx, unmerge: MergeHookUnmerge): Promise<void> {
  for (const hook of hooks.values()) await hook.unmerged(trx, unmerge);
}
