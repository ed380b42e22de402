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
