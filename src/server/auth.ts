import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { getWorkspace, rolePermissions, useApiKey, type ApiKeyKind, type Permission, type Role, type Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import type { Clock } from '../lib/clock.ts';
import { PatronError } from '../lib/errors.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

/** Who is acting: an API key, or a console user signed in with a session cookie. */
export type Actor =
  | { readonly type: 'api_key'; readonly id: number; readonly kind: ApiKeyKind }
  | { readonly type: 'user'; readonly id: number; readonly role: Role; readonly email: string; readonly name: string; readonly sessionId: number; readonly csrfToken: string };

/** Who is calling: the workspace, the actor that proved it, and what the actor may do there. */
export interface Caller {
  readonly workspace: Workspace;
  readonly actor: Actor;
  readonly permissions: ReadonlySet<Permission>;
  /** The key's id and kind, for API-key callers (the tracking API reads them). */
  readonly keyId?: number;
  readonly kind?: ApiKeyKind;
}

interface CacheEntry {
  caller: Caller | undefined;
  expires: number;
}

const cacheMs = 30_000;

/** A caller signed in as a console user: permissions come from the role's row of the matrix. */
export function userCaller(workspace: Workspace, user: Extract<Actor, { type: 'user' }>): Caller {
  return { workspace, actor: user, permissions: rolePermissions[user.role] };
}

/**
 * Looks up API keys with a short cache, so that high-rate tracking calls do not query the key table on
 * every request; a key revoked through this process's API stops at once (forget), one revoked elsewhere
 * within the cache time. The verifier also holds the process's rate limiter, shared by every route.
 */
export function createKeyVerifier(db: Kysely<Database>, clock: Clock, limiter: RateLimiter = createRateLimiter()) {
  const cache = new Map<string, CacheEntry>();
  const verify = async (key: string): Promise<Caller | undefined> => {
    const now = clock.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now.getTime()) return hit.caller;
    const grant = await useApiKey(db, key, now);
    const caller: Caller | undefined = grant
      ? {
          workspace: await getWorkspace(db, grant.workspaceId),
          actor: { type: 'api_key', id: grant.keyId, kind: grant.kind },
          permissions: new Set(grant.scopes),
          keyId: grant.keyId,
          kind: grant.kind,
        }
      : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { caller, expires: now.getTime() + cacheMs });
    return caller;
  };
  /** Drops cached callers, so that changed workspace settings or revoked keys apply at once in this process. */
  const forget = () => cache.clear();
  return Object.assign(verify, { forget, limiter });
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;

/** The bearer token of a request, if it sends one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** The admin API with `Authorization: Bearer <secret key>`, rate-limited per key. */
export async function authenticateSecret(request: FastifyRequest, verify: KeyVerifier): Promise<Caller> {
  const key = bearerToken(request);
  if (!key) throw new PatronError('unauthorized', 'Sign in to the console, or send a secret API key as "Authorization: Bearer <key>"');
  const caller = await verify(key);
  if (!caller) throw new PatronError('unauthorized', 'The API key is unknown or revoked');
  if (caller.kind !== 'secret') throw new PatronError('forbidden', 'A write key only works for the tracking API (/v1/*); use a secret key here');
  verify.limiter.take('secretKey', String(caller.keyId), `API key ${caller.keyId}`);
  return caller;
}

/** The tracking API: the write key as the Basic-auth user name (Segment's convention), or `writeKey` in the body; rate-limited per key. */
export async function authenticateWrite(request: FastifyRequest, verify: KeyVerifier, bodyKey?: unknown): Promise<Caller> {
  const header = request.headers.authorization ?? '';
  let key: string | undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic) key = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  else if (typeof bodyKey === 'string') key = bodyKey;
  if (!key) throw new PatronError('unauthorized', 'Send the write key as the Basic-auth user name (Authorization: Basic base64("<writeKey>:"))');
  const caller = await verify(key);
  if (!caller) throw new PatronError('unauthorized', 'The write key is unknown or revoked');
  verify.limiter.take(caller.kind === 'write' ? 'writeKey' : 'secretKey', String(caller.keyId), `API key ${caller.keyId}`);
  return caller;
}
