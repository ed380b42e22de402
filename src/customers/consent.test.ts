import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { consentsOf, identifyCustomer, recordConsents } from './index.ts';

describe.each(testStores())('consent on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('keeps the latest statement per channel and purpose, records every statement once, whatever the arrival order', async () => {
    const ws = await testWorkspace(h.db);
    const { customerId } = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'li@example.com' }], reason: 'test' });
    const optIn = { customerId, channel: 'email', purpose: 'marketing', status: 'opted_in', source: 'signup form', recordedAt: new Date('2026-01-01T00:00:00Z') } as const;
    const optOut = { ...optIn, status: 'opted_out', source: 'unsubscribe link', recordedAt: new Date('2026-03-01T00:00:00Z') } as const;
    expect(await recordConsents(h.db, ws.id, [optOut])).toBe(1);
    // An older statement arriving late is recorded but does not override the newer one.
    expect(await recordConsents(h.db, ws.id, [optIn])).toBe(0);
    expect(await recordConsents(h.db, ws.id, [optIn, optOut])).toBe(0);
    const state = await consentsOf(h.db, ws.id, customerId);
    expect(state.map((c) => [c.channel, c.purpose, c.status, c.source])).toEqual([['email', 'marketing', 'opted_out', 'unsubscribe link']]);
    const records = await h.db.selectFrom('consent_records').select(['status']).where('workspace_id', '=', ws.id).orderBy('recorded_at').execute();
    expect(records.map((r) => r.status)).toEqual(['opted_in', 'opted_out']);
  });

  it('carries consent onto the surviving profile of a merge, the later statement winning', async () => {
    const ws = await testWorkspace(h.db);
    const a = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'a@example.com' }], reason: 'test' });
    const b = await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '13800138001' }], reason: 'test' });
    await recordConsents(h.db, ws.id, [
      { customerId: a.customerId, channel: 'sms', purpose: 'marketing', status: 'opted_in', source: 'pos', recordedAt: new Date('2026-01-01T00:00:00Z') },
      { customerId: b.customerId, channel: 'sms', purpose: 'marketing', status: 'opted_out', source: 'sms STOP', recordedAt: new Date('2026-02-01T00:00:00Z') },
      { customerId: b.customerId, channel: 'wechat', purpose: 'marketing', status: 'opted_in', source: 'mini program', recordedAt: new Date('2026-02-01T00:00:00Z') },
    ]);
    const link = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'a@example.com' },
        { type: 'phone', value: '13800138001' },
      ],
      reason: 'test',
    });
    expect(link.customerId).toBe(a.customerId);
    const state = await consentsOf(h.db, ws.id, a.customerId);
    expect(state.map((c) => `${c.channel}:${c.status}`)).toEqual(['sms:opted_out', 'wechat:opted_in']);
  });
});
