import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import type { Workspace } from '../access/index.ts';
import { normalizeIdentities, resolveCustomer, resolveCustomers, type BulkResolveRequest } from './index.ts';

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

  it('attaches the new identities of known people in bulk with the same outcome as one by one', async () => {
    const known = [
      ...Array.from({ length: 300 }, (_, i) => request(['external_id', `E${i}`], ...(i % 3 === 0 ? [['email', `old${i}@example.com`] as ['email', string]] : []))),
      request(['email', 'solo@example.com']),
      request(['phone', '13700000001']),
      request(['phone', '13700000002']),
    ];
    const batch = [
      // A known member number with a new email (most identify calls of known people).
      ...Array.from({ length: 250 }, (_, i) => request(['external_id', `E${i}`], ['email', `new${i}@example.com`])),
      // Nothing new: the owner.
      request(['external_id', 'E3'], ['email', 'old3@example.com']),
      // One new email claimed by two profiles: they are one person and merge (not attachable in bulk).
      request(['external_id', 'E251'], ['email', 'shared@example.com']),
      request(['phone', '13700000002'], ['email', 'shared@example.com']),
      // Two new phones for one profile in two requests.
      request(['external_id', 'E260'], ['phone', '13900000001']),
      request(['external_id', 'E260'], ['phone', '13900000002']),
      // A second member number breaks the limit of one: recorded as a conflict, not dropped.
      request(['external_id', 'E261'], ['external_id', 'X261'], ['email', 'x261@example.com']),
      // Known identities of two profiles: a merge.
      request(['email', 'solo@example.com'], ['phone', '13700000001']),
      // A merge the identity limits refuse (two member numbers): a conflict.
      request(['external_id', 'E270'], ['email', 'old273@example.com']),
    ];
    // The outcome as identities → owner, merges and conflicts, with profiles named by their first member number.
    const outcome = async (ws: Workspace) => {
      const identities = await h.db.selectFrom('identities').select(['type', 'value', 'customer_id', 'origin_customer_id']).where('workspace_id', '=', ws.id).execute();
      // By the first identity each profile was created with (a merge moves identities to the survivor).
      const name = new Map(known.map((r, n) => [r.identities[0]!.value, n]));
      const first = new Map<number, string>();
      for (const i of [...identities].sort((a, b) => (name.get(a.value) ?? Infinity) - (name.get(b.value) ?? Infinity))) if (!first.has(i.origin_customer_id)) first.set(i.origin_customer_id, i.value);
      const nameOf = (id: number) => first.get(id);
      const customers = await h.db.selectFrom('customers').select(['id', 'merged_into']).where('workspace_id', '=', ws.id).execute();
      const conflicts = await h.db.selectFrom('identity_conflicts').select(['type', 'value', 'customer_id', 'reason']).where('workspace_id', '=', ws.id).execute();
      return {
        owners: identities.map((i) => `${i.type}:${i.value}→${nameOf(i.customer_id)}`).sort(),
        merged: customers.filter((c) => c.merged_into !== null).map((c) => `${nameOf(c.id)}→${nameOf(c.merged_into!)}`).sort(),
        conflicts: conflicts.map((c) => `${c.type}:${c.value}@${nameOf(c.customer_id)}: ${c.reason}`).sort(),
      };
    };
    const bulk = await testWorkspace(h.db);
    const oneByOne = await testWorkspace(h.db);
    for (const ws of [bulk, oneByOne]) await h.db.transaction().execute((trx) => resolveCustomers(trx, ws, known, 'test'));

    const ids = await h.db.transaction().execute((trx) => resolveCustomers(trx, bulk, batch, 'test'));
    for (const r of batch) await h.db.transaction().execute((trx) => resolveCustomer(trx, oneByOne, r.identities, 'test'));

    const [got, want] = [await outcome(bulk), await outcome(oneByOne)];
    expect(got).toEqual(want);
    expect(got.owners).toContain('email:new0@example.com→E0');
    expect(got.owners).toContain('phone:+8613900000002→E260');
    expect(got.owners).toContain('email:shared@example.com→E251');
    expect(got.merged).toEqual(['+8613700000001→solo@example.com', '+8613700000002→E251']);
    expect(got.conflicts).toEqual([
      'email:old273@example.com@E270: test: merging would exceed the identity limits (external_id ≤ 1, wechat_unionid ≤ 1)',
      'external_id:X261@E261: test: the profile already has the most external_id identities allowed (1)',
    ]);
    const owner = new Map((await h.db.selectFrom('identities').select(['value', 'customer_id']).where('workspace_id', '=', bulk.id).execute()).map((i) => [i.value, i.customer_id]));
    expect(ids.slice(0, 3)).toEqual([owner.get('E0'), owner.get('E1'), owner.get('E2')]);
    expect(ids.at(-1)).toBe(owner.get('E270'));
    expect(ids.at(-2)).toBe(owner.get('solo@example.com'));
  });
});
