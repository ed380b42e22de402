/** A date or time read from a file cell: the instant, and a stable key for deriving order numbers. */
export interface DateReading {
  readonly at: Date;
  /** The calendar date as written (YYYY-MM-DD): birthdays and purchase days are kept without a time zone shift. */
  readonly date: string;
  /** `YYYY-MM-DD` for a date without a time, the local time `YYYY-MM-DDTHH:mm:ss` as written, or the UTC instant when the value named its offset. */
  readonly key: string;
  readonly dateOnly: boolean;
}

/** Reads one cell value as a date; returns an error message instead when it cannot. */
export type DateParser = (value: unknown) => DateReading | string;

/** The formats `--date-format` accepts besides a pattern such as `D/M/YYYY H:mm`. */
export const namedDateFormats = ['auto', 'iso', 'excel', 'epoch', 'epoch-ms'] as const;

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number) => String(n).padStart(4, '0');
const msPerDay = 86_400_000;
// Excel's day 0 is 1899-12-30 (the 1900 leap-year bug folded in), so serial 1 is 1900-01-01.
const excelEpochMs = Date.UTC(1899, 11, 30);

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
  dateOnly: boolean;
  /** Offset in minutes when the value named one (Z or ±hh:mm): the value is then an instant, not a local time. */
  offset?: number | undefined;
}

/** Converts local wall-clock times to instants in one IANA time zone, caching the offset per local hour. */
function createZone(timezone: string): (wallMs: number) => number {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return (wallMs) => wallMs;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (instantMs: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(new Date(instantMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asWall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
    return asWall - Math.floor(instantMs / 1000) * 1000;
  };
  const cache = new Map<number, number>();
  return (wallMs) => {
    const hour = Math.floor(wallMs / 3_600_000);
    let offset = cache.get(hour);
    if (offset === undefined) {
      // Two rounds settle the offset on either side of a daylight-saving change.
      const first = offsetAt(wallMs);
      offset = offsetAt(wallMs - first);
      if (cache.size > 100_000) cache.clear();
      cache.set(hour, offset);
    }
    return wallMs - offset;
  };
}

/** Throws a RangeError naming the zone when it is not an IANA time zone Node knows. */
export function checkTimezone(timezone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone: timezone });
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : monthDays[mo - 1]!;
}

function validWall(w: Wall): boolean {
  return w.y >= 1000 && w.y <= 9999 && w.mo >= 1 && w.mo <= 12 && w.d >= 1 && w.d <= daysInMonth(w.y, w.mo) && w.h <= 23 && w.mi <= 59 && w.s <= 59;
}

function toReading(w: Wall, toInstant: (wallMs: number) => number): DateReading {
  const date = `${pad4(w.y)}-${pad2(w.mo)}-${pad2(w.d)}`;
  const wallMs = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms);
  if (w.offset !== undefined) {
    const at = new Date(wallMs - w.offset * 60_000);
    return { at, date, key: at.toISOString(), dateOnly: false };
  }
  const at = new Date(toInstant(wallMs));
  const key = w.dateOnly ? date : `${date}T${pad2(w.h)}:${pad2(w.mi)}:${pad2(w.s)}${w.ms ? `.${String(w.ms).padStart(3, '0')}` : ''}`;
  return { at, date, key, dateOnly: w.dateOnly };
}

const fraction = (text: string | undefined) => (text ? Math.round(Number(`0.${text}`) * 1000) : 0);

function twelveHour(h: number, meridiem: string | undefined): number {
  if (!meridiem) return h;
  const pm = /^p/i.test(meridiem) || meridiem === '下午';
  return (h % 12) + (pm ? 12 : 0);
}

// ISO 8601 and the year-first forms shops export: 2025-03-01, 2025-03-01 08:26:00, 2025/3/1 8:26, 2025.03.01, 2025年3月1日 8:26, with Z or ±hh:mm.
const yearFirst = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
// US month-first, as Excel writes it in CSV: 12/1/2010 8:26, 12/01/2010 08:26:00 PM.
const monthFirst = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]\.?M\.?)?)?$/i;
const compact = /^(\d{4})(\d{2})(\d{2})$/;

function offsetMinutes(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
}

function readYearFirst(text: string): Wall | undefined {
  const m = yearFirst.exec(text);
  if (!m) return undefined;
  return {
    y: Number(m[1]),
    mo: Number(m[2]),
    d: Number(m[3]),
    h: m[4] ? Number(m[4]) : 0,
    mi: m[5] ? Number(m[5]) : 0,
    s: m[6] ? Number(m[6]) : 0,
    ms: fraction(m[7]),
    dateOnly: m[4] === undefined,
    offset: offsetMinutes(m[8]),
  };
}

function readMonthFirst(text: string): Wall | undefined {
  const m = monthFirst.exec(text);
  if (!m) return undefined;
  return {
    y: Number(m[3]),
    mo: Number(m[1]),
    d: Number(m[2]),
    h: m[4] ? twelveHour(Number(m[4]), m[7]) : 0,
    mi: m[5] ? Number(m[5]) : 0,
    s: m[6] ? Number(m[6]) : 0,
    ms: 0,
    dateOnly: m[4] === undefined,
  };
}

function readCompact(text: string): Wall | undefined {
  const m = compact.exec(text);
  if (!m) return undefined;
  return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0, ms: 0, dateOnly: true };
}

/** Excel stores times as days since 1899-12-30; the fraction is the time of day (local wall time). */
function fromExcelSerial(serial: number): Wall {
  const ms = Math.round((excelEpochMs + serial * msPerDay) / 1000) * 1000;
  const d = new Date(ms);
  return fromUtcFields(d, Number.isInteger(serial));
}

/** Spreadsheet dates arrive as Dates whose UTC fields are the wall time written in the sheet. */
function fromUtcFields(d: Date, dateOnly: boolean): Wall {
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    dateOnly: dateOnly || (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0),
  };
}

function fromEpoch(ms: number): Wall {
  return { ...fromUtcFields(new Date(ms), false), dateOnly: false, offset: 0 };
}

/**
 * How a bare number is read in auto mode: YYYYMMDD, Unix seconds or milliseconds, and (for numeric cells
 * only, not text, where "2025" must not become a day in 1905) an Excel serial day.
 */
function fromNumber(n: number, serialDays: boolean): Wall | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (Number.isInteger(n) && n >= 10_000_101 && n <= 99_991_231) return readCompact(String(n));
  if (serialDays && n < 2_958_466) return fromExcelSerial(n);
  if (n >= 1e9 && n < 1e11) return fromEpoch(n * 1000);
  if (n >= 1e11 && n < 1e14) return fromEpoch(n);
  return undefined;
}

const numericText = /^\d+(\.\d+)?$/;

function readAuto(value: unknown): Wall | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : fromUtcFields(value, false);
  if (typeof value === 'number') return fromNumber(value, true);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return readYearFirst(text) ?? readMonthFirst(text) ?? (numericText.test(text) ? fromNumber(Number(text), false) : undefined);
}

const patternTokens: Record<string, { re: string; field: keyof Wall | 'meridiem' }> = {
  YYYY: { re: '(\\d{4})', field: 'y' },
  MM: { re: '(\\d{2})', field: 'mo' },
  M: { re: '(\\d{1,2})', field: 'mo' },
  DD: { re: '(\\d{2})', field: 'd' },
  D: { re: '(\\d{1,2})', field: 'd' },
  HH: { re: '(\\d{2})', field: 'h' },
  H: { re: '(\\d{1,2})', field: 'h' },
  hh: { re: '(\\d{2})', field: 'h' },
  h: { re: '(\\d{1,2})', field: 'h' },
  mm: { re: '(\\d{2})', field: 'mi' },
  ss: { re: '(\\d{2})', field: 's' },
  SSS: { re: '(\\d{3})', field: 'ms' },
  A: { re: '([AaPp][Mm])', field: 'meridiem' },
};

/**
 * Compiles a pattern such as `D/M/YYYY H:mm` or `YYYYMMDD` (tokens YYYY MM M DD D HH H hh h mm ss SSS A;
 * anything else is literal) into a reader. Throws when the pattern has no year, month and day.
 */
function compilePattern(pattern: string): (text: string) => Wall | undefined {
  const fields: (keyof Wall | 'meridiem')[] = [];
  let re = '^';
  let rest = pattern;
  const tokens = Object.keys(patternTokens).sort((a, b) => b.length - a.length);
  while (rest.length > 0) {
    const token = tokens.find((t) => rest.startsWith(t));
    if (token) {
      re += patternTokens[token]!.re;
      fields.push(patternTokens[token]!.field);
      rest = rest.slice(token.length);
    } else {
      re += rest[0] === ' ' ? '\\s+' : rest[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      rest = rest.slice(1);
    }
  }
  if (!fields.includes('y') || !fields.includes('mo') || !fields.includes('d')) {
    throw new Error(`date format "${pattern}" needs a year (YYYY), a month (M or MM) and a day (D or DD)`);
  }
  const regex = new RegExp(`${re}$`);
  const hasTime = fields.includes('h');
  return (text) => {
    const m = regex.exec(text);
    if (!m) return undefined;
    const w: Wall = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0, ms: 0, dateOnly: !hasTime };
    let meridiem: string | undefined;
    fields.forEach((f, i) => {
      if (f === 'meridiem') meridiem = m[i + 1];
      else if (f !== 'dateOnly' && f !== 'offset') w[f] = Number(m[i + 1]);
    });
    w.h = twelveHour(w.h, meridiem);
    return w;
  };
}

/**
 * Makes the date reader for a file: `format` is `auto` (ISO, YYYYMMDD, YYYY/MM/DD HH:mm, M/D/YYYY H:mm,
 * Excel serial days, Unix epochs and spreadsheet date cells), `iso`, `excel`, `epoch`, `epoch-ms` or a
 * pattern; local times are read in `timezone` (IANA). Throws on an unusable format or time zone.
 */
export function createDateParser(format: string | undefined, timezone: string): DateParser {
  checkTimezone(timezone);
  const toInstant = createZone(timezone);
  const chosen = format ?? 'auto';
  let read: (value: unknown) => Wall | undefined;
  let expected: string;
  switch (chosen) {
    case 'auto':
      read = readAuto;
      expected = 'a date such as 2025-03-01, 2025-03-01 08:26, 20250301, 2025/03/01 08:26 or 3/1/2025 8:26 (pass --date-format for others, e.g. D/M/YYYY)';
      break;
    case 'iso':
      read = (v) => (v instanceof Date ? readAuto(v) : typeof v === 'string' ? readYearFirst(v.trim()) : undefined);
      expected = 'an ISO 8601 date such as 2025-03-01 or 2025-03-01T08:26:00+08:00';
      break;
    case 'excel':
      read = (v) => (v instanceof Date ? readAuto(v) : typeof v === 'number' || (typeof v === 'string' && numericText.test(v.trim())) ? fromExcelSerial(Number(v)) : undefined);
      expected = 'an Excel serial date such as 45717.35';
      break;
    case 'epoch':
    case 'epoch-ms': {
      const scale = chosen === 'epoch' ? 1000 : 1;
      read = (v) => (typeof v === 'number' || (typeof v === 'string' && numericText.test(v.trim())) ? fromEpoch(Number(v) * scale) : undefined);
      expected = chosen === 'epoch' ? 'Unix time in seconds' : 'Unix time in milliseconds';
      break;
    }
    default: {
      const pattern = compilePattern(chosen);
      read = (v) => (v instanceof Date ? readAuto(v) : typeof v === 'string' || typeof v === 'number' ? pattern(String(v).trim()) : undefined);
      expected = `a date in the format ${chosen}`;
    }
  }
  return (value) => {
    const wall = read(value);
    if (!wall || !validWall(wall)) return `"${describe(value)}" is not ${expected}`;
    return toReading(wall, toInstant);
  };
}

function describe(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}
