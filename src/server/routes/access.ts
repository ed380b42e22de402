import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInvitation,
  acceptInvitationSchema,
  addUser,
  auditQuerySchema,
  changeOwnPassword,
  changePasswordSchema,
  createApiKey,
  createApiKeySchema,
  createInvitation,
  createInvitationSchema,
  createSession,
  createUserSchema,
  defaultKeyScopes,
  endSession,
  findUserByEmail,
  getUser,
  getWorkspace,
  invitationTokenSchema,
  listApiKeys,
  listAudit,
  listInvitations,
  listMemberships,
  listUsers,
  markInvitationSent,
  passwordResetLifetimeMs,
  permissions,
  previewInvitation,
  readAudit,
  recordAudit,
  renewInvitation,
  requestPasswordReset,
  requestPasswordResetSchema,
  resetPassword,
  resetPasswordSchema,
  revokeApiKey,
  revokeInvitation,
  sessionLifetime,
  setupFirstOwner,
  setupNeeded,
  setupSchema,
  switchWorkspace,
  updateUser,
  updateUserSchema,
  verifyPassword,
  type AuditRecord,
  type Invitation,
  type Permission,
  type User,
  type Workspace,
} from '../../access/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { auditScope, sessionCookie } from '../access-hooks.ts';
import { userCaller, type Caller } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { consoleLink, emailBaseUrl, invitationEmail, passwordResetEmail, sendAccessEmail, type AccessMailOutcome } from './access-mail.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(256) });

function startCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  // Secure whenever the console is reached over https (directly, or through a proxy the server trusts: PATRON_TRUST_PROXY).
  reply.setCookie(sessionCookie, token, { httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: '/api', maxAge: sessionLifetime.absoluteMs / 1000 });
}

function sessionView(workspace: Workspace, user: Pick<User, 'id' | 'email' | 'name' | 'role'>, csrfToken: string, expiresAt?: Date) {
  return { workspace, user: { id: user.id, email: user.email, name: user.name, role: user.role }, csrfToken, expiresAt, permissions: [...userCaller(workspace, { type: 'user', ...user, sessionId: 0, csrfToken }).permissions] };
}

const invitationJson = (i: Invitation) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  status: i.status,
  invitedBy: i.invitedBy,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
  sentAt: i.sentAt?.toISOString() ?? null,
  sendCount: i.sendCount,
  acceptedAt: i.acceptedAt?.toISOString() ?? null,
  revokedAt: i.revokedAt?.toISOString() ?? null,
});

const workspaceParams = z.object({ workspaceId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const userJson = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled, createdAt: u.createdAt.toISOString(), lastLoginAt: u.lastLoginAt?.toISOString() ?? null });

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value instanceof Date ? value.toISOString() : String(value);
  // Quote every cell, and defuse spreadsheet formulas (OWASP CSV injection).
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
}

const csvColumns = ['id', 'at', 'actorType', 'actorId', 'action', 'targetType', 'targetId', 'outcome', 'requestId', 'before', 'after', 'details'] as const;

async function* exportLines(rows: AsyncGenerator<AuditRecord>, format: 'csv' | 'jsonl'): AsyncGenerator<string> {
  if (format === 'csv') yield `${csvColumns.join(',')}\n`;
  for await (const row of rows) yield format === 'jsonl' ? `${JSON.stringify(row)}\n` : `${csvColumns.map((c) => csvCell(row[c])).join(',')}\n`;
}

/** What a caller may hand to a new key: never more than it holds itself. */
function grantableScopes(caller: Caller, asked: readonly Permission[] | undefined): readonly Permission[] | undefined {
  const wanted = asked ?? defaultKeyScopes;
  const missing = wanted.filter((p) => !caller.permissions.has(p));
  if (asked !== undefined && missing.length > 0) {
    throw new PatronError('forbidden', `You cannot give a key scopes you do not hold: ${missing.join(', ')}`, { path: ['scopes'], value: missing });
  }
  if (asked === undefined && missing.length === 0) return undefined;
  return wanted.filter((p) => caller.permissions.has(p));
}

/** Console sign-in and first-run setup, users, API keys and the audit log, under /api. */
export function accessRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get('/setup', {
      config: { permission: 'public' },
      schema: { tags: ['access'], summary: 'Whether the installation still needs its first owner (the console then shows the setup form)' },
      handler: async () => ({ needed: await setupNeeded(ctx.db) }),
    });

    r.post('/setup', {
      config: { permission: 'public' },
      schema: { tags: ['access'], summary: 'First run: create the owner (and the workspace) and sign in; refused once any user exists', body: setupSchema },
      handler: async (req, reply) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'sign-in attempts from your address');
        const { workspace, user } = await setupFirstOwner(ctx.db, req.body);
        const session = await createSession(ctx.db, { workspaceId: workspace.id, userId: user.id, now: ctx.clock.now() });
        startCookie(req, reply, session.token);
        req.caller = userCaller(workspace, { type: 'user', id: user.id, role: user.role, email: user.email, name: user.name, sessionId: session.id, csrfToken: session.csrfToken });
        req.auditChange = { action: 'setup.first_owner', targetType: 'user', targetId: user.id, after: { role: user.role } };
        return sessionView(workspace, user, session.csrfToken, session.expiresAt);
      },
    });

    r.post('/session', {
      config: { permission: 'public' },
      schema: { tags: ['access'], summary: 'Sign in with email and password: sets the HttpOnly session cookie and returns the CSRF token', body: loginSchema },
      handler: async (req, reply) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'sign-in attempts from your address');
        ctx.verifyKey.limiter.take('loginEmail', req.body.email.trim().toLowerCase(), 'sign-in attempts for this email');
        const now = ctx.clock.now();
        const user = await verifyPassword(ctx.db, req.body.email, req.body.password, now);
        if (!user) {
          // A failed attempt on a real account is worth an entry; unknown emails have no workspace to log to.
          const known = await findUserByEmail(ctx.db, req.body.email);
          if (known) await recordAudit(ctx.db, { workspaceId: known.workspaceId, at: now, actor: { type: 'user', id: known.id }, action: 'session.login_failed', targetType: 'user', targetId: known.id, outcome: 401, requestId: req.id });
          throw new PatronError('unauthorized', 'The email or password is wrong');
        }
        const session = await createSession(ctx.db, { workspaceId: user.workspaceId, userId: user.id, now });
        startCookie(req, reply, session.token);
        const caller = userCaller(await getWorkspace(ctx.db, user.workspaceId), { type: 'user', id: user.id, role: user.role, email: user.email, name: user.name, sessionId: session.id, csrfToken: session.csrfToken });
        req.caller = caller;
        req.auditChange = { action: 'session.login', targetType: 'user', targetId: user.id };
        return sessionView(caller.workspace, user, session.csrfToken, session.expiresAt);
      },
    });

    r.get('/session', {
      config: { permission: 'signed_in' },
      schema: { tags: ['access'], summary: 'Who is calling: the signed-in user (with the CSRF token) or the API key, the workspace and the permissions' },
      handler: async (req) => {
        const { actor, workspace } = req.caller;
        if (actor.type === 'user') return sessionView(workspace, actor, actor.csrfToken);
        return { workspace, apiKey: { id: actor.id, kind: actor.kind }, permissions: [...req.caller.permissions] };
      },
    });

    r.delete('/session', {
      config: { permission: 'signed_in' },
      schema: { tags: ['access'], summary: 'Sign out: ends the session and clears its cookie' },
      handler: async (req, reply) => {
        const token = req.cookies[sessionCookie];
        if (token) await endSession(ctx.db, token);
        reply.clearCookie(sessionCookie, { path: '/api' });
        req.auditChange = { action: 'session.logout' };
        return { signedOut: true };
      },
    });

    r.post('/session/password', {
      config: { permission: 'signed_in' },
      schema: { tags: ['access'], summary: 'Change your own password (signed-in users): needs the current one; your other sessions end', body: changePasswordSchema },
      handler: async (req) => {
        const { actor, workspace } = req.caller;
        if (actor.type !== 'user') throw new PatronError('forbidden', 'API keys have no password: sign in to the console as a user to change yours');
        await changeOwnPassword(ctx.db, { workspaceId: workspace.id, id: actor.id, sessionId: actor.sessionId }, req.body, auditScope(req, ctx, 'session.password_changed'));
        return { changed: true };
      },
    });

    r.get('/users', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'The console users of the workspace with their roles' },
      handler: async (req) => ({ users: (await listUsers(ctx.db, req.caller.workspace.id)).map(userJson) }),
    });

    r.post('/users', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'Add a console user with a role and an initial password (only owners add owners)', body: createUserSchema },
      handler: async (req) => {
        const actorRole = req.caller.actor.type === 'user' ? req.caller.actor.role : undefined;
        const user = await addUser(ctx.db, { workspaceId: req.caller.workspace.id, role: actorRole }, req.body, auditScope(req, ctx));
        return userJson(user);
      },
    });

    r.patch('/users/:id', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'Change a user: name, role, password, or disable (ends their sessions)', params: idParams, body: updateUserSchema },
      handler: async (req) => {
        const actorRole = req.caller.actor.type === 'user' ? req.caller.actor.role : undefined;
        const { after } = await updateUser(ctx.db, { workspaceId: req.caller.workspace.id, role: actorRole }, req.params.id, req.body, auditScope(req, ctx));
        return userJson(after);
      },
    });

    /**
     * Emails an invitation's link; without an email provider (or when SMTP refuses), the answer carries the
     * link for the inviter to pass on, and says why. The link in an email uses the provider's public URL.
     */
    const deliverInvitation = async (req: FastifyRequest, invitation: Invitation, token: string) => {
      const delivery = await sendInvitation(req, invitation, token);
      const current = delivery.sent ? await markInvitationSent(ctx.db, req.caller.workspace.id, invitation.id, ctx.clock.now()) : invitation;
      return { invitation: invitationJson(current), delivery };
    };
    const sendInvitation = async (req: FastifyRequest, invitation: Invitation, token: string): Promise<{ sent: boolean; reason?: string; message: string; acceptUrl?: string }> => {
      const workspace = req.caller.workspace;
      const inviterName = req.caller.actor.type === 'user' ? req.caller.actor.name : undefined;
      const outcome: AccessMailOutcome = await sendAccessEmail(ctx.db, workspace.id, {
        to: invitation.email,
        idempotencyKey: `invitation:${workspace.id}:${invitation.id}:${invitation.expiresAt.getTime()}`,
        content: (link) => invitationEmail({ workspaceName: workspace.name, inviterName, role: invitation.role, link: link('accept-invite', token), expiresAt: invitation.expiresAt }),
      });
      if (outcome.sent) return { sent: true, message: `The invitation was emailed to ${invitation.email}` };
      const acceptUrl = consoleLink((await emailBaseUrl(ctx.db, workspace.id)) ?? `${req.protocol}://${req.host}`, 'accept-invite', token);
      if (outcome.reason === 'no_smtp') {
        return { sent: false, reason: 'no_smtp', acceptUrl, message: 'No email provider (SMTP) is set up for this workspace, so nothing was emailed: pass this link to the person yourself' };
      }
      req.log.warn({ reason: outcome.detail }, 'invitation email failed');
      return { sent: false, reason: 'smtp_failed', acceptUrl, message: `The email server refused the invitation (${outcome.detail ?? 'unknown error'}): check Settings → Channels, or pass this link on yourself` };
    };

    r.get('/invitations', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'The invitations of the workspace with their status (pending, expired, accepted, revoked), and whether email can be sent' },
      handler: async (req) => ({
        invitations: (await listInvitations(ctx.db, req.caller.workspace.id, ctx.clock.now())).map(invitationJson),
        emailConfigured: (await emailBaseUrl(ctx.db, req.caller.workspace.id)) !== undefined,
      }),
    });

    r.post('/invitations', {
      config: { permission: 'users:manage' },
      schema: {
        tags: ['access'],
        summary: 'Invite a person by email with a role: emails a single-use link valid for 7 days; without an email provider the answer carries the link to pass on (only owners invite owners)',
        body: createInvitationSchema,
      },
      handler: async (req) => {
        const actor = req.caller.actor;
        const { invitation, token } = await createInvitation(
          ctx.db,
          { workspaceId: req.caller.workspace.id, role: actor.type === 'user' ? actor.role : undefined, userId: actor.type === 'user' ? actor.id : undefined },
          req.body,
          ctx.clock.now(),
          auditScope(req, ctx, 'invitation.created'),
        );
        return deliverInvitation(req, invitation, token);
      },
    });

    r.post('/invitations/:id/resend', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'Send an open invitation again with a new link (the old link stops working; valid for 7 days from now)', params: idParams },
      handler: async (req) => {
        const { invitation, token } = await renewInvitation(ctx.db, req.caller.workspace.id, req.params.id, ctx.clock.now(), auditScope(req, ctx, 'invitation.resent'));
        return deliverInvitation(req, invitation, token);
      },
    });

    r.post('/invitations/:id/revoke', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'Withdraw an open invitation: its link stops working at once', params: idParams },
      handler: async (req) => invitationJson(await revokeInvitation(ctx.db, req.caller.workspace.id, req.params.id, ctx.clock.now(), auditScope(req, ctx, 'invitation.revoked'))),
    });

    r.post('/invitations/preview', {
      config: { permission: 'public' },
      schema: { tags: ['access'], summary: 'What an invitation link is for (workspace, email, role) and whether the email already has an account; refused with the reason when expired, used or revoked', body: invitationTokenSchema },
      handler: async (req) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'attempts from your address');
        const preview = await previewInvitation(ctx.db, req.body.token, ctx.clock.now());
        return { ...preview, expiresAt: preview.expiresAt.toISOString() };
      },
    });

    r.post('/invitations/accept', {
      config: { permission: 'public' },
      schema: {
        tags: ['access'],
        summary: 'Accept an invitation once: creates the account (name and password) or, for an existing account (its password), adds the membership; then signs in to the workspace',
        body: acceptInvitationSchema,
      },
      handler: async (req, reply) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'attempts from your address');
        const now = ctx.clock.now();
        const user = await acceptInvitation(ctx.db, req.body, now, req.id);
        const session = await createSession(ctx.db, { workspaceId: user.workspaceId, userId: user.id, now });
        startCookie(req, reply, session.token);
        const workspace = await getWorkspace(ctx.db, user.workspaceId);
        req.caller = userCaller(workspace, { type: 'user', id: user.id, role: user.role, email: user.email, name: user.name, sessionId: session.id, csrfToken: session.csrfToken });
        // acceptInvitation recorded the acceptance with the membership it created.
        req.auditChange = { recorded: true };
        return sessionView(workspace, user, session.csrfToken, session.expiresAt);
      },
    });

    r.get('/session/workspaces', {
      config: { permission: 'signed_in' },
      schema: { tags: ['access'], summary: 'The workspaces the signed-in user belongs to, with their role in each (an API key sees its own workspace only)' },
      handler: async (req) => {
        const { actor, workspace } = req.caller;
        if (actor.type !== 'user') return { current: workspace.id, workspaces: [{ workspaceId: workspace.id, slug: workspace.slug, name: workspace.name, role: null }] };
        return { current: workspace.id, workspaces: await listMemberships(ctx.db, actor.id) };
      },
    });

    r.post('/session/workspace', {
      config: { permission: 'signed_in' },
      schema: { tags: ['access'], summary: 'Switch the console to another workspace you belong to: the session is replaced by one there (new cookie and CSRF token)', body: workspaceParams },
      handler: async (req, reply) => {
        const { actor, workspace } = req.caller;
        if (actor.type !== 'user') throw new PatronError('forbidden', 'An API key belongs to one workspace: create a key in the other workspace instead');
        const switched = await switchWorkspace(
          ctx.db,
          { sessionId: actor.sessionId, fromWorkspaceId: workspace.id, userId: actor.id, workspaceId: req.body.workspaceId, now: ctx.clock.now() },
          auditScope(req, ctx, 'session.workspace_switched'),
        );
        startCookie(req, reply, switched.token);
        const target = await getWorkspace(ctx.db, req.body.workspaceId);
        const user = (await getUser(ctx.db, target.id, actor.id))!;
        return sessionView(target, user, switched.csrfToken, switched.expiresAt);
      },
    });

    r.post('/password-reset', {
      config: { permission: 'public' },
      schema: {
        tags: ['access'],
        summary: 'Forgot password: emails a single-use reset link (valid 1 hour) when the email has an account; the answer is the same either way',
        body: requestPasswordResetSchema,
      },
      handler: async (req) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'password reset requests from your address');
        ctx.verifyKey.limiter.take('loginEmail', `reset:${req.body.email}`, 'password reset requests for this email');
        const now = ctx.clock.now();
        const started = await requestPasswordReset(ctx.db, req.body.email, now, req.id);
        if (started) {
          // Sent after answering, so the answer's timing does not depend on whether the account exists.
          const { account, token } = started;
          void (async () => {
            for (const m of await listMemberships(ctx.db, account.id)) {
              const outcome = await sendAccessEmail(ctx.db, m.workspaceId, {
                to: account.email,
                idempotencyKey: `password-reset:${account.workspaceId}:${started.id}`,
                content: (link) => passwordResetEmail({ link: link('reset-password', token), expiresAt: new Date(now.getTime() + passwordResetLifetimeMs) }),
              });
              if (outcome.sent) return;
              if (outcome.reason === 'smtp_failed') req.log.warn({ userId: account.id, reason: outcome.detail }, 'password reset email failed');
            }
            req.log.warn({ userId: account.id }, 'password reset requested, but no workspace of the account has a working email provider');
          })().catch((error: unknown) => req.log.error({ err: error instanceof Error ? { type: error.name, message: error.message } : error }, 'password reset email failed'));
        }
        return { requested: true, message: 'If an account uses this email, a link to reset its password is on its way. It works once, for one hour.' };
      },
    });

    r.post('/password-reset/confirm', {
      config: { permission: 'public' },
      schema: { tags: ['access'], summary: 'Set a new password with a reset link: works once; every session of the account ends', body: resetPasswordSchema },
      handler: async (req) => {
        ctx.verifyKey.limiter.take('loginIp', req.ip, 'attempts from your address');
        const account = await resetPassword(ctx.db, req.body, ctx.clock.now(), req.id);
        return { reset: true, email: account.email };
      },
    });

    r.get('/keys', {
      config: { permission: 'keys:manage' },
      schema: { tags: ['access'], summary: 'The API keys of the workspace: prefix, kind, scopes, last use, revocation (never the key itself)' },
      handler: async (req) => ({ keys: await listApiKeys(ctx.db, req.caller.workspace.id), permissions }),
    });

    r.post('/keys', {
      config: { permission: 'keys:manage' },
      schema: { tags: ['access'], summary: 'Create an API key; the key is in this answer only (it is stored hashed)', body: createApiKeySchema },
      handler: async (req) => {
        const scopes = req.body.kind === 'secret' ? grantableScopes(req.caller, req.body.scopes) : req.body.scopes;
        const createdBy = req.caller.actor.type === 'user' ? req.caller.actor.id : undefined;
        const created = await createApiKey(ctx.db, { workspaceId: req.caller.workspace.id, kind: req.body.kind, name: req.body.name, scopes, createdBy }, auditScope(req, ctx));
        const info = (await listApiKeys(ctx.db, req.caller.workspace.id)).find((k) => k.id === created.id)!;
        return { ...info, key: created.key };
      },
    });

    r.post('/keys/:id/revoke', {
      config: { permission: 'keys:manage' },
      schema: { tags: ['access'], summary: 'Revoke an API key: it stops working at once', params: idParams },
      handler: async (req) => {
        const revoked = await revokeApiKey(ctx.db, req.caller.workspace.id, req.params.id, ctx.clock.now(), auditScope(req, ctx));
        ctx.verifyKey.forget();
        return revoked;
      },
    });

    r.get('/audit', {
      config: { permission: 'audit:read' },
      schema: { tags: ['access'], summary: 'The audit log, newest first: filter by actor, action prefix, target and time; cursor pagination', querystring: auditQuerySchema },
      handler: (req) => listAudit(ctx.db, req.caller.workspace.id, req.query),
    });

    r.get('/audit/export', {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['access'],
        summary: 'Export the audit log (oldest first), streamed as CSV or JSON Lines',
        querystring: auditQuerySchema.omit({ limit: true, cursor: true }).extend({ format: z.enum(['csv', 'jsonl']).default('jsonl') }),
      },
      handler: async (req, reply) => {
        const { format, ...filters } = req.query;
        const rows = readAudit(ctx.db, req.caller.workspace.id, filters);
        const stamp = ctx.clock.now().toISOString().slice(0, 10);
        reply
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
          .header('content-disposition', `attachment; filename="patron-audit-${req.caller.workspace.slug}-${stamp}.${format}"`);
        return reply.send(Readable.from(exportLines(rows, format)));
      },
    });
  };
}
