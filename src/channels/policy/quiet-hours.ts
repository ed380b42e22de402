// Building an Intl.DateTimeFormat costs far more than using one, and a batch asks for the same few zones.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Minutes since local midnight of an instant in a time zone, and that local calendar day. */
function localParts(at: Date, timeZone: string): { year: number; month: number; day: number; minutes: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), minutes: get('hour') * 60 + get('minute') };
}

/** The instant at which the local wall clock in `timeZone` shows `minutes` on the given local day. */
function instantOfLocal(year: number, month: number, day: number, minutes: number, timeZone: string): Date {
  // Guess as if the zone were UTC, then correct by the zone's offset at the guess (twice, for DST edges).
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  let guess = wall;
  for (let i = 0; i < 2; i += 1) {
    const p = localParts(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minutes / 60), p.minutes % 60);
    guess += wall - shown;
  }
  return new Date(guess);
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Whether a time zone name is one the runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * When quiet hours [start, end) hold at `now` in the zone, the next instant they end; otherwise null.
 * A window whose start is after its end wraps midnight (21:00–08:00).
 */
export function quietUntil(now: Date, window: { readonly start: string; readonly end: string }, timeZone: string): Date | null {
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start === end) return null;
  const local = localParts(now, timeZone);
  const m = local.minutes;
  const inside = start < end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return null;
  // The window ends today if `end` is still ahead on the local clock, else tomorrow.
  const endsToday = m < end;
  const day = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsToday ? 0 : 1)));
  return instantOfLocal(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), end, timeZone);
}
