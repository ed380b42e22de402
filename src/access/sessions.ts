import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Role } from './permissions.ts';

/** How long a session lasts: it ends after `idleMs` without a request, and `absoluteMs` after sign-in at the latest. */
export const sessionLifetime = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 } as const;
// Sliding expiry is written at most this often per session, so a busy console does not write on every call.
const touchEveryMs = 5 * 60_000;

/** A signed-in user, as a request sees it. */
export interface Session {
  readonly id: number;
  readonly workspaceId: number;
  readonly userId: number;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** The token a cookie-authenticated request that changes something must echo in a header. */
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function expiry(createdAt: Date, now: Date): Date {
  return new Date(Math.min(createdAt.getTime() + sessionLifetime.absoluteMs, now.getTime() + sessionLifetime.idleMs));
}

/** Starts a session; the token is returned once (for the cookie) and stored only as its SHA-256. */
export async function createSession(
  db: Kysely<Database>,
  input: { workspaceId: number; userId: number; now: Date },
): Promise<{ id: number; token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = expiry(input.now, input.now);
  // Expired sessions are refused anyway; a sign-in clears the user's old ones so the table stays small.
  await db.deleteFrom('sessions').where('workspace_id', '=', input.workspaceId).where('user_id', '=', input.userId).where('expires_at', '<=', input.now).execute();
  const row = await db
    .insertInto('sessions')
    .values({
      workspace_id: input.workspaceId,
      user_id: input.userId,
      token_hash: hashToken(token),
      csrf_token: csrfToken,
      created_at: input.now,
      last_seen_at: input.now,
      expires_at: expiresAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, csrfToken, expiresAt };
}

/** Finds the live session of a cookie token (and slides its expiry); expired sessions and disabled users give undefined. */
export async function findSession(db: Kysely<Database>, token: string, now: Date): Promise<Session | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', (j) => j.onRef('u.workspace_id', '=', 's.workspace_id').onRef('u.id', '=', 's.user_id'))
    .select(['s.id', 's.workspace_id', 's.user_id', 's.csrf_token', 's.created_at', 's.last_seen_at', 's.expires_at', 'u.email', 'u.name', 'u.role', 'u.disabled_at'])
    .where('s.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() <= now.getTime() || row.disabled_at !== null) return undefined;
  let expiresAt = row.expires_at;
  if (now.getTime() - row.last_seen_at.getTime() >= touchEveryMs) {
    expiresAt = expiry(row.created_at, now);
    await db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('workspace_id', '=', row.workspace_id).where('id', '=', row.id).execute();
  }
  return { id: row.id, workspaceId: row.workspace_id, userId: row.user_id, email: row.email, name: row.name, role: row.role, csrfToken: row.csrf_token, expiresAt };
}

/** Ends a session (sign out); an unknown token is not an error. */
export async function endSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashToken(token)).execute();
}
