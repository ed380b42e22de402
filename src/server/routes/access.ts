import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  auditQuerySchema,
  changeOwnPassword,
  changePasswordSchema,
  createApiKey,
  createApiKeySchema,
  createSession,
  createUserSchema,
  defaultKeyScopes,
  endSession,
  findUserByEmail,
  getWorkspace,
  inviteUser,
  listApiKeys,
  listAudit,
  listUsers,
  permissions,
  readAudit,
  recordAudit,
  revokeApiKey,
  sessionLifetime,
  setupFirstOwner,
  setupNeeded,
  setupSchema,
  updateUser,
  updateUserSchema,
  verifyPassword,
  type AuditRecord,
  type Permission,
  type User,
  type Workspace,
} from '../../access/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { sessionCookie } from '../access-hooks.ts';
import { userCaller, type Caller } from '../auth.ts';
import type { AppContext } from '../context.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(256) });

function startCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  // Secure whenever the console is reached over https (directly, or through a proxy the server trusts: PATRON_TRUST_PROXY).
  reply.setCookie(sessionCookie, token, { httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: '/api', maxAge: sessionLifetime.absoluteMs / 1000 });
}

function sessionView(workspace: Workspace, user: Pick<User, 'id' | 'email' | 'name' | 'role'>, csrfToken: string, expiresAt?: Date) {
  return { workspace, user: { id: user.id, email: user.email, name: user.name, role: user.role }, csrfToken, expiresAt, permissions: [...userCaller(workspace, { type: 'user', ...user, sessionId: 0, csrfToken }).permissions] };
}

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
        await changeOwnPassword(ctx.db, { workspaceId: workspace.id, id: actor.id, sessionId: actor.sessionId }, req.body);
        req.auditChange = { action: 'session.password_changed', targetType: 'user', targetId: actor.id };
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
        const user = await inviteUser(ctx.db, { workspaceId: req.caller.workspace.id, role: actorRole }, req.body);
        req.auditChange = { targetType: 'user', targetId: user.id, after: { role: user.role, disabled: false } };
        return userJson(user);
      },
    });

    r.patch('/users/:id', {
      config: { permission: 'users:manage' },
      schema: { tags: ['access'], summary: 'Change a user: name, role, password, or disable (ends their sessions)', params: idParams, body: updateUserSchema },
      handler: async (req) => {
        const actorRole = req.caller.actor.type === 'user' ? req.caller.actor.role : undefined;
        const { before, after } = await updateUser(ctx.db, { workspaceId: req.caller.workspace.id, role: actorRole }, req.params.id, req.body);
        const view = (u: User) => ({ name: u.name, role: u.role, disabled: u.disabled });
        req.auditChange = { targetType: 'user', targetId: after.id, before: view(before), after: view(after), details: req.body.password === undefined ? {} : { passwordChanged: true } };
        return userJson(after);
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
        const created = await createApiKey(ctx.db, { workspaceId: req.caller.workspace.id, kind: req.body.kind, name: req.body.name, scopes, createdBy });
        const info = (await listApiKeys(ctx.db, req.caller.workspace.id)).find((k) => k.id === created.id)!;
        req.auditChange = { targetType: 'api_key', targetId: created.id, after: { kind: info.kind, name: info.name, prefix: info.prefix, scopes: [...info.scopes] } };
        return { ...info, key: created.key };
      },
    });

    r.post('/keys/:id/revoke', {
      config: { permission: 'keys:manage' },
      schema: { tags: ['access'], summary: 'Revoke an API key: it stops working at once', params: idParams },
      handler: async (req) => {
        const revoked = await revokeApiKey(ctx.db, req.caller.workspace.id, req.params.id, ctx.clock.now());
        ctx.verifyKey.forget();
        req.auditChange = { targetType: 'api_key', targetId: revoked.id, before: { revokedAt: null }, after: { revokedAt: revoked.revokedAt?.toISOString() ?? null } };
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
