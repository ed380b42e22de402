import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { createApiKey, listApiKeys, listAudit, readAudit, recordAudit, revokeApiKey, useApiKey } from './index.ts';

describe.each(testStores())('audit log and API keys on $kind', (store) => {
  let h: DatabaseHandle;
  const at = new Date('2026-03-01T08:00:00Z');
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('appends entries with secrets masked, pages them newest first and filters them', async () => {
    const ws = await testWorkspace(h.db);
    const other = await testWorkspace(h.db);
    for (let i = 0; i < 5; i++) {
      await recordAudit(h.db, {
        workspaceId: ws.id,
        at: new Date(at.getTime() + i * 1000),
        actor: { type: i % 2 ? 'cli' : 'user', id: i % 2 ? null : 7 },
        action: i % 2 ? 'cli import' : 'PUT /api/workspace/settings',
        targetType: 'workspace',
        targetId: ws.id,
        before: { limits: i },
        after: { limits: i + 1, password: 'hunter2', nested: { apiKey: 'ps_x' } },
      });
    }
    await recordAudit(h.db, { workspaceId: other.id, at, actor: { type: 'system' }, action: 'other' });
    const page1 = await listAudit(h.db, ws.id, { limit: 3 });
    expect(page1.entries.map((e) => e.before?.limits)).toEqual([4, 3, 2]);
    expect(page1.entries[0]!.after).toEqual({ limits: 5, password: '[redacted]', nested: { apiKey: '[redacted]' } });
    const page2 = await listAudit(h.db, ws.id, { limit: 3, cursor: page1.nextCursor! });
    expect(page2.entries.map((e) => e.before?.limits)).toEqual([1, 0]);
    expect(page2.nextCursor).toBeNull();
    expect((await listAudit(h.db, ws.id, { action: 'cli' })).entries).toHaveLength(2);
    expect((await listAudit(h.db, ws.id, { action: '%' })).entries).toHaveLength(0);
    expect((await listAudit(h.db, ws.id, { actorType: 'user', actorId: 7, from: new Date(at.getTime() + 1500) })).entries).toHaveLength(2);
    const all: number[] = [];
    for await (const e of readAudit(h.db, ws.id, {}, 2)) all.push(e.before?.limits as number);
    expect(all).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses to change entries: UPDATE and TRUNCATE fail, DELETE removes nothing', async () => {
    const ws = await testWorkspace(h.db);
    await recordAudit(h.db, { workspaceId: ws.id, at, actor: { type: 'cli' }, action: 'cli demo' });
    await expect(sql`UPDATE audit_log SET action = 'forged' WHERE workspace_id = ${ws.id}`.execute(h.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(h.db)).rejects.toThrow(/append-only/);
    await sql`DELETE FROM audit_log WHERE workspace_id = ${ws.id}`.execute(h.db);
    expect((await listAudit(h.db, ws.id)).entries.map((e) => e.action)).toEqual(['cli demo']);
  });

  it('lists keys without their text, stamps last use, scopes secret keys and revokes', async () => {
    const ws = await testWorkspace(h.db);
    const secret = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'reporting', scopes: ['customers:read', 'analytics:read'] });
    const full = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'full' });
    const write = await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'site' });
    await expect(createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'bad', scopes: ['customers:read'] })).rejects.toThrow(/take no scopes/);
    expect(await useApiKey(h.db, secret.key, at)).toMatchObject({ keyId: secret.id, scopes: ['customers:read', 'analytics:read'] });
    expect((await useApiKey(h.db, full.key, at))?.scopes).not.toContain('users:manage');
    expect((await useApiKey(h.db, full.key, at))?.scopes).toContain('keys:manage');
    expect((await useApiKey(h.db, write.key, at))?.scopes).toEqual([]);
    const listed = await listApiKeys(h.db, ws.id);
    expect(JSON.stringify(listed)).not.toContain(secret.key);
    expect(listed.find((k) => k.id === secret.id)).toMatchObject({ prefix: secret.key.slice(0, 6), lastUsedAt: at, revokedAt: null });
    const other = await testWorkspace(h.db);
    await expect(revokeApiKey(h.db, other.id, secret.id, at)).rejects.toMatchObject({ code: 'not_found' });
    expect((await revokeApiKey(h.db, ws.id, secret.id, at)).revokedAt).toEqual(at);
    await expect(revokeApiKey(h.db, ws.id, secret.id, at)).rejects.toMatchObject({ code: 'conflict' });
    expect(await useApiKey(h.db, secret.key, at)).toBeUndefined();
  });
});
