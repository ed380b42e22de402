import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { consentsOf, identifyCustomer, recordConsents, type RawIdentity } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { gatewayCredentials, startProviderGateway, type ProviderGateway } from '../../test/peers/provider-gateway.ts';
import { startSmtpPeer, type SmtpPeer } from '../../test/peers/smtp-peer.ts';
import { testStores } from '../../test/stores.ts';
import {
  clearWechatTokens,
  closeEmailTransports,
  dispatchMessages,
  listSuppressions,
  queueMessage,
  recordClick,
  recordOpen,
  saveProvider,
  unsubscribe,
  type MessageRequest,
} from './index.ts';

const start = new Date('2026-03-02T04:00:00Z');

describe.each(testStores())('delivery to real protocol peers on $kind', (store) => {
  let h: DatabaseHandle;
  let smtp: SmtpPeer;
  let gateway: ProviderGateway;
  let ws: Workspace;
  const clock = manualClock(start);

  beforeAll(async () => {
    h = await store.open();
    smtp = await startSmtpPeer();
    gateway = await startProviderGateway();
    ws = await testWorkspace(h.db);
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
    await saveProvider(h.db, ws.id, 'wechat', { config: { apiBase: gateway.url, appId: gatewayCredentials.appId }, secrets: { appSecret: gatewayCredentials.appSecret } }, start);
  });
  afterAll(async () => {
    closeEmailTransports();
    clearWechatTokens();
    await smtp.close();
    await gateway.close();
    await h.close();
  });

  async function customer(identities: RawIdentity[], consent: ('email' | 'sms' | 'wechat')[]): Promise<number> {
    const { customerId } = await identifyCustomer(h.db, ws, { identities, profile: { name: '王芳' }, reason: 'test' });
    await recordConsents(h.db, ws.id, consent.map((channel) => ({ customerId, channel, purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: start })));
    return customerId;
  }

  const send = (r: Omit<MessageRequest, 'source' | 'purpose'> & { purpose?: MessageRequest['purpose'] }) =>
    h.db.transaction().execute((trx) => queueMessage(trx, ws, { purpose: 'marketing', source: { kind: 'campaign', id: 7 }, ...r }, clock.now()));

  it('sends email with text and HTML parts, the idempotency key, one-click unsubscribe headers, tracked links and the open pixel', async () => {
    const c = await customer([{ type: 'email', value: 'wang.fang@example.com' }], ['email']);
    const outcome = await send({
      customerId: c,
      channel: 'email',
      idempotencyKey: 'campaign:7:email:1',
      content: {
        subject: '{{ customer.name }}，春季上新',
        text: '你好 {{ customer.name }}。退订：{{ unsubscribe_url }}',
        html: '<html><body><p>你好 {{ customer.name }}</p><a href="https://shop.example.com/new?a=1&amp;b=2">看看</a></body></html>',
      },
    });
    expect(outcome.status).toBe('queued');
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 1, failed: 0 });
    const mail = smtp.mails.find((m) => m.headers.get('x-patron-idempotency-key') === 'campaign:7:email:1')!;
    expect(mail.to).toEqual(['wang.fang@example.com']);
    expect(mail.text).toContain('你好 王芳。退订：https://patron.example.com/t/u/');
    expect(mail.html).toContain('<p>你好 王芳</p>');
    expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribeLink = /<(https:\/\/patron\.example\.com\/t\/u\/[^>]+)>/.exec(mail.headers.get('list-unsubscribe')!)![1]!;
    expect(mail.text).toContain(unsubscribeLink);
    expect(mail.headers.get('message-id')).toMatch(/^<[0-9a-f]{40}@example\.com>$/);

    // The open pixel and the click redirect are signed; a tampered destination is refused.
    const pixel = /src="https:\/\/patron\.example\.com\/t\/o\/([^"]+)"/.exec(mail.html!)![1]!;
    const click = /href="https:\/\/patron\.example\.com\/t\/c\/([^"?]+)\?u=([^"]+)"/.exec(mail.html!)!;
    const destination = decodeURIComponent(click[2]!);
    expect(destination).toBe('https://shop.example.com/new?a=1&b=2');
    expect(await recordOpen(h.db, pixel, clock.now())).toMatchObject({ messageId: outcome.messageId });
    expect(await recordClick(h.db, click[1]!, 'https://evil.example.com/', clock.now())).toBeNull();
    expect(await recordClick(h.db, click[1]!, destination, clock.now())).toBe(destination);
    const row = await h.db.selectFrom('messages').selectAll().where('id', '=', outcome.messageId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', clicks: 1 });
    expect(row.opened_at).not.toBeNull();

    // Unsubscribing records the opt-out with its source, after which marketing email is suppressed.
    const token = unsubscribeLink.split('/t/u/')[1]!;
    expect(await unsubscribe(h.db, `${token}x`, clock.now())).toBeNull();
    expect(await unsubscribe(h.db, token, clock.now())).toMatchObject({ customerId: c, channel: 'email' });
    const consent = await consentsOf(h.db, ws.id, c);
    expect(consent.find((s) => s.channel === 'email')).toMatchObject({ status: 'opted_out', source: 'unsubscribe link' });
    expect(await send({ customerId: c, channel: 'email', idempotencyKey: 'campaign:7:email:2', content: { text: 'again' } })).toMatchObject({
      status: 'suppressed',
      reason: 'no marketing consent for email',
    });
  });

  it('bounces an address the SMTP server refuses and suppresses it; transactional mail has no unsubscribe header', async () => {
    const bad = await customer([{ type: 'email', value: 'nobody@bounce.example.com' }], ['email']);
    const good = await customer([{ type: 'email', value: 'order@example.com' }], []);
    const bounced = await send({ customerId: bad, channel: 'email', idempotencyKey: 'b1', content: { subject: 'Hi', text: 'Hi' } });
    await send({ customerId: good, channel: 'email', purpose: 'transactional', idempotencyKey: 'order:1001', content: { subject: 'Order 1001', text: 'Shipped' } });
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 1, failed: 1 });
    const row = await h.db.selectFrom('messages').select(['status', 'reason']).where('id', '=', bounced.messageId).executeTakeFirstOrThrow();
    expect(row.status).toBe('bounced');
    expect(row.reason).toContain('550');
    expect((await listSuppressions(h.db, ws.id, { channel: 'email' })).map((s) => [s.address, s.reason])).toEqual([['nobody@bounce.example.com', 'bounced']]);
    const receipt = smtp.mails.find((m) => m.headers.get('x-patron-idempotency-key') === 'order:1001')!;
    expect(receipt.headers.has('list-unsubscribe')).toBe(false);
  });

  it('sends SMS through the Aliyun SendSms API with a valid signature and OutId, retries flow control, and bounces an illegal number', async () => {
    const c = await customer([{ type: 'phone', value: '+86 138 0013 8000' }], ['sms']);
    const outcome = await send({ customerId: c, channel: 'sms', idempotencyKey: 'sms:1', content: { text: '{{ customer.name }}，您的优惠券 {{ code }} 已到账', data: { code: '{{ code }}' } }, variables: { code: 'A1B2' } });
    expect(outcome.status).toBe('queued');
    gateway.throttleSms(1);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 0 });
    clock.advance(30_000);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 1, failed: 0 });
    expect(gateway.sms.find((s) => s.outId === 'sms:1')).toEqual({
      phone: '13800138000',
      signName: '示例商城',
      templateCode: 'SMS_000001',
      params: { code: 'A1B2', content: '王芳，您的优惠券 A1B2 已到账' },
      outId: 'sms:1',
    });
    const row = await h.db.selectFrom('messages').select(['status', 'provider_message_id', 'attempts']).where('id', '=', outcome.messageId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row.provider_message_id).toMatch(/^biz-/);

    const foreign = await customer([{ type: 'phone', value: '+44 20 7946 0958' }], ['sms']);
    const refused = await send({ customerId: foreign, channel: 'sms', idempotencyKey: 'sms:2', content: { text: 'hi' } });
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 1 });
    const refusedRow = await h.db.selectFrom('messages').select(['status', 'reason']).where('id', '=', refused.messageId).executeTakeFirstOrThrow();
    expect(refusedRow).toEqual({ status: 'bounced', reason: 'SMS gateway: isv.MOBILE_NUMBER_ILLEGAL 非法手机号' });
  });

  it('sends WeChat template messages with one shared token, fetches one new token when it expires, and fails a non-follower', async () => {
    clearWechatTokens();
    const c = await customer([{ type: 'wechat_openid', value: 'oWang123' }], ['wechat']);
    const content = { text: 'unused', wechatTemplateId: 'TPL-coupon', data: { first: '{{ customer.name }}，优惠券到账', keyword1: '{{ code }}' } };
    await send({ customerId: c, channel: 'wechat', idempotencyKey: 'wx:1', content, variables: { code: 'C1' } });
    await send({ customerId: c, channel: 'wechat', idempotencyKey: 'wx:2', content, variables: { code: 'C2' }, purpose: 'transactional' });
    // Parallel deliveries share one token request: WeChat invalidates a token when it issues the next.
    expect(await dispatchMessages(h.db, clock, { concurrency: 8 })).toEqual({ sent: 2, failed: 0 });
    expect(gateway.hits.get('/cgi-bin/token')).toBe(1);
    expect(gateway.wechat.find((m) => m.clientMsgId === 'wx:1')).toEqual({
      touser: 'oWang123',
      templateId: 'TPL-coupon',
      data: { first: { value: '王芳，优惠券到账' }, keyword1: { value: 'C1' } },
      clientMsgId: 'wx:1',
    });

    gateway.expireTokens();
    for (const n of [3, 5, 6]) await send({ customerId: c, channel: 'wechat', idempotencyKey: `wx:${n}`, content, variables: { code: `C${n}` }, purpose: 'transactional' });
    expect(await dispatchMessages(h.db, clock, { concurrency: 8 })).toEqual({ sent: 3, failed: 0 });
    expect(gateway.hits.get('/cgi-bin/token')).toBe(2);
    expect(gateway.wechat.map((m) => m.clientMsgId)).toEqual(expect.arrayContaining(['wx:3', 'wx:5', 'wx:6']));

    const stranger = await customer([{ type: 'wechat_openid', value: gatewayCredentials.unfollowedOpenId }], ['wechat']);
    const refused = await send({ customerId: stranger, channel: 'wechat', idempotencyKey: 'wx:4', content, variables: { code: 'C4' } });
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 1 });
    const row = await h.db.selectFrom('messages').select(['status', 'reason']).where('id', '=', refused.messageId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'failed', reason: 'WeChat: 43004 require subscribe' });
  });
});
