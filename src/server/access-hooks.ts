import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findSession, getWorkspace, recordAudit, type AuditScope, type Permission } from '../access/index.ts';
import type { JsonObject } from '../db/index.ts';
import { PatronError } from '../lib/errors.ts';
import { authenticateSecret, bearerToken, userCaller, type Caller } from './auth.ts';
import type { AppContext } from './context.ts';

/** What a route requires: a permission of the matrix (src/access/permissions.ts), any signed-in caller, or nothing. */
export type RoutePermission = Permission | 'signed_in' | 'public';

/** A change a route describes for the audit log, beyond the method, route and outcome the hook records. */
export interface AuditChange {
  /** Replaces `METHOD /route` as the action, e.g. `session.login`. */
  action?: string;
  targetType?: string;
  targetId?: string | number;
  before?: object | null;
  after?: object | null;
  details?: JsonObject;
  /**
   * The route's domain function already wrote the entry inside its own transaction (see auditScope), so
   * the change and its entry commit together; the hook then writes nothing for a successful answer.
   */
  recorded?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every /api route declares what it needs; one hook enforces it (src/server/access-hooks.ts). */
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    /** Set by a route that changes settings, keys, users, …: recorded with the request in the audit log. */
    auditChange?: AuditChange;
  }
}

/** The console's session cookie (HttpOnly; the console never reads it). */
export const sessionCookie = 'patron_session';
/** The header a cookie-authenticated request that changes something must carry, with the session's CSRF token. */
export const csrfHeader = 'x-csrf-token';

/** A route of the admin API and the permission it declares (undefined: none, so it is refused). */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly permission: RoutePermission | undefined;
}

// The /api routes of each app as they were registered, keyed by the app's HTTP server (shared by every
// encapsulated context), for the test that walks them.
const declared = new WeakMap<object, DeclaredRoute[]>();

/** Every /api route of an app with its declared permission. */
export function declaredRoutes(app: FastifyInstance): readonly DeclaredRoute[] {
  return declared.get(app.server) ?? [];
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The message a route without a declared permission answers with, telling its author exactly what to add. */
export function missingPermissionMessage(method: string, url: string): string {
  const file = /^\/api\/([a-z-]+)/.exec(url)?.[1] ?? '<module>';
  return (
    `Route ${method} ${url} declares no permission, so it is refused. Add \`config: { permission: '<permission>' }\` to its options ` +
    `(likely in src/server/routes/${file}.ts), using a permission from src/access/permissions.ts (e.g. '${file}:read' for reads, '${file}:write' for changes; ` +
    `add a new one there, with the roles that hold it, if none fits), 'signed_in' for any caller, or 'public' for no credentials.`
  );
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function authenticate(request: FastifyRequest, ctx: AppContext): Promise<Caller> {
  // A bearer key wins over a cookie: scripts never need CSRF tokens, and browsers never send bearer keys on their own.
  if (bearerToken(request) !== undefined) return authenticateSecret(request, ctx.verifyKey);
  const token = request.cookies[sessionCookie];
  if (!token) throw new PatronError('unauthorized', 'Sign in to the console, or send a secret API key as "Authorization: Bearer <key>"');
  const session = await findSession(ctx.db, token, ctx.clock.now());
  if (!session) throw new PatronError('unauthorized', 'Your session has ended: sign in again');
  if (!safeMethods.has(request.method)) {
    const sent = request.headers[csrfHeader];
    if (typeof sent !== 'string' || !sameToken(sent, session.csrfToken)) {
      throw new PatronError('forbidden', `A signed-in request that changes something must send the session's CSRF token in the ${csrfHeader} header (GET /api/session returns it)`);
    }
  }
  ctx.verifyKey.limiter.take('user', String(session.userId), 'your user');
  const workspace = await getWorkspace(ctx.db, session.workspaceId);
  return userCaller(workspace, { type: 'user', id: session.userId, role: session.role, email: session.email, name: session.name, sessionId: session.id, csrfToken: session.csrfToken });
}

/**
 * The actor, action and request of a signed-in request, for a domain function that records its change in
 * the audit log inside the transaction making it. Marks the request so the hook does not record it twice;
 * if the request fails anyway, the hook records the failure (the scoped entry rolled back with the change).
 */
export function auditScope(request: FastifyRequest, ctx: AppContext, action?: string): AuditScope {
  const caller = request.caller;
  const params = request.params as JsonObject | undefined;
  request.auditChange = { ...request.auditChange, recorded: true };
  return {
    at: ctx.clock.now(),
    actor: { type: caller.actor.type, id: caller.actor.id },
    action: action ?? `${request.method} ${request.routeOptions.url}`,
    requestId: request.id,
    ...(params && Object.keys(params).length > 0 ? { details: { params } } : {}),
  };
}

function refusal(caller: Caller, permission: Permission): PatronError {
  const why =
    caller.actor.type === 'user'
      ? `Your role (${caller.actor.role}) does not include ${permission}: ask an owner or admin of the workspace`
      : `This API key's scopes do not include ${permission}: create a key with that scope`;
  return new PatronError('forbidden', why, { permission });
}

/**
 * Authentication, authorization and the audit trail of the admin API, installed on the /api scope:
 * every route declares its permission (a route without one is refused with a message saying what to
 * add), callers prove themselves with a secret key or a session cookie (plus the CSRF header when they
 * change something), and every request that changes something is recorded before its answer is sent —
 * by the route itself, in the transaction of the change, where it uses auditScope.
 */
export function installAccessHooks(api: FastifyInstance, ctx: AppContext): void {
  const routes: DeclaredRoute[] = [];
  declared.set(api.server, routes);
  api.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, permission: route.config?.permission });
    const publicRoute = route.config?.permission === 'public';
    route.schema = { ...route.schema, security: publicRoute ? [] : [{ secretKey: [] }, { sessionCookie: [] }] };
  });

  api.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined) return;
    const permission = request.routeOptions.config.permission;
    if (permission === 'public') return;
    request.caller = await authenticate(request, ctx);
    if (permission === undefined) throw new PatronError('forbidden', missingPermissionMessage(request.method, url));
    if (permission !== 'signed_in' && !request.caller.permissions.has(permission)) throw refusal(request.caller, permission);
  });

  api.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    const caller = request.caller as Caller | undefined;
    if (safeMethods.has(request.method) || caller === undefined || request.routeOptions.url === undefined) return payload;
    const change = request.auditChange ?? {};
    if (change.recorded && reply.statusCode < 400) return payload;
    const params = request.params as JsonObject | undefined;
    try {
      await recordAudit(ctx.db, {
        workspaceId: caller.workspace.id,
        at: ctx.clock.now(),
        actor: { type: caller.actor.type, id: caller.actor.id },
        action: change.action ?? `${request.method} ${request.routeOptions.url}`,
        targetType: change.targetType,
        targetId: change.targetId,
        before: change.before,
        after: change.after,
        // Route parameters are ids; bodies and query strings are never recorded (they carry personal data).
        details: { ...(params && Object.keys(params).length > 0 ? { params } : {}), ...change.details },
        outcome: reply.statusCode,
        requestId: request.id,
      });
    } catch (error) {
      // The change itself is committed: answering 500 would invite a retry of something that happened.
      request.log.error({ err: error }, 'audit log write failed');
    }
    return payload;
  });
}
