import { type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, InvitationsTable } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { recordAudit, scopedEntry, type AuditScope } from './audit.ts';
import { roles, type Role } from './permissions.ts';
import { hashToken, newToken } from './tokens.ts';
import { checkAccountPassword, emailSchema, findUserByEmail, getUser, hashPassword, insertAccount, isUniqueViolation, passwordSchema, userNameSchema, type User } from './users.ts';

/** How long an invitation link works; resending starts the period again with a new link. */
export const invitationLifetimeMs = 7 * 24 * 3600_000;

export type InvitationStatus = 'pending' | 'expired' | 'accepted' | 'revoked';

/** An invitation as the API lists it (never its token). */
export interface Invitation {
  readonly id: number;
  readonly workspaceId: number;
  readonly email: string;
  readonly role: Role;
  readonly status: InvitationStatus;
  readonly invitedBy: number | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly sentAt: Date | null;
  readonly sendCount: number;
  readonly acceptedAt: Date | null;
  readonly revokedAt: Date | null;
}

export const createInvitationSchema = z.object({ email: emailSchema, role: z.enum(roles) });
export type CreateInvitationInput = z.input<typeof createInvitationSchema>;

export const invitationTokenSchema = z.object({ token: z.string().min(1).max(200) });
export const acceptInvitationSchema = invitationTokenSchema.extend({
  name: userNameSchema.optional().describe('Your name: needed when the email has no Patron account yet'),
  password: passwordSchema.describe('A new password for a new account, or the password of the existing account'),
});
export type AcceptInvitationInput = z.input<typeof acceptInvitationSchema>;

function statusOf(row: Pick<Selectable<InvitationsTable>, 'accepted_at' | 'revoked_at' | 'expires_at'>, now: Date): InvitationStatus {
  if (row.accepted_at !== null) return 'accepted';
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at.getTime() <= now.getTime() ? 'expired' : 'pending';
}

function toInvitation(row: Selectable<InvitationsTable>, now: Date): Invitation {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    email: row.email,
    role: row.role,
    status: statusOf(row, now),
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    sentAt: row.sent_at,
    sendCount: row.send_count,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
  };
}

/** Why a link no longer works, in words that say what to do. */
const refusals: Readonly<Record<Exclude<InvitationStatus, 'pending'> | 'unknown', string>> = {
  unknown: 'This invitation link is not valid (it may have been replaced by a newer one): ask the person who invited you to send it again',
  expired: 'This invitation has expired: ask the person who invited you to resend it',
  accepted: 'This invitation has already been used: sign in with your email and password',
  revoked: 'This invitation was withdrawn: ask an owner or admin of the workspace for a new one',
};

function refuse(reason: keyof typeof refusals): PatronError {
  return new PatronError('invalid_input', refusals[reason], { path: ['token'], reason });
}

/**
 * Invites a person by email with a role: gives the invitation and its token (shown once, for the link;
 * stored hashed). Only owners invite owners; a member of the workspace, or an email with an open
 * invitation there, is a conflict (resend that one instead).
 */
export async function createInvitation(
  db: Kysely<Database>,
  actor: { workspaceId: number; role: Role | undefined; userId?: number },
  input: CreateInvitationInput,
  now: Date,
  audit?: AuditScope,
): Promise<{ invitation: Invitation; token: string }> {
  const i = createInvitationSchema.parse(input);
  if (i.role === 'owner' && actor.role !== 'owner') throw new PatronError('forbidden', 'Only an owner can invite an owner', { path: ['role'] });
  const account = await findUserByEmail(db, i.email);
  if (account && (await getUser(db, actor.workspaceId, account.id))) throw new PatronError('conflict', `${i.email} is already a member of this workspace: change their role in the user list instead`, { path: ['email'] });
  const { token, hash } = newToken();
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('invitations')
        .values({ workspace_id: actor.workspaceId, email: i.email, role: i.role, token_hash: hash, invited_by: actor.userId ?? null, created_at: now, expires_at: new Date(now.getTime() + invitationLifetimeMs) })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId: actor.workspaceId, targetType: 'invitation', targetId: row.id, after: { role: row.role, expiresAt: row.expires_at } }));
      return { invitation: toInvitation(row, now), token };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new PatronError('conflict', `${i.email} already has an open invitation to this workspace: resend or revoke it`, { path: ['email'] });
    throw error;
  }
}

/** The invitations of a workspace, newest first, with their status at `now`. */
export async function listInvitations(db: Kysely<Database>, workspaceId: number, now: Date): Promise<Invitation[]> {
  const rows = await db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
  return rows.map((r) => toInvitation(r, now));
}

async function openInvitation(db: Kysely<Database>, workspaceId: number, id: number) {
  const row = await db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new PatronError('not_found', `Invitation ${id} does not exist in this workspace`, { path: ['id'], value: id });
  if (row.accepted_at !== null) throw new PatronError('conflict', `Invitation ${id} has already been accepted`, { path: ['id'], value: id });
  if (row.revoked_at !== null) throw new PatronError('conflict', `Invitation ${id} was revoked: invite the person again`, { path: ['id'], value: id });
  return row;
}

/** Issues a new link for an open (pending or expired) invitation: the old link stops working and the validity period starts again. */
export async function renewInvitation(db: Kysely<Database>, workspaceId: number, id: number, now: Date, audit?: AuditScope): Promise<{ invitation: Invitation; token: string }> {
  const { token, hash } = newToken();
  return db.transaction().execute(async (trx) => {
    await openInvitation(trx, workspaceId, id);
    const row = await trx
      .updateTable('invitations')
      .set({ token_hash: hash, expires_at: new Date(now.getTime() + invitationLifetimeMs) })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId, targetType: 'invitation', targetId: id, after: { expiresAt: row.expires_at } }));
    return { invitation: toInvitation(row, now), token };
  });
}

/** Withdraws an open invitation: its link stops working at once. */
export async function revokeInvitation(db: Kysely<Database>, workspaceId: number, id: number, now: Date, audit?: AuditScope): Promise<Invitation> {
  return db.transaction().execute(async (trx) => {
    await openInvitation(trx, workspaceId, id);
    const row = await trx.updateTable('invitations').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    if (audit) await recordAudit(trx, scopedEntry(audit, { workspaceId, targetType: 'invitation', targetId: id, before: { revokedAt: null }, after: { revokedAt: now } }));
    return toInvitation(row, now);
  });
}

/** Notes that an invitation's link was emailed; gives the invitation as it is now. */
export async function markInvitationSent(db: Kysely<Database>, workspaceId: number, id: number, now: Date): Promise<Invitation> {
  const row = await db
    .updateTable('invitations')
    .set((eb) => ({ sent_at: now, send_count: eb('send_count', '+', 1) }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInvitation(row, now);
}

/** What the accept page shows for a link: the workspace, the email and role, and whether the email already has an account. */
export async function previewInvitation(
  db: Kysely<Database>,
  token: string,
  now: Date,
): Promise<{ workspace: { id: number; name: string }; email: string; role: Role; expiresAt: Date; accountExists: boolean }> {
  const row = await db
    .selectFrom('invitations as i')
    .innerJoin('workspaces as w', 'w.id', 'i.workspace_id')
    .selectAll('i')
    .select('w.name as workspace_name')
    .where('i.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) throw refuse('unknown');
  const status = statusOf(row, now);
  if (status !== 'pending') throw refuse(status);
  const account = await findUserByEmail(db, row.email);
  return { workspace: { id: row.workspace_id, name: row.workspace_name }, email: row.email, role: row.role, expiresAt: row.expires_at, accountExists: account !== undefined };
}

/**
 * Accepts an invitation once. For an email without an account this creates it (name and password
 * required); for an existing account it adds the membership, and the account's password must be given,
 * so that whoever holds the link (the inviter, when no email could be sent) cannot sign in as someone who
 * already has access elsewhere. The invitation, the membership and the audit entry commit together; a
 * second use of the link waits for the first and is refused.
 */
export async function acceptInvitation(db: Kysely<Database>, input: AcceptInvitationInput, now: Date, requestId?: string): Promise<User> {
  const a = acceptInvitationSchema.parse(input);
  const tokenHash = hashToken(a.token);
  // Checked again under a lock below; looked at first so that a dead link is refused before any password question.
  const peek = await db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!peek) throw refuse('unknown');
  const peekStatus = statusOf(peek, now);
  if (peekStatus !== 'pending') throw refuse(peekStatus);
  const account = await findUserByEmail(db, peek.email);
  if (account && !(await checkAccountPassword(db, account.id, a.password))) {
    throw new PatronError('unauthorized', `${account.email} already has a Patron account: enter its password to join (or reset it from the sign-in page)`, { path: ['password'] });
  }
  if (!account && a.name === undefined) throw new PatronError('invalid_input', 'Enter your name to create your account', { path: ['name'] });
  const passwordHash = account ? undefined : await hashPassword(a.password);
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
      if (!row) throw refuse('unknown');
      const status = statusOf(row, now);
      if (status !== 'pending') throw refuse(status);
      let userId: number;
      if (account) {
        await trx
          .insertInto('memberships')
          .values({ workspace_id: row.workspace_id, user_id: account.id, role: row.role, last_used_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role: row.role, disabled_at: null, last_used_at: now }))
          .execute();
        userId = account.id;
      } else {
        userId = (await insertAccount(trx, row.workspace_id, { email: row.email, name: a.name!, passwordHash: passwordHash!, role: row.role })).id;
        await trx.updateTable('memberships').set({ last_used_at: now }).where('workspace_id', '=', row.workspace_id).where('user_id', '=', userId).execute();
      }
      await trx.updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute();
      await trx.updateTable('invitations').set({ accepted_at: now, accepted_by: userId }).where('workspace_id', '=', row.workspace_id).where('id', '=', row.id).execute();
      await recordAudit(trx, {
        workspaceId: row.workspace_id,
        at: now,
        actor: { type: 'user', id: userId },
        action: 'invitation.accepted',
        targetType: 'invitation',
        targetId: row.id,
        after: { role: row.role, newAccount: account === undefined },
        outcome: 200,
        requestId,
      });
      return (await getUser(trx, row.workspace_id, userId))!;
    });
  } catch (error) {
    // The email got an account between the check above and the insert: try again as an existing account.
    if (isUniqueViolation(error)) throw new PatronError('conflict', 'An account with this email was created meanwhile: open the link again and enter that account\u2019s password');
    throw error;
  }
}
