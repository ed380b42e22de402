import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateWorkspaceSettings } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { getCustomer360, identifyCustomer, unmerge, updateCustomerTags } from './index.ts';

describe.each(testStores())('identity resolution on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('creates one profile per person and finds it again by any normalized identity', async () => {
    const ws = await testWorkspace(h.db);
    const first = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'Wang.Fang@Example.com' },
        { type: 'phone', value: '13800138000' },
      ],
      profile: { name: '王芳', city: '杭州' },
      reason: 'test',
    });
    expect(first.created).toBe(true);
    const again = await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '+86 138-0013-8000' }], reason: 'test' });
    expect(again).toMatchObject({ customerId: first.customerId, created: false, mergedIds: [] });
    const view = await getCustomer360(h.db, ws, first.customerId);
    expect(view.profile.name).toBe('王芳');
    expect(view.identities.map((i) => `${i.type}:${i.value}`)).toEqual(['email:wang.fang@example.com', 'phone:+8613800138000']);
  });

  it('merges two profiles linked by an identify, keeping every identity, tag and field, oldest survives', async () => {
    const ws = await testWorkspace(h.db);
    const a = await identifyCustomer(h.db, ws, { identities: [{ type: 'anonymous_id', value: 'device-1' }], profile: { city: 'Shanghai' }, reason: 'web' });
    const b = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'tom@example.com' }], profile: { name: 'Tom Lee' }, reason: 'crm' });
    await updateCustomerTags(h.db, ws.id, { customerIds: [b.customerId], add: ['vip'] });
    const link = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'anonymous_id', value: 'device-1' },
        { type: 'email', value: 'tom@example.com' },
      ],
      reason: 'identify',
    });
    expect(link.customerId).toBe(Math.min(a.customerId, b.customerId));
    expect(link.mergedIds).toEqual([Math.max(a.customerId, b.customerId)]);
    const view = await getCustomer360(h.db, ws, b.customerId);
    expect(view.id).toBe(a.customerId);
    expect(view.redirectedFrom).toBe(b.customerId);
    expect(view.profile).toMatchObject({ name: 'Tom Lee', city: 'Shanghai' });
    expect(view.tags.map((t) => t.name)).toEqual(['vip']);
    expect(view.identities).toHaveLength(2);
    expect(view.merges).toHaveLength(1);

    // Idempotent: linking again changes nothing.
    const repeat = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'tom@example.com' },
        { type: 'anonymous_id', value: 'device-1' },
      ],
      reason: 'identify',
    });
    expect(repeat).toMatchObject({ customerId: a.customerId, created: false, mergedIds: [] });
  });

  it('follows merge chains and unmerges along the recorded merge, then refuses to re-link the pair', async () => {
    const ws = await testWorkspace(h.db);
    const p1 = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'p1@example.com' }], profile: { name: 'P1' }, reason: 't' });
    const p2 = await identifyCustomer(h.db, ws, { identities: [{ type: 'phone', value: '13900000002' }], profile: { name: 'P2' }, reason: 't' });
    const p3 = await identifyCustomer(h.db, ws, { identities: [{ type: 'wechat_unionid', value: 'union-3' }], profile: { name: 'P3' }, reason: 't' });
    // p3 absorbs nothing: p2 and p3 link first (p2 survives), then p1 and p2 (p1 survives): a chain p3 → p2 → p1.
    await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'phone', value: '13900000002' },
        { type: 'wechat_unionid', value: 'union-3' },
      ],
      reason: 'shared device',
    });
    await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'p1@example.com' },
        { type: 'phone', value: '13900000002' },
      ],
      reason: 'shared device',
    });
    const merged = await getCustomer360(h.db, ws, p3.customerId);
    expect(merged.id).toBe(p1.customerId);
    expect(merged.identities.map((i) => i.type).sort()).toEqual(['email', 'phone', 'wechat_unionid']);

    const mergeOfP2 = merged.merges.find((m) => m.mergedId === p2.customerId);
    expect(mergeOfP2).toBeDefined();
    await unmerge(h.db, ws, mergeOfP2!.id);
    const back1 = await getCustomer360(h.db, ws, p1.customerId);
    const back2 = await getCustomer360(h.db, ws, p2.customerId);
    expect(back1.identities.map((i) => i.type)).toEqual(['email']);
    expect(back2.id).toBe(p2.customerId);
    // p3 was merged into p2 before, so its identity goes back with p2.
    expect(back2.identities.map((i) => i.type).sort()).toEqual(['phone', 'wechat_unionid']);
    await expect(unmerge(h.db, ws, mergeOfP2!.id)).rejects.toThrow(/already undone/);

    const relink = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'p1@example.com' },
        { type: 'phone', value: '13900000002' },
      ],
      reason: 'shared device again',
    });
    expect(relink).toMatchObject({ customerId: p1.customerId, mergedIds: [] });
    expect(relink.conflicts).toEqual([{ type: 'phone', value: '+8613900000002' }]);
  });

  it('refuses a link that breaks an identity limit and records the conflict instead of dropping it', async () => {
    let ws = await testWorkspace(h.db);
    ws = await updateWorkspaceSettings(h.db, ws, { identityLimits: { external_id: 1, email: 1 } });
    const a = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'a@example.com' },
        { type: 'phone', value: '13700000001' },
      ],
      reason: 't',
    });
    const b = await identifyCustomer(h.db, ws, { identities: [{ type: 'email', value: 'b@example.com' }], reason: 't' });
    // Two different emails claim one phone: b keeps its email, the phone stays with a, nothing merges.
    const claim = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'email', value: 'b@example.com' },
        { type: 'phone', value: '13700000001' },
      ],
      reason: 'import row 7',
    });
    expect(claim).toMatchObject({ customerId: b.customerId, mergedIds: [], conflicts: [{ type: 'phone', value: '+8613700000001' }] });
    const conflicts = await h.db.selectFrom('identity_conflicts').selectAll().where('workspace_id', '=', ws.id).execute();
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ customer_id: b.customerId, other_customer_id: a.customerId, type: 'phone' });
    expect(conflicts[0]!.reason).toMatch(/import row 7: merging would exceed the identity limits/);

    const ext = await identifyCustomer(h.db, ws, { identities: [{ type: 'external_id', value: 'U1' }], reason: 't' });
    const twoIds = await identifyCustomer(h.db, ws, {
      identities: [
        { type: 'external_id', value: 'U2' },
        { type: 'external_id', value: 'U1' },
      ],
      reason: 't',
    });
    // U1 sorts first, so it anchors; U2 cannot join a profile that already has an external id.
    expect(twoIds.customerId).toBe(ext.customerId);
    expect(twoIds.conflicts).toEqual([{ type: 'external_id', value: 'U2' }]);
  });

  it('serializes concurrent identifies of one person into one profile', async () => {
    const ws = await testWorkspace(h.db);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        identifyCustomer(h.db, ws, {
          identities: [
            { type: 'email', value: 'same@example.com' },
            { type: 'anonymous_id', value: `anon-${i}` },
          ],
          reason: 'concurrent',
        }),
      ),
    );
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    const live = await h.db.selectFrom('customers').select('id').where('workspace_id', '=', ws.id).where('merged_into', 'is', null).execute();
    expect(live).toHaveLength(1);
  });
});
