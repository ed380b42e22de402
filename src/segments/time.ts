// Calendar arithmetic for rule conditions, done once in code so the compiled SQL compares columns with
// bound instants and days (which the planner can use) instead of computing boundaries per row.

const dayMs = 86_400_000;

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayInZone(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Adds whole days to a calendar day. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** Moves a calendar day by whole months, clamping to the month's last day (Mar 31 − 1 month = Feb 28/29). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

/** The instant a calendar day begins in a time zone (handles offsets and DST by asking Intl for the offset). */
export function startOfDayInZone(day: string, timezone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  let guess = utcMidnight;
  // Two rounds settle the offset even when the day starts next to a DST change.
  for (let i = 0; i < 2; i += 1) guess = utcMidnight - offsetMs(new Date(guess), timezone);
  return new Date(guess);
}

function offsetMs(at: Date, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(at.getTime() / 1000) * 1000;
}

export type TimeUnit = 'hours' | 'days' | 'weeks' | 'months';

/** The instant `amount` units before (negative amount: after) `now`; months are calendar months in the zone. */
export function shiftInstant(now: Date, amount: number, unit: TimeUnit, timezone: string): Date {
  if (unit === 'hours') return new Date(now.getTime() - amount * 3_600_000);
  if (unit === 'days' || unit === 'weeks') return new Date(now.getTime() - amount * (unit === 'weeks' ? 7 : 1) * dayMs);
  // Keep the wall-clock time of day and move the calendar by months.
  const today = dayInZone(now, timezone);
  const target = addMonths(today, -amount);
  return new Date(now.getTime() + (startOfDayInZone(target, timezone).getTime() - startOfDayInZone(today, timezone).getTime()));
}

/** The calendar day `amount` units before (negative: after) `today`. */
export function shiftDay(today: string, amount: number, unit: TimeUnit): string {
  if (unit === 'months') return addMonths(today, -amount);
  if (unit === 'weeks') return addDays(today, -7 * amount);
  if (unit === 'days') return addDays(today, -amount);
  return addDays(today, -Math.floor(amount / 24));
}

/**
 * The month-days ("MM-DD") from today through `days` days ahead: whose birthday or anniversary falls in
 * that span. A 29 February anniversary is kept on 28 February in years without one.
 */
export function monthDaysAhead(today: string, days: number): string[] {
  const out = new Set<string>();
  for (let i = 0; i <= days; i += 1) {
    const day = addDays(today, i);
    const monthDay = day.slice(5);
    out.add(monthDay);
    const year = Number(day.slice(0, 4));
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (monthDay === '02-28' && !leap) out.add('02-29');
  }
  return [...out];
}
