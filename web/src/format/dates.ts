const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, style: 'date' | 'dateTime', timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${locale}|${style}|${timeZone ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, style === 'date' ? { dateStyle: 'medium', timeZone } : { dateStyle: 'medium', timeStyle: 'short', timeZone });
    formatters.set(key, f);
  }
  return f;
}

const toDate = (value: string | Date): Date | undefined => {
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** A moment as a date and time in the locale ("2025年3月1日 14:05", "Mar 1, 2025, 2:05 PM"); empty for none. */
export function formatDateTime(value: string | Date | null | undefined, locale: string, timeZone?: string): string {
  const date = value == null ? undefined : toDate(value);
  return date ? formatter(locale, 'dateTime', timeZone).format(date) : '';
}

/** A moment as a date in the locale; empty for none. */
export function formatDate(value: string | Date | null | undefined, locale: string, timeZone?: string): string {
  const date = value == null ? undefined : toDate(value);
  return date ? formatter(locale, 'date', timeZone).format(date) : '';
}

/**
 * A calendar date without a time (a birthday, "1990-05-17") in the locale. Read as UTC and printed
 * in UTC, so that no time zone shifts it to the day before.
 */
export function formatCalendarDate(value: string | null | undefined, locale: string): string {
  if (!value || !/^\d{4}-\d{2}-\d{2}/.test(value)) return value ?? '';
  return formatDate(`${value.slice(0, 10)}T00:00:00Z`, locale, 'UTC');
}
