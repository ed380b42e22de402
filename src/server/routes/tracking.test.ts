import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { getCustomer360 } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe.each(testStores())('tracking API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let writeKey: string;
  let auth: { authorization: string };

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind });
    ws = await testWorkspace(h.db);
    writeKey = (await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'web' })).key;
    auth = basic(writeKey);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) => app.inject({ method: 'POST', url, headers, payload: payload as object });
  const ownerOf = async (workspace: Workspace, type: string, value: string) =>
    (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', workspace.id).where('type', '=', type).where('value', '=', value).executeTakeFirst())?.customer_id;
  const eventsOf = async (workspace: Workspace) => h.db.selectFrom('events').select(['type', 'name', 'message_id']).where('workspace_id', '=', workspace.id).orderBy('id').execute();

  it('accepts every call type at its Segment path and at the short path analytics.js uses', async () => {
    const calls = {
      identify: { userId: 'api-1', traits: { email: 'api1@example.com' } },
      track: { userId: 'api-1', event: 'Signed Up' },
      page: { userId: 'api-1', name: 'Home' },
      screen: { userId: 'api-1', name: 'Cart' },
      group: { userId: 'api-1', groupId: 'acme' },
      alias: { userId: 'api-1', previousId: 'visitor-api-1' },
    };
    for (const [type, body] of Object.entries(calls)) {
      for (const path of [`/v1/${type}`, `/v1/${type[0]}`]) {
        const res = await post(path, { ...body, messageId: `${path}-msg` });
        expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
        expect(res.json()).toEqual({ success: true, accepted: 1, duplicates: 0 });
      }
    }
    const customer = await ownerOf(ws, 'external_id', 'api-1');
    expect(await ownerOf(ws, 'anonymous_id', 'visitor-api-1')).toBe(customer);
    const view = await getCustomer360(h.db, ws, customer!);
    expect(view.recentEvents.map((e) => e.type).sort()).toEqual(['alias', 'alias', 'group', 'group', 'identify', 'identify', 'page', 'page', 'screen', 'screen', 'track', 'track']);
  });

  it('takes the batch at /v1/batch, /v1/import (analytics-ruby, -java) and /v1/b (analytics.js batching), and lands a retried batch once', async () => {
    const body = {
      batch: [
        { type: 'identify', messageId: 'b-1', userId: 'api-2', traits: { name: 'Li Lei' } },
        { type: 'track', messageId: 'b-2', userId: 'api-2', event: 'Viewed' },
      ],
    };
    expect((await post('/v1/batch', body)).json()).toEqual({ success: true, accepted: 2, duplicates: 0 });
    expect((await post('/v1/import', body)).json()).toEqual({ success: true, accepted: 0, duplicates: 2 });
    expect((await post('/v1/b', { ...body, batch: [...body.batch, { type: 'page', messageId: 'b-3', userId: 'api-2' }] })).json()).toEqual({ success: true, accepted: 1, duplicates: 2 });
    expect((await eventsOf(ws)).filter((e) => e.message_id.startsWith('b-'))).toHaveLength(3);
  });

  it('refuses calls without a valid write key, and secret keys', async () => {
    const body = { userId: 'api-3', event: 'A' };
    const none = await post('/v1/track', body, {});
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/Basic-auth user name/) } });
    expect((await post('/v1/track', body, basic('not-a-key'))).statusCode).toBe(401);
    expect((await post('/v1/track', body, { authorization: `Bearer ${writeKey}` })).statusCode).toBe(401);
    const secret = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'admin' });
    const refused = await post('/v1/track', body, basic(secret.key));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/write key, not a secret key/) } });
    // And a write key does not open the admin API.
    expect((await app.inject({ url: '/api/customers', headers: { authorization: `Bearer ${writeKey}` } })).statusCode).toBe(403);
    expect(await ownerOf(ws, 'external_id', 'api-3')).toBeUndefined();
  });

  it('accepts the write key in the body (Segment writeKey authentication) and keys encoded without the colon', async () => {
    expect((await post('/v1/track', { userId: 'api-4', event: 'A', writeKey }, {})).statusCode).toBe(200);
    expect((await post('/v1/batch', { writeKey, batch: [{ type: 'track', userId: 'api-4', event: 'B' }] }, {})).statusCode).toBe(200);
    expect((await post('/v1/track', { userId: 'api-4', event: 'C' }, { authorization: `Basic ${Buffer.from(writeKey).toString('base64')}` })).statusCode).toBe(200);
  });

  it('keeps workspaces apart: a write key writes to its own workspace only', async () => {
    const other = await testWorkspace(h.db);
    const otherKey = (await createApiKey(h.db, { workspaceId: other.id, kind: 'write', name: 'app' })).key;
    await post('/v1/identify', { userId: 'shared-id', traits: { name: 'In other' } }, basic(otherKey));
    expect(await ownerOf(other, 'external_id', 'shared-id')).toBeDefined();
    expect(await ownerOf(ws, 'external_id', 'shared-id')).toBeUndefined();
  });

  it('answers malformed JSON, missing fields and wrong types with 400 naming the field, and stores nothing of a refused batch', async () => {
    const before = (await eventsOf(ws)).length;
    const bad = await app.inject({ method: 'POST', url: '/v1/track', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"userId": "x", "event": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_input' } });
    expect((await app.inject({ method: 'POST', url: '/v1/track', headers: { ...auth, 'content-type': 'application/json' }, payload: '' })).statusCode).toBe(400);

    const missing = await post('/v1/track', { userId: 'api-5' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'invalid_input', message: 'event: Required', details: { path: ['event'] } } });
    expect((await post('/v1/identify', { traits: { name: 'Nobody' } })).json().error.message).toBe('userId: userId or anonymousId is required');

    const batch = await post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'api-5', event: 'A' },
        { type: 'identify', userId: 'api-5' },
        { type: 'page', userId: 'api-5' },
        { type: 'track', userId: 'api-5' },
      ],
    });
    expect(batch.statusCode).toBe(400);
    expect(batch.json().error).toMatchObject({ message: 'batch[3].event: Required', details: { path: ['batch', 3, 'event'] } });
    expect((await post('/v1/batch', { batch: [{ type: 'track', userId: ['x'], event: 'A' }] })).json().error.message).toBe('batch[0].userId: expected a string or a number');
    expect((await eventsOf(ws)).length).toBe(before);
  });

  it("enforces Segment's size limits: 32 KB per call, 500 KB per batch (413), 32 KB per message of a batch (400)", async () => {
    const call = await post('/v1/track', { userId: 'api-6', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } });
    expect(call.statusCode).toBe(413);
    expect(call.json()).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringMatching(/at most 32 KB/), details: { limitBytes: 32768 } } });

    const message = { type: 'track', userId: 'api-6', event: 'Medium', properties: { blob: 'x'.repeat(20 * 1024) } };
    const batch = await post('/v1/batch', { batch: Array.from({ length: 26 }, () => message) });
    expect(batch.statusCode).toBe(413);
    expect(batch.json().error.message).toMatch(/A batch may be at most 500 KB/);

    const oversized = await post('/v1/batch', { batch: [message, { ...message, properties: { blob: 'x'.repeat(40 * 1024) } }] });
    expect(oversized.statusCode).toBe(400);
    expect(oversized.json().error).toMatchObject({ code: 'invalid_input', details: { path: ['batch', 1], limitBytes: 32768 } });

    // Just under the limits passes.
    expect((await post('/v1/batch', { batch: Array.from({ length: 24 }, (_, n) => ({ ...message, messageId: `medium-${n}` })) })).statusCode).toBe(200);
  });

  it('reads gzip bodies (Segment mobile and RudderStack SDKs) and applies the limits to the inflated JSON', async () => {
    const body = JSON.stringify({ batch: [{ type: 'track', userId: 'api-7', event: 'Zipped', messageId: 'gz-1' }] });
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(body) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1 });

    const bomb = JSON.stringify({ batch: Array.from({ length: 60 }, () => ({ type: 'track', userId: 'api-7', event: 'x', properties: { blob: 'y'.repeat(10_000) } })) });
    const refused = await app.inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(bomb) });
    expect(refused.statusCode).toBe(413);
    const garbage = await app.inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: 'not gzip' });
    expect(garbage.statusCode).toBe(400);
    const brotli = await app.inject({ method: 'POST', url: '/v1/batch', headers: { ...auth, 'content-encoding': 'br' }, payload: body });
    expect(brotli.statusCode).toBe(400);
  });

  it('serves browsers: text/plain bodies as analytics.js sends them, CORS on responses and preflights', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ type: 'track', anonymousId: 'browser-8', event: 'Clicked', writeKey, sentAt: new Date().toISOString() }) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/batch', headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, OPTIONS' });
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect((await post('/v1/track', { event: 'x' }, {})).headers['access-control-allow-origin']).toBe('*');
  });

  it('answers with warnings for values it could not use while storing the events', async () => {
    const res = await post('/v1/batch', { batch: [{ type: 'identify', userId: 'api-9', traits: { email: 'nope' }, timestamp: 'soon' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      success: true,
      accepted: 1,
      duplicates: 0,
      warnings: [
        { path: 'batch[0].timestamp', message: expect.stringMatching(/not an ISO-8601 date-time; ignored/) },
        { path: 'batch[0].traits.email', message: expect.stringMatching(/"nope" is not an email address/) },
      ],
    });
  });

  it('lists the tracking calls in the OpenAPI document with write-key auth', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths).filter((p: string) => p.startsWith('/v1/'))).toEqual(['/v1/identify', '/v1/track', '/v1/page', '/v1/screen', '/v1/group', '/v1/alias', '/v1/batch']);
    expect(doc.paths['/v1/track'].post.security).toEqual([{ writeKey: [] }]);
  });

  describe('with the official @segment/analytics-node client', () => {
    let host: string;
    beforeAll(async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      host = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });

    it('delivers identify, track and page calls in one batch that land on the profile', async () => {
      const analytics = new Analytics({ writeKey, host, flushAt: 10, maxRetries: 0 });
      const requests: string[] = [];
      const failures: unknown[] = [];
      analytics.on('http_request', (req) => requests.push(req.url));
      analytics.on('error', (error) => failures.push(error));
      analytics.identify({ userId: 'sdk-1', traits: { email: 'SDK1@example.com', name: 'Zhang Wei', gender: 'male', plan: 'gold' } });
      analytics.track({ userId: 'sdk-1', event: 'Order Completed', properties: { order_id: 'SDK-O-1', total: 199, currency: 'CNY', products: [{ sku: 'TEA', name: 'Tea', price: 99.5, quantity: 2 }] } });
      analytics.page({ userId: 'sdk-1', name: 'Checkout' });
      analytics.track({ anonymousId: 'sdk-visitor', event: 'Viewed' });
      await analytics.closeAndFlush();

      expect(failures).toEqual([]);
      expect(requests).toEqual([`${host}/v1/batch`]);
      const customer = await ownerOf(ws, 'external_id', 'sdk-1');
      const view = await getCustomer360(h.db, ws, customer!);
      expect(view.profile).toMatchObject({ name: 'Zhang Wei', gender: 'male', attributes: { plan: 'gold' } });
      expect(view.identities.map((i) => `${i.type}:${i.value}`)).toEqual(['email:sdk1@example.com', 'external_id:sdk-1']);
      expect(view.recentEvents.map((e) => e.name ?? e.type).sort()).toEqual(['Checkout', 'Order Completed', 'identify']);
      expect(view.orderSummary).toMatchObject({ orderCount: 1, totalMinor: 19900 });
      expect(await ownerOf(ws, 'anonymous_id', 'sdk-visitor')).toBeDefined();
    });

    it('delivers single calls one request each (flushAt: 1) and reports a wrong write key as a failed delivery', async () => {
      const analytics = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 0 });
      const delivered = await new Promise<unknown>((resolve) => analytics.track({ userId: 'sdk-2', event: 'Opened App' }, resolve));
      expect(delivered).toBeUndefined();
      await analytics.closeAndFlush();
      const view = await getCustomer360(h.db, ws, (await ownerOf(ws, 'external_id', 'sdk-2'))!);
      expect(view.recentEvents).toMatchObject([{ type: 'track', name: 'Opened App' }]);

      const wrong = new Analytics({ writeKey: 'wrong-key', host, flushAt: 1, maxRetries: 0 });
      const failed = await new Promise<unknown>((resolve) => wrong.track({ userId: 'sdk-3', event: 'Lost' }, resolve));
      expect(String(failed)).toMatch(/401/);
      await wrong.closeAndFlush();
      expect(await ownerOf(ws, 'external_id', 'sdk-3')).toBeUndefined();
    });
  });
});
