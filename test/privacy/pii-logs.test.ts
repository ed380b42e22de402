import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPglite, migrateToLatest } from '../../src/db/index.ts';
import { demoSecretKey, demoWriteKey, loadDemo } from '../../src/ingest/index.ts';
import { startServer, type ServerProcess } from '../faults/server-process.ts';

// The server logs at info level through a realistic session on the demo data (searches by email, phone and
// name, customer 360s, tracking calls carrying traits, consent, export, erasure, and many kinds of bad
// request); afterwards no email, phone number (in any of its forms) or name of the demo may appear in its output.

const dir = mkdtempSync(join(tmpdir(), 'patron-pii-logs-'));
const secret = { authorization: `Bearer ${demoSecretKey}`, 'content-type': 'application/json' };
const write = { authorization: `Basic ${Buffer.from(`${demoWriteKey}:`).toString('base64')}`, 'content-type': 'application/json' };

interface Person {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
}

describe('personal data in logs', () => {
  let server: ServerProcess;
  let people: Person[];

  beforeAll(async () => {
    const handle = await connectPglite(join(dir, 'data'));
    await migrateToLatest(handle.db as never);
    await loadDemo(handle.db, { customers: 300, asOf: new Date('2025-06-30T00:00:00Z') });
    const rows = await handle.db
      .selectFrom('customers as c')
      .select((eb) => [
        'c.id',
        'c.name',
        eb.selectFrom('identities as i').select((e) => e.fn.min('i.value').as('v')).whereRef('i.customer_id', '=', 'c.id').where('i.type', '=', 'email').as('email'),
        eb.selectFrom('identities as i').select((e) => e.fn.min('i.value').as('v')).whereRef('i.customer_id', '=', 'c.id').where('i.type', '=', 'phone').as('phone'),
      ])
      .orderBy('c.id')
      .execute();
    people = rows.map((r) => ({ id: r.id, name: r.name, email: r.email as string | null, phone: r.phone as string | null }));
    await handle.close();
    server = await startServer({ PATRON_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init).then(async (res) => ({ status: res.status, text: await res.text() }));

  it('never writes a demo email, phone or name to the log, through searches, tracking, privacy requests and errors', async () => {
    const sample = people.filter((p) => p.email && p.phone && p.name).slice(0, 25);
    expect(sample.length).toBeGreaterThan(10);
    const statuses: number[] = [];
    const note = async (p: Promise<{ status: number }>) => statuses.push((await p).status);
    for (const p of sample) {
      await note(call(`/api/customers?q=${encodeURIComponent(p.email!)}`, { headers: secret }));
      await note(call(`/api/customers?q=${encodeURIComponent(p.phone!)}&limit=5`, { headers: secret }));
      await note(call(`/api/customers?q=${encodeURIComponent(p.name!)}`, { headers: secret }));
      await note(call(`/api/customers/${p.id}`, { headers: secret }));
      await note(call(`/api/customers/${p.id}/consent`, { headers: secret }));
      await note(
        call('/v1/identify', { method: 'POST', headers: write, body: JSON.stringify({ userId: `pii-${p.id}`, traits: { email: p.email, phone: p.phone, name: p.name } }) }),
      );
      await note(
        call('/v1/batch', {
          method: 'POST',
          headers: write,
          body: JSON.stringify({ batch: [{ type: 'track', userId: `pii-${p.id}`, event: 'Contacted', properties: { email: p.email, phone: p.phone, note: `call ${p.name}` } }] }),
        }),
      );
      // Bad requests whose bodies, parameters or headers carry the personal data.
      await note(call(`/api/customers?q=${encodeURIComponent(p.email!)}&limit=${encodeURIComponent(p.phone!)}`, { headers: secret }));
      await note(call('/v1/identify', { method: 'POST', headers: write, body: `{"userId": "x", "traits": {"email": "${p.email}", "phone": ${p.phone}` }));
      await note(call('/v1/identify', { method: 'POST', headers: write, body: JSON.stringify({ traits: { email: `${p.email} ${p.phone}` } }) }));
      await note(call('/v1/identify', { method: 'POST', headers: write, body: JSON.stringify({ userId: 'x', traits: { email: `not an email ${p.name}`, phone: `${p.email}` } }) }));
      await note(call(`/api/customers/${p.id}/consent`, { method: 'PUT', headers: secret, body: JSON.stringify({ statements: [{ channel: p.email, status: 'opted_in', source: p.phone }] }) }));
      await note(call('/api/customers', { headers: { authorization: `Bearer ${p.email}` } }));
      await note(call(`/api/customers/${encodeURIComponent(p.email!)}`, { headers: secret }));
      await note(call('/api/segments/preview', { method: 'POST', headers: secret, body: JSON.stringify({ rule: { field: p.email, op: p.phone } }) }));
    }
    await note(call('/api/customers/999999999', { headers: secret }));
    const erased = sample[0]!;
    await note(call(`/api/customers/${erased.id}/consent`, { method: 'PUT', headers: secret, body: JSON.stringify({ statements: [{ channel: 'email', status: 'opted_out', source: `email from ${erased.email}` }] }) }));
    await note(call(`/api/customers/${erased.id}/export`, { headers: secret }));
    await note(call(`/api/customers/${erased.id}/erase`, { method: 'POST', headers: secret }));
    await server.stop();

    const log = server.output();
    // The session really was logged: every request completed at info level, errors included.
    expect(log.match(/"request completed"/g)?.length ?? 0).toBeGreaterThanOrEqual(statuses.length);
    expect([...new Set(statuses)].sort()).toEqual([200, 400, 401, 404]);

    const leaks: string[] = [];
    const lower = log.toLowerCase();
    for (const p of people) {
      // Names in Chinese are two or three characters; the log itself is English, so any of them would be a leak.
      const name = p.name && (/[^ -~]/.test(p.name) ? p.name.length >= 2 : p.name.length >= 5) ? p.name : null;
      for (const needle of [p.email, p.phone, name]) if (needle && lower.includes(needle.toLowerCase())) leaks.push(needle);
      // The national form as a whole number only: millisecond timestamps in the log contain 11-digit runs too.
      const national = p.phone?.replace(/^\+86/, '');
      if (national && new RegExp(`(^|\\D)${national}(\\D|$)`).test(log)) leaks.push(national);
    }
    expect(leaks).toEqual([]);
  }, 180_000);
});
