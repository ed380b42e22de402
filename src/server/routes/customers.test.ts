import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { identifyCustomer } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { recordOrders } from '../../orders/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

describe.each(testStores())('customers API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let other: Workspace;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind });
    ws = await testWorkspace(h.db);
    other = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    otherAuth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: other.id, kind: 'secret', name: 'test' })).key}` };
    for (let i = 1; i <= 7; i++) {
      await identifyCustomer(h.db, ws, {
        identities: [
          { type: 'email', value: `user${i}@example.com` },
          { type: 'phone', value: `1380000000${i}` },
        ],
        profile: { name: i === 3 ? '张伟' : `User ${i}`, city: '上海' },
        reason: 'test',
      });
    }
    await recordOrders(h.db, ws, [
      { externalId: 'O-1', customer: { identities: [{ type: 'email', value: 'user3@example.com' }] }, currency: 'CNY', orderedAt: new Date('2025-06-01'), items: [{ sku: 'TEA', quantity: 2, unitPriceMinor: 6800 }] },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('refuses calls without a valid secret key, and write keys', async () => {
    expect((await app.inject({ url: '/api/customers' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/customers', headers: { authorization: 'Bearer nope' } })).json()).toMatchObject({ error: { code: 'unauthorized' } });
    const write = await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'w' });
    const res = await app.inject({ url: '/api/customers', headers: { authorization: `Bearer ${write.key}` } });
    expect(res.statusCode).toBe(403);
  });

  it('pages through customers with a cursor and searches by name, email and phone', async () => {
    const page1 = (await app.inject({ url: '/api/customers?limit=4', headers: auth })).json();
    expect(page1.customers).toHaveLength(4);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await app.inject({ url: `/api/customers?limit=4&cursor=${page1.nextCursor}`, headers: auth })).json();
    expect(page2.customers).toHaveLength(3);
    expect(page2.nextCursor).toBeNull();
    const ids = [...page1.customers, ...page2.customers].map((c: { id: number }) => c.id);
    expect(new Set(ids).size).toBe(7);

    const byName = (await app.inject({ url: `/api/customers?q=${encodeURIComponent('张')}`, headers: auth })).json();
    expect(byName.customers.map((c: { name: string }) => c.name)).toEqual(['张伟']);
    expect(byName.customers[0]).toMatchObject({ email: 'user3@example.com', phone: '+8613800000003', orderCount: 1, totalMinor: 13600 });
    const byEmail = (await app.inject({ url: '/api/customers?q=USER5@', headers: auth })).json();
    expect(byEmail.customers.map((c: { email: string }) => c.email)).toEqual(['user5@example.com']);
    const byPhone = (await app.inject({ url: '/api/customers?q=13800000006', headers: auth })).json();
    expect(byPhone.customers.map((c: { phone: string }) => c.phone)).toEqual(['+8613800000006']);
    const hostile = await app.inject({ url: `/api/customers?q=${encodeURIComponent("%' OR 1=1 --")}`, headers: auth });
    expect(hostile.json().customers).toEqual([]);
  });

  it('answers bad query parameters with a 400 naming the parameter', async () => {
    const res = await app.inject({ url: '/api/customers?limit=0', headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^querystring\.limit: /);
    const cursor = await app.inject({ url: '/api/customers?cursor=abc', headers: auth });
    expect(cursor.json().error.message).toMatch(/cursor/);
  });

  it('serves the 360 and bulk-edits tags; the tag filter finds them', async () => {
    const list = (await app.inject({ url: '/api/customers?q=user1@', headers: auth })).json();
    const id = list.customers[0].id as number;
    const tagged = await app.inject({ method: 'POST', url: '/api/customers/tags', headers: auth, payload: { customerIds: [id], add: ['VIP', '会员'] } });
    expect(tagged.json()).toEqual({ added: 2, removed: 0 });
    const view = (await app.inject({ url: `/api/customers/${id}`, headers: auth })).json();
    expect(view.tags.map((t: { name: string }) => t.name).sort()).toEqual(['VIP', '会员'].sort());
    expect(view.identities).toHaveLength(2);
    const filtered = (await app.inject({ url: `/api/customers?tag=${encodeURIComponent('会员')}`, headers: auth })).json();
    expect(filtered.customers.map((c: { id: number }) => c.id)).toEqual([id]);
    const removed = await app.inject({ method: 'POST', url: '/api/customers/tags', headers: auth, payload: { customerIds: [id], remove: ['VIP'] } });
    expect(removed.json()).toEqual({ added: 0, removed: 1 });
    const tags = (await app.inject({ url: '/api/tags', headers: auth })).json();
    expect(tags.tags).toEqual(expect.arrayContaining([expect.objectContaining({ name: '会员', customers: 1 }), expect.objectContaining({ name: 'VIP', customers: 0 })]));
  });

  it('keeps workspaces apart: another workspace cannot see or tag these customers', async () => {
    const list = (await app.inject({ url: '/api/customers', headers: auth })).json();
    const id = list.customers[0].id as number;
    expect((await app.inject({ url: `/api/customers/${id}`, headers: otherAuth })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/customers', headers: otherAuth })).json().customers).toEqual([]);
    const tag = await app.inject({ method: 'POST', url: '/api/customers/tags', headers: otherAuth, payload: { customerIds: [id], add: ['x'] } });
    expect(tag.statusCode).toBe(404);
  });

  it('undoes a merge through the API', async () => {
    const a = await identifyCustomer(h.db, ws, { identities: [{ type: 'anonymous_id', value: 'dev-9' }], reason: 't' });
    await identifyCustomer(h.db, ws, { identities: [{ type: 'external_id', value: 'M-9' }], reason: 't' });
    const linked = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'anonymous_id', value: 'dev-9' },
        { type: 'external_id', value: 'M-9' },
      ],
      reason: 'shared tablet',
    });
    const view = (await app.inject({ url: `/api/customers/${linked.customerId}`, headers: auth })).json();
    const merge = view.merges[0];
    expect(merge.reason).toMatch(/shared tablet/);
    const undo = await app.inject({ method: 'POST', url: `/api/merges/${merge.id}/undo`, headers: auth });
    expect(undo.statusCode).toBe(200);
    expect(undo.json()).toEqual({ survivorId: a.customerId, restoredId: merge.mergedId });
    expect((await app.inject({ method: 'POST', url: `/api/merges/${merge.id}/undo`, headers: auth })).statusCode).toBe(409);
  });

  it('changes identity limits through the workspace settings, applied to the next call', async () => {
    const current = (await app.inject({ url: '/api/workspace', headers: auth })).json();
    expect(current).toMatchObject({ id: ws.id, currency: 'CNY', settings: { identityLimits: { external_id: 1, wechat_unionid: 1 } } });
    const bad = await app.inject({ method: 'PUT', url: '/api/workspace/settings', headers: auth, payload: { identityLimits: { email: 0 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/body\.identityLimits\.email/);
    const put = await app.inject({ method: 'PUT', url: '/api/workspace/settings', headers: auth, payload: { identityLimits: { email: 1 } } });
    expect(put.json().settings.identityLimits).toEqual({ email: 1 });
    expect((await app.inject({ url: '/api/workspace', headers: auth })).json().settings.identityLimits).toEqual({ email: 1 });
    await app.inject({ method: 'PUT', url: '/api/workspace/settings', headers: auth, payload: { identityLimits: { external_id: 1, wechat_unionid: 1 } } });
  });

  it('publishes an OpenAPI 3.1 document with the routes', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/customers'].get.security).toEqual([{ secretKey: [] }, { sessionCookie: [] }]);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/customers', '/api/customers/{id}', '/api/customers/tags', '/api/merges/{id}/undo']));
  });
});
