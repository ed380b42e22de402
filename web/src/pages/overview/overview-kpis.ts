import type { KpiReport } from './overview-api.ts';

/** The KPI cards, in reading order. */
export const kpiKeys = ['revenueMinor', 'orders', 'active', 'new', 'aovMinor', 'repurchaseRate', 'churnRate', 'averageLtvMinor'] as const;
export type KpiKey = (typeof kpiKeys)[number];

type Unit = 'money' | 'count' | 'percent';

const units: Readonly<Record<KpiKey, Unit>> = {
  revenueMinor: 'money',
  orders: 'count',
  active: 'count',
  new: 'count',
  aovMinor: 'money',
  repurchaseRate: 'percent',
  churnRate: 'percent',
  averageLtvMinor: 'money',
};

/** Churn going up is bad news; everything else going up is good. */
const lowerIsBetter: ReadonlySet<KpiKey> = new Set(['churnRate']);

/** A change against a comparison period: relative (+12%) for amounts and counts, in percentage points for rates. */
export interface KpiChange {
  readonly kind: 'relative' | 'points';
  /** A fraction for relative changes (0.12 = +12%), a difference of fractions for points (0.015 = +1.5 pp). */
  readonly value: number;
  readonly direction: 'up' | 'down' | 'flat';
  /** Whether the change is good news (null when flat). */
  readonly good: boolean | null;
  /** The comparison period's value, for the tooltip. */
  readonly before: number;
}

export interface KpiCard {
  readonly key: KpiKey;
  readonly unit: Unit;
  /** null when undefined in the period (nothing to divide by). */
  readonly value: number | null;
  readonly vsPrevious: KpiChange | null;
  readonly vsLastYear: KpiChange | null;
}

// Below this a change reads as "no change" (float noise, or 0.04% of a large number).
const flatBelow = 0.0005;

function change(key: KpiKey, current: number | null, before: number | null, relative: number | null | undefined): KpiChange | null {
  if (current === null || before === null) return null;
  const points = units[key] === 'percent';
  const value = points ? current - before : relative;
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const direction = Math.abs(value) < flatBelow ? 'flat' : value > 0 ? 'up' : 'down';
  const good = direction === 'flat' ? null : (direction === 'up') !== lowerIsBetter.has(key);
  return { kind: points ? 'points' : 'relative', value, direction, good, before };
}

/**
 * The KPI cards from the API's comparison: each value with its change against the previous period
 * and the same period last year. Relative changes are the API's (null when the earlier value is zero:
 * no meaningful percentage); rates compare in percentage points, computed here.
 */
export function kpiCards(report: KpiReport): KpiCard[] {
  return kpiKeys.map((key) => ({
    key,
    unit: units[key],
    value: report.current[key],
    vsPrevious: change(key, report.current[key], report.previous[key], report.changeVsPrevious[key]),
    vsLastYear: change(key, report.current[key], report.lastYear[key], report.changeVsLastYear[key]),
  }));
}
