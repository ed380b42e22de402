import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

/** write: the tracking API only (safe to ship in a browser or app); secret: the admin API. */
export type ApiKeyKind = 'write' | 'secret';

/** What a valid key grants. */
export interface ApiKeyGrant {
  readonly workspaceId: number;
  readonly keyId: number;
  readonly kind: ApiKeyKind;
}

/** Keys are stored as SHA-256 only: they are long random strings, so a slow hash adds nothing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key and returns its plain text once; pass `plain` only for documented demo keys. */
export async function createApiKey(
  db: Kysely<Database>,
  input: { workspaceId: number; kind: ApiKeyKind; name: string; plain?: string },
): Promise<{ id: number; key: string }> {
  const key = input.plain ?? `${input.kind === 'write' ? 'pw' : 'ps'}_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_keys')
    .values({ workspace_id: input.workspaceId, kind: input.kind, name: input.name, key_hash: hashApiKey(key), key_prefix: key.slice(0, 6) })
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) throw new PatronError('conflict', 'That API key already exists');
  return { id: row.id, key };
}

/** Looks a key up by its plain text; revoked or unknown keys give undefined. */
export async function findApiKey(db: Kysely<Database>, key: string): Promise<ApiKeyGrant | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['workspace_id', 'id', 'kind'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, keyId: row.id, kind: row.kind } : undefined;
}
