import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type Workspace } from '../../src/access/index.ts';
import { identifyCustomer } from '../../src/customers/index.ts';
import type { Database, DatabaseHandle } from '../../src/db/index.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { recordOrders } from '../../src/orders/index.ts';
import { buildApp } from '../../src/server/app.ts';
import { testWorkspace } from '../fixtures.ts';
import { testStores } from '../stores.ts';

// Every public endpoint of the OpenAPI document gets malformed JSON, wrong types, huge and deeply nested
// payloads, bad encodings and hostile strings in its body, path and query. Whatever arrives, the answer is
// never a 5xx; a 4xx carries a message naming the problem; and a refused request writes nothing (every
// table's row count is unchanged, the audit log aside, which records refused changes by design).

const runsPerEndpoint = Number(process.env.FUZZ_RUNS ?? 25);
const clock = manualClock(new Date('2025-07-01T08:00:00Z'));

interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly bodyFields: readonly string[] | undefined;
}

const hostileStrings = [
  "'; DROP TABLE customers; --",
  "' OR 1=1 --",
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '%00',
  '%',
  '_',
  '\\',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '\u202e\u0644\u0627',
  '😀'.repeat(50),
  'ＡＢＣ１２３',
  ' ',
  '',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9'.repeat(400),
  '-9223372036854775809',
  '2025-02-30T25:61:61Z',
  'true',
  'null',
  '[]',
  '{}',
  'x'.repeat(5000),
];

const hostileString = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 20 }));
const weirdNumber = fc.oneof(
  fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER * 10, 1e300, -1e-300, 2 ** 63),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const leaf = fc.oneof(hostileString, weirdNumber, fc.boolean(), fc.constant(null));
const weirdValue = fc.oneof(
  { depthSize: 'small' },
  leaf,
  fc.array(leaf, { maxLength: 5 }),
  fc.dictionary(hostileString, leaf, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A JSON text nested `depth` levels deep, as arrays or objects. */
const deep = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

interface Body {
  readonly payload: string | Buffer;
  readonly contentType: string;
  readonly what: string;
}

/** Bodies for an endpoint: its own fields with wrong values, and every kind of malformed payload. */
function bodyArbitrary(fields: readonly string[] | undefined, validIds: () => number[]): fc.Arbitrary<Body> {
  const json = (value: unknown, what: string): Body => ({ payload: JSON.stringify(value), contentType: 'application/json', what });
  const known = fields && fields.length > 0 ? fields : ['name', 'id'];
  const fieldValue = fc.oneof(weirdValue, fc.constantFrom(...validIds()), fc.array(fc.constantFrom(...validIds()), { maxLength: 3 }));
  const ownFields = fc.dictionary(fc.constantFrom(...known), fieldValue, { minKeys: 1, maxKeys: known.length }).map((o) => json(o, 'own fields, wrong values'));
  const nestedOwn = fc
    .tuple(fc.constantFrom(...known), fc.constantFrom(...known), weirdValue)
    .map(([a, b, v]) => json({ [a]: { [b]: v }, batch: [{ [b]: v, type: 'track' }], statements: [{ [b]: v }], rule: { [b]: v } }, 'nested own fields'));
  const wrongType = weirdValue.map((v) => json(v, 'wrong type'));
  const malformed = fc
    .oneof(
      fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '[1,2', '{"a":1}}', 'nul', '{"a":01}', '{"a":"\\x"}', '{"a":"\\ud800"}', '\ufeff{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
      fc.string({ maxLength: 30 }),
    )
    .map((text) => ({ payload: text, contentType: 'application/json', what: 'malformed JSON' }));
  const nested = fc
    .tuple(fc.constantFrom(64, 1_000, 20_000), fc.constantFrom('array' as const, 'object' as const), fc.constantFrom(...known))
    .map(([depth, kind, field]) => ({ payload: `{"${field}":${deep(depth, kind)},"batch":${deep(depth, kind)}}`, contentType: 'application/json', what: `nested ${depth} deep` }));
  const huge = fc.oneof(
    fc.constant({ payload: JSON.stringify({ [known[0]!]: 'x'.repeat(1_100_000) }), contentType: 'application/json', what: 'over the body limit' }),
    fc.constant(json({ [known[0]!]: Array.from({ length: 20_000 }, (_, i) => i) }, 'long array')),
    fc.constant(json(Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i])), 'many keys')),
    fc.constant(json({ [known[0]!]: 'y'.repeat(200_000) }, 'long string')),
  );
  const badEncoding = fc.oneof(
    fc.constant({ payload: Buffer.concat([Buffer.from(`{"${known[0]}":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), contentType: 'application/json', what: 'invalid UTF-8' }),
    fc.constant({ payload: Buffer.from(JSON.stringify({ [known[0]!]: 'é' }), 'utf16le'), contentType: 'application/json; charset=utf-16', what: 'UTF-16' }),
    fc.constant({ payload: `${known[0]}=1`, contentType: 'application/x-www-form-urlencoded', what: 'form body' }),
    fc.constant({ payload: 'hello', contentType: 'text/plain', what: 'text body' }),
    fc.constant({ payload: '{}', contentType: 'application/json; charset=latin1', what: 'latin1 charset' }),
  );
  return fc.oneof(ownFields, nestedOwn, wrongType, malformed, nested, huge, badEncoding);
}

// "." and ".." are left out: URL normalization turns them into another path (the web console's), not this endpoint.
const pathValue = (validIds: () => number[]) =>
  fc.oneof(
    fc.constantFrom(...validIds()),
    fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999999999999', 'abc', '%00', '%2F', ' 1', '0x10', "1' OR '1'='1"),
    fc.integer(),
    hostileString.filter((s) => s.length > 0 && s !== '.' && s !== '..'),
  );

describe.each(testStores())('fuzzing every public endpoint on $kind', (store) => {
  let h: DatabaseHandle;
  let app: FastifyInstance;
  let ws: Workspace;
  let endpoints: Endpoint[];
  let ids: number[];
  let headers: { api: Record<string, string>; tracking: Record<string, string> };

  beforeAll(async () => {
    h = await store.open();
    const limit = { burst: 1e9, perSecond: 1e9 };
    app = await buildApp({ db: h.db, store: h.kind, clock, rateLimits: { writeKey: limit, secretKey: limit, user: limit, loginIp: limit, loginEmail: limit } });
    ws = await testWorkspace(h.db);
    const secret = await createApiKey(h.db, { workspaceId: ws.id, kind: 'secret', name: 'fuzz' });
    const write = await createApiKey(h.db, { workspaceId: ws.id, kind: 'write', name: 'fuzz' });
    headers = { api: { authorization: `Bearer ${secret.key}` }, tracking: { authorization: `Basic ${Buffer.from(`${write.key}:`).toString('base64')}` } };
    const a = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'fuzz.a@example.com' }], profile: { name: 'Fuzz A' }, reason: 'fuzz' });
    const b = await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '13800009999' }], reason: 'fuzz' });
    await recordOrders(h.db, ws, [{ externalId: 'F-1', customer: { identities: [{ type: 'email', value: 'fuzz.a@example.com' }] }, currency: 'CNY', orderedAt: new Date('2025-06-01'), items: [{ sku: 'TEA', quantity: 1, unitPriceMinor: 100 }] }]);
    ids = [a.customerId, b.customerId, 1];

    const doc = (await app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
    };
    endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: op.requestBody ? Object.keys(op.requestBody.content['application/json']?.schema?.properties ?? {}) : undefined,
      })),
    );
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  /** Row counts of every table but the audit log, in one statement. */
  async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN ('audit_log', 'kysely_migration', 'kysely_migration_lock') ORDER BY 1`.execute(db);
    const counts = sql.join(tables.rows.map((t) => sql`SELECT ${t.table_name} AS t, count(*)::int AS n FROM ${sql.table(t.table_name)}`), sql` UNION ALL `);
    const rows = await sql<{ t: string; n: number }>`${counts}`.execute(db);
    return Object.fromEntries(rows.rows.map((r) => [r.t, Number(r.n)]));
  }

  it('names the field of text PostgreSQL cannot store, and answers router errors and unknown paths in the usual error shape', async () => {
    const nul = await app.inject({ url: '/api/customers?q=a%00b', headers: headers.api });
    expect(nul.json()).toEqual({ error: { code: 'invalid_input', message: 'querystring.q: text must not contain NUL characters (\\u0000) or unpaired UTF-16 surrogates', details: { path: ['querystring', 'q'] } } });
    const surrogate = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { ...headers.tracking, 'content-type': 'application/json' },
      payload: '{"userId":"u1","event":"E","properties":{"note":"\\ud800"}}',
    });
    expect(surrogate.statusCode).toBe(400);
    expect(surrogate.json().error.message).toMatch(/^body\.properties\.note: text must not contain/);
    const long = await app.inject({ method: 'POST', url: `/api/customers/${'9'.repeat(200)}/erase`, headers: headers.api });
    expect(long.json()).toMatchObject({ error: { code: 'invalid_input', message: expect.stringMatching(/path parameter is too long/) } });
    const unknown = await app.inject({ url: '/api/nothing-here?q=secret@example.com', headers: headers.api });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'not_found', message: "There is no GET /api/nothing-here; the API's routes are listed in /api/openapi.json" } });
  });

  it('answers every malformed request with a 4xx naming the problem, never a 5xx, and a refused request writes nothing', async () => {
    expect(endpoints.length).toBeGreaterThan(30);
    let cases = 0;
    const failures: string[] = [];
    for (const endpoint of endpoints) {
      const hasBody = endpoint.bodyFields !== undefined || ['POST', 'PUT', 'PATCH'].includes(endpoint.method);
      const request = fc.record({
        // Never the fuzzer's own keys: revoking them would turn every later case into a 401.
        params: pathValue(() => (endpoint.path.includes('/keys/') ? [999_999] : ids)),
        query: fc.dictionary(fc.oneof(fc.constantFrom(...(endpoint.query.length > 0 ? endpoint.query : ['q'])), hostileString), fc.oneof(hostileString, weirdNumber.map(String)), { maxKeys: 3 }),
        body: hasBody ? bodyArbitrary(endpoint.bodyFields, () => ids).map((b): Body | undefined => b) : fc.constant(undefined),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ params, query, body }) => {
          cases += 1;
          const path = endpoint.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(params)));
          const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
          const before = await rowCounts(h.db);
          const res = await app.inject({
            method: endpoint.method as 'GET',
            url: `${path}${search ? `?${search}` : ''}`,
            headers: { ...(path.startsWith('/v1/') ? headers.tracking : headers.api), ...(body ? { 'content-type': body.contentType } : {}) },
            ...(body ? { payload: body.payload } : {}),
          });
          const where = `${endpoint.method} ${endpoint.path} (${body?.what ?? 'no body'}) → ${res.statusCode} ${res.headers['content-type'] ?? ''}`;
          if (res.statusCode >= 500) {
            failures.push(`${where}: ${res.body.slice(0, 300)} | url ${path}?${search.slice(0, 200)} | body ${String(body?.payload ?? '').slice(0, 200)}`);
            return;
          }
          if (res.statusCode >= 400) {
            // Links in messages (click tracking, unsubscribe) answer people in a browser with a page; the API answers JSON.
            let message: unknown = String(res.headers['content-type']).startsWith('text/html') ? /<title>([^<]+)<\/title>/.exec(res.body)?.[1] : undefined;
            if (message === undefined) {
              try {
                message = (JSON.parse(res.body) as { error?: { message?: unknown } }).error?.message;
              } catch {
                message = undefined;
              }
            }
            if (typeof message !== 'string' || message.length < 5) failures.push(`${where}: no message in ${res.body.slice(0, 200)}`);
            const after = await rowCounts(h.db);
            const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
            if (changed.length > 0) failures.push(`${where}: refused but wrote to ${changed.join(', ')}`);
          }
        }),
        { numRuns: runsPerEndpoint, seed: Number(process.env.FUZZ_SEED ?? 20251123), endOnFailure: true },
      );
    }
    console.log(`fuzz (${store.kind}): ${cases} cases tried on ${endpoints.length} endpoints, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 600_000);
});
