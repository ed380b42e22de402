import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApiKey } from '../../access/index.ts';
import { getCustomer360 } from '../../customers/index.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { testWorkspace } from '../../../test/fixtures.ts';
import { testStores } from '../../../test/stores.ts';
import { countDemo, deleteDemo, demoStatus, generateDemo, loadDemo, type DemoProgress, type LoadDemoResult } from './index.ts';

const asOf = new Date('2026-06-30T16:00:00Z');
const options = { seed: 3, customers: 300, asOf };

describe.each(testStores())('the demo load on $kind', (store) => {
  let h: DatabaseHandle;
  let first: LoadDemoResult;
  const progress: DemoProgress[] = [];
  beforeAll(async () => {
    h = await store.open();
    first = await loadDemo(h.db, { ...options, onProgress: (p) => progress.push(p) });
  });
  afterAll(() => h.close());

  it('writes the whole generated data set into the demo workspace, reporting progress', async () => {
    const data = generateDemo(options);
    expect(first.skipped).toBe(false);
    expect(first.workspace).toMatchObject({ slug: 'demo', name: 'Patron Demo 示例商店', defaultCountry: 'CN', currency: 'CNY', timezone: 'Asia/Shanghai' });
    expect(first.counts).toEqual({
      customers: 300,
      orders: data.orders.length,
      orderItems: data.orders.reduce((a, o) => a + o.items!.length, 0),
      refunds: data.refunds.length,
      events: data.events.length,
      products: data.products.length,
    });
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['workspace', 'products', 'customers', 'orders', 'refunds', 'events']));
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    expect(progress.every((p, i) => i === 0 || p.done >= progress[i - 1]!.done)).toBe(true);
    const buyers = new Set(data.orders.filter((o) => o.customer && o.status === 'completed').map((o) => o.customer!.identities[0]!.value)).size;
    const stats = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer_stats WHERE workspace_id = ${first.workspace.id} AND order_count > 0`.execute(h.db);
    // A buyer whose only orders were all refunded has no kept order.
    expect(stats.rows[0]!.n).toBeGreaterThan(buyers * 0.95);
    expect(stats.rows[0]!.n).toBeLessThanOrEqual(buyers);
    // The saved segments of the demo shop, filled (those reading scores fill after the first scoring run).
    const segments = await h.db.selectFrom('segments').select(['name', 'member_count', 'kind']).where('workspace_id', '=', first.workspace.id).orderBy('id').execute();
    expect(segments).toHaveLength(6);
    expect(segments.every((s) => s.kind === 'dynamic')).toBe(true);
    expect(segments.find((s) => s.name.startsWith('咖啡爱好者'))!.member_count).toBeGreaterThan(0);
  });

  it('creates the documented API keys', async () => {
    expect(await findApiKey(h.db, 'demo-secret-key')).toMatchObject({ workspaceId: first.workspace.id, kind: 'secret' });
    expect(await findApiKey(h.db, 'demo-write-key')).toMatchObject({ workspaceId: first.workspace.id, kind: 'write' });
  });

  it('gives a demo customer a full 360: profile, identities, tags, orders and events', async () => {
    const top = await h.db
      .selectFrom('customer_stats')
      .select('customer_id')
      .where('workspace_id', '=', first.workspace.id)
      .orderBy('order_count', 'desc')
      .orderBy('customer_id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const view = await getCustomer360(h.db, first.workspace, top.customer_id);
    expect(view.profile.name).toBeTruthy();
    expect(view.profile.city).toBeTruthy();
    expect(view.profile.acquisitionChannel).toBeTruthy();
    expect(view.identities.some((i) => i.type === 'external_id')).toBe(true);
    expect(view.orderSummary.orderCount).toBeGreaterThanOrEqual(3);
    expect(view.recentOrders.length).toBeGreaterThanOrEqual(3);
    expect(view.recentEvents.length).toBeGreaterThan(0);
    expect(view.tags.length).toBeGreaterThan(0);
  });

  it('skips a loaded demo, and rewriting an interrupted load changes nothing', async () => {
    const again = await loadDemo(h.db, {});
    expect(again.skipped).toBe(true);
    expect(again.counts).toEqual(first.counts);
    expect(await demoStatus(h.db)).toEqual({ exists: true, startedByLoader: true, complete: true, otherWorkspaces: false });

    // Pretend the first load stopped just before the end: the rerun resumes with the recorded seed and asOf.
    const before = await sql<{ orders: string; events: number }>`
      SELECT (SELECT max(updated_at)::text FROM orders WHERE workspace_id = ${first.workspace.id}) AS orders,
             (SELECT max(id)::int FROM events WHERE workspace_id = ${first.workspace.id}) AS events`.execute(h.db);
    await sql`UPDATE workspaces SET settings = settings #- '{demo,completedAt}' WHERE id = ${first.workspace.id}`.execute(h.db);
    expect((await demoStatus(h.db)).complete).toBe(false);
    const resumed = await loadDemo(h.db, { asOf: new Date('2030-01-01') });
    expect(resumed.skipped).toBe(false);
    expect(resumed.asOf).toEqual(asOf);
    expect(resumed.counts).toEqual(first.counts);
    const after = await sql<{ orders: string; events: number }>`
      SELECT (SELECT max(updated_at)::text FROM orders WHERE workspace_id = ${first.workspace.id}) AS orders,
             (SELECT max(id)::int FROM events WHERE workspace_id = ${first.workspace.id}) AS events`.execute(h.db);
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses another seed on top of a loaded demo', async () => {
    await expect(loadDemo(h.db, { seed: 4 })).rejects.toThrow(/holds seed 3 with 300 customers; run `patron demo --reset`/);
  });

  it('deletes the demo workspace and only it', async () => {
    const other = await testWorkspace(h.db);
    expect((await demoStatus(h.db)).otherWorkspaces).toBe(true);
    expect(await deleteDemo(h.db)).toBe(true);
    expect(await deleteDemo(h.db)).toBe(false);
    expect(await demoStatus(h.db)).toEqual({ exists: false, startedByLoader: false, complete: false, otherWorkspaces: true });
    expect(await countDemo(h.db, first.workspace.id)).toEqual({ customers: 0, orders: 0, orderItems: 0, refunds: 0, events: 0, products: 0 });
    expect(await findApiKey(h.db, 'demo-secret-key')).toBeUndefined();
    expect(await h.db.selectFrom('workspaces').select('id').where('id', '=', other.id).executeTakeFirst()).toEqual({ id: other.id });
  });
});
