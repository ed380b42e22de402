import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { recordOrders, type OrderInput } from '../orders/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import { fmScore, rfmSegmentOf, runScoring, saveAnalyticsSettings } from './index.ts';

// An independent in-memory RFM: sort the buyers, give each tie group the fifth its middle falls in
// (recency, monetary) or where it starts (frequency), exactly as docs/analytics.md defines it, without
// the cut points the SQL path goes through.
function rankScores(values: readonly number[], higherIsBetter: boolean, ties: 'middle' | 'start'): number[] {
  const n = values.length;
  const order = values.map((v, i) => ({ v: higherIsBetter ? v : -v, i })).sort((a, b) => a.v - b.v);
  const scores = new Array<number>(n);
  for (let lo = 0; lo < n; ) {
    let hi = lo;
    while (hi + 1 < n && order[hi + 1]!.v === order[lo]!.v) hi++;
    const score = ties === 'start' ? 1 + Math.floor((5 * lo) / n) : 1 + Math.floor((5 * (lo + hi + 1)) / (2 * n));
    for (let k = lo; k <= hi; k++) scores[order[k]!.i] = score;
    lo = hi + 1;
  }
  return scores;
}

const day0 = Date.UTC(2024, 0, 1);
const isoDay = (offset: number) => new Date(day0 + offset * 86_400_000).toISOString().slice(0, 10);

// Customers, each with 1–4 orders: (day offset 0–59, amount 1–5000 fen); several customers share histories.
const dataArbitrary = fc.record({
  customers: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
  frequency: fc.constantFrom('order_days' as const, 'orders' as const),
  monetary: fc.constantFrom('total' as const, 'average' as const),
  segmentAxis: fc.constantFrom('f' as const, 'fm' as const),
});

describe.each(testStores())('RFM scores on $kind match an in-memory computation', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('on random data', async () => {
    await fc.assert(
      fc.asyncProperty(dataArbitrary, async ({ customers, frequency, monetary, segmentAxis }) => {
        const ws = await testWorkspace(h.db);
        await saveAnalyticsSettings(h.db, ws.id, { rfm: { frequency, monetary, segmentAxis }, clv: { enabled: false } });
        const orders: OrderInput[] = customers.flatMap((list, c) =>
          list.map(([day, amount], k) => ({
            externalId: `c${c}-${k}`,
            customer: { identities: [{ type: 'external_id' as const, value: `c${c}` }] },
            currency: 'CNY',
            orderedAt: new Date(`${isoDay(day)}T04:00:00Z`),
            totalMinor: amount,
          })),
        );
        const { customerIds } = await recordOrders(h.db, ws, orders);
        const asOf = isoDay(60);
        await runScoring(h.db, ws, { asOf });

        const expected = customers.map((list) => {
          const days = new Set(list.map(([d]) => d));
          const total = list.reduce((s, [, a]) => s + a, 0);
          const f = frequency === 'orders' ? list.length : days.size;
          return { recency: 60 - Math.max(...days), frequency: f, monetary: monetary === 'total' ? total : Math.round(total / f) };
        });
        const r = rankScores(expected.map((e) => e.recency), false, 'middle');
        const f = rankScores(expected.map((e) => e.frequency), true, 'start');
        const m = rankScores(expected.map((e) => e.monetary), true, 'middle');

        const rows = await h.db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', ws.id).execute();
        const byId = new Map(rows.map((row) => [row.customer_id, row]));
        expect(rows.length).toBe(customers.length);
        let index = 0;
        for (let c = 0; c < customers.length; c++) {
          const row = byId.get(customerIds[index]!)!;
          index += customers[c]!.length;
          const axis = segmentAxis === 'f' ? f[c]! : fmScore(f[c]!, m[c]!);
          expect({ ...expected[c], r: row.r_score, f: row.f_score, m: row.m_score, segment: row.rfm_segment }).toEqual({
            recency: row.recency_days,
            frequency: row.frequency,
            monetary: row.monetary_minor,
            r: r[c],
            f: f[c],
            m: m[c],
            segment: rfmSegmentOf(r[c]!, axis),
          });
        }
      }),
      { numRuns: 12 },
    );
  });
});
