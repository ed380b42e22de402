import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';

/** A point of the Pareto curve: the top `customerShare` of customers by revenue made `revenueShare` of it. */
export interface ParetoPoint {
  readonly customerShare: number;
  readonly customers: number;
  readonly revenueShare: number;
}

/** How concentrated revenue is among buyers. */
export interface RevenueConcentration {
  readonly customers: number;
  readonly revenueMinor: number;
  readonly curve: readonly ParetoPoint[];
  /** Gini coefficient of net revenue per customer (0: everyone equal; → 1: one customer has it all); null without revenue. */
  readonly gini: number | null;
}

/** The customer shares the curve is evaluated at. */
export const paretoShares = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

/**
 * Revenue concentration over all buyers' net revenue to date, read from customer_stats (one row per
 * customer). The top x% is ⌈x·n⌉ customers, ranked by revenue, ties broken by customer id.
 */
export async function revenueConcentration(db: Kysely<Database>, workspace: Workspace): Promise<RevenueConcentration> {
  const rows = await sql<{ rn: number; n: number; total: number; cum: number; weighted: number }>`
    WITH v AS (SELECT customer_id, total_minor AS v FROM customer_stats WHERE workspace_id = ${workspace.id} AND order_count > 0),
    r AS (
      SELECT row_number() OVER (ORDER BY v DESC, customer_id) AS rn, count(*) OVER () AS n, sum(v) OVER () AS total,
             sum(v) OVER (ORDER BY v DESC, customer_id ROWS UNBOUNDED PRECEDING) AS cum,
             v * row_number() OVER (ORDER BY v, customer_id) AS weighted
      FROM v
    ),
    g AS (SELECT sum(weighted) AS weighted FROM r)
    SELECT r.rn::int AS rn, r.n::int AS n, r.total::bigint AS total, r.cum::bigint AS cum, g.weighted::float8 AS weighted
    FROM r, g WHERE r.rn IN (SELECT ceil(s * r2.n) FROM unnest(${[...paretoShares]}::float8[]) AS s, (SELECT count(*) AS n FROM v) r2)
    ORDER BY r.rn`.execute(db);
  const first = rows.rows[0];
  if (!first) return { customers: 0, revenueMinor: 0, curve: paretoShares.map((s) => ({ customerShare: s, customers: 0, revenueShare: 0 })), gini: null };
  const n = first.n;
  const total = Number(first.total);
  const curve = paretoShares.map((share) => {
    const k = Math.ceil(share * n);
    const hit = rows.rows.find((r) => r.rn === k)!;
    return { customerShare: share, customers: k, revenueShare: total > 0 ? Number(hit.cum) / total : 0 };
  });
  // Gini = 2 Σ i·v_(i) / (n Σ v) − (n + 1)/n with v ascending (i = 1…n).
  const gini = total > 0 ? (2 * first.weighted) / (n * total) - (n + 1) / n : null;
  return { customers: n, revenueMinor: total, curve, gini };
}
