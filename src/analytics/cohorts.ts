import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput } from '../lib/errors.ts';

/** One month of an acquisition cohort. */
export interface CohortMonth {
  /** Months since the cohort's first order month (0 = the acquisition month). */
  readonly offset: number;
  readonly activeCustomers: number;
  /** Share of the cohort with a kept order in this month. */
  readonly activeShare: number;
  /** Net revenue in this month divided by the cohort's size (minor units, fractional). */
  readonly revenuePerCustomerMinor: number;
  /** Net revenue from the acquisition month through this one, per cohort customer. */
  readonly cumulativeLtvMinor: number;
}

/** A monthly acquisition cohort: the customers whose first kept order fell in `cohort`. */
export interface Cohort {
  /** YYYY-MM in the workspace's time zone. */
  readonly cohort: string;
  readonly customers: number;
  readonly months: readonly CohortMonth[];
}

const monthPattern = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * Cohort retention from orders (set-based, one pass): monthly acquisition cohorts × months since the
 * first order, with active share, revenue per customer and cumulative LTV, for cohorts acquired from
 * `from` to `to` (YYYY-MM, inclusive), counting orders up to the end of asOf. Every month up to asOf
 * is listed, including months where nobody bought.
 */
export async function cohortRetention(db: Kysely<Database>, workspace: Workspace, options: { from: string; to: string; asOf: string }): Promise<Cohort[]> {
  const { from, to, asOf } = options;
  if (!monthPattern.test(from) || !monthPattern.test(to) || from > to) throw invalidInput('Give cohorts as YYYY-MM months with from ≤ to', { path: ['from'], value: { from, to } });
  const tz = workspace.timezone;
  const rows = await sql<{ cohort: string; off: number; active: number; revenue: number; size: number }>`
    WITH kept AS (
      SELECT customer_id, date_trunc('month', ordered_at AT TIME ZONE ${tz})::date AS month, total_minor - refunded_minor AS net
      FROM orders
      WHERE workspace_id = ${workspace.id} AND customer_id IS NOT NULL AND status <> 'cancelled' AND total_minor > refunded_minor
        AND ordered_at < ((${asOf}::date + 1)::timestamp AT TIME ZONE ${tz})
    ),
    firsts AS (SELECT customer_id, min(month) AS cohort FROM kept GROUP BY customer_id),
    chosen AS (SELECT * FROM firsts WHERE cohort BETWEEN ${`${from}-01`}::date AND ${`${to}-01`}::date),
    sizes AS (SELECT cohort, count(*)::int AS size FROM chosen GROUP BY cohort),
    activity AS (
      SELECT c.cohort, ((extract(year FROM k.month) - extract(year FROM c.cohort)) * 12 + extract(month FROM k.month) - extract(month FROM c.cohort))::int AS off,
             count(DISTINCT k.customer_id)::int AS active, sum(k.net)::bigint AS revenue
      FROM kept k JOIN chosen c ON c.customer_id = k.customer_id GROUP BY 1, 2
    )
    SELECT to_char(s.cohort, 'YYYY-MM') AS cohort, a.off, a.active, a.revenue, s.size
    FROM sizes s JOIN activity a ON a.cohort = s.cohort ORDER BY 1, 2`.execute(db);

  const asOfMonth = asOf.slice(0, 7);
  const monthsBetween = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
  const byCohort = new Map<string, { size: number; cells: Map<number, { active: number; revenue: number }> }>();
  for (const r of rows.rows) {
    const entry = byCohort.get(r.cohort) ?? { size: r.size, cells: new Map() };
    entry.cells.set(r.off, { active: r.active, revenue: Number(r.revenue) });
    byCohort.set(r.cohort, entry);
  }
  return [...byCohort.entries()].map(([cohort, { size, cells }]) => {
    const months: CohortMonth[] = [];
    let cumulative = 0;
    for (let offset = 0; offset <= monthsBetween(cohort, asOfMonth); offset++) {
      const cell = cells.get(offset) ?? { active: 0, revenue: 0 };
      cumulative += cell.revenue;
      months.push({ offset, activeCustomers: cell.active, activeShare: cell.active / size, revenuePerCustomerMinor: cell.revenue / size, cumulativeLtvMinor: cumulative / size });
    }
    return { cohort, customers: size, months };
  });
}
