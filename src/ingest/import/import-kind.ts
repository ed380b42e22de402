import type { Transaction } from 'kysely';
import { identityTypes } from '../../access/index.ts';
import type { Identity } from '../../customers/index.ts';
import { z } from 'zod';
import type { Workspace } from '../../access/index.ts';
import type { Database } from '../../db/index.ts';
import { attributeValue } from './cell-values.ts';
import type { MappedRecord } from './mapping.ts';
import type { DateParser } from './parse-date.ts';
import type { SourceRow } from './read-rows.ts';

/** What the rows of one file are read with: defaults that the flags or the workspace give. */
export interface RowContext {
  /** Currency of amounts when the file has no currency column. */
  readonly currency: string;
  /** Country of phone numbers written without a country code. */
  readonly country: string;
  readonly parseDate: DateParser;
  readonly tagSeparator: RegExp;
  /** Order numbers starting with this are refunds (credit notes), whatever the sign of their amounts. */
  readonly refundPrefix: string | undefined;
  /** The file's name, recorded in the context of imported events. */
  readonly fileName: string;
}

/** A row that was not imported: where, why, and the row itself for the rejects file. */
export interface RowReject {
  readonly row: SourceRow;
  /** The field at fault (the import names its column), or '' for the row as a whole. */
  readonly field: string;
  readonly reason: string;
}

/** What writing one batch did. */
export interface BatchOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  refundsApplied: number;
  refundDuplicates: number;
  rejects: RowReject[];
}

export const emptyOutcome = (): BatchOutcome => ({ inserted: 0, updated: 0, unchanged: 0, refundsApplied: 0, refundDuplicates: 0, rejects: [] });

/** Writes a batch in the caller's transaction. */
export type BatchWrite = (trx: Transaction<Database>) => Promise<BatchOutcome>;

/** Rows collected for writing; a kind decides what may be written before the file ends. */
export interface RowBatch<Row> {
  /** Adds a valid row, or refuses it with a reason (an order line contradicting its order). */
  add(row: Row, source: SourceRow): RowReject | undefined;
  /** Rows held. */
  readonly size: number;
  /** Takes the rows that can be written now (all of them when the file has ended), as a write to run. */
  take(final: boolean): BatchWrite | undefined;
}

/**
 * Builds a row schema from the field schemas the file maps (all of them when unknown, as for JSON Lines),
 * so that a four-column file is not validated field by field against every field of its kind.
 */
export function rowSchema<S extends z.ZodRawShape, Out>(
  shape: S,
  present: ReadonlySet<string> | undefined,
  finish: (row: z.output<z.ZodObject<S>>, ctx: z.RefinementCtx) => Out,
): z.ZodType<Out, unknown> {
  const picked = present ? (Object.fromEntries(Object.entries(shape).filter(([k]) => present.has(k))) as S) : shape;
  return z.object(picked).transform((row, ctx) => finish(row as z.output<z.ZodObject<S>>, ctx)) as unknown as z.ZodType<Out, unknown>;
}

/** One kind of import: how a mapped row is validated, and how valid rows are batched and written. */
export interface KindImporter<Row> {
  readonly schema: z.ZodType<Row, unknown>;
  createBatch(workspace: Workspace, run: ImportRun): RowBatch<Row>;
}

/** Facts about the import run that writers need. */
export interface ImportRun {
  /** The database clock when the run began: rows written since belong to this run. */
  readonly startedAt: Date;
}

/** The key under which a row schema receives the free-form keys (attributes.KEY, properties.KEY, --keep-extra). */
export const extraKey = '$extra';

/** The zod input of a row schema: the mapped fields, and the free-form keys under `$extra`. */
export function schemaInput(record: MappedRecord): Record<string, unknown> {
  return record.extra ? { ...record.fields, [extraKey]: record.extra } : record.fields;
}

/** The identity fields of a row, named as `keys` (in the order of identityTypes, most specific first). */
export function identitiesOf(row: Readonly<Record<string, unknown>>, keys: readonly string[]): Identity[] {
  const out: Identity[] = [];
  for (const key of keys) {
    const identity = row[key] as Identity | undefined;
    if (identity) out.push(identity);
  }
  return out;
}

/** The identity fields of customers files (`email`) and of orders and events files (`customer.email`). */
export const identityKeys = { bare: identityTypes.map(String), customer: identityTypes.map((t) => `customer.${t}`) } as const;

/** Reports a row-level problem at a field from a row schema's final step. */
export function fail(ctx: z.RefinementCtx, field: string, message: string): never {
  ctx.addIssue({ code: 'custom', path: field === '' ? [] : [field], message });
  return z.NEVER as never;
}

/** Turns the free-form keys into attributes: empty cells left out. */
export function freeFormObject(extra: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!extra) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    const value = attributeValue(v);
    if (value !== undefined && k !== '') out[k] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A batch that holds rows until taken: every kind but orders, whose rows do not depend on each other. */
export function arrayBatch<Row>(write: (rows: { row: Row; source: SourceRow }[]) => ReturnType<RowBatch<Row>['take']>): RowBatch<Row> {
  let rows: { row: Row; source: SourceRow }[] = [];
  return {
    add: (row, source) => {
      rows.push({ row, source });
      return undefined;
    },
    get size() {
      return rows.length;
    },
    take: () => {
      if (rows.length === 0) return undefined;
      const taken = rows;
      rows = [];
      return write(taken);
    },
  };
}

