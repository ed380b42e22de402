import { once } from 'node:events';
import { accessSync, closeSync, constants, createWriteStream, existsSync, openSync, readSync, unlinkSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { invalidInput } from '../../lib/errors.ts';
import type { SourceRow } from './read-rows.ts';

const headerStart = ['line', 'column', 'reason'];

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rejected rows of one import, as CSV: line, column, reason, then the row as it was in the file. */
export interface RejectsFile {
  readonly path: string;
  readonly count: number;
  add(row: SourceRow, column: string, reason: string): void;
  /** Waits until what was added is handed to the file system (keeps memory flat with many rejects). */
  flush(): Promise<void>;
  /** Closes the file; with no rejects, removes an earlier rejects file at the same path so that none is left to mislead. */
  close(): Promise<void>;
}

/**
 * Opens a rejects file lazily at the first reject. `columns` is the file's header (CSV, Excel), whose
 * columns follow line, column and reason; JSON Lines rows are written whole in a `row` column.
 */
export function openRejectsFile(path: string, columns: readonly string[] | undefined): RejectsFile {
  // Checked before the import starts, so that a rejects file that cannot be written stops nothing half-way.
  try {
    accessSync(existsSync(path) ? path : dirname(path), constants.W_OK);
  } catch {
    throw invalidInput(`Cannot write the rejects file ${path}; pass --rejects with a path you can write`, { path: ['rejectsPath'] });
  }
  let stream: WriteStream | undefined;
  let failure: Error | undefined;
  let count = 0;
  let needsDrain = false;
  const write = (fields: readonly unknown[]) => {
    if (!stream) {
      stream = createWriteStream(path, { encoding: 'utf8' });
      stream.on('error', (e) => {
        failure = e;
      });
      stream.write(`${[...headerStart, ...(columns ?? ['row'])].map(csvField).join(',')}\n`);
    }
    if (!stream.write(`${fields.map(csvField).join(',')}\n`)) needsDrain = true;
  };
  return {
    path,
    get count() {
      return count;
    },
    add(row, column, reason) {
      count++;
      let original: readonly unknown[];
      if (columns) original = row.unreadable !== undefined ? [row.raw ?? ''] : (row.cells as readonly unknown[]);
      else original = [row.raw ?? JSON.stringify(row.cells)];
      write([row.line, column, reason, ...original]);
    },
    async flush() {
      if (failure) throw invalidInput(`Cannot write the rejects file ${path}: ${failure.message}`, { path: ['rejectsPath'] });
      if (stream && needsDrain) {
        needsDrain = false;
        await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
      }
    },
    async close() {
      if (stream) {
        const s = stream;
        if (failure) return;
        await new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
        return;
      }
      if (existsSync(path) && startsWithOurHeader(path)) unlinkSync(path);
    },
  };
}

function startsWithOurHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString('utf8').startsWith(headerStart.join(','));
  } finally {
    closeSync(fd);
  }
}
