import { readFileSync, unlinkSync, existsSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import type { Workspace } from '../access/index.ts';
import type { Database } from '../db/index.ts';
import { invalidInput } from '../lib/errors.ts';
import { toMinorUnits } from '../lib/money.ts';
import { saveSpend, spendEntrySchema, type SpendEntry } from './spend.ts';

/** What `patron import spend` did. */
export interface SpendImportSummary {
  readonly rows: number;
  readonly saved: number;
  readonly rejected: number;
  /** The rejects file (line, column, reason, then the row), when a row was rejected. */
  readonly rejectsPath: string | undefined;
}

// Header names accepted per field (lower case): spend sheets come from ad platforms and finance alike.
const aliases = {
  channel: ['channel', 'acquisition_channel', 'source', '渠道'],
  period: ['period', 'date', 'day', 'month', '日期', '月份'],
  amount: ['amount', 'spend', 'cost', '金额', '花费'],
  amountMinor: ['amount_minor', 'spend_minor'],
  currency: ['currency', '币种'],
} as const;

const cellText = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object' && 'result' in v) return cellText((v as { result: unknown }).result);
  if (typeof v === 'object' && 'text' in v) return String((v as { text: unknown }).text);
  return String(v).trim();
};

async function readTable(path: string): Promise<string[][]> {
  const ext = extname(path).toLowerCase();
  if (ext === '.xlsx') {
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const sheet = book.worksheets[0];
    if (!sheet) throw invalidInput(`${path} has no worksheet`, { path: ['file'] });
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: true }, (row) => {
      const values = row.values as unknown[];
      rows.push(values.slice(1).map(cellText));
    });
    return rows;
  }
  if (ext !== '.csv' && ext !== '.tsv' && ext !== '.txt') throw invalidInput(`Cannot read ${path}: give a .csv or .xlsx spend file`, { path: ['file'] });
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  return parse(text, { delimiter: ext === '.tsv' ? '\t' : ',', relax_column_count: true, skip_empty_lines: true }) as string[][];
}

const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * Imports marketing spend from a CSV or Excel file with columns channel, period (a day or a month) and
 * amount (major units, e.g. 1234.50) or amount_minor, and optionally currency. Good rows are saved in one
 * transaction; rows that cannot be read go to a rejects file beside the input, named line, column and reason.
 */
export async function importSpendFile(db: Kysely<Database>, workspace: Workspace, path: string, options: { rejectsPath?: string } = {}): Promise<SpendImportSummary> {
  const table = await readTable(path);
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
  const column = (field: keyof typeof aliases) => header.findIndex((h) => (aliases[field] as readonly string[]).includes(h));
  const at = { channel: column('channel'), period: column('period'), amount: column('amount'), amountMinor: column('amountMinor'), currency: column('currency') };
  if (at.channel < 0 || at.period < 0 || (at.amount < 0 && at.amountMinor < 0)) {
    throw invalidInput(`${path} needs the columns channel, period (a day YYYY-MM-DD or a month YYYY-MM) and amount (or amount_minor); it has ${header.join(', ') || 'no header'}`, { path: ['file'] });
  }
  const rejects: string[] = [];
  const entries: SpendEntry[] = [];
  table.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c === '')) return;
    const reject = (columnName: string, reason: string) => rejects.push([String(line), columnName, reason, ...cells].map(csvField).join(','));
    const currency = at.currency >= 0 && cells[at.currency] ? cells[at.currency]!.toUpperCase() : workspace.currency;
    let amountMinor: number;
    try {
      amountMinor = at.amountMinor >= 0 && cells[at.amountMinor] ? Number(cells[at.amountMinor]) : toMinorUnits(cells[at.amount] ?? '', currency);
    } catch {
      reject(header[at.amount >= 0 ? at.amount : at.amountMinor]!, `"${cells[at.amount >= 0 ? at.amount : at.amountMinor] ?? ''}" is not an amount`);
      return;
    }
    const parsed = spendEntrySchema.safeParse({ channel: cells[at.channel] ?? '', period: cells[at.period] ?? '', amountMinor, currency });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0]) as 'channel' | 'period' | 'amountMinor' | 'currency';
      const index = field === 'amountMinor' ? (at.amount >= 0 ? at.amount : at.amountMinor) : at[field];
      reject(header[index] ?? field, issue.message);
      return;
    }
    if (currency !== workspace.currency) {
      reject(header[at.currency]!, `${currency} is not the workspace currency ${workspace.currency}; convert it first`);
      return;
    }
    entries.push(parsed.data);
  });
  const { saved } = await saveSpend(db, workspace, entries, `file:${path.split(/[\\/]/).pop()}`);
  const rejectsPath = options.rejectsPath ?? `${path}.rejects.csv`;
  if (rejects.length > 0) {
    writeFileSync(rejectsPath, [['line', 'column', 'reason', ...(table[0] ?? [])].map(csvField).join(','), ...rejects].join('\n') + '\n');
  } else if (existsSync(rejectsPath)) {
    // A rejects file from an earlier import of the same file would mislead.
    unlinkSync(rejectsPath);
  }
  return { rows: entries.length + rejects.length, saved, rejected: rejects.length, rejectsPath: rejects.length > 0 ? rejectsPath : undefined };
}
