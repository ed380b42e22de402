import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { identifyCustomer, recordConsents } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/peers/webhook-receiver.ts';
import { testStores } from '../../test/stores.ts';
import {
  addSuppressions,
  createTemplate,
  dispatchMessages,
  inGlobalControl,
  queueMessage,
  queueMessages,
  saveContactPolicy,
  saveProvider,
  type MessageRequest,
} from './index.ts';

const secret = 'test-signing-secret-0123456789';
const start = new Date('2026-03-02T04:00:00Z'); // 12:00 in Shanghai

describe.each(testStores())('contact policy and outbox on $kind', (store) => {
  let h: DatabaseHandle;
  let hook: WebhookReceiver;
  beforeAll(async () => {
    h = await store.open();
    hook = await startWebhookReceiver(secret, () => Math.floor(start.getTime() / 1000));
  });
  afterAll(async () => {
    await hook.close();
    await h.close();
  });

  async function setup(): Promise<Workspace> {
    const ws = await testWorkspace(h.db);
    await saveProvider(h.db, ws.id, 'webhook', { config: { url: hook.url }, secrets: { signingSecret: secret } }, start);
    await saveProvider(h.db, ws.id, 'email', { config: { host: '127.0.0.1', port: 2525, from: 'shop@example.com', publicUrl: 'https://patron.example.com' } }, start);
    return ws;
  }

  async function customer(ws: Workspace, n: string, consent: readonly ('email' | 'push' | 'sms')[] = ['push', 'email'], attributes: Record<string, unknown> = {}): Promise<number> {
    const { customerId } = await identifyCustomer(h.db, ws, {
      identities: [{ type: 'email', value: `c${n}@example.com` }],
      profile: { name: `Customer ${n}`, attributes },
      reason: 'test',
    });
    await recordConsents(
      h.db,
      ws.id,
      consent.map((channel) => ({ customerId, channel, purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: start })),
    );
    return customerId;
  }

  function request(customerId: number, key: string, over: Partial<MessageRequest> = {}): MessageRequest {
    return {
      customerId,
      channel: 'webhook',
      purpose: 'marketing',
      content: { text: 'Hello {{ customer.name }}, your code is {{ coupon }}' },
      variables: { coupon: 'SPRING' },
      idempotencyKey: key,
      source: { kind: 'api', id: 1 },
      ...over,
    };
  }

  const queue = (ws: Workspace, r: MessageRequest, now = start) => h.db.transaction().execute((trx) => queueMessage(trx, ws, r, now));

  it('queues with consent, refuses without, treats a repeated key as a no-op, and the dispatcher delivers once with a valid signature', async () => {
    const ws = await setup();
    const yes = await customer(ws, 'a');
    const no = await customer(ws, 'b', []);
    const first = await queue(ws, request(yes, 'k1'));
    expect(first).toMatchObject({ status: 'queued', channel: 'webhook' });
    expect(await queue(ws, request(yes, 'k1'))).toEqual({ status: 'duplicate', messageId: first.messageId });
    expect(await queue(ws, request(no, 'k2'))).toMatchObject({ status: 'suppressed', reason: 'no marketing consent for push' });
    const clock = manualClock(start);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 1, failed: 0 });
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 0 });
    const got = hook.received.filter((r) => r.idempotencyKey === 'k1');
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toMatchObject({ customerId: yes, text: 'Hello Customer a, your code is SPRING' });
    const row = await h.db.selectFrom('messages').selectAll().where('id', '=', first.messageId).executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
  });

  it('sends transactional messages without an opt-in but never to a channel opted out for them', async () => {
    const ws = await setup();
    const c = await customer(ws, 'c', []);
    expect(await queue(ws, request(c, 't1', { purpose: 'transactional' }))).toMatchObject({ status: 'queued' });
    await recordConsents(h.db, ws.id, [{ customerId: c, channel: 'push', purpose: 'transactional', status: 'opted_out', source: 'test', recordedAt: start }]);
    expect(await queue(ws, request(c, 't2', { purpose: 'transactional' }))).toMatchObject({ status: 'suppressed', reason: 'opted out of push' });
  });

  it('caps marketing per rolling window, lets transactional through, and frees the slot when the window passes', async () => {
    const ws = await setup();
    await saveContactPolicy(h.db, ws.id, { caps: { global: [{ max: 2, days: 7 }], perChannel: { email: [{ max: 1, days: 1 }] } } }, start);
    const c = await customer(ws, 'd');
    expect(await queue(ws, request(c, 'c1'))).toMatchObject({ status: 'queued' });
    expect(await queue(ws, request(c, 'c2', { channel: 'email' }))).toMatchObject({ status: 'queued', channel: 'email' });
    expect(await queue(ws, request(c, 'c3'))).toMatchObject({ status: 'suppressed', reason: 'frequency cap: at most 2 marketing message(s) in 7 day(s)' });
    expect(await queue(ws, request(c, 'c4', { purpose: 'transactional' }))).toMatchObject({ status: 'queued' });
    const later = new Date(start.getTime() + 7 * 86_400_000 + 1000);
    expect(await queue(ws, request(c, 'c5'), later)).toMatchObject({ status: 'queued' });
    // In one batch the per-channel cap counts the batch's own messages.
    const [a, b] = await h.db.transaction().execute((trx) =>
      queueMessages(trx, ws, [request(c, 'c6', { channel: 'email' }), request(c, 'c7', { channel: 'email' })], new Date(later.getTime() + 8 * 86_400_000)),
    );
    expect(a).toMatchObject({ status: 'queued' });
    expect(b).toMatchObject({ status: 'suppressed', reason: 'frequency cap: at most 1 marketing message(s) in 1 day(s) on email' });
  });

  it('holds marketing during quiet hours in the customer time zone and queues the same message when called again at the given time', async () => {
    const ws = await setup();
    await saveContactPolicy(h.db, ws.id, { quietHours: { start: '21:00', end: '08:00', mode: 'hold' } }, start);
    const c = await customer(ws, 'e');
    await h.db.updateTable('customers').set({ timezone: 'America/New_York' }).where('id', '=', c).execute();
    // 04:00Z is 23:00 the previous evening in New York (EST, UTC-5): held until 08:00 local = 13:00Z.
    const held = await queue(ws, request(c, 'q1'));
    expect(held).toEqual({ status: 'held', messageId: held.messageId, until: new Date('2026-03-02T13:00:00Z') });
    expect(await dispatchMessages(h.db, manualClock(new Date('2026-03-02T14:00:00Z')))).toMatchObject({ sent: 0 });
    const released = await queue(ws, request(c, 'q1'), new Date('2026-03-02T13:00:00Z'));
    expect(released).toEqual({ status: 'queued', messageId: held.messageId, channel: 'webhook' });
    expect(await queue(ws, request(c, 'q2', { purpose: 'transactional' }))).toMatchObject({ status: 'queued' });
    await saveContactPolicy(h.db, ws.id, { quietHours: { start: '21:00', end: '08:00', mode: 'skip' } }, start);
    expect(await queue(ws, request(c, 'q3'))).toMatchObject({ status: 'suppressed', reason: 'quiet hours' });
  });

  it('uses the preferred channel, falls back in the workspace order, and says why when nothing is left', async () => {
    const ws = await setup();
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['sms', 'email', 'webhook'] }, start);
    const prefersWebhook = await customer(ws, 'f', ['push', 'email'], { preferred_channel: 'webhook' });
    const noPreference = await customer(ws, 'g', ['push', 'email']);
    const nothing = await customer(ws, 'h', []);
    expect(await queue(ws, request(prefersWebhook, 'p1', { channel: 'preferred' }))).toMatchObject({ status: 'queued', channel: 'webhook' });
    expect(await queue(ws, request(noPreference, 'p2', { channel: 'preferred' }))).toMatchObject({ status: 'queued', channel: 'email' });
    expect(await queue(ws, request(nothing, 'p3', { channel: 'preferred' }))).toMatchObject({
      status: 'suppressed',
      reason: 'sms is not configured for this workspace; no marketing consent for email; no marketing consent for push',
    });
  });

  it('keeps suppressed addresses and the global control group from marketing', async () => {
    const ws = await setup();
    const c = await customer(ws, 'i');
    await addSuppressions(h.db, ws.id, [{ channel: 'email', address: 'CI@example.com', reason: 'complaint' }], 'test', start);
    expect(await queue(ws, request(c, 's1', { channel: 'email' }))).toMatchObject({ status: 'suppressed', reason: 'email address is on the suppression list' });
    expect(await queue(ws, request(c, 's2', { channel: 'email', purpose: 'transactional' }))).toMatchObject({ status: 'suppressed' });

    await saveContactPolicy(h.db, ws.id, { globalControlShare: 0.5 }, start);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => customer(ws, `gc${i}`)));
    const outcomes = await h.db.transaction().execute((trx) => queueMessages(trx, ws, ids.map((id) => request(id, `gc:${id}`)), start));
    const inControl = ids.filter((id) => inGlobalControl(ws, id, 0.5));
    expect(inControl.length).toBeGreaterThan(5);
    expect(inControl.length).toBeLessThan(35);
    outcomes.forEach((o, i) => expect(o.status).toBe(inControl.includes(ids[i]!) ? 'suppressed' : 'queued'));
    expect(inGlobalControl(ws, ids[0]!, 0)).toBe(false);
  });

  it('fails a message whose template lacks a variable, naming it; a dry run is logged but never delivered; a rollback leaves nothing', async () => {
    const ws = await setup();
    const c = await customer(ws, 'j');
    const template = await createTemplate(h.db, ws.id, { name: 'welcome', content: { text: 'Hi {{ customer.name }} in {{ customer.city }}' } }, start);
    expect(await queue(ws, request(c, 'm1', { content: { templateId: template.id } }))).toMatchObject({
      status: 'failed',
      reason: 'The text template uses the variable "customer.city", which this customer does not have',
    });
    const dry = await queue(ws, request(c, 'm2', { dryRun: true }));
    expect(dry).toMatchObject({ status: 'sent', channel: 'webhook' });
    await expect(
      h.db.transaction().execute(async (trx) => {
        await queueMessage(trx, ws, request(c, 'm3'), start);
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    await dispatchMessages(h.db, manualClock(start));
    expect(hook.received.filter((r) => ['m2', 'm3'].includes(r.idempotencyKey))).toEqual([]);
    const rows = await h.db.selectFrom('messages').select(['idempotency_key', 'status']).where('workspace_id', '=', ws.id).orderBy('id').execute();
    expect(rows).toEqual([
      { idempotency_key: 'm1', status: 'failed' },
      { idempotency_key: 'm2', status: 'dry_run' },
    ]);
  });

  it('posts webhook messages in signed batches when the provider asks for them', async () => {
    const ws = await testWorkspace(h.db);
    await saveProvider(h.db, ws.id, 'webhook', { config: { url: hook.url, batchSize: 4 }, secrets: { signingSecret: secret } }, start);
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => customer(ws, `batch${i}`)));
    await h.db.transaction().execute((trx) => queueMessages(trx, ws, ids.map((id) => request(id, `batch:${id}`, { purpose: 'transactional' })), start));
    const before = hook.batches;
    expect(await dispatchMessages(h.db, manualClock(start))).toEqual({ sent: 10, failed: 0 });
    expect(hook.batches - before).toBe(3);
    expect(hook.received.filter((r) => r.idempotencyKey.startsWith('batch:')).map((r) => r.body.customerId).sort()).toEqual([...ids].sort());
  });

  it('retries a failing webhook with backoff and records the final failure', async () => {
    const ws = await setup();
    const c = await customer(ws, 'k');
    const queued = await queue(ws, request(c, 'r1'));
    const clock = manualClock(start);
    hook.failNext(1, 503);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 0 });
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 0 }); // not due yet
    clock.advance(30_000);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 1, failed: 0 });
    const row = await h.db.selectFrom('messages').selectAll().where('id', '=', queued.messageId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });

    await queue(ws, request(c, 'r2', { purpose: 'transactional' }));
    hook.failNext(1, 400);
    expect(await dispatchMessages(h.db, clock)).toEqual({ sent: 0, failed: 1 });
  });
});
