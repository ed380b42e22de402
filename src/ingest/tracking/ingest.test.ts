import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateWorkspaceSettings, type Workspace } from '../../access/index.ts';
import { getCustomer360 } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { ingestTracking } from './ingest.ts';
import { parseTrackingBatch, parseTrackingCall, type TrackingCallType } from './schema.ts';

const receivedAt = new Date('2024-06-01T10:00:00.000Z');

describe.each(testStores())('tracking ingest on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  const call = (ws: Workspace, type: TrackingCallType, body: object, at = receivedAt) => ingestTracking(h.db, ws, parseTrackingCall(type, body), { receivedAt: at });
  const batch = (ws: Workspace, body: object, at = receivedAt) => ingestTracking(h.db, ws, parseTrackingBatch(body), { receivedAt: at });
  const ownerOf = async (ws: Workspace, type: string, value: string) => {
    const row = await h.db.selectFrom('identities').select('customer_id').where('workspace_id', '=', ws.id).where('type', '=', type).where('value', '=', value).executeTakeFirst();
    return row?.customer_id;
  };
  const profile = async (ws: Workspace, type: string, value: string) => getCustomer360(h.db, ws, (await ownerOf(ws, type, value))!);
  const eventCount = async (ws: Workspace) => Number((await h.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).n);

  it('identify sets profile fields from reserved traits, other traits as attributes, identities normalized', async () => {
    const ws = await testWorkspace(h.db);
    const result = await call(ws, 'identify', {
      userId: 'user-1',
      anonymousId: 'anon-1',
      traits: {
        email: ' Wang.Fang@Example.COM ',
        phone: '138 0013 8000',
        firstName: '芳',
        lastName: '王',
        gender: '女',
        birthday: '1990-05-12',
        address: { city: '杭州', state: '浙江', country: 'China', street: '文三路 1 号' },
        createdAt: '2023-01-02T03:04:05Z',
        wechatUnionId: 'union-1',
        plan: 'gold',
      },
      context: { timezone: 'Asia/Shanghai', wechat: { openid: 'open-1' } },
    });
    expect(result).toEqual({ accepted: 1, duplicates: 0, warnings: [] });
    const view = await profile(ws, 'external_id', 'user-1');
    expect(view.profile).toMatchObject({ name: '王芳', gender: 'female', birthday: '1990-05-12', city: '杭州', province: '浙江', country: 'China', timezone: 'Asia/Shanghai' });
    expect(view.profile.signedUpAt?.toISOString()).toBe('2023-01-02T03:04:05.000Z');
    expect(view.profile.attributes).toEqual({ plan: 'gold', firstName: '芳', lastName: '王', address: { city: '杭州', state: '浙江', country: 'China', street: '文三路 1 号' } });
    expect(view.identities.map((i) => `${i.type}:${i.value}`)).toEqual([
      'anonymous_id:anon-1',
      'email:wang.fang@example.com',
      'external_id:user-1',
      'phone:+8613800138000',
      'wechat_openid:open-1',
      'wechat_unionid:union-1',
    ]);
    expect(view.recentEvents).toMatchObject([{ type: 'identify', properties: { plan: 'gold' } }]);
  });

  it('keeps the event when a trait is invalid: the identifier is skipped, unreadable fields stay in attributes, all reported', async () => {
    const ws = await testWorkspace(h.db);
    const result = await call(ws, 'identify', { userId: 'user-2', traits: { email: 'not-an-email', gender: 'unknown', birthday: '31/12/1990', name: 'Tom' } });
    expect(result.accepted).toBe(1);
    expect(result.warnings).toEqual([
      { path: 'traits.email', message: expect.stringMatching(/"not-an-email" is not an email address; the event was stored without this email/) },
      { path: 'traits.gender', message: expect.stringMatching(/^gender is not one of female, male or other/) },
      { path: 'traits.birthday', message: expect.stringMatching(/^birthday is not an ISO-8601 date/) },
    ]);
    const view = await profile(ws, 'external_id', 'user-2');
    expect(view.identities.map((i) => i.type)).toEqual(['external_id']);
    expect(view.profile).toMatchObject({ name: 'Tom', gender: null, birthday: null, attributes: { gender: 'unknown', birthday: '31/12/1990' } });
    // The stored event keeps the call as it was sent.
    expect(view.recentEvents[0]!.properties).toMatchObject({ email: 'not-an-email' });
  });

  it('stores a retried call once and does not apply its traits again', async () => {
    const ws = await testWorkspace(h.db);
    const first = { batch: [{ type: 'identify', messageId: 'm-1', userId: 'user-3', traits: { name: 'First' } }, { type: 'track', messageId: 'm-2', userId: 'user-3', event: 'Signed Up' }] };
    expect(await batch(ws, first)).toMatchObject({ accepted: 2, duplicates: 0 });
    await call(ws, 'identify', { messageId: 'm-3', userId: 'user-3', traits: { name: 'Second' } });
    expect(await batch(ws, first)).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await eventCount(ws)).toBe(3);
    expect((await profile(ws, 'external_id', 'user-3')).profile.name).toBe('Second');
    // A message id repeated inside one call counts once.
    expect(await batch(ws, { batch: [{ type: 'track', messageId: 'm-4', userId: 'user-3', event: 'A' }, { type: 'track', messageId: 'm-4', userId: 'user-3', event: 'A' }] })).toMatchObject({ accepted: 1, duplicates: 1 });
  });

  it('derives a message id from the content when none is sent, so that a retry lands once', async () => {
    const ws = await testWorkspace(h.db);
    const body = { userId: 'user-4', event: 'Clicked', timestamp: '2024-06-01T09:00:00Z' };
    expect(await call(ws, 'track', body)).toMatchObject({ accepted: 1 });
    expect(await call(ws, 'track', { ...body, sentAt: '2024-06-01T09:00:05Z' })).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await call(ws, 'track', { ...body, timestamp: '2024-06-01T09:00:01Z' })).toMatchObject({ accepted: 1 });
    const ids = await h.db.selectFrom('events').select('message_id').where('workspace_id', '=', ws.id).execute();
    expect(ids.every((r) => r.message_id.startsWith('patron-'))).toBe(true);
  });

  it('stores the skew-corrected time and the time of arrival', async () => {
    const ws = await testWorkspace(h.db);
    await batch(ws, { sentAt: '2024-06-01T10:30:00.000Z', batch: [{ type: 'track', userId: 'user-5', event: 'Opened', timestamp: '2024-06-01T10:29:00.000Z' }] });
    const row = await h.db.selectFrom('events').select(['occurred_at', 'received_at']).where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(row.occurred_at.toISOString()).toBe('2024-06-01T09:59:00.000Z');
    expect(row.received_at.toISOString()).toBe(receivedAt.toISOString());
  });

  it('gives anonymous visitors a profile that a later identify joins to the known customer, keeping their events', async () => {
    const ws = await testWorkspace(h.db);
    await call(ws, 'identify', { userId: 'user-6', traits: { email: 'six@example.com' } });
    await call(ws, 'page', { anonymousId: 'visitor-6', name: 'Home' });
    await call(ws, 'track', { anonymousId: 'visitor-6', event: 'Added to Cart' });
    const known = await ownerOf(ws, 'external_id', 'user-6');
    const anonymous = await ownerOf(ws, 'anonymous_id', 'visitor-6');
    expect(anonymous).not.toBe(known);

    await call(ws, 'identify', { userId: 'user-6', anonymousId: 'visitor-6' });
    const view = await getCustomer360(h.db, ws, anonymous!);
    expect(view.id).toBe(Math.min(known!, anonymous!));
    expect(view.identities.map((i) => i.type)).toEqual(['anonymous_id', 'email', 'external_id']);
    expect(view.recentEvents.map((e) => e.type).sort()).toEqual(['identify', 'identify', 'page', 'track']);
    expect(view.merges).toHaveLength(1);

    // Later events carrying both ids land on the merged profile without another merge.
    await call(ws, 'track', { userId: 'user-6', anonymousId: 'visitor-6', event: 'Checked Out' });
    expect((await getCustomer360(h.db, ws, view.id)).merges).toHaveLength(1);
  });

  it('links identify and track of a new user in one batch to one profile', async () => {
    const ws = await testWorkspace(h.db);
    await batch(ws, {
      batch: [
        { type: 'track', anonymousId: 'visitor-7', event: 'Viewed' },
        { type: 'identify', userId: 'user-7', anonymousId: 'visitor-7', traits: { email: 'seven@example.com' } },
        { type: 'track', userId: 'user-7', event: 'Bought' },
        { type: 'track', anonymousId: 'visitor-8', event: 'Viewed' },
      ],
    });
    const seven = await ownerOf(ws, 'external_id', 'user-7');
    expect(await ownerOf(ws, 'anonymous_id', 'visitor-7')).toBe(seven);
    expect(await ownerOf(ws, 'email', 'seven@example.com')).toBe(seven);
    expect(await ownerOf(ws, 'anonymous_id', 'visitor-8')).not.toBe(seven);
    expect((await getCustomer360(h.db, ws, seven!)).recentEvents).toHaveLength(3);
  });

  it('alias joins an anonymous id to the user; a former user id is joined only when the identity limits allow it', async () => {
    let ws = await testWorkspace(h.db);
    await call(ws, 'track', { anonymousId: 'visitor-9', event: 'Viewed' });
    await call(ws, 'identify', { userId: 'user-9' });
    await call(ws, 'alias', { previousId: 'visitor-9', userId: 'user-9' });
    expect(await ownerOf(ws, 'anonymous_id', 'visitor-9')).toBe(await ownerOf(ws, 'external_id', 'user-9'));

    // Two user ids on one profile break the default limit (external_id ≤ 1): recorded as a conflict, not merged.
    await call(ws, 'identify', { userId: 'old-10' });
    await call(ws, 'identify', { userId: 'new-10' });
    await call(ws, 'alias', { previousId: 'old-10', userId: 'new-10' });
    expect(await ownerOf(ws, 'external_id', 'old-10')).not.toBe(await ownerOf(ws, 'external_id', 'new-10'));
    const conflicts = await h.db.selectFrom('identity_conflicts').select(['type', 'value']).where('workspace_id', '=', ws.id).execute();
    expect(conflicts).toEqual([{ type: 'external_id', value: expect.stringMatching(/^(old|new)-10$/) }]);

    // A userId that cannot be an identifier (over 320 characters) is reported; the alias event is still stored.
    const long = await call(ws, 'alias', { previousId: 'visitor-9', userId: 'x'.repeat(400) });
    expect(long).toMatchObject({ accepted: 1, warnings: [{ path: 'userId', message: expect.stringMatching(/longer than 320 characters/) }] });

    ws = await updateWorkspaceSettings(h.db, ws, { identityLimits: { external_id: 2 } });
    await call(ws, 'alias', { previousId: 'old-10', userId: 'new-10', messageId: 'alias-again' });
    expect(await ownerOf(ws, 'external_id', 'old-10')).toBe(await ownerOf(ws, 'external_id', 'new-10'));
  });

  it('turns Order Completed into an order with lines and customer_stats, idempotent by order_id', async () => {
    const ws = await testWorkspace(h.db);
    const order = {
      userId: 'user-11',
      event: 'Order Completed',
      timestamp: '2024-05-20T08:00:00Z',
      properties: {
        order_id: 'SO-11',
        total: 318.5,
        currency: 'cny',
        affiliation: 'Tmall flagship',
        products: [
          { product_id: 'p-1', sku: 'SKU-1', name: '绿茶', category: 'Tea', price: 99.5, quantity: 3 },
          { product_id: 'p-2', name: 'Cup', price: 20 },
        ],
      },
    };
    expect(await call(ws, 'track', order)).toEqual({ accepted: 1, duplicates: 0, warnings: [] });
    // The same order sent again under a new message id is one order still.
    await call(ws, 'track', { ...order, messageId: 'resent' });
    const view = await profile(ws, 'external_id', 'user-11');
    expect(view.orderSummary).toMatchObject({ orderCount: 1, totalMinor: 31850, refundedMinor: 0 });
    expect(view.recentOrders).toMatchObject([{ externalId: 'SO-11', store: 'Tmall flagship', currency: 'CNY', totalMinor: 31850, itemCount: 4, status: 'completed' }]);
    expect(view.recentOrders[0]!.orderedAt.toISOString()).toBe('2024-05-20T08:00:00.000Z');
    const items = await h.db.selectFrom('order_items').select(['sku', 'product_name', 'category', 'quantity', 'unit_price_minor', 'amount_minor']).where('workspace_id', '=', ws.id).orderBy('line_no').execute();
    expect(items).toEqual([
      { sku: 'SKU-1', product_name: '绿茶', category: 'Tea', quantity: 3, unit_price_minor: 9950, amount_minor: 29850 },
      { sku: 'p-2', product_name: 'Cup', category: null, quantity: 1, unit_price_minor: 2000, amount_minor: 2000 },
    ]);
  });

  it('turns Order Refunded into refunds: by products at the order price, full without an amount, capped and reported beyond the order', async () => {
    const ws = await testWorkspace(h.db);
    await call(ws, 'track', { userId: 'user-12', event: 'Order Completed', properties: { order_id: 'SO-12', products: [{ sku: 'A', price: 10, quantity: 2 }, { sku: 'B', price: 5 }] } });
    const partial = await call(ws, 'track', { userId: 'user-12', event: 'Order Refunded', properties: { order_id: 'SO-12', products: [{ sku: 'A', quantity: 1 }] } });
    expect(partial.warnings).toEqual([]);
    let view = await profile(ws, 'external_id', 'user-12');
    expect(view.recentOrders[0]).toMatchObject({ totalMinor: 2500, refundedMinor: 1000, status: 'partially_refunded' });
    expect(view.orderSummary).toMatchObject({ totalMinor: 1500, refundedMinor: 1000 });

    const tooMuch = await call(ws, 'track', { userId: 'user-12', event: 'Order Refunded', properties: { order_id: 'SO-12', total: 100 } });
    expect(tooMuch.warnings).toEqual([{ path: 'properties', message: 'the refund of 10000 exceeds the 1500 left on order SO-12; refunded 1500' }]);
    view = await profile(ws, 'external_id', 'user-12');
    expect(view.recentOrders[0]).toMatchObject({ refundedMinor: 2500, status: 'refunded' });

    const again = await call(ws, 'track', { userId: 'user-12', event: 'Order Refunded', properties: { order_id: 'SO-12' } });
    expect(again.warnings[0]!.message).toMatch(/order SO-12 is already fully refunded/);
    const unknown = await call(ws, 'track', { userId: 'user-12', event: 'Order Refunded', properties: { order_id: 'SO-404' } });
    expect(unknown).toMatchObject({ accepted: 1, warnings: [{ path: 'properties.order_id', message: expect.stringMatching(/order SO-404 is not known/) }] });

    await call(ws, 'track', { userId: 'user-12', event: 'Order Completed', properties: { order_id: 'SO-13', total: 30 } });
    await call(ws, 'track', { userId: 'user-12', event: 'Order Refunded', properties: { order_id: 'SO-13' } });
    view = await profile(ws, 'external_id', 'user-12');
    expect(view.recentOrders.find((o) => o.externalId === 'SO-13')).toMatchObject({ refundedMinor: 3000, status: 'refunded' });
  });

  it('stores an Order Completed it cannot read as an event and says why', async () => {
    const ws = await testWorkspace(h.db);
    const noId = await call(ws, 'track', { userId: 'user-14', event: 'Order Completed', properties: { total: 10 } });
    expect(noId).toMatchObject({ accepted: 1, warnings: [{ path: 'properties', message: 'Order Completed needs properties.order_id; the event was stored but no order was recorded' }] });
    const badPrice = await call(ws, 'track', { userId: 'user-14', event: 'Order Completed', properties: { order_id: 'SO-14', products: [{ sku: 'A', price: 'ten' }] } });
    expect(badPrice.warnings.map((w) => w.path)).toEqual(['properties.products[0].price', 'properties']);
    expect((await profile(ws, 'external_id', 'user-14')).orderSummary.orderCount).toBe(0);
    expect(await eventCount(ws)).toBe(2);
  });

  it('stores group and screen calls, merges the batch context into each message, records the IP only for direct calls', async () => {
    const ws = await testWorkspace(h.db);
    await ingestTracking(
      h.db,
      ws,
      parseTrackingBatch({
        context: { library: { name: 'analytics-ios' }, direct: true },
        batch: [
          { type: 'group', userId: 'user-15', groupId: 'acme', traits: { employees: 42 } },
          { type: 'screen', userId: 'user-15', name: 'Cart', category: 'Shop', context: { locale: 'zh-CN' } },
        ],
      }),
      { receivedAt, ip: '203.0.113.9' },
    );
    const rows = await h.db.selectFrom('events').select(['type', 'name', 'properties', 'context']).where('workspace_id', '=', ws.id).orderBy('id').execute();
    expect(rows).toEqual([
      { type: 'group', name: 'acme', properties: { employees: 42 }, context: { library: { name: 'analytics-ios' }, direct: true, ip: '203.0.113.9' } },
      { type: 'screen', name: 'Cart', properties: { category: 'Shop' }, context: { library: { name: 'analytics-ios' }, direct: true, locale: 'zh-CN', ip: '203.0.113.9' } },
    ]);
  });

  it('takes identifiers from context.traits and context.wechat on track calls and links them', async () => {
    const ws = await testWorkspace(h.db);
    await call(ws, 'track', { anonymousId: 'mini-16', event: 'Viewed', context: { wechat: { unionId: 'union-16', openId: 'open-16' }, traits: { phone: '+86 139 0000 0016' } } });
    const id = await ownerOf(ws, 'anonymous_id', 'mini-16');
    expect(await ownerOf(ws, 'wechat_unionid', 'union-16')).toBe(id);
    expect(await ownerOf(ws, 'wechat_openid', 'open-16')).toBe(id);
    expect(await ownerOf(ws, 'phone', '+8613900000016')).toBe(id);
  });
});
