import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../access/index.ts';
import { identifyCustomer, recordConsents, updateCustomerTags } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { manualClock } from '../../lib/clock.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { buildApp } from '../app.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(testStores())('segments API on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let auth: { authorization: string };
  let otherAuth: { authorization: string };
  const clock = manualClock(new Date('2026-06-30T04:00:00Z'));
  const ids: number[] = [];

  beforeAll(async () => {
    h = await store.open();
    app = await buildApp({ db: h.db, store: h.kind, clock });
    ws = await testWorkspace(h.db);
    const other = await testWorkspace(h.db);
    auth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'test' })).key}` };
    otherAuth = { authorization: `Bearer ${(await createApiKey(h.db, { workspaceId: other.id, kind: 'secret', name: 'test' })).key}` };
    for (const [i, city] of ['杭州', '杭州', '上海'].entries()) {
      const { customerId } = await identifyCustomer(h.db, ws, {
        identities: [
          { type: 'email', value: `User${i}@Example.com` },
          { type: 'phone', value: `1380013800${i}` },
        ],
        profile: { name: `客户${i}`, city },
        reason: 'test',
      });
      ids.push(customerId);
    }
    await updateCustomerTags(h.db, ws.id, { customerIds: [ids[0]!, ids[1]!], add: ['vip'] });
    await recordConsents(h.db, ws.id, [
      { customerId: ids[0]!, channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'form', recordedAt: clock.now() },
      { customerId: ids[1]!, channel: 'sms', purpose: 'marketing', status: 'opted_out', source: 'STOP', recordedAt: clock.now() },
    ]);
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  const vipsInHangzhou = { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'vip' }, { kind: 'field', field: 'city', op: 'eq', value: '杭州' }] } };

  it('previews a rule and names the offending path of a bad one', async () => {
    const ok = await app.inject({ method: 'POST', url: '/api/segments/preview', headers: auth, payload: { rule: vipsInHangzhou } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ count: 2, revenueMinor: 0 });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/segments/preview',
      headers: auth,
      payload: { rule: { version: 1, root: { all: [{ kind: 'field', field: 'city', op: 'between', value: 'x' }] } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^rule\.root\.all\[0\]\.op: "between" does not apply to text field "city"/);
  });

  it('saves a segment, lists members, explains why, exports CSV and a consented ad audience, and keeps tenants apart', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/segments', headers: auth, payload: { name: '杭州 VIP', rule: vipsInHangzhou } });
    expect(created.statusCode).toBe(201);
    const segment = created.json();
    expect(segment).toMatchObject({ name: '杭州 VIP', kind: 'dynamic', memberCount: 2 });

    const duplicate = await app.inject({ method: 'POST', url: '/api/segments', headers: auth, payload: { name: '杭州 vip', rule: vipsInHangzhou } });
    expect(duplicate.statusCode).toBe(409);

    const members = (await app.inject({ url: `/api/segments/${segment.id}/members?limit=1`, headers: auth })).json();
    expect(members.members.map((m: { customerId: number }) => m.customerId)).toEqual([ids[0]]);
    expect(members.next).toBe(ids[0]);

    const why = (await app.inject({ method: 'POST', url: '/api/segments/why', headers: auth, payload: { segmentId: segment.id, customerId: ids[2] } })).json();
    expect(why).toMatchObject({ holds: false, children: [{ holds: false, observed: false }, { holds: false, observed: '上海' }] });

    const csv = await app.inject({ url: `/api/segments/${segment.id}/export.csv?columns=id,name,email,city`, headers: auth });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.trim().split('\n')).toEqual([
      '"id","name","email","city"',
      `"${ids[0]}","客户0","user0@example.com","杭州"`,
      `"${ids[1]}","客户1","user1@example.com","杭州"`,
    ]);
    const unknownColumn = await app.inject({ url: `/api/segments/${segment.id}/export.csv?columns=id,password`, headers: auth });
    expect(unknownColumn.statusCode).toBe(400);
    expect(unknownColumn.json().error.message).toContain('unknown column "password"');

    // Only the member with marketing consent by email is in the audience, and only by email.
    const audience = await app.inject({ url: `/api/segments/${segment.id}/audience.csv?format=meta`, headers: auth });
    expect(audience.body.trim().split('\n')).toEqual(['"email_sha256","phone_sha256"', `"${sha('user0@example.com')}",""`]);

    const sizes = (await app.inject({ url: `/api/segments/${segment.id}/sizes`, headers: auth })).json();
    expect(sizes.sizes).toEqual([{ day: '2026-06-30', members: 2, entered: 2, exited: 0 }]);
    const history = (await app.inject({ url: `/api/segments/memberships?customerId=${ids[0]}`, headers: auth })).json();
    expect(history.memberships).toEqual([expect.objectContaining({ segmentId: segment.id, segmentName: '杭州 VIP', exitedAt: null })]);

    for (const url of [`/api/segments/${segment.id}`, `/api/segments/${segment.id}/members`, `/api/segments/${segment.id}/export.csv`]) {
      expect((await app.inject({ url, headers: otherAuth })).statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'DELETE', url: `/api/segments/${segment.id}`, headers: otherAuth })).statusCode).toBe(404);

    const renamed = await app.inject({ method: 'PATCH', url: `/api/segments/${segment.id}`, headers: auth, payload: { rule: { version: 1, root: { all: [{ kind: 'tag', op: 'has', tag: 'vip' }] } } } });
    expect(renamed.json()).toMatchObject({ ruleVersion: 2, memberCount: 2 });
    expect((await app.inject({ method: 'DELETE', url: `/api/segments/${segment.id}`, headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ url: `/api/segments/${segment.id}`, headers: auth })).statusCode).toBe(404);
  });

  it('documents every segment route in the OpenAPI file', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/segments'));
    expect(paths.sort()).toEqual(
      [
        '/api/segments',
        '/api/segments/catalogue',
        '/api/segments/explain',
        '/api/segments/memberships',
        '/api/segments/preview',
        '/api/segments/why',
        '/api/segments/{id}',
        '/api/segments/{id}/audience.csv',
        '/api/segments/{id}/export.csv',
        '/api/segments/{id}/members',
        '/api/segments/{id}/refresh',
        '/api/segments/{id}/sizes',
      ].sort(),
    );
  });
});
