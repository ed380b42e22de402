import { closeSync, createReadStream, openSync, readSync, statSync, type ReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { invalidInput, PatronError } from '../../lib/errors.ts';

/** The file formats the importer reads. */
export const fileFormats = ['csv', 'xlsx', 'jsonl'] as const;
export type FileFormat = (typeof fileFormats)[number];

/** One record of a file, before mapping. */
export interface SourceRow {
  /** Line (CSV, JSON Lines) or sheet row (Excel) where the record starts, counting the header as line 1. */
  readonly line: number;
  /** Cells by column position (CSV, Excel) or the parsed object (JSON Lines). */
  readonly cells: readonly unknown[] | Readonly<Record<string, unknown>>;
  /** A record that could not be read at all (bad quoting, bad JSON): the reason, and the raw text. */
  readonly unreadable?: string;
  readonly raw?: string;
}

/** An open file: its header and its records in chunks, read as a stream so that memory stays flat. */
export interface RowSource {
  readonly format: FileFormat;
  /** Column names (CSV, Excel); undefined for JSON Lines, whose records name their own keys. */
  readonly columns: readonly string[] | undefined;
  readonly totalBytes: number;
  bytesRead(): number;
  chunks(): AsyncGenerator<SourceRow[]>;
}

export interface ReadOptions {
  readonly format?: FileFormat | undefined;
  /** CSV and JSON Lines text encoding, e.g. gbk for files saved by Excel on Chinese Windows. */
  readonly encoding?: string | undefined;
  /** CSV field delimiter; detected from the header line when not given. */
  readonly delimiter?: string | undefined;
  /** Excel worksheet name; the first sheet when not given. */
  readonly sheet?: string | undefined;
}

const chunkSize = 1000;

/** The format named by a file's extension (.csv/.tsv/.txt, .xlsx, .jsonl/.ndjson), or undefined. */
export function formatOfPath(path: string): FileFormat | undefined {
  switch (extname(path).toLowerCase()) {
    case '.csv':
    case '.tsv':
    case '.txt':
      return 'csv';
    case '.xlsx':
      return 'xlsx';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    default:
      return undefined;
  }
}

/** Opens a file for reading its records; the header of CSV and Excel files is read here. */
export async function openRowSource(path: string, options: ReadOptions = {}): Promise<RowSource> {
  let totalBytes: number;
  try {
    totalBytes = statSync(path).size;
  } catch {
    throw invalidInput(`Cannot read ${path}: no such file`, { path: ['file'] });
  }
  const format = options.format ?? formatOfPath(path);
  if (!format) throw invalidInput(`Cannot tell the format of ${path} from its extension; pass --format csv, xlsx or jsonl`, { path: ['format'] });
  switch (format) {
    case 'csv':
      return openCsv(path, totalBytes, options);
    case 'xlsx':
      return openXlsx(path, totalBytes, options);
    case 'jsonl':
      return openJsonl(path, totalBytes, options);
  }
}

function decoded(stream: ReadStream, encoding: string | undefined): Readable {
  if (!encoding || /^utf-?8$/i.test(encoding)) return stream;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding);
  } catch {
    throw invalidInput(`Unknown encoding ${encoding}; use e.g. utf8, gbk, gb18030, big5 or utf-16le`, { path: ['encoding'] });
  }
  return stream.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, decoder.decode(chunk, { stream: true }));
      },
      flush(done) {
        done(null, decoder.decode());
      },
    }),
  );
}

/** Reads the first line and picks the delimiter it holds most of, outside quotes. */
function detectDelimiter(path: string, encoding: string | undefined): string {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const text = new TextDecoder(encoding && !/^utf-?8$/i.test(encoding) ? encoding : 'utf-8').decode(buffer.subarray(0, n));
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best && best[1] > 0 ? best[0] : ',';
}

/** Drains a readable in object mode into arrays of at most `size` items, waiting for data in between. */
async function* inChunks<T>(stream: Readable, size: number): AsyncGenerator<T[]> {
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('readable', notify);
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (e) => {
    failure = e;
    notify();
  });
  try {
    for (;;) {
      const out: T[] = [];
      let item: T | null;
      while (out.length < size && (item = stream.read() as T | null) !== null) out.push(item);
      if (out.length > 0) {
        yield out;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.destroy();
  }
}

async function openCsv(path: string, totalBytes: number, options: ReadOptions): Promise<RowSource> {
  const delimiter = options.delimiter ?? detectDelimiter(path, options.encoding);
  let stream: ReadStream | undefined;
  const skipped: SourceRow[] = [];
  const start = () => {
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
    return decoded(stream, options.encoding).pipe(
      parse({
        delimiter,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_records_with_error: true,
        on_skip: (error, raw) => {
          const line = (error as { lines?: number } | undefined)?.lines ?? 0;
          skipped.push({ line, cells: [], unreadable: `the line cannot be read as CSV: ${error?.message ?? 'bad quoting'}`, raw: raw ?? '' });
        },
      }),
    );
  };
  const header = await readHeader(start());
  const columns = header.map((c) => c.trim());
  if (columns.length === 0 || columns.every((c) => c === '')) throw invalidInput(`${path} has no header line`, { path: ['file'] });
  return {
    format: 'csv',
    columns,
    totalBytes,
    bytesRead: () => stream?.bytesRead ?? 0,
    async *chunks() {
      let line = 1;
      let first = true;
      for await (const records of inChunks<string[]>(start(), chunkSize)) {
        const rows: SourceRow[] = [];
        for (const record of records) {
          if (first) {
            first = false;
            line += newlines(record);
            continue;
          }
          line += 1;
          // A blank line parses as one empty field: skip it, but count it.
          if (record.length === 1 && record[0] === '' && columns.length > 1) continue;
          rows.push({ line, cells: record });
          line += newlines(record);
        }
        if (skipped.length > 0) rows.push(...skipped.splice(0));
        yield rows;
      }
      if (skipped.length > 0) yield skipped.splice(0);
    },
  };
}

// Quoted fields may span lines; count them so that later line numbers stay right.
function newlines(record: readonly string[]): number {
  let n = 0;
  for (const field of record) {
    if (field.length > 0 && field.includes('\n')) n += field.split('\n').length - 1;
  }
  return n;
}

async function readHeader(parser: Readable): Promise<string[]> {
  for await (const chunk of inChunks<string[]>(parser, 1)) return chunk[0] ?? [];
  return [];
}

/** Flattens what exceljs puts in a cell (rich text, hyperlinks, formulas) to a plain value. */
export function plainCellValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  const v = value as { richText?: { text: string }[]; text?: unknown; hyperlink?: string; result?: unknown; formula?: string; sharedFormula?: string; error?: string };
  if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
  if (v.formula !== undefined || v.sharedFormula !== undefined) return plainCellValue(v.result);
  if (v.error !== undefined) return v.error;
  if (v.text !== undefined) return plainCellValue(v.text);
  if (v.hyperlink !== undefined) return v.hyperlink;
  return JSON.stringify(value);
}

async function openXlsx(path: string, totalBytes: number, options: ReadOptions): Promise<RowSource> {
  let stream: ReadStream | undefined;
  async function* sheetRows(): AsyncGenerator<{ number: number; cells: unknown[] }> {
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
    // Styles are cached so that date-formatted cells arrive as dates; shared strings are cached by necessity.
    const workbook = new ExcelJS.stream.xlsx.WorkbookReader(stream, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' });
    let found = false;
    const names: string[] = [];
    try {
      for await (const sheet of workbook) {
        const name = (sheet as unknown as { name?: string }).name ?? '';
        names.push(name);
        const chosen = !found && (options.sheet === undefined || options.sheet === name);
        for await (const row of sheet) {
          if (!chosen) continue;
          const values = row.values as unknown[];
          yield { number: row.number, cells: values.slice(1).map(plainCellValue) };
        }
        if (chosen) {
          found = true;
          break;
        }
      }
    } finally {
      stream.destroy();
    }
    if (!found && options.sheet !== undefined) throw invalidInput(`${path} has no worksheet named "${options.sheet}" (it has ${names.join(', ')})`, { path: ['sheet'] });
  }
  const isEmpty = (cells: readonly unknown[]) => cells.every((c) => c === null || c === undefined || (typeof c === 'string' && c.trim() === ''));
  let header: string[] | undefined;
  try {
    for await (const row of sheetRows()) {
      if (isEmpty(row.cells)) continue;
      header = row.cells.map((c) => (c === null || c === undefined ? '' : String(c).trim()));
      break;
    }
  } catch (e) {
    if (e instanceof PatronError) throw e;
    throw invalidInput(`Cannot read ${path} as an Excel workbook (.xlsx): ${(e as Error).message}`, { path: ['file'] });
  }
  if (!header) throw invalidInput(`${path} has no header row${options.sheet ? ` in sheet ${options.sheet}` : ''}`, { path: ['file'] });
  return {
    format: 'xlsx',
    columns: header,
    totalBytes,
    bytesRead: () => stream?.bytesRead ?? 0,
    async *chunks() {
      let rows: SourceRow[] = [];
      let seenHeader = false;
      for await (const row of sheetRows()) {
        if (isEmpty(row.cells)) continue;
        if (!seenHeader) {
          seenHeader = true;
          continue;
        }
        rows.push({ line: row.number, cells: row.cells });
        if (rows.length >= chunkSize) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length > 0) yield rows;
    },
  };
}

async function openJsonl(path: string, totalBytes: number, options: ReadOptions): Promise<RowSource> {
  let stream: ReadStream | undefined;
  return {
    format: 'jsonl',
    columns: undefined,
    totalBytes,
    bytesRead: () => stream?.bytesRead ?? 0,
    async *chunks() {
      stream = createReadStream(path, { highWaterMark: 1 << 20 });
      const lines = createInterface({ input: decoded(stream, options.encoding), crlfDelay: Infinity });
      let line = 0;
      let rows: SourceRow[] = [];
      try {
        for await (const text of lines) {
          line += 1;
          const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
          if (trimmed === '') continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(trimmed);
          } catch (e) {
            rows.push({ line, cells: {}, unreadable: `the line is not valid JSON: ${(e as Error).message}`, raw: text });
            continue;
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            rows.push({ line, cells: {}, unreadable: 'the line is not a JSON object', raw: text });
            continue;
          }
          rows.push({ line, cells: parsed as Record<string, unknown>, raw: text });
          if (rows.length >= chunkSize) {
            yield rows;
            rows = [];
          }
        }
        if (rows.length > 0) yield rows;
      } finally {
        lines.close();
        stream.destroy();
      }
    },
  };
}
