import { invalidInput } from './errors.ts';

/** Minor units per major unit for the currencies Patron knows; everything else has 2 (ISO 4217). */
const minorDigits: Readonly<Record<string, number>> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };

/** How many decimal places a currency's minor unit has. */
export function currencyDigits(currency: string): number {
  return minorDigits[currency.toUpperCase()] ?? 2;
}

/**
 * Converts a decimal amount (number or string, float noise allowed: "22.200000000000003") to integer
 * minor units of the currency, rounding half away from zero. Throws invalid_input on anything else.
 */
export function toMinorUnits(amount: number | string, currency: string): number {
  const text = typeof amount === 'number' ? String(amount) : amount.trim().replace(/,/g, '');
  if (typeof amount === 'number' ? !Number.isFinite(amount) : !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) {
    throw invalidInput(`"${String(amount)}" is not an amount`, { value: amount });
  }
  const digits = currencyDigits(currency);
  const value = Number(text);
  // Rounding the scaled value to 6 places first removes binary float noise (0.285 * 100 = 28.499999…).
  const scaled = Number((Math.abs(value) * 10 ** digits).toFixed(6));
  const minor = Math.round(scaled) * Math.sign(value);
  if (!Number.isSafeInteger(minor)) throw invalidInput(`amount ${text} is too large`, { value: amount });
  return minor === 0 ? 0 : minor;
}

/** Formats integer minor units back to a decimal string ("2220" CNY → "22.20"). */
export function fromMinorUnits(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const whole = Math.floor(abs / 10 ** digits);
  const frac = String(abs % 10 ** digits).padStart(digits, '0');
  return `${sign}${whole}.${frac}`;
}
