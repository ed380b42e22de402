import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

describe.each(testStores())('loyalty API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let auth: { authorization: string };
  let write: { authorization: string };
  const clock = manualClock(new Date('2025-06-01T00:00:00Z'));

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    ws = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    write = basic((await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'web' })).key);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
  const customerByEmail = async (email: string) =>
    (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', email).executeTakeFirstOrThrow()).customer_id;

  it('says to create a program first, then saves one', async () => {
    const none = await call('GET', '/api/loyalty/program');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toContain('PUT /api/loyalty/program');
    const bad = await call('PUT', '/api/loyalty/program', { name: 'Members', rules: { earn: { categoryMultipliers: { tea: 1.234 } } } });
    expect(bad.statusCode).toBe(400);
    const saved = await call('PUT', '/api/loyalty/program', {
      name: 'Members',
      rules: {
        earn: { pointsPerUnit: 1, unitMinor: 100 },
        bonuses: [{ id: 'signup', event: 'Signed Up', points: 50, maxPerCustomer: 1 }],
        expiry: { kind: 'rolling', months: 12 },
        tiers: { metric: 'spend', levels: [{ code: 'member', name: 'Member', threshold: 0 }, { code: 'gold', name: 'Gold', threshold: 100_000, multiplier: 2 }] },
      },
    });
    expect(saved.statusCode).toBe(200);
    expect((await call('GET', '/api/loyalty/program')).json()).toMatchObject({ name: 'Members', active: true, rules: { expiry: { kind: 'rolling', months: 12 } } });
  });

  it('posts points automatically from the tracking API: orders earn, bonuses apply, refunds reverse, retries change nothing', async () => {
    const batch = {
      batch: [
        { type: 'track', messageId: 'm-signup', userId: 'u1', event: 'Signed Up', timestamp: '2025-06-01T00:00:00Z', traits: {}, context: { traits: { email: 'u1@example.com' } } },
        { type: 'track', messageId: 'm-order', userId: 'u1', event: 'Order Completed', timestamp: '2025-06-01T00:01:00Z', properties: { order_id: 'T-1', total: 258.5, currency: 'CNY' } },
      ],
    };
    for (let i = 0; i < 2; i++) expect((await app.inject({ method: 'POST', url: '/v1/batch', headers: write, payload: batch })).statusCode).toBe(200);
    const customer = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'u1').executeTakeFirstOrThrow()).customer_id;
    const account = (await call('GET', `/api/loyalty/accounts/${customer}`)).json();
    expect(account).toMatchObject({ balance: 50 + 258, tier: { code: 'member' } });

    const refund = { type: 'track', messageId: 'm-refund', userId: 'u1', event: 'Order Refunded', timestamp: '2025-06-02T00:00:00Z', properties: { order_id: 'T-1', total: 100 } };
    expect((await app.inject({ method: 'POST', url: '/v1/track', headers: write, payload: refund })).statusCode).toBe(200);
    // floor(258 × 10,000 / 25,850) = 99 points taken back.
    expect((await call('GET', `/api/loyalty/accounts/${customer}`)).json().balance).toBe(50 + 258 - 99);
    const postings = (await call('GET', `/api/loyalty/accounts/${customer}/postings?limit=10`)).json().postings;
    expect(postings.map((p: { kind: string; points: number }) => [p.kind, p.points])).toEqual([
      ['reverse', -99],
      ['bonus', 50],
      ['earn', 258],
    ]);
  });

  it('earns, redeems and adjusts through the API, idempotently, with 201 then 200 and 409 on a reused key', async () => {
    await app.inject({ method: 'POST', url: '/v1/identify', headers: write, payload: { userId: 'u2', traits: { email: 'u2@example.com' } } });
    const c = await customerByEmail('u2@example.com');
    const earn = { type: 'earn', idempotencyKey: 'pos-1', amountMinor: 50_000, channel: 'store' };
    const first = await call('POST', `/api/loyalty/accounts/${c}/postings`, earn);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ balance: 500, replayed: false });
    const again = await call('POST', `/api/loyalty/accounts/${c}/postings`, earn);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ balance: 500, replayed: true, posting: { id: first.json().posting.id } });
    expect((await call('POST', `/api/loyalty/accounts/${c}/postings`, { ...earn, amountMinor: 60_000 })).statusCode).toBe(409);
    const over = await call('POST', `/api/loyalty/accounts/${c}/postings`, { type: 'redeem', idempotencyKey: 'r-1', points: 501, reward: 'kettle' });
    expect(over.statusCode).toBe(429);
    expect(over.json().error.message).toContain('has 500 points');
    expect((await call('POST', `/api/loyalty/accounts/${c}/postings`, { type: 'redeem', idempotencyKey: 'r-2', points: 120, reward: 'kettle' })).json().balance).toBe(380);
    const adjust = await call('POST', `/api/loyalty/accounts/${c}/postings`, { type: 'adjust', idempotencyKey: 'adj-1', points: -80, reason: 'duplicate order', actor: 'li@shop' });
    expect(adjust.json()).toMatchObject({ balance: 300, posting: { kind: 'adjust', reason: 'duplicate order', actor: 'li@shop' } });
    expect((await call('POST', `/api/loyalty/accounts/${c}/postings`, { type: 'adjust', idempotencyKey: 'adj-2', points: 5, reason: 'x' })).statusCode).toBe(400);
  });

  it('creates coupon templates, issues, sells for points, redeems on an order and reports', async () => {
    const c = await customerByEmail('u2@example.com');
    const template = await call('POST', '/api/loyalty/coupon-templates', { name: '¥20 off ¥100', discountKind: 'amount_off', amountOffMinor: 2000, minSpendMinor: 10_000, validDays: 7, pointsCost: 100 });
    expect(template.statusCode).toBe(201);
    const id = template.json().id;
    const issued = (await call('POST', `/api/loyalty/coupon-templates/${id}/issue`, { customerIds: [c], issueKey: 'journey-7' })).json();
    expect(issued.issued).toHaveLength(1);
    const bought = (await call('POST', `/api/loyalty/coupon-templates/${id}/buy`, { customerId: c, idempotencyKey: 'buy-1' })).json();
    expect(bought).toMatchObject({ points: 100, balance: 200 });
    const redeemed = await call('POST', '/api/loyalty/coupon-redemptions', { code: issued.issued[0].code, customerId: c, order: { externalId: 'W-1', totalMinor: 12_000 } });
    expect(redeemed.json()).toMatchObject({ discountMinor: 2000, orderTotalMinor: 12_000 });
    const coupons = (await call('GET', `/api/loyalty/accounts/${c}/coupons`)).json().coupons;
    expect(coupons.map((k: { state: string }) => k.state).sort()).toEqual(['active', 'redeemed']);
    expect((await call('GET', '/api/loyalty/coupon-report')).json().templates).toEqual([{ templateId: id, name: '¥20 off ¥100', issued: 2, redeemed: 1, expired: 0, revenueMinor: 12_000, discountMinor: 2000 }]);
  });

  it('lists points expiring soon, runs the daily job and shows the tier history', async () => {
    const soon = (await call('GET', '/api/loyalty/expiring?days=366')).json();
    expect(soon.customers.length).toBeGreaterThanOrEqual(2);
    clock.set(new Date('2026-07-01T00:00:00Z'));
    const job = (await call('POST', '/api/loyalty/daily-job')).json();
    expect(job.expiredPoints).toBeGreaterThan(0);
    const c = await customerByEmail('u2@example.com');
    expect((await call('GET', `/api/loyalty/accounts/${c}`)).json().balance).toBe(0);
    const u1 = (await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'u1').executeTakeFirstOrThrow()).customer_id;
    expect((await call('GET', `/api/loyalty/accounts/${u1}/tiers`)).json().changes[0]).toMatchObject({ fromTier: null, toTier: 'member', reason: 'qualified' });
  });

  it('documents every loyalty route in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/loyalty'));
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/loyalty/program',
        '/api/loyalty/accounts/{customerId}',
        '/api/loyalty/accounts/{customerId}/postings',
        '/api/loyalty/coupon-templates',
        '/api/loyalty/coupon-redemptions',
        '/api/loyalty/expiring',
      ]),
    );
  });
});
