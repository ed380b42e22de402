import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createSession, createUser, permissions, roleAllows, roles, type Role, type Workspace } from '../../access/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { declaredRoutes, missingPermissionMessage } from '../access-hooks.ts';
import { buildApp } from '../app.ts';

const clock = manualClock(new Date('2026-03-01T08:00:00Z'));

describe.each(testStores())('access API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  const sessions = new Map<Role, { cookie: string; csrf: string; userId: number }>();

  /** Headers of a signed-in user of a role (cookie, and the CSRF token for changes). */
  const as = (role: Role) => {
    const s = sessions.get(role)!;
    return { cookie: `patron_session=${s.cookie}`, 'x-csrf-token': s.csrf };
  };

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock, rateLimits: { loginIp: { burst: 30, perSecond: 1 }, secretKey: { burst: 5, perSecond: 1 }, writeKey: { burst: 3, perSecond: 1 } } });
    ws = await testWorkspace(h.db);
    for (const role of roles) {
      const user = await createUser(h.db, ws.id, { email: `${role}-${ws.id}@example.com`, name: role, password: `${role}-password`, role });
      const s = await createSession(h.db, { workspaceId: ws.id, userId: user.id, now: clock.now() });
      sessions.set(role, { cookie: s.token, csrf: s.csrfToken, userId: user.id });
    }
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('first run: offers setup while there are no users, creates the owner once and signs them in', async () => {
    const fresh = await store.open();
    const freshApp = await buildApp({ db: fresh.db, store: fresh.kind, clock });
    try {
      expect((await freshApp.inject({ url: '/api/setup' })).json()).toEqual({ needed: true });
      const body = { workspace: { slug: 'acme', name: 'Acme' }, email: 'boss@acme.test', name: 'Boss', password: 'a long passphrase' };
      const [one, two] = await Promise.all([
        freshApp.inject({ method: 'POST', url: '/api/setup', payload: body }),
        freshApp.inject({ method: 'POST', url: '/api/setup', payload: { ...body, email: 'other@acme.test' } }),
      ]);
      expect([one.statusCode, two.statusCode].sort()).toEqual([200, 409]);
      const won = one.statusCode === 200 ? one : two;
      expect(won.json()).toMatchObject({ user: { role: 'owner', name: 'Boss' }, workspace: { slug: 'acme' }, csrfToken: expect.any(String) });
      const cookie = won.cookies.find((c) => c.name === 'patron_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api' });
      expect(cookie.secure).toBeFalsy();
      expect((await freshApp.inject({ url: '/api/setup' })).json()).toEqual({ needed: false });
      const me = await freshApp.inject({ url: '/api/session', headers: { cookie: `patron_session=${cookie.value}` } });
      expect(me.json()).toMatchObject({ user: { role: 'owner' }, permissions: expect.arrayContaining(['users:manage']) });
    } finally {
      await freshApp.close();
      await fresh.close();
    }
  });

  it('signs in with email and password, sets a Secure cookie behind an https proxy, demands the CSRF token on changes, signs out', async () => {
    const proxied = await buildApp({ db: h.db, store: h.kind, clock, trustProxy: true });
    try {
      const login = await proxied.inject({ method: 'POST', url: '/api/session', headers: { 'x-forwarded-proto': 'https' }, payload: { email: `ANALYST-${ws.id}@example.com`, password: 'analyst-password' } });
      expect(login.statusCode).toBe(200);
      const cookie = login.cookies.find((c) => c.name === 'patron_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, secure: true });
      const { csrfToken } = login.json();
      const headers = { cookie: `patron_session=${cookie.value}` };
      expect((await proxied.inject({ url: '/api/customers', headers })).statusCode).toBe(200);
      const noToken = await proxied.inject({ method: 'POST', url: '/api/analytics/runs', headers, payload: {} });
      expect(noToken.statusCode).toBe(403);
      expect(noToken.json().error.message).toMatch(/x-csrf-token/);
      const wrongToken = await proxied.inject({ method: 'DELETE', url: '/api/session', headers: { ...headers, 'x-csrf-token': 'forged' } });
      expect(wrongToken.statusCode).toBe(403);
      const out = await proxied.inject({ method: 'DELETE', url: '/api/session', headers: { ...headers, 'x-csrf-token': csrfToken } });
      expect(out.statusCode).toBe(200);
      expect((await proxied.inject({ url: '/api/customers', headers })).json().error.message).toMatch(/session has ended/);
      const wrong = await proxied.inject({ method: 'POST', url: '/api/session', payload: { email: `analyst-${ws.id}@example.com`, password: 'nope-nope' } });
      expect(wrong.statusCode).toBe(401);
      const unknown = await proxied.inject({ method: 'POST', url: '/api/session', payload: { email: 'nobody@example.com', password: 'nope-nope' } });
      expect(unknown.json().error.message).toBe(wrong.json().error.message);
    } finally {
      await proxied.close();
    }
  });

  it('every /api route declares a permission from the matrix', () => {
    const routes = declaredRoutes(app);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => r.permission === undefined).map((r) => missingPermissionMessage(r.method, r.url));
    expect(missing, missing.join('\n')).toEqual([]);
    const valid = new Set<string>([...permissions, 'signed_in', 'public']);
    expect(routes.filter((r) => !valid.has(r.permission!))).toEqual([]);
  });

  it('the OpenAPI document lists no route the walk does not know', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const known = new Set(declaredRoutes(app).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.filter((d) => !known.has(d))).toEqual([]);
  });

  it('enforces the matrix route by route for every role', async () => {
    const checked: string[] = [];
    for (const route of declaredRoutes(app)) {
      if (route.permission === 'public' || route.permission === undefined) continue;
      if (route.method === 'DELETE' && route.url === '/api/session') continue; // would sign the user out; covered above
      const url = route.url.replace(/:\w+/g, '999999');
      for (const role of roles) {
        const res = await app.inject({ method: route.method as 'GET', url, headers: as(role), payload: route.method === 'GET' ? undefined : {} });
        const allowed = route.permission === 'signed_in' || roleAllows(role, route.permission);
        const refused = res.statusCode === 403 && res.json().error.details?.permission === route.permission;
        expect(refused, `${role} ${route.method} ${route.url} (${route.permission}) answered ${res.statusCode} ${res.body.slice(0, 200)}`).toBe(!allowed);
        if (!allowed) expect(res.json().error.message).toMatch(new RegExp(`Your role \\(${role}\\) does not include`));
      }
      checked.push(`${route.method} ${route.url}`);
    }
    expect(checked.length).toBeGreaterThan(20);
  });

  it('scoped secret keys reach only their scopes; keys are shown once, listed without text, and revocation applies at once', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/keys', headers: as('admin'), payload: { kind: 'secret', name: 'reports', scopes: ['customers:read'] } });
    expect(created.statusCode).toBe(200);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^ps_/);
    const bearer = { authorization: `Bearer ${key}` };
    expect((await app.inject({ url: '/api/customers', headers: bearer })).statusCode).toBe(200);
    const denied = await app.inject({ method: 'POST', url: '/api/customers/tags', headers: bearer, payload: { customerIds: [1], add: ['x'] } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toMatch(/scopes do not include customers:write/);
    const escalate = await app.inject({ method: 'POST', url: '/api/keys', headers: as('operator'), payload: { kind: 'secret', name: 'x' } });
    expect(escalate.statusCode).toBe(403);
    const listed = await app.inject({ url: '/api/keys', headers: as('owner') });
    expect(listed.body).not.toContain(key);
    expect(listed.json().keys.find((k: { id: number }) => k.id === id)).toMatchObject({ prefix, scopes: ['customers:read'], lastUsedAt: expect.any(String), revokedAt: null });
    const revoke = await app.inject({ method: 'POST', url: `/api/keys/${id}/revoke`, headers: as('owner') });
    expect(revoke.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/customers', headers: bearer })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: `/api/keys/${id}/revoke`, headers: as('owner') })).statusCode).toBe(409);
  });

  it('answers 429 with Retry-After past a key\u2019s rate limit and for repeated sign-in attempts', async () => {
    const { key } = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'busy' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await app.inject({ url: '/api/tags', headers: { authorization: `Bearer ${key}` } })).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await app.inject({ url: '/api/tags', headers: { authorization: `Bearer ${key}` } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    clock.advance(1000);
    expect((await app.inject({ url: '/api/tags', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);

    const write = await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'site' });
    const track = () =>
      app.inject({ method: 'POST', url: '/v1/track', headers: { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` }, payload: { userId: 'u1', event: 'Viewed' } });
    expect([(await track()).statusCode, (await track()).statusCode, (await track()).statusCode]).toEqual([200, 200, 200]);
    const tooFast = await track();
    expect(tooFast.statusCode).toBe(429);
    expect(tooFast.headers['retry-after']).toBe('1');

    const attempts: number[] = [];
    for (let i = 0; i < 12; i++) attempts.push((await app.inject({ method: 'POST', url: '/api/session', payload: { email: `viewer-${ws.id}@example.com`, password: 'guess-guess' } })).statusCode);
    expect(attempts.slice(0, 10).every((s) => s === 401)).toBe(true);
    const blocked = await app.inject({ method: 'POST', url: '/api/session', payload: { email: `viewer-${ws.id}@example.com`, password: 'viewer-password' } });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('records changes with actor, before and after; viewers cannot read the log; exports stream as CSV and JSON Lines', async () => {
    const put = await app.inject({ method: 'PUT', url: '/api/workspace/settings', headers: as('admin'), payload: { identityLimits: { email: 1 } } });
    expect(put.statusCode).toBe(200);
    const requestId = put.headers['x-request-id'];
    const added = await app.inject({ method: 'POST', url: '/api/users', headers: as('owner'), payload: { email: `new-${ws.id}@example.com`, name: 'New', password: 'initial-password', role: 'viewer' } });
    expect(added.statusCode).toBe(200);
    const log = (await app.inject({ url: '/api/audit?limit=500', headers: as('owner') })).json();
    const settings = log.entries.find((e: { requestId: string }) => e.requestId === requestId);
    expect(settings).toMatchObject({
      actorType: 'user',
      actorId: sessions.get('admin')!.userId,
      action: 'PUT /api/workspace/settings',
      targetType: 'workspace_settings',
      before: { identityLimits: { external_id: 1, wechat_unionid: 1 } },
      after: { identityLimits: { email: 1 } },
      outcome: 200,
    });
    const userEntry = log.entries.find((e: { action: string }) => e.action === 'POST /api/users');
    expect(JSON.stringify(userEntry)).not.toMatch(/initial-password|new-\d+@example/);
    expect(log.entries.some((e: { action: string; outcome: number }) => e.action === 'session.login_failed' && e.outcome === 401)).toBe(true);
    expect(log.entries.some((e: { action: string; outcome: number }) => e.action === 'POST /api/analytics/runs' && e.outcome === 403)).toBe(true);
    const filtered = (await app.inject({ url: '/api/audit?action=POST%20/api/keys&limit=1', headers: as('admin') })).json();
    expect(filtered.entries).toHaveLength(1);
    expect(filtered.nextCursor).not.toBeNull();
    expect((await app.inject({ url: '/api/audit', headers: as('viewer') })).statusCode).toBe(403);

    const jsonl = await app.inject({ url: '/api/audit/export?format=jsonl', headers: as('owner') });
    expect(jsonl.headers['content-type']).toMatch(/ndjson/);
    const lines = jsonl.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(log.entries.length);
    expect(lines[0].id).toBeLessThan(lines.at(-1).id);
    const csv = await app.inject({ url: '/api/audit/export?format=csv&action=PUT', headers: as('owner') });
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="patron-audit-.*\.csv"/);
    expect(csv.body.split('\n')[0]).toBe('id,at,actorType,actorId,action,targetType,targetId,outcome,requestId,before,after,details');
    expect(csv.body).toContain('"PUT /api/workspace/settings"');
  });
  it('lets a signed-in user change their own password: the current one is required, their other sessions end', async () => {
    const other = await createSession(h.db, { workspaceId: ws.id, userId: sessions.get('operator')!.userId, now: clock.now() });
    const wrong = await app.inject({ method: 'POST', url: '/api/session/password', headers: as('operator'), payload: { currentPassword: 'nope', newPassword: 'brand-new-password' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toMatch(/current password is wrong/);
    const ok = await app.inject({ method: 'POST', url: '/api/session/password', headers: as('operator'), payload: { currentPassword: 'operator-password', newPassword: 'brand-new-password' } });
    expect(ok.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: as('operator') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/session', headers: { cookie: `patron_session=${other.token}` } })).statusCode).toBe(401);
    const { key } = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'no password' });
    const byKey = await app.inject({ method: 'POST', url: '/api/session/password', headers: { authorization: `Bearer ${key}` }, payload: { currentPassword: 'x', newPassword: 'brand-new-password' } });
    expect(byKey.statusCode).toBe(403);
  });
});
