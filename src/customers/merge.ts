import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { carryConsents } from './consent.ts';
import { runMergedHooks, runUnmergedHooks } from './merge-hooks.ts';
import { refreshCustomerStats } from './stats.ts';

type Trx = Transaction<Database>;

// Profile columns filled from the merged profile when the survivor has none; recorded so unmerge can undo it.
const fillableColumns = ['name', 'gender', 'birthday', 'city', 'province', 'country', 'timezone', 'signed_up_at', 'acquisition_channel'] as const;

// Tables whose rows belong to a customer and remember the profile they first arrived on (origin_customer_id),
// so a merge moves them and an unmerge can move them back.
const ownedTables = ['identities', 'orders', 'events'] as const;

/**
 * Merges profile `mergedId` into `survivorId` inside the caller's transaction: identities, orders, events
 * and tags move to the survivor, consent carries over (the later statement wins), empty survivor fields
 * are filled, the merged profile is kept (pointing at the survivor) so the merge can be undone, and the
 * merge is recorded; then the registered merge hooks move what other domains keep per customer (loyalty).
 * Both rows must be locked by the caller.
 */
export async function mergeCustomers(trx: Trx, workspaceId: number, survivorId: number, mergedId: number, reason: string): Promise<number> {
  if (survivorId === mergedId) throw new PatronError('invalid_input', 'A profile cannot be merged into itself');
  const rows = await trx
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [survivorId, mergedId])
    .execute();
  const survivor = rows.find((r) => r.id === survivorId);
  const merged = rows.find((r) => r.id === mergedId);
  if (!survivor || !merged) throw new PatronError('not_found', `Customer ${survivor ? mergedId : survivorId} does not exist`);
  if (survivor.merged_into !== null || merged.merged_into !== null) {
    throw new PatronError('conflict', `Customer ${survivor.merged_into !== null ? survivorId : mergedId} was already merged into another profile`);
  }

  const filled: Record<string, unknown> = {};
  for (const column of fillableColumns) {
    if (survivor[column] === null && merged[column] !== null) filled[column] = merged[column];
  }
  const mergedAttributes = Object.fromEntries(Object.entries(merged.attributes).filter(([k]) => !(k in survivor.attributes)));
  if (Object.keys(mergedAttributes).length > 0) filled.attributes = mergedAttributes;

  const { attributes: filledAttributes, ...filledColumns } = filled;
  await trx
    .updateTable('customers')
    .set({
      ...filledColumns,
      ...(filledAttributes ? { attributes: sql`${JSON.stringify(filledAttributes)}::jsonb || attributes` } : {}),
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', survivorId)
    .execute();

  for (const table of ownedTables) {
    await trx.updateTable(table).set({ customer_id: survivorId }).where('workspace_id', '=', workspaceId).where('customer_id', '=', mergedId).execute();
  }

  const mergedTags = await trx
    .deleteFrom('customer_tags')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', mergedId)
    .returning(['tag_id', 'created_at'])
    .execute();
  if (mergedTags.length > 0) {
    await trx
      .insertInto('customer_tags')
      .values(mergedTags.map((t) => ({ workspace_id: workspaceId, customer_id: survivorId, tag_id: t.tag_id, created_at: t.created_at })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  await carryConsents(trx, workspaceId, survivorId, mergedId);

  await trx
    .updateTable('customers')
    .set({ merged_into: survivorId, updated_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', mergedId)
    .execute();
  const record = await trx
    .insertInto('customer_merges')
    .values({
      workspace_id: workspaceId,
      survivor_id: survivorId,
      merged_id: mergedId,
      reason,
      filled_fields: JSON.stringify(filled),
      merged_tag_ids: mergedTags.map((t) => t.tag_id),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.deleteFrom('customer_stats').where('workspace_id', '=', workspaceId).where('customer_id', '=', mergedId).execute();
  await refreshCustomerStats(trx, workspaceId, [survivorId]);
  await runMergedHooks(trx, { workspaceId, mergeId: record.id, survivorId, mergedId });
  return record.id;
}

/** The profile ids whose data now lives in `rootId`: itself and every profile merged into it, directly or in a chain. */
export async function mergedMembers(trx: Trx, workspaceId: number, rootIds: readonly number[]): Promise<Map<number, number[]>> {
  const members = new Map<number, number[]>(rootIds.map((id) => [id, [id]]));
  if (rootIds.length === 0) return members;
  const result = await sql<{ root: number; id: number }>`
    WITH RECURSIVE m(root, id) AS (
      SELECT id, id FROM customers WHERE workspace_id = ${workspaceId} AND id = ANY(${[...rootIds]}::bigint[])
      UNION ALL
      SELECT m.root, c.id FROM customers c JOIN m ON c.workspace_id = ${workspaceId} AND c.merged_into = m.id
    )
    SELECT root, id FROM m WHERE root <> id`.execute(trx);
  for (const row of result.rows) members.get(row.root)?.push(row.id);
  return members;
}

/** Follows merged_into to the live profile that holds a customer's data now. */
export async function liveProfileOf(trx: Trx, workspaceId: number, customerId: number): Promise<number> {
  const result = await sql<{ id: number }>`
    WITH RECURSIVE chain(id, merged_into, depth) AS (
      SELECT id, merged_into, 0 FROM customers WHERE workspace_id = ${workspaceId} AND id = ${customerId}
      UNION ALL
      SELECT c.id, c.merged_into, chain.depth + 1 FROM customers c JOIN chain ON c.workspace_id = ${workspaceId} AND c.id = chain.merged_into
      WHERE chain.depth < 1000
    )
    SELECT id FROM chain WHERE merged_into IS NULL`.execute(trx);
  const live = result.rows[0];
  if (!live) throw new PatronError('not_found', `Customer ${customerId} does not exist`);
  return live.id;
}

/**
 * Undoes a recorded merge: everything that first arrived on the merged profile (or on profiles merged into
 * it before) moves back to it, the survivor's fields filled by the merge are cleared if unchanged since,
 * and the pair is blocked from merging again automatically (shared devices and family phones re-link them);
 * then the registered merge hooks undo what they moved.
 */
export async function unmergeCustomers(trx: Trx, workspaceId: number, mergeId: number): Promise<{ survivorId: number; restoredId: number }> {
  const merge = await trx
    .selectFrom('customer_merges')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', mergeId)
    .forUpdate()
    .executeTakeFirst();
  if (!merge) throw new PatronError('not_found', `Merge ${mergeId} does not exist`);
  if (merge.undone_at !== null) throw new PatronError('conflict', `Merge ${mergeId} was already undone at ${merge.undone_at.toISOString()}`);

  const holder = await liveProfileOf(trx, workspaceId, merge.survivor_id);
  await trx.selectFrom('customers').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', [holder, merge.merged_id]).forUpdate().execute();
  const members = (await mergedMembers(trx, workspaceId, [merge.merged_id])).get(merge.merged_id) ?? [merge.merged_id];

  for (const table of ownedTables) {
    await trx
      .updateTable(table)
      .set({ customer_id: merge.merged_id })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', holder)
      .where('origin_customer_id', 'in', members)
      .execute();
  }
  if (merge.merged_tag_ids.length > 0) {
    await trx
      .insertInto('customer_tags')
      .values(merge.merged_tag_ids.map((tagId) => ({ workspace_id: workspaceId, customer_id: merge.merged_id, tag_id: tagId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (holder === merge.survivor_id) await clearFilledFields(trx, workspaceId, holder, merge.filled_fields);
  await trx.updateTable('customers').set({ merged_into: null, updated_at: sql`now()` }).where('workspace_id', '=', workspaceId).where('id', '=', merge.merged_id).execute();
  await trx.updateTable('customer_merges').set({ undone_at: sql`now()` }).where('workspace_id', '=', workspaceId).where('id', '=', mergeId).execute();
  const [a, b] = holder < merge.merged_id ? [holder, merge.merged_id] : [merge.merged_id, holder];
  await trx.insertInto('merge_blocks').values({ workspace_id: workspaceId, customer_a: a, customer_b: b }).onConflict((oc) => oc.doNothing()).execute();
  await refreshCustomerStats(trx, workspaceId, [holder, merge.merged_id]);
  await runUnmergedHooks(trx, { workspaceId, mergeId, holderId: holder, restoredId: merge.merged_id });
  return { survivorId: holder, restoredId: merge.merged_id };
}

// Clears the survivor fields a merge filled in, where they still hold the filled value (a later edit wins).
async function clearFilledFields(trx: Trx, workspaceId: number, customerId: number, filled: Record<string, unknown>): Promise<void> {
  const current = await trx.selectFrom('customers').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', customerId).executeTakeFirstOrThrow();
  const clear: Record<string, null> = {};
  for (const column of fillableColumns) {
    if (column in filled && JSON.stringify(current[column]) === JSON.stringify(filled[column])) clear[column] = null;
  }
  const attributeKeys = filled.attributes && typeof filled.attributes === 'object' ? Object.keys(filled.attributes) : [];
  if (Object.keys(clear).length === 0 && attributeKeys.length === 0) return;
  await trx
    .updateTable('customers')
    .set({ ...clear, ...(attributeKeys.length > 0 ? { attributes: sql`attributes - ${attributeKeys}::text[]` } : {}) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .execute();
}
