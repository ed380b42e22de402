import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createSession, createUser, permissions, recordAudit, type Workspace } from '../access/index.ts';
import { identifyCustomer, updateCustomerTags } from '../customers/index.ts';
import type { Database, DatabaseHandle } from '../db/index.ts';
import { recordOrders } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { buildApp } from './app.ts';

// Words that appear only in workspace B's data: no answer to workspace A may contain them.
const markers = ['b-secret', 'B秘密', 'btenant'];

/** A fingerprint of every row workspace B owns, in every table with a workspace_id (tables added later included). */
async function fingerprint(db: Kysely<Database>, workspaceId: number): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>`
    SELECT c.table_name AS name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id' AND t.table_type = 'BASE TABLE' ORDER BY 1`.execute(db);
  const out: Record<string, string> = {};
  for (const { name } of tables.rows) {
    const row = await sql<{ digest: string | null; n: string }>`
      SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest, count(*) AS n FROM ${sql.table(name)} t WHERE workspace_id = ${workspaceId}`.execute(db);
    out[name] = `${row.rows[0]?.n}:${row.rows[0]?.digest ?? ''}`;
  }
  const ws = await sql<{ t: string }>`SELECT w::text AS t FROM workspaces w WHERE id = ${workspaceId}`.execute(db);
  out.workspaces = ws.rows[0]?.t ?? '';
  return out;
}

/** Ids of B's rows in every table with workspace_id and id columns: what an attacker in A would guess. */
async function idsOf(db: Kysely<Database>, workspaceId: number): Promise<number[]> {
  const tables = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id'
    AND table_name IN (SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'workspace_id')`.execute(db);
  const ids = new Set<number>();
  for (const { name } of tables.rows) {
    const rows = await sql<{ id: string }>`SELECT id::text AS id FROM ${sql.table(name)} WHERE workspace_id = ${workspaceId} ORDER BY id LIMIT 5`.execute(db);
    for (const r of rows.rows) ids.add(Number(r.id));
  }
  return [...ids].sort((a, b) => a - b);
}

describe.each(testStores())('tenant isolation over every API route on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let a: Workspace;
  let b: Workspace;
  let bCustomer: number;

  beforeAll(async () => {
    h = await store.open();
    const lots = { burst: 1e9, perSecond: 1e9 };
    app = await buildApp({ db: h.db, store: h.kind, rateLimits: { secretKey: lots, user: lots } });
    a = await testWorkspace(h.db);
    b = await testWorkspace(h.db, { slug: `btenant-${process.pid}`, name: 'btenant' });
    await identifyCustomer(h.db, a, { identities: [{ type: 'email', value: 'a-customer@example.com' }], profile: { name: 'A one' }, reason: 'test' });
    for (let i = 0; i < 3; i++) {
      const c = await identifyCustomer(h.db, b, { identities: [{ type: 'email', value: `b-secret-${i}@example.com` }, { type: 'phone', value: `1390000000${i}` }], profile: { name: `B秘密 ${i}` }, reason: 'test' });
      bCustomer ??= c.customerId;
    }
    await identifyCustomer(h.db, b, { identities: [{ type: 'anonymous_id', value: 'b-secret-device' }], reason: 't' });
    await identifyCustomer(h.db, b, { identities: [{ type: 'anonymous_id', value: 'b-secret-device' }, { type: 'email', value: 'b-secret-0@example.com' }], reason: 'b-secret merge' });
    await updateCustomerTags(h.db, b.id, { customerIds: [bCustomer], add: ['b-secret-tag'] });
    await recordOrders(h.db, b, [{ externalId: 'b-secret-order', customer: { identities: [{ type: 'email', value: 'b-secret-1@example.com' }] }, currency: 'CNY', orderedAt: new Date('2025-06-01'), items: [{ sku: 'B-SECRET-SKU', quantity: 1, unitPriceMinor: 100 }] }]);
    await createApiKey(h.db, { workspaceId: b.id, kind: 'secret', name: 'b-secret key' });
    await createUser(h.db, b.id, { email: 'b-secret-user@example.com', name: 'B秘密 user', password: 'b-password', role: 'owner' });
    await recordAudit(h.db, { workspaceId: b.id, at: new Date(), actor: { type: 'cli' }, action: 'cli b-secret' });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it("A's key and A's owner session neither read nor change anything of B, on every route, with B's real ids", async () => {
    const keyA = await createApiKey(h.db, { workspaceId: a.id, kind: 'secret', name: 'a', scopes: [...permissions] });
    const ownerA = await createUser(h.db, a.id, { email: `owner-a-${a.id}@example.com`, name: 'A owner', password: 'a-password', role: 'owner' });
    const credentials: Record<string, () => Promise<Record<string, string>>> = {
      key: async () => ({ authorization: `Bearer ${keyA.key}` }),
      session: async () => {
        const s = await createSession(h.db, { workspaceId: a.id, userId: ownerA.id, now: new Date() });
        return { cookie: `patron_session=${s.token}`, 'x-csrf-token': s.csrfToken };
      },
    };
    const before = await fingerprint(h.db, b.id);
    const ids = await idsOf(h.db, b.id);
    expect(ids).toContain(bCustomer);
    const doc = (await app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    // Bodies that name B's ids where a route takes ids in its body; {} exercises the rest (validation must not leak either).
    const bodies = (id: number) => [{}, { customerIds: [id], add: ['x'], remove: ['b-secret-tag'] }, { statements: [{ channel: 'email', status: 'opted_in', source: 'x' }] }, { id, customerId: id }];
    let calls = 0;
    const leaks: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries(operations)) {
        if (op.security?.length === 0) continue; // public: setup and sign-in take no credentials
        if (method === 'delete' && path === '/api/session') continue;
        const hasParams = path.includes('{');
        for (const id of hasParams ? ids : [bCustomer]) {
          const url = path.replace(/\{\w+\}/g, String(id));
          for (const [name, headersOf] of Object.entries(credentials)) {
            for (const payload of method === 'get' ? [undefined] : bodies(id)) {
              const res = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: await headersOf(), payload });
              calls += 1;
              if (res.statusCode >= 500) leaks.push(`${name} ${method.toUpperCase()} ${url} answered ${res.statusCode}`);
              const lower = res.body.toLowerCase();
              for (const m of markers) if (lower.includes(m.toLowerCase())) leaks.push(`${name} ${method.toUpperCase()} ${url} showed "${m}": ${res.body.slice(0, 200)}`);
            }
          }
        }
      }
    }
    // A number of B's may also be an id of A's own rows in another table (A may change those): the proof
    // that B is untouched is B's fingerprint, not the status codes.
    expect(leaks).toEqual([]);
    expect(calls).toBeGreaterThan(200);
    expect(await fingerprint(h.db, b.id)).toEqual(before);
  }, 180_000);
});
