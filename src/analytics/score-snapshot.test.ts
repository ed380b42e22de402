import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { Database, DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { clvBandEdges, clvDistribution, lifecycleFlows, rfmGrid, runScoring, scoreCustomers, scoreGroupCounts } from './index.ts';

// The CDNOW sample: 2,349 buyers with fitted BG/NBD and Gamma-Gamma, so every CLV band is a real prediction.
const transactions = parse(readFileSync(resolve(process.cwd(), '../shared/datasets/cdnow_sample_transactions.csv')), { columns: true }) as {
  customer_id: string;
  order_date: string;
  amount: string;
}[];

// The overview's counts computed independently, straight from customer_scores and lifecycle_transitions.
async function reference(db: Kysely<Database>, ws: Workspace) {
  const rows = await db
    .selectFrom('customer_scores')
    .select(['r_score', 'f_score', 'rfm_segment', 'lifecycle_stage', 'value_tier', 'clv_minor', 'revenue_minor'])
    .where('workspace_id', '=', ws.id)
    .execute();
  const edges = clvBandEdges(ws.currency);
  const tally = (key: (r: (typeof rows)[number]) => string | null) => {
    const out = new Map<string, { customers: number; revenueMinor: number; clvMinor: number }>();
    for (const r of rows) {
      const k = key(r);
      if (k === null) continue;
      const t = out.get(k) ?? { customers: 0, revenueMinor: 0, clvMinor: 0 };
      out.set(k, { customers: t.customers + 1, revenueMinor: t.revenueMinor + Number(r.revenue_minor), clvMinor: t.clvMinor + (r.clv_minor ?? 0) });
    }
    return out;
  };
  const bandFrom = (clv: number) => edges.filter((e) => e <= Math.max(clv, 0)).at(-1)!;
  return {
    total: rows.length,
    cells: tally((r) => `${r.r_score}:${r.f_score}`),
    segments: tally((r) => r.rfm_segment),
    stages: tally((r) => r.lifecycle_stage),
    tiers: tally((r) => r.value_tier),
    bands: tally((r) => (r.clv_minor === null ? null : String(bandFrom(r.clv_minor)))),
    withoutClv: rows.filter((r) => r.clv_minor === null).length,
  };
}

async function expectSnapshotMatches(db: Kysely<Database>, ws: Workspace, runId: number, updatedRunId: number) {
  const want = await reference(db, ws);
  const grid = await rfmGrid(db, ws.id);
  expect(grid.snapshot).toMatchObject({ runId, updatedRunId });
  for (const cell of grid.cells) {
    const hit = want.cells.get(`${cell.r}:${cell.f}`);
    expect({ cell: `${cell.r}:${cell.f}`, customers: cell.customers, revenueMinor: cell.revenueMinor }).toEqual({
      cell: `${cell.r}:${cell.f}`,
      customers: hit?.customers ?? 0,
      revenueMinor: hit?.revenueMinor ?? 0,
    });
  }
  const groups = await scoreGroupCounts(db, ws.id);
  for (const [got, wanted] of [
    [groups.segments, want.segments],
    [groups.lifecycle, want.stages],
    [groups.valueTiers, want.tiers],
  ] as const) {
    expect(got.filter((g) => g.customers > 0).map((g) => [g.key, g.customers, g.revenueMinor])).toEqual(
      got.filter((g) => wanted.has(g.key)).map((g) => [g.key, wanted.get(g.key)!.customers, wanted.get(g.key)!.revenueMinor]),
    );
    expect(got.reduce((s, g) => s + g.share, 0)).toBeCloseTo(want.total === 0 ? 0 : 1, 9);
  }
  const clv = await clvDistribution(db, ws.id);
  expect(clv.withoutClv).toBe(want.withoutClv);
  // Bands run without gaps from the lowest to the highest occupied one.
  for (const [i, band] of clv.bands.entries()) if (i > 0) expect(band.fromMinor).toBe(clv.bands[i - 1]!.toMinor);
  const occupied = clv.bands.filter((b) => b.customers > 0);
  expect(occupied.map((b) => [b.fromMinor, b.customers])).toEqual([...want.bands.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([from, t]) => [Number(from), t.customers]));
  for (const b of occupied) expect(Math.abs(b.clvMinor - want.bands.get(String(b.fromMinor))!.clvMinor)).toBeLessThanOrEqual(1);
}

async function expectFlowsMatch(db: Kysely<Database>, ws: Workspace, from: string, to: string) {
  const direct = await sql<{ from_stage: string | null; to_stage: string; n: number }>`
    SELECT from_stage, to_stage, count(*)::int AS n FROM lifecycle_transitions
    WHERE workspace_id = ${ws.id} AND changed_on BETWEEN ${from}::date AND ${to}::date GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`.execute(db);
  expect(await lifecycleFlows(db, ws.id, from, to)).toEqual(direct.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, customers: r.n })));
}

describe.each(testStores())('overview counts stored with the scores on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('equal a grouping of the current scores after a full run, a targeted rescore, a former buyer dropped and scores deleted', async () => {
    const ws = await testWorkspace(h.db, { timezone: 'UTC', currency: 'USD' });
    expect(await clvDistribution(h.db, ws.id)).toEqual({ bands: [], withoutClv: 0, snapshot: null });
    expect((await rfmGrid(h.db, ws.id)).cells.every((c) => c.customers === 0)).toBe(true);
    await sql`
      INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, status, currency, ordered_at, total_minor, content_hash)
      SELECT ${ws.id}, 'cd' || n, c, c, 'completed', 'USD', t, a, ''
      FROM unnest(${transactions.map((t) => Number(t.customer_id))}::bigint[], ${transactions.map((t) => `${t.order_date}T12:00:00Z`)}::timestamptz[],
                  ${transactions.map((t) => Math.round(Number(t.amount) * 100))}::bigint[]) WITH ORDINALITY AS u(c, t, a, n)`.execute(h.db);
    const first = await runScoring(h.db, ws, { asOf: '1997-09-30', cold: true });
    expect(first.params.clv).not.toBeNull();
    await expectSnapshotMatches(h.db, ws, first.runId, first.runId);
    expect((await clvDistribution(h.db, ws.id)).bands.filter((b) => b.customers > 0).length).toBeGreaterThan(3);
    await expectFlowsMatch(h.db, ws, '1997-01-01', '1997-09-30');

    // Three weeks later some customers are rescored: stages, segments and CLVs move; one is no longer a buyer.
    const ids = [1, 2, 3, 18, 100, 500, 1000, 1500, 2000, 2300];
    await h.db.deleteFrom('customer_stats').where('workspace_id', '=', ws.id).where('customer_id', '=', 500).execute();
    const before = await h.db.selectFrom('customer_scores').select(['customer_id', 'lifecycle_stage', 'clv_minor']).where('workspace_id', '=', ws.id).where('customer_id', 'in', ids).execute();
    const targeted = await scoreCustomers(h.db, ws, ids, { clock: manualClock(new Date('1997-12-20T12:00:00Z')) });
    const after = await h.db.selectFrom('customer_scores').select(['customer_id', 'lifecycle_stage', 'clv_minor']).where('workspace_id', '=', ws.id).where('customer_id', 'in', ids).execute();
    expect(after).toHaveLength(before.length - 1);
    expect(after.filter((a) => before.find((b) => b.customer_id === a.customer_id)!.clv_minor !== a.clv_minor).length).toBeGreaterThan(0);
    await expectSnapshotMatches(h.db, ws, first.runId, targeted.runId);
    await expectFlowsMatch(h.db, ws, '1997-01-01', '1997-12-31');

    // Anyone deleting scores (an erasure does) takes them out of the counts; deleted transitions leave the flows.
    await h.db.deleteFrom('customer_scores').where('workspace_id', '=', ws.id).where('customer_id', 'in', [2, 3]).execute();
    await h.db.deleteFrom('lifecycle_transitions').where('workspace_id', '=', ws.id).where('customer_id', 'in', [2, 3]).execute();
    await expectSnapshotMatches(h.db, ws, first.runId, targeted.runId);
    await expectFlowsMatch(h.db, ws, '1997-01-01', '1997-12-31');

    // The next full run rebuilds the counts as its own.
    const daily = await runScoring(h.db, ws, { asOf: '1997-12-21' });
    await expectSnapshotMatches(h.db, ws, daily.runId, daily.runId);
    await expectFlowsMatch(h.db, ws, '1997-10-01', '1997-12-21');
  });
});
