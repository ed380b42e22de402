import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import {
  clearWechatTokens,
  closeEmailTransports,
  dispatchMessages,
  listSuppressions,
  queueMessage,
  saveProvider,
  signWebhook,
  type MessageRequest,
} from '../../channels/index.ts';
import { identifyCustomer, recordConsents, type RawIdentity } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { gatewayCredentials, startProviderGateway, type ProviderGateway } from '../../../test/peers/provider-gateway.ts';
import { startSmtpPeer, type SmtpPeer } from '../../../test/peers/smtp-peer.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/peers/webhook-receiver.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const start = new Date('2026-03-02T04:00:00Z');
const signingSecret = 'receipts-test-signing-secret';
const wechatToken = 'patronToken42';

describe.each(testStores())('delivery receipts over HTTP on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let base: string;
  let ws: Workspace;
  let smtp: SmtpPeer;
  let gateway: ProviderGateway;
  let hook: WebhookReceiver;
  let auth: { authorization: string };
  let paths: Record<'sms' | 'email' | 'wechat' | 'webhook', string>;
  const clock = manualClock(start);

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    ws = await testWorkspace(h.db);
    smtp = await startSmtpPeer();
    gateway = await startProviderGateway();
    hook = await startWebhookReceiver(signingSecret, () => Math.floor(clock.now().getTime() / 1000));
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    await saveProvider(h.db, ws.id, 'email', { config: { host: '127.0.0.1', port: smtp.port, from: 'Shop <shop@example.com>', publicUrl: 'https://patron.example.com/' } }, start);
    await saveProvider(
      h.db,
      ws.id,
      'sms',
      {
        config: { endpoint: `${gateway.url}/sms/`, accessKeyId: gatewayCredentials.accessKeyId, signName: '示例商城', templateCode: 'SMS_000001' },
        secrets: { accessKeySecret: gatewayCredentials.accessKeySecret },
      },
      start,
    );
    await saveProvider(h.db, ws.id, 'wechat', { config: { apiBase: gateway.url, appId: gatewayCredentials.appId }, secrets: { appSecret: gatewayCredentials.appSecret, callbackToken: wechatToken } }, start);
    await saveProvider(h.db, ws.id, 'webhook', { config: { url: hook.url }, secrets: { signingSecret } }, start);
    const endpoints = await fetch(`${base}/api/channels/receipt-endpoints`, { headers: auth });
    expect(endpoints.status).toBe(200);
    paths = (await endpoints.json()) as typeof paths;
  });
  afterAll(async () => {
    closeEmailTransports();
    clearWechatTokens();
    await smtp.close();
    await gateway.close();
    await hook.close();
    await app.close();
    await h.close();
  });

  let serial = 0;
  async function sent(identities: RawIdentity[], channel: MessageRequest['channel']): Promise<{ id: number; key: string; providerId: string | null; address: string | null }> {
    serial += 1;
    const { customerId } = await identifyCustomer(h.db, ws, { identities, profile: { name: `客户${serial}` }, reason: 'test' });
    await recordConsents(h.db, ws.id, [{ customerId, channel: 'push', purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: start }]);
    const key = `receipt-${serial}`;
    const outcome = await h.db.transaction().execute((trx) =>
      queueMessage(trx, ws, { customerId, channel, purpose: 'transactional', content: { subject: 'Order', text: '您的订单已发货', wechatTemplateId: 'TPL1' }, idempotencyKey: key, source: { kind: 'api', id: 1 } }, clock.now()),
    );
    expect(outcome.status).toBe('queued');
    await dispatchMessages(h.db, clock);
    const row = await message(outcome.messageId);
    expect(row.status).toBe('sent');
    return { id: outcome.messageId, key, providerId: row.provider_message_id, address: row.address };
  }
  const message = (id: number) => h.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(`${base}${path}`, { method: 'POST', headers, body });

  it('takes Aliyun SMS status reports: delivered and failed with the report time and reason, only when BizId and OutId both match', async () => {
    const ok = await sent([{ type: 'phone', value: '+8613800138001' }], 'sms');
    const bad = await sent([{ type: 'phone', value: '+8613800138002' }], 'sms');
    expect(ok.providerId).toMatch(/^biz-/);
    const report = (m: typeof ok, success: boolean, outId = m.key) => ({
      phone_number: '1380013****',
      send_time: '2026-03-02 12:00:01',
      report_time: '2026-03-02 12:00:09',
      success,
      err_code: success ? 'DELIVERED' : 'MK:0001',
      err_msg: success ? '用户接收成功' : '用户关机',
      sms_size: '1',
      biz_id: m.providerId,
      out_id: outId,
    });
    // A wrong OutId (someone who knows only the BizId) changes nothing; the address's token must be genuine.
    expect((await post(paths.sms, JSON.stringify([report(ok, false, 'guess')]))).status).toBe(200);
    expect((await message(ok.id)).status).toBe('sent');
    expect((await post(paths.sms.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), JSON.stringify([report(ok, true)]))).status).toBe(404);
    expect((await post(paths.sms, '{"not":"an array"}')).status).toBe(400);
    expect((await post(paths.sms, JSON.stringify([{ ...report(ok, false), err_msg: 'bad\u0000' }]))).status).toBe(400);

    const res = await post(paths.sms, JSON.stringify([report(ok, true), report(bad, false)]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ code: 0, msg: '接收成功' });
    // report_time is Beijing time: 12:00:09 +08:00 is 04:00:09Z.
    expect(await message(ok.id)).toMatchObject({ status: 'delivered', reason: null, delivered_at: new Date('2026-03-02T04:00:09Z'), reported_at: new Date('2026-03-02T04:00:09Z') });
    expect(await message(bad.id)).toMatchObject({ status: 'failed', reason: 'SMS report: MK:0001 用户关机', delivered_at: null, reported_at: new Date('2026-03-02T04:00:09Z') });
    // A repeated push (Aliyun pushes again when unsure of its answer) or a contradicting one changes nothing.
    expect((await post(paths.sms, JSON.stringify([report(ok, true), report(ok, false)]))).status).toBe(200);
    expect((await message(ok.id)).status).toBe('delivered');

    const log = await fetch(`${base}/api/channels/messages?channel=sms&status=failed`, { headers: auth });
    expect(((await log.json()) as { messages: { id: number; reason: string; reportedAt: string }[] }).messages).toEqual([
      expect.objectContaining({ id: bad.id, reason: 'SMS report: MK:0001 用户关机', reportedAt: '2026-03-02T04:00:09.000Z' }),
    ]);
  });

  it('records mail bounces and complaints by Message-ID or idempotency key; hard bounces and complaints suppress the address', async () => {
    const hard = await sent([{ type: 'email', value: 'Gone@Example.com' }], 'email');
    const soft = await sent([{ type: 'email', value: 'full@example.com' }], 'email');
    const spam = await sent([{ type: 'email', value: 'angry@example.com' }], 'email');
    expect(smtp.mails.map((m) => m.headers.get('message-id'))).toContain(hard.providerId);
    const res = await post(
      paths.email,
      JSON.stringify({
        bounces: [
          { messageId: hard.providerId!.slice(1, -1), type: 'hard', reason: '550 5.1.1 user unknown', at: '2026-03-02T04:05:00Z' },
          { idempotencyKey: soft.key, type: 'soft', reason: '452 4.2.2 mailbox full' },
          { idempotencyKey: spam.key, type: 'complaint' },
          { messageId: '<nothing@example.com>', type: 'hard' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ matched: 3, unmatched: 1 });
    expect(await message(hard.id)).toMatchObject({ status: 'bounced', reason: 'hard bounce: 550 5.1.1 user unknown', reported_at: new Date('2026-03-02T04:05:00Z') });
    expect(await message(soft.id)).toMatchObject({ status: 'failed', reason: 'soft bounce: 452 4.2.2 mailbox full', reported_at: clock.now() });
    expect((await message(spam.id)).status).toBe('sent');
    const suppressed = (await listSuppressions(h.db, ws.id, { channel: 'email' })).map((s) => [s.address, s.reason]).sort();
    expect(suppressed).toEqual([
      ['angry@example.com', 'complaint'],
      ['gone@example.com', 'bounced'],
    ]);
    expect((await post(paths.email, JSON.stringify({ bounces: [{ type: 'hard' }] }))).status).toBe(400);
  });

  it('takes signed receipts from the webhook consumer and refuses unsigned ones', async () => {
    const m = await sent([{ type: 'email', value: 'hook@example.com' }], 'webhook');
    expect(hook.received.map((r) => r.idempotencyKey)).toContain(m.key);
    const body = JSON.stringify({ receipts: [{ idempotencyKey: m.key, status: 'delivered', at: '2026-03-02T04:00:30Z' }] });
    expect((await post(paths.webhook, body)).status).toBe(401);
    const ts = Math.floor(clock.now().getTime() / 1000);
    const forged = await post(paths.webhook, body, { 'content-type': 'application/json', 'x-patron-timestamp': String(ts), 'x-patron-signature': signWebhook('another-secret-of-16+', ts, body) });
    expect(forged.status).toBe(401);
    const res = await post(paths.webhook, body, { 'content-type': 'application/json', 'x-patron-timestamp': String(ts), 'x-patron-signature': signWebhook(signingSecret, ts, body) });
    expect(res.status).toBe(200);
    expect(await message(m.id)).toMatchObject({ status: 'delivered', delivered_at: new Date('2026-03-02T04:00:30Z') });
  });

  it('answers WeChat’s server check and takes TEMPLATESENDJOBFINISH pushes signed with the Token; a blocked follower is suppressed', async () => {
    const sign = (timestamp: string, nonce: string) => createHash('sha1').update([wechatToken, timestamp, nonce].sort().join('')).digest('hex');
    const q = (timestamp = '1772424000', nonce = 'n0nce') => `?signature=${sign(timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}`;
    const check = await fetch(`${base}${paths.wechat}${q()}&echostr=hello123`);
    expect(check.status).toBe(200);
    expect(await check.text()).toBe('hello123');
    expect((await fetch(`${base}${paths.wechat}?signature=00&timestamp=1&nonce=2&echostr=x`)).status).toBe(401);

    const ok = await sent([{ type: 'wechat_openid', value: 'o-follower-1' }], 'wechat');
    const blocked = await sent([{ type: 'wechat_openid', value: 'o-follower-2' }], 'wechat');
    const xml = (m: typeof ok, status: string) =>
      `<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><FromUserName><![CDATA[${m.address}]]></FromUserName><CreateTime>1772424060</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>${m.providerId}</MsgID><Status><![CDATA[${status}]]></Status></xml>`;
    const xmlHeaders = { 'content-type': 'text/xml' };
    expect((await post(`${paths.wechat}?signature=bad&timestamp=1&nonce=2`, xml(ok, 'success'), xmlHeaders)).status).toBe(401);
    const res = await post(`${paths.wechat}${q()}`, xml(ok, 'success'), xmlHeaders);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('success');
    expect((await post(`${paths.wechat}${q('1772424001', 'x')}`, xml(blocked, 'failed:user block'), xmlHeaders)).status).toBe(200);
    expect(await message(ok.id)).toMatchObject({ status: 'delivered', delivered_at: new Date(1772424060 * 1000) });
    expect(await message(blocked.id)).toMatchObject({ status: 'bounced', reason: 'WeChat: failed:user block' });
    expect((await listSuppressions(h.db, ws.id, { channel: 'wechat' })).map((s) => s.address)).toEqual(['o-follower-2']);
    // Other pushes (a follower's text message) are acknowledged and change nothing.
    const text = '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-x]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>';
    expect(await (await post(`${paths.wechat}${q()}`, text, xmlHeaders)).text()).toBe('success');
  });

  it('keeps a receipt that overtakes its own delivery result, and still records the send', async () => {
    const { customerId } = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'fast@example.com' }], profile: {}, reason: 'test' });
    const outcome = await h.db.transaction().execute((trx) =>
      queueMessage(trx, ws, { customerId, channel: 'webhook', purpose: 'transactional', content: { text: 'hi' }, idempotencyKey: 'race-1', source: { kind: 'api', id: 1 } }, clock.now()),
    );
    if (outcome.status !== 'queued') throw new Error(`expected queued, got ${outcome.status}`);
    // A slow consumer: the receipt arrives while the delivery is still waiting for its answer.
    hook.delay(1_000);
    const dispatching = dispatchMessages(h.db, clock);
    await expect.poll(async () => (await message(outcome.messageId)).next_attempt_at!.getTime(), { timeout: 5_000 }).toBeGreaterThan(clock.now().getTime());
    const body = JSON.stringify({ receipts: [{ idempotencyKey: 'race-1', status: 'delivered' }] });
    const ts = Math.floor(clock.now().getTime() / 1000);
    expect((await post(paths.webhook, body, { 'content-type': 'application/json', 'x-patron-timestamp': String(ts), 'x-patron-signature': signWebhook(signingSecret, ts, body) })).status).toBe(200);
    expect(await dispatching).toEqual({ sent: 1, failed: 0 });
    hook.delay(0);
    expect(await message(outcome.messageId)).toMatchObject({ status: 'delivered', attempts: 1, sent_at: clock.now(), delivered_at: clock.now(), next_attempt_at: null });
  });
});
