import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { normalizeIdentities, resolveCustomers, type BulkResolveRequest } from './index.ts';

const request = (...raw: [type: 'external_id' | 'email' | 'phone', value: string][]): BulkResolveRequest => ({
  identities: normalizeIdentities(raw.map(([type, value]) => ({ type, value })), 'CN'),
});

describe.each(testStores())('bulk identity resolution on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('finds known single identities in batches far above a few hundred (PGlite lost rows in a long row-value IN list)', async () => {
    const ws = await testWorkspace(h.db);
    const batch = Array.from({ length: 1200 }, (_, i) => request(['external_id', `S${i}`]));
    const first = await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, batch, 'test'));
    const again = await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, batch, 'test'));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(1200);
  });

  it('creates new multi-identity customers in bulk with the same outcome as one by one', async () => {
    const ws = await testWorkspace(h.db);
    const [known] = await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, [request(['email', 'known@example.com'])], 'test'));
    const fresh = Array.from({ length: 600 }, (_, i) => request(['external_id', `M${i}`], ['email', `m${i}@example.com`], ['phone', `1380000${String(i).padStart(4, '0')}`]));
    const batch = [
      ...fresh,
      // Two requests naming one email are one person: they must not be created separately.
      request(['external_id', 'A'], ['email', 'shared@example.com']),
      request(['phone', '13900000000'], ['email', 'shared@example.com']),
      // A known identity links to its existing profile.
      request(['external_id', 'K'], ['email', 'known@example.com']),
      // Two member numbers exceed the limit of one: one is refused and recorded, not silently dropped.
      request(['external_id', 'X1'], ['external_id', 'X2'], ['email', 'x@example.com']),
    ];
    const ids = await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, batch, 'test'));
    expect(new Set(ids.slice(0, 600)).size).toBe(600);
    expect(ids[600]).toBe(ids[601]);
    expect(ids[602]).toBe(known);
    const identities = await h.db.selectFrom('identities').select(['type', 'value', 'customer_id']).where('workspace_id', '=', ws.id).execute();
    const owner = new Map(identities.map((i) => [`${i.type}:${i.value}`, i.customer_id]));
    for (let i = 0; i < 600; i++) {
      expect(owner.get(`external_id:M${i}`)).toBe(ids[i]);
      expect(owner.get(`email:m${i}@example.com`)).toBe(ids[i]);
      expect(owner.get(`phone:+861380000${String(i).padStart(4, '0')}`)).toBe(ids[i]);
    }
    expect(owner.get('phone:+8613900000000')).toBe(ids[600]);
    expect([owner.has('external_id:X1'), owner.has('external_id:X2')].filter(Boolean)).toHaveLength(1);
    const conflicts = await h.db.selectFrom('identity_conflicts').select(['type', 'customer_id']).where('workspace_id', '=', ws.id).execute();
    expect(conflicts).toEqual([{ type: 'external_id', customer_id: ids[603] }]);
    expect(identities).toHaveLength(1 + 1800 + 2 + 1 + 1 + 2);

    const again = await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, batch, 'test'));
    expect(again).toEqual(ids);
    const count = await h.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1 + 600 + 1 + 1);
  });
});
