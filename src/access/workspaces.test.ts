import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testStores } from '../../test/stores.ts';
import { createApiKey, createWorkspace, findApiKey, findWorkspaceBySlug, getWorkspace, updateWorkspaceSettings } from './index.ts';

describe.each(testStores())('workspaces and keys on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('creates a workspace with defaults and refuses a taken or malformed slug', async () => {
    const ws = await createWorkspace(h.db, { slug: 'shop-1', name: '一号店' });
    expect(ws).toMatchObject({ slug: 'shop-1', defaultCountry: 'CN', currency: 'CNY', timezone: 'Asia/Shanghai', settings: { identityLimits: { external_id: 1, wechat_unionid: 1 } } });
    await expect(createWorkspace(h.db, { slug: 'shop-1', name: 'again' })).rejects.toThrow(/slug "shop-1" already exists/);
    await expect(createWorkspace(h.db, { slug: 'Bad Slug', name: 'x' })).rejects.toThrow(/lower-case letters/);
    expect((await findWorkspaceBySlug(h.db, 'shop-1'))?.id).toBe(ws.id);
    await expect(getWorkspace(h.db, 999_999)).rejects.toThrow(/does not exist/);
  });

  it('updates the known settings and leaves other modules\u2019 keys in the column alone', async () => {
    const ws = await createWorkspace(h.db, { slug: 'shop-2', name: 'two' });
    await sql`UPDATE workspaces SET settings = settings || '{"demo": {"seed": 42}}'::jsonb WHERE id = ${ws.id}`.execute(h.db);
    const updated = await updateWorkspaceSettings(h.db, ws, { identityLimits: { email: 1 } });
    expect(updated.settings.identityLimits).toEqual({ email: 1 });
    const row = await h.db.selectFrom('workspaces').select('settings').where('id', '=', ws.id).executeTakeFirstOrThrow();
    expect(row.settings).toEqual({ identityLimits: { email: 1 }, demo: { seed: 42 } });
  });

  it('stores keys hashed, finds them by their text and never by their hash', async () => {
    const ws = await createWorkspace(h.db, { slug: 'shop-3', name: 'three' });
    const { key } = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'admin' });
    expect(await findApiKey(h.db, key)).toMatchObject({ workspaceId: ws.id, kind: 'secret' });
    const stored = await h.db.selectFrom('api_keys').select(['key_hash', 'key_prefix']).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(stored.key_hash).not.toContain(key);
    expect(await findApiKey(h.db, stored.key_hash)).toBeUndefined();
    await h.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('workspace_id', '=', ws.id).execute();
    expect(await findApiKey(h.db, key)).toBeUndefined();
  });
});
