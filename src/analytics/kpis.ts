import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput } from '../lib/errors.ts';
import { channelCac, type ChannelCac } from './acquisition.ts';
import { surveyScores, type SurveyScore } from './surveys.ts';

/** The weekly-review numbers of one period; amounts in minor units, rates as fractions, null where undefined (nothing to divide by). */
export interface PeriodKpis {
  readonly from: string;
  readonly to: string;
  /** Buyers whose first kept order came before the period's end (the customer base). */
  readonly customers: number;
  /** Customers with a kept order in the period. */
  readonly active: number;
  /** Customers whose first kept order fell in the period. */
  readonly new: number;
  /** Active customers who had bought before the period. */
  readonly returning: number;
  /** Share of active customers with orders on two or more days in the period (复购率). */
  readonly repurchaseRate: number | null;
  readonly orders: number;
  /** Net revenue of the period's kept orders. */
  readonly revenueMinor: number;
  /** Revenue per order. */
  readonly aovMinor: number | null;
  /** Orders per active customer. */
  readonly purchaseFrequency: number | null;
  /** Of the customers active in the equally long period just before, the share who bought nothing in this one. */
  readonly churnRate: number | null;
  /** Net revenue of all kept orders up to the period's end per customer. */
  readonly averageLtvMinor: number | null;
  /** CAC per acquisition channel from the marketing-spend table (empty without spend or new customers). */
  readonly acquisition: readonly ChannelCac[];
  /** Net Promoter Score over the period's survey responses (null without responses). */
  readonly nps: SurveyScore;
  /** Customer satisfaction (share of 4–5 on 1–5) over the period's survey responses. */
  readonly csat: SurveyScore;
}

/** A period's KPIs beside the period before and the same period a year earlier, with relative changes. */
export interface KpiComparison {
  readonly current: PeriodKpis;
  readonly previous: PeriodKpis;
  readonly lastYear: PeriodKpis;
  /** (current − other) / other per metric; null when the other is zero or undefined. */
  readonly changeVsPrevious: Record<string, number | null>;
  readonly changeVsLastYear: Record<string, number | null>;
}

const dayMs = 86_400_000;
const parseDay = (d: string) => Date.parse(`${d}T00:00:00Z`);
const formatDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
function yearEarlier(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  // 29 February a year earlier is 28 February.
  const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
  return `${String(y - 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** KPIs of one period [from, to] (ISO dates, inclusive, in the workspace's time zone), from orders. */
export async function periodKpis(db: Kysely<Database>, workspace: Workspace, from: string, to: string): Promise<PeriodKpis> {
  const tz = workspace.timezone;
  const days = Math.round((parseDay(to) - parseDay(from)) / dayMs) + 1;
  const start = sql`(${from}::date::timestamp AT TIME ZONE ${tz})`;
  const end = sql`((${to}::date + 1)::timestamp AT TIME ZONE ${tz})`;
  const before = sql`((${from}::date - ${days}::int)::timestamp AT TIME ZONE ${tz})`;
  const raw = sql<Record<'customers' | 'active' | 'new' | 'repeaters' | 'orders' | 'revenue' | 'prev_active' | 'lapsed' | 'lifetime', number | null>>`
    WITH k AS MATERIALIZED (
      SELECT customer_id, ordered_at, total_minor - refunded_minor AS net, (ordered_at AT TIME ZONE ${tz})::date AS day
      FROM orders
      WHERE workspace_id = ${workspace.id} AND customer_id IS NOT NULL AND status <> 'cancelled' AND total_minor > refunded_minor AND ordered_at < ${end}
    ),
    firsts AS (SELECT customer_id, min(ordered_at) AS first_at FROM k GROUP BY customer_id),
    inp AS (SELECT customer_id, count(*) AS orders, count(DISTINCT day) AS days, sum(net) AS revenue FROM k WHERE ordered_at >= ${start} GROUP BY customer_id),
    prev AS (SELECT DISTINCT customer_id FROM k WHERE ordered_at >= ${before} AND ordered_at < ${start})
    SELECT (SELECT count(*) FROM firsts)::int AS customers,
           (SELECT count(*) FROM inp)::int AS active,
           (SELECT count(*) FROM firsts WHERE first_at >= ${start})::int AS new,
           (SELECT count(*) FROM inp WHERE days >= 2)::int AS repeaters,
           (SELECT coalesce(sum(orders), 0) FROM inp)::bigint AS orders,
           (SELECT coalesce(sum(revenue), 0) FROM inp)::bigint AS revenue,
           (SELECT count(*) FROM prev)::int AS prev_active,
           (SELECT count(*) FROM prev p WHERE NOT EXISTS (SELECT 1 FROM inp WHERE inp.customer_id = p.customer_id))::int AS lapsed,
           (SELECT coalesce(sum(net), 0) FROM k)::bigint AS lifetime`.execute(db);
  const [result, acquisition, surveys] = await Promise.all([raw, channelCac(db, workspace.id, tz, from, to), surveyScores(db, workspace.id, tz, from, to)]);
  const r = result.rows[0]!;
  const n = (v: number | null) => Number(v ?? 0);
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const active = n(r.active);
  const orders = n(r.orders);
  const revenue = n(r.revenue);
  return {
    from,
    to,
    customers: n(r.customers),
    active,
    new: n(r.new),
    returning: active - n(r.new),
    repurchaseRate: ratio(n(r.repeaters), active),
    orders,
    revenueMinor: revenue,
    aovMinor: ratio(revenue, orders),
    purchaseFrequency: ratio(orders, active),
    churnRate: ratio(n(r.lapsed), n(r.prev_active)),
    averageLtvMinor: ratio(n(r.lifetime), n(r.customers)),
    acquisition,
    ...surveys,
  };
}

const compared = ['customers', 'active', 'new', 'returning', 'repurchaseRate', 'orders', 'revenueMinor', 'aovMinor', 'purchaseFrequency', 'churnRate', 'averageLtvMinor'] as const;

const change = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : (a - b) / b);

// NPS and CSAT are already percentages (NPS may be negative), so they change by points, not by a ratio.
function changes(current: PeriodKpis, other: PeriodKpis): Record<string, number | null> {
  const points = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    ...Object.fromEntries(compared.map((k) => [k, change(current[k], other[k])])),
    npsPoints: points(current.nps.score, other.nps.score),
    csatPoints: points(current.csat.score, other.csat.score),
  };
}

/** KPIs for [from, to] with the previous period of the same length and the same dates a year earlier. */
export async function compareKpis(db: Kysely<Database>, workspace: Workspace, from: string, to: string): Promise<KpiComparison> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || Number.isNaN(parseDay(from)) || Number.isNaN(parseDay(to)) || from > to) {
    throw invalidInput('Give the period as two dates YYYY-MM-DD with from ≤ to', { path: ['from'], value: { from, to } });
  }
  const days = Math.round((parseDay(to) - parseDay(from)) / dayMs) + 1;
  const [current, previous, lastYear] = await Promise.all([
    periodKpis(db, workspace, from, to),
    periodKpis(db, workspace, formatDay(parseDay(from) - days * dayMs), formatDay(parseDay(from) - dayMs)),
    periodKpis(db, workspace, yearEarlier(from), yearEarlier(to)),
  ]);
  return { current, previous, lastYear, changeVsPrevious: changes(current, previous), changeVsLastYear: changes(current, lastYear) };
}
