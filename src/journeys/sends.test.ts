import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import { saveContactPolicy, saveProvider, verifyWebhookSignature } from '../channels/index.ts';
import { identifyCustomer, recordConsents, updateCustomerTags } from '../customers/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock, type ManualClock } from '../lib/clock.ts';
import { recordOrders } from '../orders/index.ts';
import { createSegment } from '../segments/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { campaignResults, changeJourneyState, createCampaign, createJourney, enrolThroughApi, listEntries, runEngineTick, scheduleCampaign } from './index.ts';

const secret = 'receiver-signing-secret-0123456789';

/** A webhook receiver on loopback that checks every signature and counts deliveries per idempotency key. */
interface Receiver {
  readonly url: string;
  readonly deliveries: { key: string; customerId: number; text: string; signed: boolean }[];
  close(): Promise<void>;
}

async function startReceiver(clock: ManualClock): Promise<Receiver> {
  const deliveries: Receiver['deliveries'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const signed = verifyWebhookSignature(secret, { body, signature: req.headers['x-patron-signature'] as string, timestamp: req.headers['x-patron-timestamp'] as string }, Math.floor(clock.now().getTime() / 1000));
      const message = JSON.parse(body) as { customerId: number; text: string };
      deliveries.push({ key: String(req.headers['idempotency-key']), customerId: message.customerId, text: message.text, signed });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`, deliveries, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(testStores())('journey sends and campaigns through channels on $kind', (store) => {
  let h: DatabaseHandle;
  let clock: ManualClock;
  let ws: Workspace;
  let receiver: Receiver;
  const customers: number[] = [];

  beforeAll(async () => {
    h = await store.open();
    clock = manualClock(new Date('2026-06-01T02:00:00Z'));
    receiver = await startReceiver(clock);
    ws = await testWorkspace(h.db);
    await saveProvider(h.db, ws.id, 'webhook', { config: { url: receiver.url }, secrets: { signingSecret: secret } }, clock.now());
    for (let i = 1; i <= 240; i++) {
      customers.push((await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: `s${i}@example.com` }], profile: { name: `S${i}` }, reason: 'test' })).customerId);
    }
    // Everyone but the last customer agreed to marketing in the workspace's app (the webhook channel).
    await h.db.transaction().execute((trx) =>
      recordConsents(trx, ws.id, customers.slice(0, -1).map((customerId) => ({ customerId, channel: 'push', purpose: 'marketing', status: 'opted_in', source: 'test', recordedAt: clock.now() }))),
    );
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('sends each step once per entry with its idempotency key, applies consent and caps, and renders Liquid with the trigger variables', async () => {
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['webhook'], caps: { global: [{ max: 1, days: 7 }], perChannel: {} } }, clock.now());
    const journey = await createJourney(
      h.db,
      ws,
      {
        name: 'Welcome series',
        graph: {
          version: 1,
          trigger: { kind: 'api' },
          entry: 'hello',
          nodes: {
            hello: { kind: 'send', channel: 'webhook', content: { text: 'Hello {{ customer.name }}, code {{ code }}' }, next: 'wait' },
            wait: { kind: 'wait', duration: { days: 1 }, next: 'again' },
            again: { kind: 'send', channel: 'preferred', content: { text: 'Second' }, next: 'done' },
            done: { kind: 'exit' },
          },
        },
      },
      clock,
    );
    await changeJourneyState(h.db, ws, journey.id, 'publish', clock);
    const targets = [customers[0]!, customers[1]!, customers.at(-1)!];
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: targets, variables: { code: 'SPRING' } }, clock);
    await runEngineTick(h.db, clock);
    await runEngineTick(h.db, clock);
    expect(receiver.deliveries.map((d) => d.text).sort()).toEqual(['Hello S1, code SPRING', 'Hello S2, code SPRING']);
    clock.advance(86_400_000);
    await runEngineTick(h.db, clock);
    // The second message hits the cap of one marketing message in 7 days: suppressed, and the journey goes on.
    expect(receiver.deliveries).toHaveLength(2);
    const entries = (await listEntries(h.db, ws.id, journey.id, { limit: 10 })).entries;
    expect(entries.every((e) => e.status === 'completed')).toBe(true);
    const log = await h.db.selectFrom('messages').select(['customer_id', 'status', 'reason', 'idempotency_key', 'step_id']).where('workspace_id', '=', ws.id).where('source_kind', '=', 'journey').execute();
    expect(log).toHaveLength(6);
    expect(log.filter((m) => m.status === 'sent' || m.status === 'delivered')).toHaveLength(2);
    expect(log.find((m) => m.customer_id === customers.at(-1) && m.step_id === 'hello')!.status).toBe('suppressed');
    expect(log.every((m) => m.idempotency_key.startsWith(`journey:${journey.versionId}:${m.customer_id}:${m.step_id}:`))).toBe(true);
    expect(receiver.deliveries.every((d) => d.signed)).toBe(true);
    expect(new Set(receiver.deliveries.map((d) => d.key)).size).toBe(receiver.deliveries.length);
  });

  it('holds a send step in quiet hours and sends it once when the window opens', async () => {
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['webhook'], quietHours: { start: '21:00', end: '08:00', mode: 'hold' } }, clock.now());
    clock.set(new Date('2026-06-02T14:00:00Z')); // 22:00 in Shanghai
    const journey = await createJourney(
      h.db,
      ws,
      { name: 'Quiet', graph: { version: 1, trigger: { kind: 'api' }, entry: 'hello', nodes: { hello: { kind: 'send', channel: 'webhook', content: { text: 'Good morning' }, next: 'done' }, done: { kind: 'exit' } } } },
      clock,
    );
    await changeJourneyState(h.db, ws, journey.id, 'publish', clock);
    await enrolThroughApi(h.db, ws, journey.id, { customerIds: [customers[2]!] }, clock);
    const before = receiver.deliveries.length;
    await runEngineTick(h.db, clock);
    let [entry] = (await listEntries(h.db, ws.id, journey.id, { limit: 10 })).entries;
    expect(entry).toMatchObject({ status: 'active', nodeId: 'hello' });
    expect(entry!.dueAt.toISOString()).toBe('2026-06-03T00:00:00.000Z'); // 08:00 in Shanghai
    expect(receiver.deliveries.length).toBe(before);
    clock.set(new Date('2026-06-03T00:00:00Z'));
    await runEngineTick(h.db, clock);
    await runEngineTick(h.db, clock);
    [entry] = (await listEntries(h.db, ws.id, journey.id, { limit: 10 })).entries;
    expect(entry!.status).toBe('completed');
    expect(receiver.deliveries.slice(before).map((d) => d.text)).toEqual(['Good morning']);
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['webhook'] }, clock.now());
  });

  it('broadcasts a campaign with A/B variants and a holdout, and measures conversions, revenue and uplift', async () => {
    await saveContactPolicy(h.db, ws.id, { fallbackOrder: ['webhook'] }, clock.now());
    const audience = customers.slice(10);
    await updateCustomerTags(h.db, ws.id, { customerIds: audience, add: ['audience'] });
    const segment = await createSegment(h.db, ws, { name: 'Audience', kind: 'static', rule: { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'audience' }] } } }, clock);
    const campaign = await createCampaign(
      h.db,
      ws,
      {
        name: 'Summer',
        segmentId: segment.id,
        channel: 'preferred',
        variants: [
          { name: 'a', weight: 1, content: { text: 'A for {{ customer.name }}' } },
          { name: 'b', weight: 1, content: { text: 'B for {{ customer.name }}' } },
        ],
        holdoutShare: 0.2,
        attributionDays: 7,
      },
      clock,
    );
    await scheduleCampaign(h.db, ws, campaign.id, new Date(clock.now().getTime() + 3_600_000), clock);
    const before = receiver.deliveries.length;
    await runEngineTick(h.db, clock);
    expect(receiver.deliveries.length).toBe(before);
    clock.advance(3_600_000);
    await runEngineTick(h.db, clock);
    // A delivery that failed on a stale keep-alive connection is retried by the dispatcher a little later.
    clock.advance(600_000);
    await runEngineTick(h.db, clock);
    const recipients = await h.db.selectFrom('campaign_recipients').select(['customer_id', 'variant', 'outcome']).where('campaign_id', '=', campaign.id).execute();
    expect(recipients.map((r) => r.customer_id).sort((x, y) => x - y)).toEqual(audience);
    const holdout = recipients.filter((r) => r.variant === 'holdout');
    expect(holdout.length).toBeGreaterThan(20);
    expect(holdout.length).toBeLessThan(75);
    const sent = receiver.deliveries.slice(before);
    // Every recipient outside the holdout with consent got exactly their variant's message, once.
    const treated = recipients.filter((r) => r.variant !== 'holdout' && r.customer_id !== customers.at(-1));
    expect(sent).toHaveLength(treated.length);
    expect(new Set(sent.map((d) => d.key)).size).toBe(sent.length);
    for (const d of sent) {
      const r = recipients.find((x) => x.customer_id === d.customerId)!;
      expect(d.text.startsWith(r.variant.toUpperCase())).toBe(true);
    }
    // Variant a converts everyone, the holdout no one; an order after the window does not count.
    const byVariant = (v: string) => recipients.filter((r) => r.variant === v).map((r) => r.customer_id);
    const orderFor = (customerId: number, at: Date, n: number) => ({
      externalId: `C-${customerId}-${n}`,
      customer: { identities: [{ type: 'email' as const, value: `s${customers.indexOf(customerId) + 1}@example.com` }] },
      currency: 'CNY',
      orderedAt: at,
      items: [{ quantity: 1, unitPriceMinor: 10_000 }],
    });
    await recordOrders(h.db, ws, [
      ...byVariant('a').map((c) => orderFor(c, new Date(clock.now().getTime() + 86_400_000), 1)),
      ...byVariant('holdout').map((c) => orderFor(c, new Date(clock.now().getTime() + 8 * 86_400_000), 2)),
    ]);
    const results = await campaignResults(h.db, ws.id, campaign.id);
    const a = results.arms.find((x) => x.variant === 'a')!;
    const b = results.arms.find((x) => x.variant === 'b')!;
    const control = results.arms.find((x) => x.variant === 'holdout')!;
    expect(results.arms.map((x) => x.variant)).toEqual(['a', 'b', 'holdout']);
    expect(a.converted).toBe(a.recipients);
    expect(a.revenueMinor).toBe(a.recipients * 10_000);
    expect(control).toMatchObject({ converted: 0, revenueMinor: 0, sent: 0, vsHoldout: null });
    expect(b.converted).toBe(0);
    expect(a.sent + b.sent).toBe(treated.length);
    expect(a.vsHoldout!.uplift).toBe(1);
    expect(a.vsHoldout!.pValue).toBeLessThan(1e-6);
    expect(b.vsHoldout).toBeNull();
    const status = await h.db.selectFrom('campaigns').select('status').where('id', '=', campaign.id).executeTakeFirstOrThrow();
    expect(status.status).toBe('sent');
  });
});
