import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { findApiKey, getWorkspace, type ApiKeyKind, type Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';

/** Who is calling: the workspace and the key that proved it. */
export interface Caller {
  readonly workspace: Workspace;
  readonly keyId: number;
  readonly kind: ApiKeyKind;
}

interface CacheEntry {
  caller: Caller | undefined;
  expires: number;
}

const cacheMs = 30_000;

/**
 * Looks up API keys with a short cache, so that high-rate tracking calls do not query the key table on
 * every request; a revoked key stops working within the cache time.
 */
export function createKeyVerifier(db: Kysely<Database>, now: () => number = Date.now) {
  const cache = new Map<string, CacheEntry>();
  const verify = async (key: string): Promise<Caller | undefined> => {
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.caller;
    const grant = await findApiKey(db, key);
    const caller = grant ? { workspace: await getWorkspace(db, grant.workspaceId), keyId: grant.keyId, kind: grant.kind } : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { caller, expires: now() + cacheMs });
    return caller;
  };
  /** Drops cached callers, so that changed workspace settings or revoked keys apply at once in this process. */
  const forget = () => cache.clear();
  return Object.assign(verify, { forget });
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;

/** The admin API: `Authorization: Bearer <secret key>`. */
export async function authenticateSecret(request: FastifyRequest, verify: KeyVerifier): Promise<Caller> {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new PatronError('unauthorized', 'Send a secret API key as "Authorization: Bearer <key>"');
  const caller = await verify(match[1]!);
  if (!caller) throw new PatronError('unauthorized', 'The API key is unknown or revoked');
  if (caller.kind !== 'secret') throw new PatronError('forbidden', 'A write key only works for the tracking API (/v1/*); use a secret key here');
  return caller;
}

/** The tracking API: the write key as the Basic-auth user name (Segment's convention), or `writeKey` in the body. */
export async function authenticateWrite(request: FastifyRequest, verify: KeyVerifier, bodyKey?: unknown): Promise<Caller> {
  const header = request.headers.authorization ?? '';
  let key: string | undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic) key = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  else if (typeof bodyKey === 'string') key = bodyKey;
  if (!key) throw new PatronError('unauthorized', 'Send the write key as the Basic-auth user name (Authorization: Basic base64("<writeKey>:"))');
  const caller = await verify(key);
  if (!caller) throw new PatronError('unauthorized', 'The write key is unknown or revoked');
  return caller;
}
