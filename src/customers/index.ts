/** Customer profiles: identities and their resolution into one profile, merges and unmerges, tags, the 360 view. */
export {
  consentChannels,
  consentPurposes,
  consentStatementSchema,
  consentStatuses,
  consentsOf,
  recordConsents,
  type ConsentState,
  type ConsentStatement,
  type ConsentStatementInput,
} from './consent.ts';
export { identifyCustomer, identifyInTransaction, unmerge, type RawIdentity } from './identify.ts';
export { identityKey, identityPriority, normalizeIdentities, normalizeIdentity, type Identity } from './identity.ts';
export { findIdentityOwners, lockLiveProfiles } from './identity-owners.ts';
export { liveProfileOf, mergeCustomers, mergedMembers } from './merge.ts';
export { registerMergeHook, type MergeHook, type MergeHookMerge, type MergeHookUnmerge } from './merge-hooks.ts';
export { applyProfilePatch, applyProfilePatches, profilePatchSchema, type ProfilePatch } from './profile.ts';
export { getCustomer360, listCustomers, listCustomersSchema, type Customer360, type CustomerSummary, type ListCustomersInput } from './query.ts';
export { lockIdentities, resolveCustomer, type Resolution } from './resolve.ts';
export { resolveCustomers, type BulkResolveRequest } from './resolve-bulk.ts';
export { rebuildCustomerStats, refreshCustomerStats } from './stats.ts';
export { addTagsToCustomers, ensureTags, listTags, tagNameSchema, updateCustomerTags } from './tags.ts';
