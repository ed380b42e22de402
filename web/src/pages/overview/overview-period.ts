import type { Period } from './overview-api.ts';

/** The quick choices beside the date range picker. */
export const periodPresets = ['last30', 'last90', 'thisYear'] as const;
export type PeriodPreset = (typeof periodPresets)[number];

const dayMs = 86_400_000;
const isoDay = /^\d{4}-\d{2}-\d{2}$/;
const parseDay = (day: string) => Date.parse(`${day}T00:00:00Z`);
const formatDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Whether a string is a real calendar date written YYYY-MM-DD. */
export function isIsoDay(value: string | null | undefined): value is string {
  return typeof value === 'string' && isoDay.test(value) && formatDay(parseDay(value)) === value;
}

/** Adds whole days to an ISO date. */
export function addDays(day: string, days: number): string {
  return formatDay(parseDay(day) + days * dayMs);
}

/** Days in a period, both ends counted. */
export function periodDays(period: Period): number {
  return Math.round((parseDay(period.to) - parseDay(period.from)) / dayMs) + 1;
}

/** A preset period ending on `anchor` (the scoring run's as-of date, else today): the last 30 or 90 days, or the year so far. */
export function presetPeriod(preset: PeriodPreset, anchor: string): Period {
  switch (preset) {
    case 'last30':
      return { from: addDays(anchor, -29), to: anchor };
    case 'last90':
      return { from: addDays(anchor, -89), to: anchor };
    case 'thisYear':
      return { from: `${anchor.slice(0, 4)}-01-01`, to: anchor };
  }
}

/** The preset a period equals, if any (to highlight it). */
export function presetOf(period: Period, anchor: string): PeriodPreset | undefined {
  return periodPresets.find((preset) => {
    const p = presetPeriod(preset, anchor);
    return p.from === period.from && p.to === period.to;
  });
}

/** The equally long period just before, as the KPI API compares against. */
export function previousPeriod(period: Period): Period {
  const days = periodDays(period);
  return { from: addDays(period.from, -days), to: addDays(period.from, -1) };
}

/** The same dates a year earlier (29 February becomes the 28th), as the KPI API compares against. */
export function sameDatesLastYear(period: Period): Period {
  const back = (day: string) => {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
    return `${String(y - 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
  };
  return { from: back(period.from), to: back(period.to) };
}

/** Reads the period from the address (?from=&to=), else the default: the last 30 days to the anchor. */
export function periodFromSearch(search: URLSearchParams, anchor: string): Period {
  const from = search.get('from');
  const to = search.get('to');
  if (isIsoDay(from) && isIsoDay(to) && from <= to) return { from, to };
  return presetPeriod('last30', anchor);
}

/** Today's date in a time zone (the workspace's), as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
