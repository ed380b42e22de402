import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';

/** The profile fields Patron knows by name; everything else lives in `attributes`. */
export const profilePatchSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  gender: z.enum(['female', 'male', 'other']).optional(),
  birthday: z.iso.date().optional(),
  city: z.string().trim().min(1).max(100).optional(),
  province: z.string().trim().min(1).max(100).optional(),
  country: z.string().trim().min(1).max(100).optional(),
  timezone: z.string().trim().min(1).max(64).optional(),
  signedUpAt: z.coerce.date().optional(),
  acquisitionChannel: z.string().trim().min(1).max(100).optional(),
  attributes: z.record(z.string().max(200), z.unknown()).optional(),
});
export type ProfilePatch = z.infer<typeof profilePatchSchema>;

/** The profile columns a patch may set, by patch key: the catalogue that keeps column names out of input. */
export const profileColumns = {
  name: 'name',
  gender: 'gender',
  birthday: 'birthday',
  city: 'city',
  province: 'province',
  country: 'country',
  timezone: 'timezone',
  signedUpAt: 'signed_up_at',
  acquisitionChannel: 'acquisition_channel',
} as const;

type Db = Kysely<Database> | Transaction<Database>;

/** Applies a patch: given fields overwrite, attributes are merged key by key (null removes a key). */
export async function applyProfilePatch(db: Db, workspaceId: number, customerId: number, patch: ProfilePatch): Promise<void> {
  const set: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(profileColumns)) {
    const value = patch[key as keyof typeof profileColumns];
    if (value !== undefined) set[column] = value;
  }
  const attributes = patch.attributes;
  const hasAttributes = attributes !== undefined && Object.keys(attributes).length > 0;
  if (Object.keys(set).length === 0 && !hasAttributes) return;
  await db
    .updateTable('customers')
    .set({
      ...set,
      ...(hasAttributes ? { attributes: sql`jsonb_strip_nulls(attributes || ${JSON.stringify(attributes)}::jsonb)` } : {}),
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .execute();
}

/**
 * Applies many patches with one statement, with applyProfilePatch's meaning (given fields overwrite,
 * attributes merge key by key); later patches of the same profile win. Profiles the patches would not
 * change are not written. Returns the ids of the profiles that changed.
 */
export async function applyProfilePatches(db: Db, workspaceId: number, patches: readonly { customerId: number; patch: ProfilePatch }[]): Promise<number[]> {
  const merged = new Map<number, ProfilePatch>();
  for (const { customerId, patch } of patches) {
    const before = merged.get(customerId);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ProfilePatch;
    merged.set(customerId, before ? { ...before, ...defined, attributes: { ...before.attributes, ...patch.attributes } } : defined);
  }
  const rows = [...merged].filter(([, p]) => Object.keys(p).some((k) => k !== 'attributes') || Object.keys(p.attributes ?? {}).length > 0);
  if (rows.length === 0) return [];
  const column = <T>(pick: (p: ProfilePatch) => T | undefined) => rows.map(([, p]) => pick(p) ?? null);
  const result = await sql<{ id: number }>`
    WITH u AS (
      SELECT * FROM unnest(${rows.map(([id]) => id)}::bigint[], ${column((p) => p.name)}::text[], ${column((p) => p.gender)}::text[],
                           ${column((p) => p.birthday)}::date[], ${column((p) => p.city)}::text[], ${column((p) => p.province)}::text[],
                           ${column((p) => p.country)}::text[], ${column((p) => p.timezone)}::text[], ${column((p) => p.signedUpAt?.toISOString())}::timestamptz[],
                           ${column((p) => p.acquisitionChannel)}::text[],
                           ${column((p) => (p.attributes && Object.keys(p.attributes).length > 0 ? JSON.stringify(p.attributes) : undefined))}::jsonb[])
        AS u(id, name, gender, birthday, city, province, country, timezone, signed_up_at, acquisition_channel, attributes)
    ),
    next AS (
      SELECT c.id, coalesce(u.name, c.name) AS name, coalesce(u.gender, c.gender) AS gender, coalesce(u.birthday, c.birthday) AS birthday,
             coalesce(u.city, c.city) AS city, coalesce(u.province, c.province) AS province, coalesce(u.country, c.country) AS country,
             coalesce(u.timezone, c.timezone) AS timezone, coalesce(u.signed_up_at, c.signed_up_at) AS signed_up_at,
             coalesce(u.acquisition_channel, c.acquisition_channel) AS acquisition_channel,
             CASE WHEN u.attributes IS NULL THEN c.attributes ELSE jsonb_strip_nulls(c.attributes || u.attributes) END AS attributes
      FROM customers c JOIN u ON c.id = u.id
      WHERE c.workspace_id = ${workspaceId}
    )
    UPDATE customers c SET name = n.name, gender = n.gender, birthday = n.birthday, city = n.city, province = n.province, country = n.country,
      timezone = n.timezone, signed_up_at = n.signed_up_at, acquisition_channel = n.acquisition_channel, attributes = n.attributes, updated_at = now()
    FROM next n
    WHERE c.workspace_id = ${workspaceId} AND c.id = n.id
      AND (c.name, c.gender, c.birthday, c.city, c.province, c.country, c.timezone, c.signed_up_at, c.acquisition_channel, c.attributes)
          IS DISTINCT FROM (n.name, n.gender, n.birthday, n.city, n.province, n.country, n.timezone, n.signed_up_at, n.acquisition_channel, n.attributes)
    RETURNING c.id`.execute(db);
  return result.rows.map((r) => r.id);
}
