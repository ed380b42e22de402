import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { recordAudit, scopedEntry, type AuditScope } from './audit.ts';
import type { Role } from './permissions.ts';
import { hashToken } from './tokens.ts';

/** How long a session lasts: it ends after `idleMs` without a request, and `absoluteMs` after sign-in at the latest. */
export const sessionLifetime = { idleMs: 12 * 3600_000, absoluteMs: 7 * 24 * 3600_000 } as const;
// Sliding expiry is written at most this often per session, so a busy console does not write on every call.
const touchEveryMs = 5 * 60_000;

/** A signed-in user, as a request sees it: a session belongs to one membership, so it carries the current workspace. */
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

function expiry(createdAt: Date, now: Date): Date {
  return new Date(Math.min(createdAt.getTime() + sessionLifetime.absoluteMs, now.getTime() + sessionLifetime.idleMs));
}

/** Starts a session in a workspace the user is a member of; the token is returned once (for the cookie) and stored only as its SHA-256. */
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

/** Finds the live session of a cookie token (and slides its expiry); expired sessions and disabled memberships give undefined. */
export async function findSession(db: Kysely<Database>, token: string, now: Date): Promise<Session | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('memberships as m', (j) => j.onRef('m.workspace_id', '=', 's.workspace_id').onRef('m.user_id', '=', 's.user_id'))
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.workspace_id', 's.user_id', 's.csrf_token', 's.created_at', 's.last_seen_at', 's.expires_at', 'u.email', 'u.name', 'm.role', 'm.disabled_at'])
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

/** The workspaces a signed-in user can switch to: their active memberships, by workspace name. */
export async function listMemberships(db: Kysely<Database>, userId: number): Promise<{ workspaceId: number; slug: string; name: string; role: Role }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .where('m.disabled_at', 'is', null)
    .orderBy('w.name')
    .orderBy('w.id')
    .execute();
  return rows.map((r) => ({ workspaceId: r.id, slug: r.slug, name: r.name, role: r.role }));
}

/**
 * Moves a signed-in user to another workspace they belong to: the current session ends and a new one
 * starts there (a new token and CSRF token, so nothing issued for one workspace works in another). The
 * switch is recorded in the workspace entered, in the same transaction.
 */
export async function switchWorkspace(
  db: Kysely<Database>,
  input: { sessionId: number; fromWorkspaceId: number; userId: number; workspaceId: number; now: Date },
  audit?: AuditScope,
): Promise<{ id: number; token: string; csrfToken: string; expiresAt: Date; role: Role }> {
  return db.transaction().execute(async (trx) => {
    const membership = await trx
      .selectFrom('memberships')
      .select('role')
      .where('workspace_id', '=', input.workspaceId)
      .where('user_id', '=', input.userId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    if (!membership) throw new PatronError('not_found', `You are not a member of workspace ${input.workspaceId}: ask one of its owners or admins to invite you`, { path: ['workspaceId'], value: input.workspaceId });
    await trx.deleteFrom('sessions').where('workspace_id', '=', input.fromWorkspaceId).where('id', '=', input.sessionId).execute();
    const session = await createSession(trx, { workspaceId: input.workspaceId, userId: input.userId, now: input.now });
    await trx.updateTable('memberships').set({ last_used_at: input.now }).where('workspace_id', '=', input.workspaceId).where('user_id', '=', input.userId).execute();
    if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId: input.workspaceId, targetType: 'user', targetId: input.userId, details: { fromWorkspaceId: input.fromWorkspaceId } }));
    return { ...session, role: membership.role };
  });
}
