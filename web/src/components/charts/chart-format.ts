import { formatMoney, minorUnitDigits } from '../../format/money.ts';
import { formatCount } from '../../format/numbers.ts';

/** How charts write numbers, money, shares and months in the console language. */
export interface ChartFormat {
  readonly locale: string;
  /** 12,345 */
  count(value: number): string;
  /** 1.2万 / 12K: for axes and cell labels. */
  compact(value: number): string;
  /** ¥1,234.56 from minor units. */
  money(minor: number): string;
  /** ¥1.2万 / CN¥12K from minor units. */
  compactMoney(minor: number): string;
  /** 12.3% from a fraction. */
  percent(fraction: number, digits?: number): string;
  /** 2026年3月 / Mar 2026 from YYYY-MM. */
  month(month: string): string;
}

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (!value) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** The formats of one locale and workspace currency. */
export function chartFormat(locale: string, currency: string): ChartFormat {
  const unit = 10 ** minorUnitDigits(currency);
  const compactNumber = cached(`${locale}|compact`, () => new Intl.NumberFormat(locale, { notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 }));
  const compactCurrency = cached(`${locale}|${currency}|compact`, () => new Intl.NumberFormat(locale, { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 }));
  const months = cached(`${locale}|month`, () => new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }));
  return {
    locale,
    count: (value) => formatCount(value, locale),
    compact: (value) => compactNumber.format(value),
    money: (minor) => formatMoney(Math.round(minor), currency, locale),
    compactMoney: (minor) => compactCurrency.format(minor / unit),
    percent: (fraction, digits = 1) =>
      cached(`${locale}|pct|${digits}`, () => new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits })).format(fraction),
    month: (month) => months.format(new Date(`${month}-01T00:00:00Z`)),
  };
}

/** Escapes text for the HTML of a chart tooltip. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One tooltip: a bold title and label–value rows, each with an optional colour dot. */
export function tooltipHtml(title: string, rows: readonly { label: string; value: string; color?: string }[]): string {
  const dot = (color: string | undefined) =>
    color ? `<span style="display:inline-block;width:8px;height:8px;border-radius:50%;background:${color};margin-right:6px"></span>` : '';
  const body = rows
    .map((r) => `<div style="display:flex;justify-content:space-between;gap:16px"><span>${dot(r.color)}${escapeHtml(r.label)}</span><b>${escapeHtml(r.value)}</b></div>`)
    .join('');
  return `<div style="min-width:160px"><div style="font-weight:600;margin-bottom:4px">${escapeHtml(title)}</div>${body}</div>`;
}
