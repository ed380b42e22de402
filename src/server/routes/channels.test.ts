import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { dispatchMessages, signLink } from '../../channels/index.ts';
import { consentsOf, identifyCustomer, recordConsents } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/peers/webhook-receiver.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

describe.each(testStores())('channels API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let hook: WebhookReceiver;
  let auth: { authorization: string };
  let customerId: number;
  const clock = manualClock(new Date('2026-03-02T04:00:00Z'));
  const secret = 'api-test-signing-secret-123';

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    ws = await testWorkspace(h.db);
    hook = await startWebhookReceiver(secret, () => Math.floor(clock.now().getTime() / 1000));
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    customerId = (await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'li.lei@example.com' }], profile: { name: '李雷' }, reason: 'test' })).customerId;
  });
  afterAll(async () => {
    await hook.close();
    await app.close();
    await h.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

  it('saves providers without ever showing a secret, and keeps a secret left out of a later save', async () => {
    const missing = await call('PUT', '/api/channels/providers/webhook', { config: { url: hook.url } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain('signingSecret');
    const saved = await call('PUT', '/api/channels/providers/webhook', { config: { url: hook.url }, secrets: { signingSecret: secret } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ channel: 'webhook', config: { url: hook.url, timeoutMs: 5000, batchSize: 1 }, secrets: { signingSecret: 'set' } });
    expect((await call('PUT', '/api/channels/providers/webhook', { config: { url: hook.url, timeoutMs: 2000 } })).statusCode).toBe(200);
    const listed = await call('GET', '/api/channels/providers');
    expect(JSON.stringify(listed.json())).not.toContain(secret);
    const audit = await h.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', ws.id).execute();
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('saves the policy, manages templates with preview naming a missing variable, sends and lists messages', async () => {
    const policy = await call('PUT', '/api/channels/policy', { caps: { global: [{ max: 2, days: 7 }] }, quietHours: { start: '22:00', end: '08:00' } });
    expect(policy.statusCode).toBe(200);
    expect(policy.json()).toMatchObject({ fallbackOrder: ['wechat', 'sms', 'email'], quietHours: { start: '22:00', end: '08:00', mode: 'hold' }, globalControlShare: 0 });
    expect((await call('PUT', '/api/channels/policy', { quietHours: { start: '25:00', end: '08:00' } })).statusCode).toBe(400);

    const broken = await call('POST', '/api/channels/templates', { name: 'bad', content: { text: 'Hi {{ customer.name ' } });
    expect(broken.statusCode).toBe(400);
    const created = await call('POST', '/api/channels/templates', { name: 'welcome', content: { text: '欢迎 {{ customer.name }}，积分 {{ points }}' } });
    expect(created.statusCode).toBe(201);
    const templateId = created.json().id as number;
    const preview = await call('POST', '/api/channels/templates/preview', { customerId, content: { templateId }, variables: { points: 100 } });
    expect(preview.json()).toEqual({ text: '欢迎 李雷，积分 100' });
    const lacking = await call('POST', '/api/channels/templates/preview', { customerId, content: { templateId } });
    expect(lacking.statusCode).toBe(400);
    expect(lacking.json().error.message).toContain('"points"');

    const sent = await call('POST', '/api/channels/messages', { customerId, channel: 'webhook', content: { templateId }, variables: { points: 5 }, idempotencyKey: 'welcome-1' });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({ status: 'queued', channel: 'webhook' });
    const again = await call('POST', '/api/channels/messages', { customerId, channel: 'webhook', content: { templateId }, variables: { points: 5 }, idempotencyKey: 'welcome-1' });
    expect(again.json()).toEqual({ status: 'duplicate', messageId: sent.json().messageId });
    const marketing = await call('POST', '/api/channels/messages', { customerId, channel: 'webhook', purpose: 'marketing', content: { text: 'sale' }, idempotencyKey: 'sale-1' });
    expect(marketing.json()).toMatchObject({ status: 'suppressed', reason: 'no marketing consent for push' });
    await dispatchMessages(h.db, clock);
    expect(hook.received.find((r) => r.idempotencyKey === 'api:welcome-1')?.body.text).toBe('欢迎 李雷，积分 5');

    const page1 = await call('GET', '/api/channels/messages?limit=1');
    expect(page1.json().messages).toHaveLength(1);
    expect(page1.json().messages[0]).toMatchObject({ status: 'suppressed', idempotencyKey: 'api:sale-1' });
    const page2 = await call('GET', `/api/channels/messages?limit=5&before=${page1.json().next}`);
    expect(page2.json().messages.map((m: { status: string }) => m.status)).toEqual(['sent']);
    expect((await call('GET', '/api/channels/messages?status=sent&channel=webhook')).json().messages).toHaveLength(1);
  });

  it('sends a test message at once (only that message), answering with its log entry; an unconfigured channel says why', async () => {
    const waiting = await call('POST', '/api/channels/messages', { customerId, channel: 'webhook', content: { text: 'later' }, idempotencyKey: 'waits-for-dispatcher' });
    expect(waiting.json()).toMatchObject({ status: 'queued' });
    const test = await call('POST', '/api/channels/providers/webhook/test', { customerId, content: { text: '测试消息' } });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ customerId, channel: 'webhook', purpose: 'transactional', status: 'sent', reason: null, attempts: 1 });
    expect(hook.received.find((r) => r.idempotencyKey === test.json().idempotencyKey)?.body.text).toBe('测试消息');
    // The message queued before it is left to the dispatcher.
    expect(hook.received.some((r) => r.idempotencyKey === 'api:waits-for-dispatcher')).toBe(false);
    const unconfigured = await call('POST', '/api/channels/providers/sms/test', { customerId, content: { text: 'hi' } });
    expect(unconfigured.json()).toMatchObject({ status: 'suppressed', reason: 'sms is not configured for this workspace' });
    expect((await call('POST', '/api/channels/providers/webhook/test', { customerId, content: {} })).statusCode).toBe(400);
    await dispatchMessages(h.db, clock);
  });

  it('shows where each channel’s provider posts delivery reports', async () => {
    const endpoints = (await call('GET', '/api/channels/receipt-endpoints')).json() as Record<string, string>;
    expect(Object.keys(endpoints).sort()).toEqual(['email', 'sms', 'webhook', 'wechat']);
    expect(endpoints.sms).toMatch(new RegExp(`^/hooks/sms/aliyun/${ws.id}\\.[A-Za-z0-9_-]{32}$`));
    // One token per channel: the SMS address does not take bounces.
    const token = endpoints.sms!.split('/').pop()!;
    const crossed = await app.inject({ method: 'POST', url: `/hooks/email/bounces/${token}`, headers: { 'content-type': 'application/json' }, payload: '{"bounces":[{"idempotencyKey":"x","type":"hard"}]}' });
    expect(crossed.statusCode).toBe(404);
  });

  it('manages the suppression list', async () => {
    expect((await call('POST', '/api/channels/suppressions', { items: [{ channel: 'email', address: 'Bad@Example.com' }] })).json()).toEqual({ added: 1 });
    expect((await call('GET', '/api/channels/suppressions?channel=email')).json()).toMatchObject([{ address: 'bad@example.com', reason: 'manual', source: 'api' }]);
    expect((await call('DELETE', '/api/channels/suppressions/email/bad@example.com')).statusCode).toBe(204);
    expect((await call('DELETE', '/api/channels/suppressions/email/bad@example.com')).statusCode).toBe(404);
  });

  it('serves the public pixel, click redirect and unsubscribe (GET asks, POST one-click records) without credentials', async () => {
    await recordConsents(h.db, ws.id, [{ customerId, channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: new Date('2026-01-01T00:00:00Z') }]);
    const row = await h.db
      .insertInto('messages')
      .values({ workspace_id: ws.id, customer_id: customerId, idempotency_key: 'link-test', channel: 'email', purpose: 'marketing', status: 'sent', source_kind: 'api', source_id: 1, created_at: clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { link_secret: linkSecret } = await h.db.selectFrom('contact_policies').select('link_secret').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    const claim = { workspaceId: ws.id, customerId, messageId: row.id };
    const open = await app.inject({ method: 'GET', url: `/t/o/${signLink(linkSecret, { ...claim, kind: 'open' })}` });
    expect(open.statusCode).toBe(200);
    expect(open.headers['content-type']).toBe('image/gif');
    const target = 'https://shop.example.com/p/1?x=1';
    const click = await app.inject({ method: 'GET', url: `/t/c/${signLink(linkSecret, { ...claim, kind: 'click', url: target })}?u=${encodeURIComponent(target)}` });
    expect(click.statusCode).toBe(302);
    expect(click.headers.location).toBe(target);
    const forged = await app.inject({ method: 'GET', url: `/t/c/${signLink(linkSecret, { ...claim, kind: 'click', url: target })}?u=${encodeURIComponent('https://evil.example.com')}` });
    expect(forged.statusCode).toBe(404);

    const token = signLink(linkSecret, { ...claim, kind: 'unsubscribe' });
    const ask = await app.inject({ method: 'GET', url: `/t/u/${token}` });
    expect(ask.body).toContain('<form method="post">');
    expect((await consentsOf(h.db, ws.id, customerId)).find((c) => c.channel === 'email')?.status).toBe('opted_in');
    const oneClick = await app.inject({
      method: 'POST',
      url: `/t/u/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect((await consentsOf(h.db, ws.id, customerId)).find((c) => c.channel === 'email')).toMatchObject({ status: 'opted_out', source: 'unsubscribe link' });
    const message = await h.db.selectFrom('messages').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(message).toMatchObject({ status: 'delivered', clicks: 1 });
    expect(message.unsubscribed_at).not.toBeNull();
    expect((await app.inject({ method: 'POST', url: `/t/u/${token.slice(0, -2)}xx` })).statusCode).toBe(404);
  });
});
