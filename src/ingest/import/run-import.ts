import { basename } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Workspace } from '../../access/index.ts';
import type { Database } from '../../db/index.ts';
import { invalidInput } from '../../lib/errors.ts';
import { customerImporter } from './customer-import.ts';
import { eventImporter } from './event-import.ts';
import { surveyImporter } from './survey-import.ts';
import { freeFormPrefix, type ImportKind } from './fields.ts';
import { emptyOutcome, extraKey, schemaInput, type BatchOutcome, type ImportRun, type KindImporter, type RowContext, type RowReject } from './import-kind.ts';
import { bindMapping, type BoundMapping } from './mapping.ts';
import { parseImportOptions, type ImportOptions, type ParsedImportOptions } from './options.ts';
import { orderImporter } from './order-import.ts';
import { createDateParser } from './parse-date.ts';
import { productImporter } from './product-import.ts';
import { openRejectsFile, type RejectsFile } from './rejects-file.ts';
import { openRowSource, type FileFormat, type RowSource, type SourceRow } from './read-rows.ts';

/** How far an import has got, for a progress bar. */
export interface ImportProgress {
  /** `validating`: the first pass of --strict and --dry-run, which writes nothing. */
  readonly phase: 'validating' | 'importing';
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
  readonly rejected: number;
}

/** What an import did. Inserted, updated and unchanged count records of the kind (orders, not order lines). */
export interface ImportSummary {
  readonly kind: ImportKind;
  readonly file: string;
  readonly format: FileFormat;
  /**
   * imported; validated (--dry-run: nothing written); rejected (--strict found bad rows: nothing written);
   * stopped (--strict: the database refused a row while writing, e.g. a refund with no order to refund;
   * the batches before it stay written).
   */
  readonly result: 'imported' | 'validated' | 'rejected' | 'stopped';
  readonly rowsRead: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly refundsApplied: number;
  readonly refundDuplicates: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** The rejects file, when rows were rejected. */
  readonly rejectsPath: string | undefined;
  /** The column → field mapping used, including columns mapped by their name. */
  readonly mapping: readonly { source: string; target: string }[];
}

type ImporterFactory = (ctx: RowContext, present: ReadonlySet<string> | undefined) => KindImporter<unknown>;

const importers: Record<ImportKind, ImporterFactory> = {
  customers: customerImporter as ImporterFactory,
  orders: orderImporter as ImporterFactory,
  products: productImporter as ImporterFactory,
  events: eventImporter as ImporterFactory,
  surveys: surveyImporter as ImporterFactory,
};

/** Thrown inside a --strict batch transaction to roll it back when the database refuses a row. */
class StrictRefusal extends Error {}

interface Counts {
  rowsRead: number;
  outcome: BatchOutcome;
  rejected: number;
  /** --strict: a batch was refused while writing, and the import stopped. */
  stopped: boolean;
}

function rowContext(options: ParsedImportOptions, workspace: Workspace): RowContext {
  const timezone = options.timezone ?? workspace.timezone;
  let parseDate;
  try {
    parseDate = createDateParser(options.dateFormat, timezone);
  } catch (e) {
    if (e instanceof RangeError) throw invalidInput(`Unknown time zone ${timezone}; use an IANA name such as Asia/Shanghai or UTC`, { path: ['timezone'] });
    throw invalidInput(`--date-format: ${(e as Error).message}`, { path: ['dateFormat'] });
  }
  const separator = options.tagSeparator;
  return {
    currency: options.currency ?? workspace.currency,
    country: options.country ?? workspace.defaultCountry,
    parseDate,
    tagSeparator: separator ? new RegExp(separator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : /[,;|]/,
    refundPrefix: options.refundPrefix,
    fileName: basename(options.file),
  };
}

/**
 * Imports a CSV, Excel or JSON Lines file of customers, orders, products, events or survey answers into a workspace.
 * The file is streamed and written in batches, each in one transaction with the bulk functions, so
 * memory stays flat; bad rows go to the rejects file and the good ones go in; importing the same file
 * again changes nothing. With `strict`, the whole file is validated first and nothing is written if
 * any row is bad. Invalid options, an unreadable file or an unknown column throw invalid_input.
 */
export async function importFile(
  db: Kysely<Database>,
  workspace: Workspace,
  input: ImportOptions,
  onProgress?: (progress: ImportProgress) => void,
): Promise<ImportSummary> {
  const options = parseImportOptions(input);
  if (options.keepExtra && !freeFormPrefix(options.kind)) throw invalidInput(`--keep-extra: ${options.kind} have no free-form fields to keep extra columns in`, { path: ['keepExtra'] });
  const started = performance.now();
  const ctx = rowContext(options, workspace);
  const source = await openRowSource(options.file, { format: options.format, encoding: options.encoding, delimiter: options.delimiter, sheet: options.sheet });
  const mapping = bindMapping(options.kind, options.mapping, source.columns, options.keepExtra);
  const importer = importers[options.kind](ctx, mapping.fields);
  const rejects = openRejectsFile(options.rejectsPath ?? `${options.file}.rejects.csv`, source.columns);
  const now = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  const run: ImportRun = { startedAt: new Date(now.rows[0]!.now) };

  const passOptions = { db, workspace, run, source, mapping, importer, rejects, options, onProgress };
  let counts: Counts;
  let result: ImportSummary['result'] = 'imported';
  try {
    if (options.strict || options.dryRun) {
      counts = await readPass({ ...passOptions, write: false });
      if (options.dryRun) result = 'validated';
      else if (counts.rejected > 0) result = 'rejected';
    }
    if (result === 'imported') {
      counts = await readPass({ ...passOptions, write: true });
      if (counts.stopped) result = 'stopped';
    }
  } finally {
    await rejects.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const c = counts!;
  return {
    kind: options.kind,
    file: options.file,
    format: source.format,
    result,
    rowsRead: c.rowsRead,
    inserted: c.outcome.inserted,
    updated: c.outcome.updated,
    unchanged: c.outcome.unchanged,
    rejected: c.rejected,
    refundsApplied: c.outcome.refundsApplied,
    refundDuplicates: c.outcome.refundDuplicates,
    seconds,
    rowsPerSecond: c.rowsRead / Math.max(seconds, 1e-9),
    rejectsPath: rejects.count > 0 ? rejects.path : undefined,
    mapping: mapping.used,
  };
}

interface PassOptions {
  readonly db: Kysely<Database>;
  readonly workspace: Workspace;
  readonly run: ImportRun;
  readonly source: RowSource;
  readonly mapping: BoundMapping;
  readonly importer: KindImporter<unknown>;
  readonly rejects: RejectsFile;
  readonly options: ParsedImportOptions;
  readonly onProgress: ((progress: ImportProgress) => void) | undefined;
  readonly write: boolean;
}

/** The field named by a zod issue path: free-form keys are named `attributes.key` / `properties.key`. */
function fieldOfPath(kind: ImportKind, path: readonly PropertyKey[]): string {
  if (path.length === 0) return '';
  if (path[0] === extraKey) return `${freeFormPrefix(kind)}.${String(path[1] ?? '')}`;
  return String(path[0]);
}

/**
 * Reads the file once: validates each row and, when writing, hands full batches to the kind's writer.
 * The next batch is read while the previous one is being written (one write in flight, in file order).
 */
async function readPass(p: PassOptions): Promise<Counts> {
  const counts: Counts = { rowsRead: 0, outcome: emptyOutcome(), rejected: 0, stopped: false };
  const { options, mapping, rejects } = p;
  const batch = p.importer.createBatch(p.workspace, p.run);
  const reject = (row: SourceRow, field: string, reason: string) => {
    counts.rejected++;
    rejects.add(row, field === '' ? '' : mapping.columnOf(field) || field, reason);
  };
  const recordOutcome = (outcome: BatchOutcome) => {
    const total = counts.outcome;
    total.inserted += outcome.inserted;
    total.updated += outcome.updated;
    total.unchanged += outcome.unchanged;
    total.refundsApplied += outcome.refundsApplied;
    total.refundDuplicates += outcome.refundDuplicates;
    for (const r of outcome.rejects) reject(r.row, r.field, r.reason);
  };

  let inflight: Promise<void> | undefined;
  const flush = async (final: boolean) => {
    const write = batch.take(final);
    if (!write || !p.write) return;
    if (inflight) await inflight;
    let refused: RowReject[] = [];
    inflight = p.db
      .transaction()
      .execute(async (trx) => {
        const outcome = await write(trx);
        if (options.strict && outcome.rejects.length > 0) {
          refused = outcome.rejects;
          throw new StrictRefusal();
        }
        return outcome;
      })
      .then(recordOutcome, (e: unknown) => {
        for (const r of refused) reject(r.row, r.field, r.reason);
        throw e;
      });
    // Failures surface at the next await of `inflight`; this keeps Node from reporting them as unhandled meanwhile.
    inflight.catch(() => {});
  };

  const phase = p.write ? 'importing' : 'validating';
  try {
    await readRows();
  } catch (e) {
    if (!(e instanceof StrictRefusal)) throw e;
    counts.stopped = true;
  }
  await rejects.flush();
  p.onProgress?.({ phase, bytesRead: p.source.totalBytes, totalBytes: p.source.totalBytes, rowsRead: counts.rowsRead, rejected: counts.rejected });
  return counts;

  async function readRows() {
    for await (const chunk of p.source.chunks()) {
      for (const row of chunk) {
        counts.rowsRead++;
        if (row.unreadable !== undefined) {
          reject(row, '', row.unreadable);
          continue;
        }
        const parsed = p.importer.schema.safeParse(schemaInput(mapping.project(row)));
        if (!parsed.success) {
          const issues = parsed.error.issues;
          const fields = issues.map((i) => fieldOfPath(options.kind, i.path));
          // One rejects line per row: the first column at fault, and every reason when there are several.
          const reason = issues.length === 1 ? issues[0]!.message : issues.map((i, n) => `${mapping.columnOf(fields[n]!) || fields[n] || 'row'}: ${i.message}`).join('; ');
          reject(row, fields[0]!, reason);
          continue;
        }
        const refused = batch.add(parsed.data, row);
        if (refused) {
          reject(refused.row, refused.field, refused.reason);
          continue;
        }
        if (batch.size >= options.batchSize) await flush(false);
      }
      await rejects.flush();
      p.onProgress?.({ phase, bytesRead: p.source.bytesRead(), totalBytes: p.source.totalBytes, rowsRead: counts.rowsRead, rejected: counts.rejected });
    }
    await flush(true);
    if (inflight) await inflight;
  }
}

const number = (n: number) => Math.round(n).toLocaleString('en-US');

/** The one-line summary `patron import` prints. */
export function formatImportSummary(s: ImportSummary): string {
  const what = `${s.kind}: ${number(s.inserted)} inserted, ${number(s.updated)} updated, ${number(s.unchanged)} unchanged`;
  const refunds =
    s.kind === 'orders' && s.refundsApplied + s.refundDuplicates > 0
      ? `, ${number(s.refundsApplied)} ${s.refundsApplied === 1 ? 'refund' : 'refunds'} applied${s.refundDuplicates > 0 ? ` (${number(s.refundDuplicates)} applied before)` : ''}`
      : '';
  const rejected = `${number(s.rejected)} rejected${s.rejectsPath ? ` (see ${s.rejectsPath})` : ''}`;
  const speed = `${s.seconds.toFixed(1)} s, ${number(s.rowsPerSecond)} rows/s`;
  switch (s.result) {
    case 'imported':
      return `${number(s.rowsRead)} rows read; ${what}${refunds}; ${rejected}; ${speed}`;
    case 'validated':
      return `Dry run: ${number(s.rowsRead)} rows read, ${rejected}; nothing written; ${speed}`;
    case 'rejected':
      return `Strict: ${rejected}, so the file was rejected and nothing was written; ${speed}`;
    case 'stopped':
      return `Strict: ${rejected} by the database while writing, so the import stopped; before it ${what}${refunds} stay written (importing the fixed file again is safe); ${speed}`;
  }
}
