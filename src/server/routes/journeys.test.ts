import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { identifyCustomer } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { runEngineTick } from '../../journeys/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

describe.each(testStores())('journeys and campaigns API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };
  const clock = manualClock(new Date('2026-05-01T00:00:00Z'));
  const customers: number[] = [];
  const graph = (title: string) => ({
    version: 1,
    trigger: { kind: 'api' },
    entry: 'task',
    nodes: { task: { kind: 'task', title, assignee: 'wang.fang', dueInDays: 1, next: 'wait' }, wait: { kind: 'wait', duration: { days: 1 }, next: 'done' }, done: { kind: 'exit' } },
  });

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    ws = await testWorkspace(h.db);
    const other = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    otherAuth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: other.id, kind: 'secret', name: 'test' })).key}` };
    for (let i = 1; i <= 3; i++) customers.push((await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: `api${i}@example.com` }], reason: 'test' })).customerId);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('creates, validates, publishes, versions and enrols through the API, with tasks and entries', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/journeys', headers: auth, payload: { name: 'Bad', graph: { ...graph('x'), entry: 'nope' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('journey graph entry: no node is called "nope"');

    const created = await app.inject({ method: 'POST', url: '/api/journeys', headers: auth, payload: { name: 'Onboarding', graph: graph('Call') } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    expect(created.json()).toMatchObject({ state: 'draft', version: 1 });
    expect((await app.inject({ method: 'POST', url: `/api/journeys/${id}/enrol`, headers: auth, payload: { customerIds: [customers[0]] } })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: `/api/journeys/${id}/publish`, headers: auth })).json().state).toBe('live');

    const enrol = await app.inject({ method: 'POST', url: `/api/journeys/${id}/enrol`, headers: auth, payload: { customerIds: customers } });
    expect(enrol.json().entered).toHaveLength(3);
    await runEngineTick(h.db, clock, { deliver: false });

    const edited = await app.inject({ method: 'PATCH', url: `/api/journeys/${id}`, headers: auth, payload: { graph: graph('Call again') } });
    expect(edited.json().version).toBe(2);
    const versions = await app.inject({ url: `/api/journeys/${id}/versions`, headers: auth });
    expect(versions.json().versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const entries = await app.inject({ url: `/api/journeys/${id}/entries?status=active`, headers: auth });
    expect(entries.json().entries).toHaveLength(3);
    expect(entries.json().entries[0]).toMatchObject({ version: 1, nodeId: 'done' });

    const tasks = await app.inject({ url: '/api/journey-tasks?assignee=wang.fang', headers: auth });
    expect(tasks.json().tasks).toHaveLength(3);
    expect(tasks.json().tasks[0]).toMatchObject({ title: 'Call', status: 'open', journeyId: id });
    const done = await app.inject({ method: 'POST', url: `/api/journey-tasks/${tasks.json().tasks[0].id}/done`, headers: auth });
    expect(done.json().status).toBe('done');

    const list = await app.inject({ url: '/api/journeys', headers: auth });
    expect(list.json().journeys[0]).toMatchObject({ id, inFlight: 3, version: 2, entered: 3, failed: 0, trigger: { kind: 'api' } });

    // Per-step counts: all three wait at the step the engine moved them to, none anywhere else.
    const steps = await app.inject({ url: `/api/journeys/${id}/steps`, headers: auth });
    expect(steps.json().steps).toEqual([{ nodeId: 'done', current: 3, finished: 0, failed: 0, messages: 0 }]);
    expect((await app.inject({ url: `/api/journeys/${id}/steps`, headers: otherAuth })).statusCode).toBe(404);

    // Another workspace sees none of it.
    expect((await app.inject({ url: `/api/journeys/${id}`, headers: otherAuth })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/journey-tasks', headers: otherAuth })).json().tasks).toEqual([]);

    const archived = await app.inject({ method: 'POST', url: `/api/journeys/${id}/archive`, headers: auth });
    expect(archived.json().state).toBe('archived');
    expect((await app.inject({ url: `/api/journeys/${id}/entries?status=exited`, headers: auth })).json().entries).toHaveLength(3);
    expect((await app.inject({ url: `/api/journeys/${id}/steps`, headers: auth })).json().steps).toEqual([{ nodeId: 'done', current: 0, finished: 3, failed: 0, messages: 0 }]);
    const audit = await h.db.selectFrom('audit_log').select(['action', 'target_type']).where('workspace_id', '=', ws.id).where('target_type', '=', 'journey').execute();
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a campaign whose audience is not a saved segment, naming the field', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/campaigns', headers: auth, payload: { name: 'Spring', segmentId: 999, variants: [{ name: 'a', content: { text: 'Hi' } }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_input', message: 'segment 999 does not exist or is archived; pick a saved segment as the audience' });
  });
});
