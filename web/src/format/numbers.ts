const formatters = new Map<string, Intl.NumberFormat>();

/** A count in the locale's grouping ("12,345"). */
export function formatCount(value: number, locale: string): string {
  let f = formatters.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    formatters.set(locale, f);
  }
  return f.format(value);
}
