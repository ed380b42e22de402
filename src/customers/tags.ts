import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const tagNameSchema = z.string().trim().min(1, 'a tag name is empty').max(100, 'a tag name is longer than 100 characters');

/** Returns the ids of the named tags, creating the missing ones. */
export async function ensureTags(db: Db, workspaceId: number, names: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(names.map((n) => tagNameSchema.parse(n)))];
  if (unique.length === 0) return new Map();
  await db
    .insertInto('tags')
    .values(unique.map((name) => ({ workspace_id: workspaceId, name })))
    .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
    .execute();
  const rows = await db.selectFrom('tags').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('name', 'in', unique).execute();
  return new Map(rows.map((r) => [r.name, r.id]));
}

/** Adds and removes tags on many customers at once, in one transaction; unknown customers are an error naming them. */
export async function updateCustomerTags(
  db: Kysely<Database>,
  workspaceId: number,
  input: { customerIds: readonly number[]; add?: readonly string[]; remove?: readonly string[] },
): Promise<{ added: number; removed: number }> {
  return db.transaction().execute(async (trx) => {
    const ids = [...new Set(input.customerIds)];
    const found = await trx
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids.length > 0 ? ids : [-1])
      .where('merged_into', 'is', null)
      .execute();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) throw new PatronError('not_found', `Customers not found: ${missing.slice(0, 10).join(', ')}`, { path: ['customerIds'], value: missing });
    let added = 0;
    let removed = 0;
    const addIds = [...(await ensureTags(trx, workspaceId, input.add ?? [])).values()];
    if (addIds.length > 0 && ids.length > 0) {
      const res = await trx
        .insertInto('customer_tags')
        .values(ids.flatMap((customerId) => addIds.map((tagId) => ({ workspace_id: workspaceId, customer_id: customerId, tag_id: tagId }))))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      added = Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    const removeNames = (input.remove ?? []).map((n) => tagNameSchema.parse(n));
    if (removeNames.length > 0 && ids.length > 0) {
      const res = await trx
        .deleteFrom('customer_tags')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', 'in', ids)
        .where('tag_id', 'in', (eb) => eb.selectFrom('tags').select('id').where('workspace_id', '=', workspaceId).where('name', 'in', removeNames))
        .executeTakeFirst();
      removed = Number(res.numDeletedRows);
    }
    return { added, removed };
  });
}

/** Every tag of a workspace with how many live customers carry it. */
export async function listTags(db: Db, workspaceId: number): Promise<{ id: number; name: string; customers: number }[]> {
  const rows = await db
    .selectFrom('tags')
    .leftJoin('customer_tags', (j) => j.onRef('customer_tags.workspace_id', '=', 'tags.workspace_id').onRef('customer_tags.tag_id', '=', 'tags.id'))
    .select(['tags.id', 'tags.name', (eb) => eb.fn.count<number>('customer_tags.customer_id').as('customers')])
    .where('tags.workspace_id', '=', workspaceId)
    .groupBy(['tags.id', 'tags.name'])
    .orderBy('tags.name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, customers: Number(r.customers) }));
}

/** Adds tags to customers in bulk, each pair its own (import files tag each row differently); returns the customers that gained a tag. */
export async function addTagsToCustomers(db: Db, workspaceId: number, pairs: readonly { customerId: number; tag: string }[]): Promise<number[]> {
  if (pairs.length === 0) return [];
  const tagIds = await ensureTags(db, workspaceId, pairs.map((p) => p.tag));
  const added = await sql<{ customer_id: number }>`
    INSERT INTO customer_tags (workspace_id, customer_id, tag_id)
    SELECT DISTINCT ${workspaceId}::bigint, c, t FROM unnest(${pairs.map((p) => p.customerId)}::bigint[], ${pairs.map((p) => tagIds.get(tagNameSchema.parse(p.tag))!)}::bigint[]) AS u(c, t)
    ON CONFLICT DO NOTHING
    RETURNING customer_id`.execute(db);
  return [...new Set(added.rows.map((r) => r.customer_id))];
}
