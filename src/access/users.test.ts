import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { createSession, createUser, demoLogin, endSession, ensureDemoUser, findSession, addUser, listUsers, sessionLifetime, setupFirstOwner, setupNeeded, updateUser, verifyPassword } from './index.ts';

describe.each(testStores())('users and sessions on $kind', (store) => {
  let h: DatabaseHandle;
  const now = new Date('2026-03-01T08:00:00Z');
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('first run creates one owner with an argon2id hash; a concurrent second setup fails', async () => {
    expect(await setupNeeded(h.db)).toBe(true);
    const attempts = await Promise.allSettled([
      setupFirstOwner(h.db, { workspace: { slug: 'first', name: 'First' }, email: 'Owner@Example.com', name: 'Owner', password: 'correct horse battery' }),
      setupFirstOwner(h.db, { workspace: { slug: 'first', name: 'First' }, email: 'intruder@example.com', name: 'Intruder', password: 'another password' }),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(attempts.find((a) => a.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
    expect(await setupNeeded(h.db)).toBe(false);
    await expect(setupFirstOwner(h.db, { workspace: { slug: 'x', name: 'x' }, email: 'late@example.com', name: 'Late', password: 'password123' })).rejects.toThrow(/already has users/);
    const row = await h.db.selectFrom('users').innerJoin('memberships', 'memberships.user_id', 'users.id').select(['password_hash', 'email', 'role']).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.role).toBe('owner');
  });

  it('verifies passwords without telling unknown emails from wrong passwords, and refuses disabled users', async () => {
    const ws = await testWorkspace(h.db);
    const user = await createUser(h.db, ws.id, { email: 'ana@example.com', name: 'Ana', password: 'secret-pass-1', role: 'analyst' });
    expect(await verifyPassword(h.db, ' ANA@example.com ', 'secret-pass-1', now)).toMatchObject({ id: user.id, role: 'analyst', lastLoginAt: now });
    expect(await verifyPassword(h.db, 'ana@example.com', 'wrong-password', now)).toBeUndefined();
    expect(await verifyPassword(h.db, 'nobody@example.com', 'secret-pass-1', now)).toBeUndefined();
    await expect(createUser(h.db, ws.id, { email: 'ana@example.com', name: 'Again', password: 'whatever1', role: 'viewer' })).rejects.toThrow(/already has a Patron account: invite them/);
    await expect(createUser(h.db, ws.id, { email: 'not-an-email', name: 'x', password: 'whatever1', role: 'viewer' })).rejects.toThrow(/email/);
    await expect(createUser(h.db, ws.id, { email: 'short@example.com', name: 'x', password: 'short', role: 'viewer' })).rejects.toThrow(/at least 8/);
  });

  it('keeps the last owner and lets only owners touch owners', async () => {
    const ws = await testWorkspace(h.db);
    const owner = await createUser(h.db, ws.id, { email: `own-${ws.id}@example.com`, name: 'Own', password: 'password-1', role: 'owner' });
    const admin = await createUser(h.db, ws.id, { email: `adm-${ws.id}@example.com`, name: 'Adm', password: 'password-1', role: 'admin' });
    await expect(updateUser(h.db, { workspaceId: ws.id, role: 'owner' }, owner.id, { role: 'admin' })).rejects.toThrow(/last owner/);
    await expect(updateUser(h.db, { workspaceId: ws.id, role: 'owner' }, owner.id, { disabled: true })).rejects.toThrow(/last owner/);
    await expect(updateUser(h.db, { workspaceId: ws.id, role: 'admin' }, owner.id, { name: 'x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(addUser(h.db, { workspaceId: ws.id, role: 'admin' }, { email: `o2-${ws.id}@example.com`, name: 'O2', password: 'password-1', role: 'owner' })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await updateUser(h.db, { workspaceId: ws.id, role: 'owner' }, admin.id, {})).after).toEqual(admin);
    const promoted = await updateUser(h.db, { workspaceId: ws.id, role: 'owner' }, admin.id, { role: 'owner' });
    expect(promoted.before.role).toBe('admin');
    expect(promoted.after.role).toBe('owner');
    expect((await updateUser(h.db, { workspaceId: ws.id, role: 'owner' }, owner.id, { role: 'viewer' })).after.role).toBe('viewer');
    const other = await testWorkspace(h.db);
    await expect(updateUser(h.db, { workspaceId: other.id, role: 'owner' }, admin.id, { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await listUsers(h.db, ws.id)).map((u) => u.role).sort()).toEqual(['owner', 'viewer']);
  });

  it('sessions expire when idle and at the absolute limit, end at sign-out, and end when the user is disabled', async () => {
    const ws = await testWorkspace(h.db);
    const u = await createUser(h.db, ws.id, { email: `s-${ws.id}@example.com`, name: 'S', password: 'password-1', role: 'operator' });
    const s = await createSession(h.db, { workspaceId: ws.id, userId: u.id, now });
    const stored = await h.db.selectFrom('sessions').select('token_hash').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(s.token);
    expect(await findSession(h.db, s.token, now)).toMatchObject({ userId: u.id, role: 'operator', csrfToken: s.csrfToken });
    expect(await findSession(h.db, 'guess', now)).toBeUndefined();
    const idle = new Date(now.getTime() + sessionLifetime.idleMs + 1);
    expect(await findSession(h.db, s.token, idle)).toBeUndefined();

    // Used every 11 hours, a session slides on, until its absolute limit.
    const busy = await createSession(h.db, { workspaceId: ws.id, userId: u.id, now });
    let t = now.getTime();
    while (t + 11 * 3600_000 < now.getTime() + sessionLifetime.absoluteMs) {
      t += 11 * 3600_000;
      expect(await findSession(h.db, busy.token, new Date(t))).toBeDefined();
    }
    expect(await findSession(h.db, busy.token, new Date(now.getTime() + sessionLifetime.absoluteMs))).toBeUndefined();

    const live = await createSession(h.db, { workspaceId: ws.id, userId: u.id, now });
    await endSession(h.db, live.token);
    expect(await findSession(h.db, live.token, now)).toBeUndefined();
    const again = await createSession(h.db, { workspaceId: ws.id, userId: u.id, now });
    await updateUser(h.db, { workspaceId: ws.id, role: 'admin' }, u.id, { disabled: true });
    expect(await findSession(h.db, again.token, now)).toBeUndefined();
    expect(await verifyPassword(h.db, u.email, 'password-1', now)).toBeUndefined();
  });
});

describe.each(testStores())('the demo login on $kind', (store) => {
  it('is created once in the demo workspace and refused for another workspace', async () => {
    const h = await store.open();
    try {
      const ws = await testWorkspace(h.db);
      await ensureDemoUser(h.db, ws.id);
      await ensureDemoUser(h.db, ws.id);
      expect(await verifyPassword(h.db, demoLogin.email, demoLogin.password, new Date())).toMatchObject({ workspaceId: ws.id, role: 'owner' });
      const other = await testWorkspace(h.db);
      await expect(ensureDemoUser(h.db, other.id)).rejects.toThrow(/already belongs to workspace/);
    } finally {
      await h.close();
    }
  });
});
