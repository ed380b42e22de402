import { z } from 'zod';
import type { IdentityType } from '../../access/index.ts';
import { normalizeIdentity, type Identity } from '../../customers/index.ts';
import { PatronError } from '../../lib/errors.ts';
import { toMinorUnits } from '../../lib/money.ts';
import type { DateParser, DateReading } from './parse-date.ts';

// Cell readers for the row schemas: each turns what a CSV, Excel or JSON Lines cell holds into a typed
// value or a zod issue whose message is the reason written to the rejects file. An empty cell is missing.

/** The text of a cell, trimmed; undefined when empty. */
export function cellText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const first = value.charCodeAt(0);
    const last = value.charCodeAt(value.length - 1);
    // Most cells need no trimming: skip the copy.
    if (first > 32 && last > 32) return value;
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Why a cell cannot be read; a class so that no cell value can be mistaken for one. */
class Problem {
  constructor(readonly reason: string) {}
}
const problem = (reason: string) => new Problem(reason);

type Read<T> = (value: unknown) => T | Problem;

/**
 * Remembers what text cells read as: files repeat dates, customers and prices row after row, and reading
 * a phone number or a local time is the costly part of validation. The memory is bounded (emptied when full).
 */
function remembered<T>(read: Read<T>, size = 20_000): Read<T> {
  const known = new Map<string, T | Problem>();
  return (value) => {
    if (typeof value !== 'string') return read(value);
    let result = known.get(value);
    if (result === undefined) {
      result = read(value);
      if (known.size >= size) known.clear();
      known.set(value, result);
    }
    return result;
  };
}

/** Whether a cell holds nothing: absent, null, or only whitespace. */
export function isEmptyCell(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 32) return false;
  return true;
}

/** A zod schema around a cell reader; `required` is the reason given when the cell is empty. */
function cell<T>(read: Read<T>, required?: string): z.ZodType<T | undefined, unknown> {
  // optional() first: an unmapped field is an absent key, which the transform must still see (to say it is required).
  return z.unknown().optional().transform((value, ctx) => {
    if (isEmptyCell(value)) {
      if (required !== undefined) {
        ctx.addIssue({ code: 'custom', message: required });
        return z.NEVER;
      }
      return undefined;
    }
    const result = read(value);
    if (result instanceof Problem) {
      ctx.addIssue({ code: 'custom', message: result.reason });
      return z.NEVER;
    }
    return result;
  });
}

/** Same as `cell` for a field that must be present: the output type has no undefined. */
function requiredCell<T>(read: Read<T>, reason: string): z.ZodType<T, unknown> {
  return cell(read, reason) as z.ZodType<T, unknown>;
}

const readText = (max: number): Read<string> => (value) => {
  const text = cellText(value)!;
  return text.length > max ? problem(`is longer than ${max} characters`) : text;
};

/** Optional text of at most `max` characters. */
export const textCell = (max = 500) => cell(readText(max));
/** Text that must be present. */
export const requiredTextCell = (reason: string, max = 500) => requiredCell(readText(max), reason);

// Accounting exports write currency symbols, thousands separators and (12.50) for negatives.
const currencySymbols = /^[\s¥￥$€£]+|[\s¥￥$€£]+$/g;

/**
 * Reads a decimal amount as integer minor units of `currency`, float noise rounded (toMinorUnits); signed.
 * Returns undefined for an empty cell and the reason as a string when the cell is not an amount.
 */
export function readAmount(value: unknown, currency: string): number | string | undefined {
  if (isEmptyCell(value)) return undefined;
  try {
    if (typeof value === 'number') return toMinorUnits(value, currency);
    let text = cellText(value)!.replace(currencySymbols, '');
    let sign = '';
    if (/^\(.*\)$/.test(text)) {
      text = text.slice(1, -1).replace(currencySymbols, '');
      sign = '-';
    }
    return toMinorUnits(sign + text, currency);
  } catch (e) {
    if (e instanceof PatronError) return `${e.message} (expected a number such as 12.50)`;
    throw e;
  }
}

/** A decimal amount in integer minor units of `currency` (see readAmount). */
export const amountCell = (currency: string) =>
  cell<number>((value) => {
    const r = readAmount(value, currency);
    return typeof r === 'string' ? problem(r) : r!;
  });

/** A signed quantity; fractions allowed (weights). */
export const quantityCell = () =>
  cell<number>((value) => {
    const n = typeof value === 'number' ? value : Number(cellText(value)!.replace(/,/g, ''));
    if (!Number.isFinite(n)) return problem(`"${cellText(value)}" is not a number`);
    if (Math.abs(n) > 1e9) return problem('is larger than 1,000,000,000');
    return n;
  });

// Readings are shared between rows that hold the same text: they are never modified.
const readDate = (parse: DateParser): Read<DateReading> =>
  remembered((value) => {
    const r = parse(value);
    return typeof r === 'string' ? problem(r) : r;
  });

/** A date or time read by the file's date parser. */
export const dateCell = (parse: DateParser) => cell(readDate(parse));
/** A date or time that must be present. */
export const requiredDateCell = (parse: DateParser, reason: string) => requiredCell(readDate(parse), reason);

/** A birthday: the calendar date as written, never shifted by a time zone. */
export const birthdayCell = (parse: DateParser) =>
  cell<string>((value) => {
    const r = parse(value);
    if (typeof r === 'string') return problem(r);
    return Number(r.date.slice(0, 4)) < 1900 ? problem(`${r.date} is not a plausible birthday`) : r.date;
  });

const genders: Record<string, 'female' | 'male' | 'other'> = {
  f: 'female',
  female: 'female',
  woman: 'female',
  女: 'female',
  m: 'male',
  male: 'male',
  man: 'male',
  男: 'male',
  other: 'other',
  o: 'other',
  其他: 'other',
};

/** female, male or other; also F/M and 女/男. */
export const genderCell = () =>
  cell((value) => {
    const text = cellText(value)!.toLowerCase();
    return genders[text] ?? problem(`"${cellText(value)}" is not a gender (use female, male or other; F/M and 女/男 are read too)`);
  });

/** A JSON object: an object cell (JSON Lines) or text holding one. */
export const jsonObjectCell = () =>
  cell<Record<string, unknown>>((value) => {
    let parsed: unknown = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch {
        return problem('is not valid JSON (expected an object such as {"plan":"pro"})');
      }
    }
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : problem('is not a JSON object');
  });

/** A list split on a separator (tags): empty parts dropped, duplicates removed. */
export const listCell = (separator: RegExp, maxItem = 100) =>
  cell<string[]>((value) => {
    const items = Array.isArray(value) ? value.map((v) => cellText(v) ?? '') : cellText(value)!.split(separator);
    const unique = [...new Set(items.map((t) => t.trim()).filter((t) => t !== ''))];
    const long = unique.find((t) => t.length > maxItem);
    return long ? problem(`"${long.slice(0, 20)}…" is longer than ${maxItem} characters`) : unique;
  });

/** An identifier of the given type, normalized (emails lower-cased, phones to E.164 in `country`). */
export const identityCell = (type: IdentityType, country: string) =>
  cell<Identity>(
    remembered((value) => {
      try {
        return normalizeIdentity(type, cellText(value)!, country);
      } catch (e) {
        if (e instanceof PatronError) return problem(e.message);
        throw e;
      }
    }),
  );

/** Any value kept as is in a JSON attribute or property: text is trimmed, empty cells are left out. */
export function attributeValue(value: unknown): unknown {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (value instanceof Date) return value.toISOString();
  return value ?? undefined;
}
