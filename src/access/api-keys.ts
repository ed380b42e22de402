import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { recordAudit, scopedEntry, type AuditScope } from './audit.ts';
import { defaultKeyScopes, permissions, type Permission } from './permissions.ts';

/** write: the tracking API only (safe to ship in a browser or app); secret: the admin API. */
export type ApiKeyKind = 'write' | 'secret';

/** What a valid key grants. */
export interface ApiKeyGrant {
  readonly workspaceId: number;
  readonly keyId: number;
  readonly kind: ApiKeyKind;
  /** The permissions of a secret key (empty for write keys, which only reach the tracking API). */
  readonly scopes: readonly Permission[];
}

/** A key as the API lists it: never its text or hash, only the first characters to recognise it. */
export interface ApiKeyInfo {
  readonly id: number;
  readonly kind: ApiKeyKind;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly Permission[];
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export const createApiKeySchema = z.object({
  kind: z.enum(['write', 'secret']),
  name: z.string().trim().min(1).max(200),
  scopes: z
    .array(z.enum(permissions))
    .min(1)
    .optional()
    .describe('Secret keys only: the permissions the key holds (default: all except users:manage)'),
});
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

/** Keys are stored as SHA-256 only: they are long random strings, so a slow hash adds nothing. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function scopesOf(kind: ApiKeyKind, stored: readonly string[] | null): readonly Permission[] {
  if (kind === 'write') return [];
  return stored === null ? defaultKeyScopes : permissions.filter((p) => stored.includes(p));
}

/** Creates a key and returns its plain text once; pass `plain` only for documented demo keys. */
export async function createApiKey(
  db: Kysely<Database>,
  input: { workspaceId: number; kind: ApiKeyKind; name: string; scopes?: readonly Permission[]; createdBy?: number; plain?: string },
  audit?: AuditScope,
): Promise<{ id: number; key: string }> {
  if (input.kind === 'write' && input.scopes !== undefined) {
    throw new PatronError('invalid_input', 'Write keys reach only the tracking API and take no scopes; leave scopes out or create a secret key', { path: ['scopes'] });
  }
  const key = input.plain ?? `${input.kind === 'write' ? 'pw' : 'ps'}_${randomBytes(24).toString('base64url')}`;
  const row = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('api_keys')
      .values({
        workspace_id: input.workspaceId,
        kind: input.kind,
        name: input.name,
        key_hash: hashApiKey(key),
        key_prefix: key.slice(0, 6),
        scopes: input.scopes === undefined ? null : [...input.scopes],
        created_by: input.createdBy ?? null,
      })
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .returning(['id', 'key_prefix'])
      .executeTakeFirst();
    if (inserted && audit) {
      const after = { kind: input.kind, name: input.name, prefix: inserted.key_prefix, scopes: [...scopesOf(input.kind, input.scopes === undefined ? null : input.scopes)] };
      await recordAudit(trx, scopedEntry(audit, { workspaceId: input.workspaceId, targetType: 'api_key', targetId: inserted.id, after }));
    }
    return inserted;
  });
  if (!row) throw new PatronError('conflict', 'That API key already exists');
  return { id: row.id, key };
}

/** Looks a key up by its plain text; revoked or unknown keys give undefined. */
export async function findApiKey(db: Kysely<Database>, key: string): Promise<ApiKeyGrant | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['workspace_id', 'id', 'kind', 'scopes'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, keyId: row.id, kind: row.kind, scopes: scopesOf(row.kind, row.scopes) } : undefined;
}

/**
 * Looks a key up to authenticate a request and stamps its last use, in one statement. Callers cache
 * the answer (server/auth.ts, 30 s), so last-used is exact to that cache time and a tracking call
 * costs no query.
 */
export async function useApiKey(db: Kysely<Database>, key: string, now: Date): Promise<ApiKeyGrant | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .returning(['workspace_id', 'id', 'kind', 'scopes'])
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, keyId: row.id, kind: row.kind, scopes: scopesOf(row.kind, row.scopes) } : undefined;
}

/** The keys of a workspace, newest first, revoked ones included (marked). */
export async function listApiKeys(db: Kysely<Database>, workspaceId: number): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    name: r.name,
    prefix: r.key_prefix,
    scopes: scopesOf(r.kind, r.scopes),
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revokes a key of the workspace; revoking a revoked key is a conflict, another workspace's key is not found. */
export async function revokeApiKey(db: Kysely<Database>, workspaceId: number, id: number, now: Date, audit?: AuditScope): Promise<ApiKeyInfo> {
  const row = await db.transaction().execute(async (trx) => {
    const revoked = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (revoked && audit) await recordAudit(trx, scopedEntry(audit, { workspaceId, targetType: 'api_key', targetId: id, before: { revokedAt: null }, after: { revokedAt: now } }));
    return revoked;
  });
  if (!row) {
    const exists = await db.selectFrom('api_keys').select('id').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (exists) throw new PatronError('conflict', `API key ${id} is already revoked`, { path: ['id'], value: id });
    throw new PatronError('not_found', `API key ${id} does not exist in this workspace`, { path: ['id'], value: id });
  }
  return { id: row.id, kind: row.kind, name: row.name, prefix: row.key_prefix, scopes: scopesOf(row.kind, row.scopes), createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}
