import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/index.ts';
import { testWorkspace } from '../../test/fixtures.ts';
import { testStores } from '../../test/stores.ts';
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdProbabilityAlive,
  customerLifetimeValue,
  gammaGammaConditionalExpectedSpend,
  holdoutReport,
  runScoring,
  saveAnalyticsSettings,
  type ScoringParams,
} from './index.ts';

// The CDNOW sample (shared/datasets/README.md): 2,357 customers, calibration to 1997-09-30, weeks.
const transactions = parse(readFileSync(resolve(process.cwd(), '../shared/datasets/cdnow_sample_transactions.csv')), { columns: true }) as {
  customer_id: string;
  order_date: string;
  amount: string;
}[];

describe.each(testStores())('CLV scores on $kind', (store) => {
  let h: DatabaseHandle;
  beforeAll(async () => {
    h = await store.open();
  });
  afterAll(() => h.close());

  it('fits BG/NBD and Gamma-Gamma on the SQL summary of raw CDNOW orders and predicts per customer as the models do', async () => {
    const ws = await testWorkspace(h.db, { timezone: 'UTC', currency: 'USD' });
    // Exact z̄ for the comparison with the paper (the default rounds z̄ to 4 significant digits, which moves γ from 15.444 to 15.447).
    await saveAnalyticsSettings(h.db, ws.id, { clv: { timeUnit: 'weeks', horizonDays: 365, annualDiscountRate: 0.1, fitSpendDigits: null } });
    // Straight into orders, as a bulk import would, then the cold path rebuilds customer_stats from them.
    const ids = transactions.map((t) => Number(t.customer_id));
    const days = transactions.map((t) => `${t.order_date}T12:00:00Z`);
    const cents = transactions.map((t) => Math.round(Number(t.amount) * 100));
    await sql`
      INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, status, currency, ordered_at, total_minor, content_hash)
      SELECT ${ws.id}, 'cd' || n, c, c, 'completed', 'USD', t, a, ''
      FROM unnest(${ids}::bigint[], ${days}::timestamptz[], ${cents}::bigint[]) WITH ORDINALITY AS u(c, t, a, n)`.execute(h.db);
    const run = await runScoring(h.db, ws, { asOf: '1997-09-30', cold: true });
    // Eight sample customers bought only $0 CDs; customer_stats does not count a zero-value order as a
    // purchase, so they are not buyers here and the fit sees 2,349 of the paper's 2,357.
    expect(run.customers).toBe(2349);
    const clv = run.params.clv!;
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426 (the log-likelihood, −9582.4 over
    // all 2,357, is −9578.2 here without the eight); Gamma-Gamma p = 6.25, q = 3.74, γ = 15.44 USD.
    expect(clv.bgnbd.r).toBeCloseTo(0.243, 2);
    expect(clv.bgnbd.alpha).toBeCloseTo(4.414, 1);
    expect(clv.bgnbd.a).toBeCloseTo(0.793, 2);
    expect(clv.bgnbd.b).toBeCloseTo(2.426, 1);
    expect(clv.bgnbdFit.logLikelihood).toBeCloseTo(-9578.2, 0);
    expect(clv.gammaGamma!.p).toBeCloseTo(6.25, 2);
    expect(clv.gammaGamma!.q).toBeCloseTo(3.74, 2);
    expect(clv.gammaGamma!.gamma / 100).toBeCloseTo(15.44, 2);

    // Each stored prediction equals the clv module's own function at the stored parameters.
    const rows = await h.db.selectFrom('customer_scores').selectAll().where('workspace_id', '=', ws.id).where('customer_id', 'in', [1, 2, 3, 18, 1000]).execute();
    expect(rows).toHaveLength(5);
    const stats = await h.db.selectFrom('customer_stats').selectAll().where('workspace_id', '=', ws.id).where('customer_id', 'in', [1, 2, 3, 18, 1000]).execute();
    for (const row of rows) {
      const s = stats.find((x) => x.customer_id === row.customer_id)!;
      const first = Date.parse(`${row.first_order_day}T00:00:00Z`);
      const weeks = (day: string) => (Date.parse(`${day}T00:00:00Z`) - first) / (7 * 86_400_000);
      // customer_stats holds all history; the run saw only the calibration period, so recount x and spend from orders.
      const cal = transactions.filter((t) => Number(t.customer_id) === row.customer_id && t.order_date <= '1997-09-30');
      const dayTotals = new Map<string, number>();
      for (const t of cal) dayTotals.set(t.order_date, (dayTotals.get(t.order_date) ?? 0) + Math.round(Number(t.amount) * 100));
      const x = dayTotals.size - 1;
      const history = { x, tx: weeks(row.last_order_day), T: weeks('1997-09-30') };
      const repeat = [...dayTotals.entries()].filter(([d]) => d !== row.first_order_day).reduce((a, [, v]) => a + v, 0);
      const zbar = x > 0 ? repeat / x : 0;
      expect(row.p_alive!).toBeCloseTo(bgnbdProbabilityAlive(clv.bgnbd, history), 9);
      expect(row.expected_purchases_90!).toBeCloseTo(bgnbdConditionalExpectedPurchases(clv.bgnbd, 90 / 7, history), 9);
      expect(row.expected_aov_minor!).toBeCloseTo(gammaGammaConditionalExpectedSpend(clv.gammaGamma!, { x, zbar }), 6);
      const lifetime = customerLifetimeValue(clv.bgnbd, clv.gammaGamma!, { ...history, zbar }, { periods: 12, periodLength: 365.25 / 12 / 7, discountRate: Math.pow(1.1, 1 / 12) - 1 });
      expect(row.clv_minor!).toBeCloseTo(lifetime, 4);
      expect(s.order_count).toBeGreaterThan(0);
    }
    const params = (await h.db.selectFrom('score_runs').select('params').where('id', '=', run.runId).executeTakeFirstOrThrow()).params as unknown as ScoringParams;
    expect(params.clv?.bgnbd.r).toBe(clv.bgnbd.r);
  });

  it('checks the purchase model on a calibration/holdout split of the CDNOW orders', async () => {
    const ws = await testWorkspace(h.db, { timezone: 'UTC', currency: 'USD' });
    await sql`
      INSERT INTO orders (workspace_id, external_id, customer_id, origin_customer_id, status, currency, ordered_at, total_minor, content_hash)
      SELECT ${ws.id}, 'cd' || n, c, c, 'completed', 'USD', t, a, ''
      FROM unnest(${transactions.map((t) => Number(t.customer_id))}::bigint[], ${transactions.map((t) => `${t.order_date}T12:00:00Z`)}::timestamptz[],
                  ${transactions.map((t) => Math.round(Number(t.amount) * 100))}::bigint[]) WITH ORDINALITY AS u(c, t, a, n)`.execute(h.db);
    const report = await holdoutReport(h.db, ws, { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', timeUnit: 'weeks' });
    expect(report.customers).toBe(2349);
    expect(report.params.r).toBeCloseTo(0.243, 2);
    expect(report.byRepeatPurchases.map((r) => r.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // A sanity bound, not a published figure: 1,653 expected against 1,882 actual holdout order days (the
    // model under-predicts the light repeat buyers, x = 1 and 2, as in the paper's conditional expectations).
    expect(report.total.actual).toBe(1882);
    expect(Math.abs(report.total.expected - report.total.actual) / report.total.actual).toBeLessThan(0.15);
    expect(report.byRepeatPurchases[0]).toMatchObject({ customers: 1403 });
    expect(report.byRepeatPurchases[0]!.expected).toBeCloseTo(report.byRepeatPurchases[0]!.actual, 1);
  });
});
