import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../access/index.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { manualClock } from '../lib/clock.ts';
import { recordOrders, recordRefunds, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { rebuildCustomerStats, runScoring, saveAnalyticsSettings, scoreCustomers } from './index.ts';

// Noon in Shanghai on a local date, so the order day is that date.
const noon = (day: string) => new Date(`${day}T04:00:00Z`);
let orderNo = 0;
const order = (who: string, day: string, totalMinor: number): OrderInput => ({
  externalId: `o${++orderNo}`,
  customer: { identities: [{ type: 'email', value: `${who.toLowerCase()}@example.com` }] },
  currency: 'CNY',
  orderedAt: noon(day),
  totalMinor,
});

/**
 * The hand-worked data set: ten customers A–J. Scored as of 2025-06-30 the quintile scores are worked
 * out in docs/analytics.md ("A worked example"): R from recency 1, 2, 5, 20, 30, 90, 120, 149, 180, 181
 * days; F from order days with ties; M from totals. Each line: customer, order days, amount per day.
 */
const handWorked: [string, string[], number][] = [
  ['A', ['2025-06-29', '2025-06-20', '2025-06-01', '2025-05-10', '2025-04-01'], 10000],
  ['B', ['2025-06-28', '2025-02-01', '2025-01-15', '2024-12-01'], 8000],
  ['C', ['2025-06-25'], 3000],
  ['D', ['2025-06-10', '2025-05-20', '2025-02-01'], 5000],
  ['E', ['2025-05-31', '2025-05-01'], 4000],
  ['F', ['2025-04-01', '2025-03-01', '2025-02-01', '2025-01-01'], 6000],
  ['G', ['2025-03-02', '2025-01-10'], 2000],
  ['H', ['2025-02-01'], 1000],
  ['I', ['2025-01-01', '2024-12-01', '2024-11-01', '2024-10-01', '2024-09-01'], 9000],
  ['J', ['2024-12-31'], 500],
];

async function loadHandWorked(db: DatabaseHandle['db'], ws: Workspace): Promise<Map<string, number>> {
  const orders = handWorked.flatMap(([who, days, amount]) => days.map((d) => order(who, d, amount)));
  // A second order on A's last day: 6 orders on 5 order days.
  orders.push(order('A', '2025-06-29', 2000));
  const result = await recordOrders(db, ws, orders);
  const ids = new Map<string, number>();
  let i = 0;
  for (const [who, days] of handWorked) {
    ids.set(who, result.customerIds[i]!);
    i += days.length;
  }
  return ids;
}

async function scoresByName(db: DatabaseHandle['db'], ws: Workspace, ids: Map<string, number>) {
  const rows = await db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', ws.id).execute();
  const nameOf = new Map([...ids].map(([k, v]) => [v, k]));
  return Object.fromEntries(rows.map((r) => [nameOf.get(r.customer_id)!, r]));
}

describe.each(testStores())('scoring runs on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('scores the hand-worked data set: RFM scores, segments, lifecycle stages and value tiers', async () => {
    const ws = await testWorkspace(h.db);
    const ids = await loadHandWorked(h.db, ws);
    await saveAnalyticsSettings(h.db, ws.id, { clv: { enabled: false } });
    const run = await runScoring(h.db, ws, { asOf: '2025-06-30' });
    expect(run.customers).toBe(10);
    const s = await scoresByName(h.db, ws, ids);
    const pick = (k: 'recency_days' | 'frequency' | 'monetary_minor' | 'r_score' | 'f_score' | 'm_score' | 'rfm_segment' | 'lifecycle_stage' | 'stage_since' | 'value_tier') =>
      Object.fromEntries(Object.keys(s).sort().map((n) => [n, s[n]![k]]));
    expect(pick('recency_days')).toEqual({ A: 1, B: 2, C: 5, D: 20, E: 30, F: 90, G: 120, H: 149, I: 180, J: 181 });
    expect(pick('frequency')).toEqual({ A: 5, B: 4, C: 1, D: 3, E: 2, F: 4, G: 2, H: 1, I: 5, J: 1 });
    expect(pick('monetary_minor')).toEqual({ A: 52000, B: 32000, C: 3000, D: 15000, E: 8000, F: 24000, G: 4000, H: 1000, I: 45000, J: 500 });
    // R: ten distinct recencies, two per fifth. F: ties share the fifth where their group starts
    // (1 ×3 at positions 0–2 → 1; 2 ×2 from 3 → 2; 3 at 5 → 3; 4 ×2 from 6 → 4; 5 ×2 from 8 → 5).
    expect(pick('r_score')).toEqual({ A: 5, B: 5, C: 4, D: 4, E: 3, F: 3, G: 2, H: 2, I: 1, J: 1 });
    expect(pick('f_score')).toEqual({ A: 5, B: 4, C: 1, D: 3, E: 2, F: 4, G: 2, H: 1, I: 5, J: 1 });
    expect(pick('m_score')).toEqual({ A: 5, B: 4, C: 2, D: 3, E: 3, F: 4, G: 2, H: 1, I: 5, J: 1 });
    expect(pick('rfm_segment')).toEqual({
      A: 'champions',
      B: 'champions',
      C: 'promising',
      D: 'potential_loyalist',
      E: 'about_to_sleep',
      F: 'loyal',
      G: 'hibernating',
      H: 'hibernating',
      I: 'cant_lose',
      J: 'lost',
    });
    // Seven repeat buyers are too few to derive thresholds: dormant after 90 days, churned after 180.
    expect(run.params.lifecycle).toMatchObject({ dormantAfterDays: 90, churnedAfterDays: 180, source: 'fallback', repeatBuyers: 7 });
    // B came back on 06-28 after 147 days without an order (the first run reads orders, so it sees the gap).
    expect(pick('lifecycle_stage')).toEqual({
      A: 'active',
      B: 'won_back',
      C: 'new',
      D: 'active',
      E: 'active',
      F: 'active',
      G: 'dormant',
      H: 'dormant',
      I: 'dormant',
      J: 'churned',
    });
    expect(pick('stage_since')).toMatchObject({ B: '2025-06-28', C: '2025-06-25', G: '2025-06-01', H: '2025-05-03', I: '2025-04-02', J: '2025-06-30' });
    // Revenue 184,500: A (52,000) and I (45,000, with 52,000 above it < 50 %) are high; B and F (above them 97,000 and 129,000 < 80 %) mid.
    expect(pick('value_tier')).toEqual({ A: 'high', B: 'mid', C: 'low', D: 'low', E: 'low', F: 'mid', G: 'low', H: 'low', I: 'high', J: 'low' });
    expect(run.segments).toEqual({ champions: 2, promising: 1, potential_loyalist: 1, about_to_sleep: 1, loyal: 1, hibernating: 2, cant_lose: 1, lost: 1 });
    expect(run.historyRows).toBe(10);
    expect(run.transitions).toBe(10);
  });

  it('records history, transitions and targeted rescores on later runs', async () => {
    const ws = await testWorkspace(h.db);
    const ids = await loadHandWorked(h.db, ws);
    await saveAnalyticsSettings(h.db, ws.id, { clv: { enabled: false } });
    await runScoring(h.db, ws, { asOf: '2025-06-30' });
    // Same day again: nothing changed, so no history or transitions.
    const again = await runScoring(h.db, ws, { asOf: '2025-06-30' });
    expect(again).toMatchObject({ historyRows: 0, transitions: 0 });
    await expect(runScoring(h.db, ws, { asOf: '2025-06-01' })).rejects.toThrow(/already as of 2025-06-30/);

    // H (dormant) buys on 07-02; a targeted rescore that day makes H won back, with the full run's cut points.
    await recordOrders(h.db, ws, [order('H', '2025-07-02', 1000)]);
    const clock = manualClock(new Date('2025-07-02T10:00:00Z'));
    const targeted = await scoreCustomers(h.db, ws, [ids.get('H')!], { clock });
    expect(targeted).toMatchObject({ kind: 'targeted', asOf: '2025-07-02', customers: 1, transitions: 1 });
    let s = await scoresByName(h.db, ws, ids);
    expect(s.H).toMatchObject({ lifecycle_stage: 'won_back', stage_since: '2025-07-02', recency_days: 0, frequency: 2 });
    expect(s.A!.as_of).toBe('2025-06-30');

    // A month later: D (last order 06-10) passes 90 days only in September; run as of 2025-09-15.
    const later = await runScoring(h.db, ws, { asOf: '2025-09-15' });
    s = await scoresByName(h.db, ws, ids);
    expect(s.D).toMatchObject({ lifecycle_stage: 'dormant', stage_since: '2025-09-09' });
    // I (last order 01-01) passed 180 days without an order on 07-01.
    expect(s.I).toMatchObject({ lifecycle_stage: 'churned', stage_since: '2025-07-01' });
    expect(later.historyRows).toBeGreaterThan(0);
    const flows = await h.db
      .selectFrom('lifecycle_transitions')
      .select(['customer_id', 'from_stage', 'to_stage', 'changed_on'])
      .where('workspace_id', '=', ws.id)
      .where('customer_id', 'in', [ids.get('D')!, ids.get('I')!, ids.get('H')!, ids.get('C')!])
      .orderBy('customer_id')
      .orderBy('changed_on')
      .execute();
    const byName = new Map([...ids].map(([k, v]) => [v, k]));
    expect(flows.map((f) => `${byName.get(f.customer_id)} ${f.changed_on} ${f.from_stage ?? '-'}→${f.to_stage}`).sort()).toEqual(
      [
        'C 2025-06-25 -→new',
        'D 2025-06-10 -→active',
        'D 2025-09-09 active→dormant',
        'H 2025-05-03 -→dormant',
        'H 2025-07-02 dormant→won_back',
        'I 2025-04-02 -→dormant',
        'I 2025-07-01 dormant→churned',
      ].sort(),
    );
    const history = await h.db.selectFrom('customer_score_history').select(['run_id']).where('workspace_id', '=', ws.id).where('customer_id', '=', ids.get('H')!).execute();
    expect(history.length).toBeGreaterThanOrEqual(2);
  });

  it('gives clear answers on degenerate data', async () => {
    // No orders at all.
    const empty = await testWorkspace(h.db);
    const none = await runScoring(h.db, empty, { asOf: '2025-06-30' });
    expect(none).toMatchObject({ customers: 0, segments: {}, historyRows: 0 });
    expect(none.problems[0]).toMatch(/No buyers/);

    // One customer, all orders on one day: everyone ties, so R and M score the neutral 3 and F, one purchase day, 1.
    const one = await testWorkspace(h.db);
    await recordOrders(h.db, one, [order('solo', '2025-06-30', 1000), order('solo', '2025-06-30', 500)]);
    const solo = await runScoring(h.db, one, { asOf: '2025-06-30' });
    expect(solo.customers).toBe(1);
    const row = await h.db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', one.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ recency_days: 0, frequency: 1, monetary_minor: 1500, r_score: 3, f_score: 1, m_score: 3, rfm_segment: 'about_to_sleep', lifecycle_stage: 'new', value_tier: 'high' });
    expect(row.p_alive).toBeNull();
    expect(solo.problems[0]).toMatch(/Only one buyer/);

    // Several customers, every order on the as-of day: all tie on R (3) and on F (one purchase day: 1), no time observed for a model.
    const oneDay = await testWorkspace(h.db);
    await recordOrders(h.db, oneDay, [order('x', '2025-06-30', 100), order('y', '2025-06-30', 200), order('z', '2025-06-30', 300), order('free', '2025-06-30', 0)]);
    const sameDay = await runScoring(h.db, oneDay, { asOf: '2025-06-30' });
    // The zero-value order is not a purchase (customer_stats' rule), so "free" is no buyer.
    expect(sameDay.customers).toBe(3);
    const same = await h.db.selectFrom('customer_scores').select(['r_score', 'f_score', 'm_score', 'rfm_segment', 'p_alive']).where('workspace_id', '=', oneDay.id).orderBy('monetary_minor').execute();
    expect(same).toEqual([
      // Three distinct totals: centres at 1/6, 3/6, 5/6 of the ranking → M1, M3, M5.
      { r_score: 3, f_score: 1, m_score: 1, rfm_segment: 'about_to_sleep', p_alive: null },
      { r_score: 3, f_score: 1, m_score: 3, rfm_segment: 'about_to_sleep', p_alive: null },
      { r_score: 3, f_score: 1, m_score: 5, rfm_segment: 'about_to_sleep', p_alive: null },
    ]);
    expect(sameDay.problems[0]).toMatch(/No repeat buyers/);

    // Refunds making monetary zero: the fully refunded customer is no longer a buyer and is not scored.
    const refunds = await testWorkspace(h.db);
    await recordOrders(h.db, refunds, [order('keep', '2025-06-01', 1000), { ...order('gone', '2025-06-02', 700), externalId: 'refund-me' }]);
    await recordRefunds(h.db, refunds, [{ externalId: 'r1', orderExternalId: 'refund-me', amountMinor: 700, refundedAt: noon('2025-06-03') }]);
    const refunded = await runScoring(h.db, refunds, { asOf: '2025-06-30' });
    expect(refunded.customers).toBe(1);

    // Future-dated orders: not counted before they happen.
    const future = await testWorkspace(h.db);
    await recordOrders(h.db, future, [order('p', '2025-06-01', 1000), order('p', '2025-12-01', 9000), order('q', '2025-06-10', 2000)]);
    await runScoring(h.db, future, { asOf: '2025-06-30' });
    const rows = await h.db.selectFrom('customer_scores').select(['recency_days', 'frequency', 'monetary_minor']).where('workspace_id', '=', future.id).orderBy('recency_days').execute();
    expect(rows).toEqual([
      { recency_days: 20, frequency: 1, monetary_minor: 2000 },
      { recency_days: 29, frequency: 1, monetary_minor: 1000 },
    ]);
    // No NaN anywhere.
    const all = await h.db.selectFrom('customer_scores').selectAll().where('workspace_id', 'in', [one.id, oneDay.id, refunds.id, future.id]).execute();
    for (const r of all) for (const v of Object.values(r)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });

  it('serializes concurrent runs of a workspace, so the second sees the first as its previous run', async () => {
    const ws = await testWorkspace(h.db);
    await loadHandWorked(h.db, ws);
    await saveAnalyticsSettings(h.db, ws.id, { clv: { enabled: false } });
    const [a, b] = await Promise.all([runScoring(h.db, ws, { asOf: '2025-06-30' }), runScoring(h.db, ws, { asOf: '2025-06-30' })]);
    expect([a.transitions, b.transitions].sort()).toEqual([0, 10]);
    const rows = await h.db.selectFrom('lifecycle_transitions').select('customer_id').where('workspace_id', '=', ws.id).execute();
    expect(rows).toHaveLength(10);
  });

  it('rebuilds customer_stats from raw orders exactly as the per-write refresh keeps them', async () => {
    const ws = await testWorkspace(h.db);
    await loadHandWorked(h.db, ws);
    await recordOrders(h.db, ws, [{ ...order('K', '2025-03-03', 900), externalId: 'k-refund' }, { ...order('K', '2025-03-04', 100), status: 'cancelled' }, order('K', '2025-03-05', 300)]);
    await recordRefunds(h.db, ws, [{ externalId: 'kr', orderExternalId: 'k-refund', amountMinor: 400, refundedAt: noon('2025-03-06') }]);
    const read = () =>
      h.db
        .selectFrom('customer_stats')
        .select(['customer_id', 'first_order_at', 'last_order_at', 'order_count', 'order_days', 'total_minor', 'refunded_minor', 'first_day_minor', 'item_count', 'last_order_channel', 'last_order_store'])
        .where('workspace_id', '=', ws.id)
        .orderBy('customer_id')
        .execute();
    const kept = await read();
    expect(await rebuildCustomerStats(h.db, ws)).toBe(kept.length);
    expect(await read()).toEqual(kept);
  });
});
