import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { scoreCustomers } from '../../analytics/index.ts';
import { recordOrders, type OrderInput } from '../../orders/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

let n = 0;
const order = (who: string, day: string, totalMinor: number): OrderInput => ({
  externalId: `a${++n}`,
  customer: { identities: [{ type: 'external_id', value: who }] },
  currency: 'CNY',
  orderedAt: new Date(`${day}T04:00:00Z`),
  totalMinor,
});

describe.each(testStores())('analytics API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let auth: { authorization: string };

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock: manualClock(new Date('2025-03-31T06:00:00Z')) });
    ws = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    await recordOrders(h.db, ws, [order('P', '2025-01-05', 1000), order('P', '2025-03-10', 2000), order('Q', '2025-01-15', 3000), order('R', '2025-02-01', 400)]);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('has no run before the first, then runs one and shows its summary, grid, counts and a customer’s explained scores', async () => {
    const before = (await app.inject({ url: '/api/analytics/runs/latest', headers: auth })).json();
    expect(before.run).toBeNull();
    expect(before.segments).toHaveLength(11);

    const put = await app.inject({ method: 'PUT', url: '/api/analytics/settings', headers: auth, payload: { clv: { enabled: false } } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ clv: { enabled: false }, rfm: { frequency: 'order_days' } });
    const bad = await app.inject({ method: 'PUT', url: '/api/analytics/settings', headers: auth, payload: { rfm: { scoring: 'thresholds' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/thresholds/);

    const run = await app.inject({ method: 'POST', url: '/api/analytics/runs', headers: auth, payload: {} });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ kind: 'full', asOf: '2025-03-31', customers: 3 });
    const backwards = await app.inject({ method: 'POST', url: '/api/analytics/runs', headers: auth, payload: { asOf: '2025-01-01' } });
    expect(backwards.statusCode).toBe(409);

    const latest = (await app.inject({ url: '/api/analytics/runs/latest', headers: auth })).json();
    expect(latest.run).toMatchObject({ kind: 'full', asOf: '2025-03-31', customers: 3 });
    expect(latest.lifecycle.reduce((s: number, c: { customers: number }) => s + c.customers, 0)).toBe(3);

    const grid = (await app.inject({ url: '/api/analytics/rfm/grid', headers: auth })).json();
    expect(grid.cells).toHaveLength(25);
    expect(grid.cells[0]).toMatchObject({ r: 5, f: 1, segment: 'new' });

    const p = await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'P').executeTakeFirstOrThrow();
    const scores = (await app.inject({ url: `/api/analytics/customers/${p.customer_id}/scores`, headers: auth })).json();
    expect(scores).toMatchObject({ customerId: p.customer_id, recencyDays: 21, frequency: 2, lifecycleStage: 'active' });
    expect(scores.explanations.rfm.zh).toMatch(/最近一次下单在 21 天前/);
    expect((await app.inject({ url: '/api/analytics/customers/99999/scores', headers: auth })).statusCode).toBe(404);

    const warnings = (await app.inject({ url: '/api/analytics/churn-warnings?limit=10', headers: auth })).json();
    expect(warnings).toMatchObject({ asOf: '2025-03-31', next: null });
    const flows = (await app.inject({ url: '/api/analytics/lifecycle/flows?from=2025-01-01&to=2025-03-31', headers: auth })).json();
    expect(flows.flows.reduce((s: number, f: { customers: number }) => s + f.customers, 0)).toBe(3);
  });

  it('serves cohorts, KPIs and concentration, and validates their parameters', async () => {
    const cohorts = (await app.inject({ url: '/api/analytics/cohorts', headers: auth })).json();
    expect(cohorts.asOf).toBe('2025-03-31');
    expect(cohorts.cohorts.map((c: { cohort: string }) => c.cohort)).toEqual(['2025-01', '2025-02']);
    const kpis = (await app.inject({ url: '/api/analytics/kpis?from=2025-03-01&to=2025-03-31', headers: auth })).json();
    expect(kpis.current).toMatchObject({ active: 1, revenueMinor: 2000, customers: 3 });
    expect((await app.inject({ url: '/api/analytics/kpis?from=March', headers: auth })).statusCode).toBe(400);
    const concentration = (await app.inject({ url: '/api/analytics/concentration', headers: auth })).json();
    expect(concentration).toMatchObject({ customers: 3, revenueMinor: 6400 });
    const clvOff = (await app.inject({ url: '/api/analytics/clv/distribution', headers: auth })).json();
    expect(clvOff).toMatchObject({ bands: [], withoutClv: 3, snapshot: { asOf: '2025-03-31' } });
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/analytics/runs/latest', '/api/analytics/rfm/grid', '/api/analytics/churn-warnings', '/api/analytics/customers/{id}/scores', '/api/analytics/kpis']));
  });

  it('serves the overview counts stored by the run, with the run they are of, and keeps them current after a targeted rescore', async () => {
    const latest = (await app.inject({ url: '/api/analytics/runs/latest', headers: auth })).json();
    expect(latest.snapshot).toEqual({ runId: latest.run.id, asOf: latest.run.asOf, updatedRunId: latest.run.id, updatedAt: expect.any(String) });
    const grid = (await app.inject({ url: '/api/analytics/rfm/grid', headers: auth })).json();
    expect(grid.snapshot.runId).toBe(latest.run.id);
    // A new buyer's order is rescored in a targeted run: the counts include them, the run shown stays the full one.
    // (In February, so the March KPIs of the next test see no new customer.)
    await recordOrders(h.db, ws, [order('S', '2025-02-20', 5000)]);
    const s = await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('value', '=', 'S').executeTakeFirstOrThrow();
    const targeted = await scoreCustomers(h.db, ws, [s.customer_id], { clock: manualClock(new Date('2025-03-31T08:00:00Z')) });
    const now = (await app.inject({ url: '/api/analytics/runs/latest', headers: auth })).json();
    expect(now.run.id).toBe(latest.run.id);
    expect(now.snapshot).toMatchObject({ runId: latest.run.id, updatedRunId: targeted.runId });
    const total = (groups: { customers: number }[]) => groups.reduce((sum, g) => sum + g.customers, 0);
    expect([total(now.lifecycle), total(now.segments), total(now.valueTiers)]).toEqual([4, 4, 4]);
    expect(total(latest.lifecycle)).toBe(3);
    const cells = (await app.inject({ url: '/api/analytics/rfm/grid', headers: auth })).json().cells as { customers: number; revenueMinor: number }[];
    expect(cells.reduce((sum, c) => sum + c.customers, 0)).toBe(4);
    expect(cells.reduce((sum, c) => sum + c.revenueMinor, 0)).toBe(11_400);
  });

  it('records marketing spend in bulk, lists and removes it, shows CAC per channel, and serves the run’s precomputed overview', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/api/analytics/spend',
      headers: auth,
      payload: { entries: [{ channel: 'wechat', period: '2025-03', amountMinor: 31_000 }, { channel: 'douyin', period: '2025-03-02', amountMinor: 700 }] },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ saved: 2 });
    const bad = await app.inject({ method: 'PUT', url: '/api/analytics/spend', headers: auth, payload: { entries: [{ channel: 'wechat', period: 'March', amountMinor: 1 }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/period/);
    const listed = (await app.inject({ url: '/api/analytics/spend?from=2025-03-01&to=2025-03-31', headers: auth })).json();
    expect(listed.spend.map((s: { channel: string; periodStart: string }) => `${s.channel} ${s.periodStart}`)).toEqual(['douyin 2025-03-02', 'wechat 2025-03-01']);
    expect((await app.inject({ method: 'DELETE', url: '/api/analytics/spend/douyin/2025-03-02', headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/api/analytics/spend/douyin/2025-03-02', headers: auth })).statusCode).toBe(404);
    const audit = await h.db.selectFrom('audit_log').select(['action', 'target_type']).where('workspace_id', '=', ws.id).where('target_type', '=', 'marketing_spend').execute();
    expect(audit).toHaveLength(2);

    // The run of the first test precomputed the overview's periods as of 2025-03-31; a new run refreshes them with the spend.
    const run = await app.inject({ method: 'POST', url: '/api/analytics/runs', headers: auth, payload: {} });
    expect(run.statusCode).toBe(200);
    const kpis = (await app.inject({ url: '/api/analytics/kpis?from=2025-03-02&to=2025-03-31', headers: auth })).json();
    expect(kpis.precomputed).toMatchObject({ asOf: '2025-03-31' });
    expect(kpis.current.acquisition).toEqual([
      { channel: 'wechat', spendMinor: 30_000, newCustomers: 0, cacMinor: null },
    ]);
    expect(kpis.current.nps).toMatchObject({ score: null, responses: 0 });
    const fresh = (await app.inject({ url: '/api/analytics/kpis?from=2025-03-02&to=2025-03-31&fresh=true', headers: auth })).json();
    expect(fresh.precomputed).toBeNull();
    expect({ ...fresh, precomputed: undefined }).toEqual({ ...kpis, precomputed: undefined });
    const cohorts = (await app.inject({ url: '/api/analytics/cohorts?from=1970-01&to=2025-03&asOf=2025-03-31', headers: auth })).json();
    expect(cohorts.precomputed).toMatchObject({ asOf: '2025-03-31' });
    expect(cohorts.cohorts.map((c: { cohort: string }) => c.cohort)).toEqual(['2025-01', '2025-02']);
  });
});
