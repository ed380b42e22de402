const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'symbol' });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** How many decimal places a currency's minor unit has, per ISO 4217 as the browser knows it (CNY 2, JPY 0). */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Formats an amount in integer minor units (fen, cents) as money in the locale: 123456 CNY is
 * "¥1,234.56" in zh-CN and "CN¥1,234.56" in en-US. The division is exact for any safe integer.
 */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = minorUnitDigits(currency);
  return currencyFormatter(locale, currency).format(minor / 10 ** digits);
}
