import { z } from 'zod';
import { PatronError } from '../../lib/errors.ts';
import type { PurchaseHistory, SpendHistory } from './fit-summary.ts';

// The zod schemas for a per-customer summary file, the edge where outside data enters the CLV
// models. Headers follow the files the literature and lifetimes use: the CDNOW summaries
// (ID, frequency, recency, T / ID, x, t_x, T, zbar) and lifetimes' frequency, recency, T,
// monetary_value.

/** The models `patron clv fit` can fit. */
export const clvModels = ['bgnbd', 'pareto-nbd', 'gamma-gamma'] as const;
export type ClvModel = (typeof clvModels)[number];
export const clvModelSchema = z.enum(clvModels);

/** A summary field and the header names (case-insensitive) accepted for it. */
export const summaryColumnAliases = {
  x: ['x', 'frequency'],
  tx: ['t_x', 'recency'],
  T: ['T'],
  zbar: ['zbar', 'monetary_value'],
} as const satisfies Record<string, readonly string[]>;
export type SummaryField = keyof typeof summaryColumnAliases;

const fieldsByModel: Record<ClvModel, readonly SummaryField[]> = {
  bgnbd: ['x', 'tx', 'T'],
  'pareto-nbd': ['x', 'tx', 'T'],
  'gamma-gamma': ['x', 'zbar'],
};

/** Which header of the file holds each field the model needs. */
export type SummaryColumns = Readonly<Partial<Record<SummaryField, string>>>;

/** Finds the model's columns among the file's headers, or says which are missing and what names work. */
export function summaryColumnsFor(headers: readonly string[], model: ClvModel): SummaryColumns {
  const columns: Partial<Record<SummaryField, string>> = {};
  const missing: string[] = [];
  for (const field of fieldsByModel[model]) {
    const aliases: readonly string[] = summaryColumnAliases[field];
    const header = headers.find((h) => aliases.some((a) => a.toLowerCase() === h.trim().toLowerCase()));
    if (header === undefined) missing.push(aliases.join(' or '));
    else columns[field] = header;
  }
  if (missing.length > 0) {
    throw new PatronError(
      'invalid_input',
      `The summary file has no column for ${missing.join(', ')} (found: ${headers.join(', ') || 'no header'}). ` +
        'Use headers like ID,frequency,recency,T or x,t_x,T,zbar or frequency,recency,T,monetary_value.',
      { path: ['headers'], value: headers },
    );
  }
  return columns;
}

const numberCell = z
  .string()
  .trim()
  .refine((v) => v !== '' && Number.isFinite(Number(v)), 'must be a number')
  .transform(Number);
const countCell = numberCell.pipe(
  z.number().int('must be a whole number of repeat purchases').nonnegative('must be 0 or more'),
);
const timeCell = numberCell.pipe(z.number().nonnegative('must be a time of 0 or more'));
// Spend is only read for repeat buyers; customers with x = 0 may leave it blank.
const spendCell = z.string().trim();

/** One summary row after validation, in the models' notation. */
export type SummaryRow = PurchaseHistory & SpendHistory;

const purchaseRowSchema = z
  .object({ x: countCell, tx: timeCell, T: timeCell })
  .superRefine((row, ctx) => {
    if (row.tx > row.T) ctx.addIssue({ code: 'custom', path: ['tx'], message: `must not exceed T (${row.T})` });
    // The models define t_x = 0 when there is no repeat purchase (Fader, Hardie & Lee 2005, §3).
    if (row.x === 0 && row.tx !== 0) ctx.addIssue({ code: 'custom', path: ['tx'], message: 'must be 0 when the frequency is 0' });
  });

const spendRowSchema = z.object({ x: countCell, zbar: spendCell }).transform((row, ctx) => {
  if (row.x === 0) return { x: 0, zbar: 0 };
  const zbar = Number(row.zbar);
  if (row.zbar === '' || !(Number.isFinite(zbar) && zbar > 0)) {
    ctx.addIssue({ code: 'custom', path: ['zbar'], message: 'must be a positive mean spend when the frequency is above 0' });
    return z.NEVER;
  }
  return { x: row.x, zbar };
});

/**
 * Validates one CSV record for the model; rowNumber counts data rows from 1. Errors name the row,
 * the file's own column header and the value found.
 */
export function parseSummaryRow(
  record: Readonly<Record<string, string | undefined>>,
  columns: SummaryColumns,
  model: ClvModel,
  rowNumber: number,
): SummaryRow {
  const cells = Object.fromEntries(
    Object.entries(columns).map(([field, header]) => [field, record[header] ?? '']),
  );
  const parsed =
    model === 'gamma-gamma' ? spendRowSchema.safeParse(cells) : purchaseRowSchema.safeParse(cells);
  // Fields the model does not read are 0: a Gamma-Gamma row carries no times, a BG/NBD row no spend.
  if (parsed.success) return { tx: 0, T: 0, zbar: 0, ...parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'x') as SummaryField;
  const column = columns[field] ?? field;
  const value = cells[field];
  throw new PatronError(
    'invalid_input',
    `Row ${rowNumber}, column ${column}: ${issue.message} (got ${JSON.stringify(value)}).`,
    { row: rowNumber, column, value },
  );
}
