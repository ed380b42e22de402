import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { identifyCustomer } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { recordOrders } from '../../orders/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const clock = manualClock(new Date('2025-07-01T08:00:00Z'));

describe.each(testStores())('privacy API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };
  let customerId: number;

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    ws = await testWorkspace(h.db);
    const other = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    otherAuth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: other.id, kind: 'secret', name: 'test' })).key}` };
    customerId = (await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'li.na@example.com' }], profile: { name: '李娜' }, reason: 'test' })).customerId;
    await recordOrders(h.db, ws, [
      { externalId: 'P-1', customer: { identities: [{ type: 'email', value: 'li.na@example.com' }] }, currency: 'CNY', orderedAt: new Date('2025-06-01'), items: [{ sku: 'TEA', quantity: 1, unitPriceMinor: 8800 }] },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('records consent statements, answers the current state and the history', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: `/api/customers/${customerId}/consent`,
      headers: auth,
      payload: {
        statements: [
          { channel: 'email', status: 'opted_in', source: 'checkout checkbox', recordedAt: '2025-06-01T10:00:00Z' },
          { channel: 'sms', purpose: 'marketing', status: 'opted_out', source: 'reply TD' },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ customerId, changed: 2, consents: [{ channel: 'email', status: 'opted_in' }, { channel: 'sms', status: 'opted_out', recordedAt: clock.now().toISOString() }] });
    // An older statement goes into the history but does not change the current state.
    await app.inject({ method: 'PUT', url: `/api/customers/${customerId}/consent`, headers: auth, payload: { statements: [{ channel: 'email', status: 'opted_out', source: 'old import', recordedAt: '2024-01-01T00:00:00Z' }] } });
    const current = (await app.inject({ url: `/api/customers/${customerId}/consent`, headers: auth })).json();
    expect(current.consents.map((c: { channel: string; status: string }) => `${c.channel}:${c.status}`)).toEqual(['email:opted_in', 'sms:opted_out']);
    const view = (await app.inject({ url: `/api/customers/${customerId}`, headers: auth })).json();
    expect(view.consents).toMatchObject([{ channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'checkout checkbox' }, { channel: 'sms', status: 'opted_out' }]);
    const history = (await app.inject({ url: `/api/customers/${customerId}/consent/history`, headers: auth })).json();
    expect(history.records.map((r: { source: string }) => r.source)).toEqual(['old import', 'checkout checkbox', 'reply TD']);
  });

  it('refuses bad consent statements with a 400 naming the field, and unknown or foreign customers with a 404', async () => {
    const bad = await app.inject({ method: 'PUT', url: `/api/customers/${customerId}/consent`, headers: auth, payload: { statements: [{ channel: 'fax', status: 'opted_in', source: 'x' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/statements\.0\.channel|statements\[0\]\.channel/);
    const future = await app.inject({ method: 'PUT', url: `/api/customers/${customerId}/consent`, headers: auth, payload: { statements: [{ channel: 'email', status: 'opted_in', source: 'x', recordedAt: '2030-01-01T00:00:00Z' }] } });
    expect(future.statusCode).toBe(400);
    expect(future.json().error.message).toMatch(/recordedAt is in the future/);
    expect((await app.inject({ url: `/api/customers/${customerId}/consent`, headers: otherAuth })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/customers/${customerId}/export`, headers: otherAuth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/customers/${customerId}/erase`, headers: otherAuth })).statusCode).toBe(404);
  });

  it('exports all of the customer as a JSON download, then erases them', async () => {
    const exported = await app.inject({ url: `/api/customers/${customerId}/export`, headers: auth });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toBe(`attachment; filename="customer-${customerId}-export.json"`);
    expect(exported.json()).toMatchObject({
      format: 'patron.customer-export.v1',
      customerId,
      profiles: [{ name: '李娜' }],
      identities: [{ type: 'email', value: 'li.na@example.com' }],
      orders: [{ external_id: 'P-1', total_minor: 8800, items: [{ sku: 'TEA' }] }],
    });
    const erased = await app.inject({ method: 'POST', url: `/api/customers/${customerId}/erase`, headers: auth });
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ customerId, erasedProfileIds: [customerId], rows: { customers: 1, identities: 1, orders: 1 } });
    expect((await app.inject({ url: `/api/customers/${customerId}`, headers: auth })).statusCode).toBe(404);
    const search = (await app.inject({ url: '/api/customers?q=li.na', headers: auth })).json();
    expect(search.customers).toEqual([]);
    // Both are in the audit log, with ids and counts but no personal data.
    const audit = await h.db.selectFrom('audit_log').select(['action', 'target_id', 'details', 'outcome']).where('workspace_id', '=', ws.id).where('action', 'like', 'privacy.%').orderBy('id').execute();
    expect(audit).toMatchObject([
      { action: 'privacy.export', target_id: String(customerId), outcome: 200, details: { orders: 1 } },
      { action: 'privacy.erase', target_id: String(customerId), outcome: 200, details: { erasedProfileIds: [customerId], rows: { customers: 1 } } },
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/li\.na|李娜/);
  });
});
