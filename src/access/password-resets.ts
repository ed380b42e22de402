import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { recordAudit, type AuditEntry } from './audit.ts';
import { hashToken, newToken } from './tokens.ts';
import { emailSchema, findUserByEmail, hashPassword, memberWorkspaceIds, passwordSchema, type Account } from './users.ts';

/** How long a reset link works (OWASP Forgot Password Cheat Sheet: short-lived, single use). */
export const passwordResetLifetimeMs = 3600_000;

export const requestPasswordResetSchema = z.object({ email: emailSchema });
export const resetPasswordSchema = z.object({ token: z.string().min(1).max(200), password: passwordSchema });

const refusals = {
  unknown: 'This reset link is not valid: request a new one from the sign-in page',
  expired: 'This reset link has expired: request a new one from the sign-in page',
  used: 'This reset link has already been used: sign in, or request a new one from the sign-in page',
} as const;

function refuse(reason: keyof typeof refusals): PatronError {
  return new PatronError('invalid_input', refusals[reason], { path: ['token'], reason });
}

/** One entry per workspace the person is an active member of, so each workspace's admins see it. */
async function entriesFor(db: Kysely<Database>, account: { id: number; workspaceId: number }, entry: Omit<AuditEntry, 'workspaceId'>): Promise<AuditEntry[]> {
  const workspaces = await memberWorkspaceIds(db, account.id);
  return (workspaces.length > 0 ? workspaces : [account.workspaceId]).map((workspaceId) => ({ ...entry, workspaceId }));
}

/**
 * Starts a reset for an email: gives the account and a link token when the email has an account,
 * undefined otherwise. Callers must answer the same either way (no account enumeration).
 */
export async function requestPasswordReset(db: Kysely<Database>, email: string, now: Date, requestId?: string): Promise<{ id: number; account: Account; token: string } | undefined> {
  const account = await findUserByEmail(db, requestPasswordResetSchema.parse({ email }).email);
  if (!account) return undefined;
  const { token, hash } = newToken();
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('password_resets')
      .values({ workspace_id: account.workspaceId, user_id: account.id, token_hash: hash, created_at: now, expires_at: new Date(now.getTime() + passwordResetLifetimeMs) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, ...(await entriesFor(trx, account, { at: now, actor: { type: 'user', id: account.id }, action: 'password_reset.requested', targetType: 'user', targetId: account.id, outcome: 200, requestId })));
    return row.id;
  });
  return { id, account, token };
}

/**
 * Sets a new password with a reset link, once: the link and every other open link of the account stop
 * working, and every session of the account ends (in all its workspaces), in one transaction with the
 * audit entries.
 */
export async function resetPassword(db: Kysely<Database>, input: z.input<typeof resetPasswordSchema>, now: Date, requestId?: string): Promise<Account> {
  const r = resetPasswordSchema.parse(input);
  const passwordHash = await hashPassword(r.password);
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('password_resets').selectAll().where('token_hash', '=', hashToken(r.token)).forUpdate().executeTakeFirst();
    if (!row) throw refuse('unknown');
    if (row.used_at !== null) throw refuse('used');
    if (row.expires_at.getTime() <= now.getTime()) throw refuse('expired');
    const account = await trx.selectFrom('users').select(['id', 'workspace_id', 'email', 'name']).where('id', '=', row.user_id).executeTakeFirstOrThrow();
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', account.id).execute();
    await trx.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', account.id).where('used_at', 'is', null).execute();
    const ended = await trx.deleteFrom('sessions').where('user_id', '=', account.id).executeTakeFirst();
    const who = { id: account.id, workspaceId: account.workspace_id };
    await recordAudit(
      trx,
      ...(await entriesFor(trx, who, { at: now, actor: { type: 'user', id: account.id }, action: 'password_reset.completed', targetType: 'user', targetId: account.id, details: { sessionsEnded: Number(ended.numDeletedRows) }, outcome: 200, requestId })),
    );
    return { id: account.id, workspaceId: account.workspace_id, email: account.email, name: account.name };
  });
}
