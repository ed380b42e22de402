import { z } from 'zod';
import { invalidInput } from '../../lib/errors.ts';
import { importKinds } from './fields.ts';
import { fileFormats } from './read-rows.ts';

/** Everything an import is told, validated once at the edge (CLI flags, or a caller's options). */
export const importOptionsSchema = z.object({
  kind: z.enum(importKinds),
  file: z.string().min(1, 'name the file to import'),
  format: z.enum(fileFormats).optional(),
  /** Column → field pairs; columns named like a field are mapped without one. */
  mapping: z.array(z.object({ source: z.string().min(1), target: z.string().min(1) })).default([]),
  /** Keep unmapped columns as attributes (customers, products) or properties (events, surveys). */
  keepExtra: z.boolean().default(false),
  /** Any bad row rejects the whole file; the file is validated before anything is written. */
  strict: z.boolean().default(false),
  /** Validate and write the rejects file, but write nothing to the database. */
  dryRun: z.boolean().default(false),
  /** Where rejected rows go; default FILE.rejects.csv next to the file. */
  rejectsPath: z.string().min(1).optional(),
  /** Rows per transaction. */
  batchSize: z.number().int().min(1).max(50_000).default(5_000),
  /** auto, iso, excel, epoch, epoch-ms, or a pattern such as D/M/YYYY H:mm. */
  dateFormat: z.string().min(1).optional(),
  /** IANA zone of local times in the file; default the workspace's. */
  timezone: z.string().min(1).optional(),
  /** Currency of amounts when the file has no currency column; default the workspace's. */
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'use a three-letter ISO code such as CNY or USD')
    .transform((c) => c.toUpperCase())
    .optional(),
  /** Country of phone numbers without a country code; default the workspace's. */
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'use a two-letter ISO country code such as CN')
    .transform((c) => c.toUpperCase())
    .optional(),
  /** Separator of the tags column; default any of , ; | */
  tagSeparator: z.string().min(1).optional(),
  /** Order numbers with this prefix are refunds (credit notes), e.g. C. */
  refundPrefix: z.string().min(1).optional(),
  /** Excel: the worksheet to read; default the first. */
  sheet: z.string().min(1).optional(),
  /** CSV: the field delimiter; default detected from the header line. */
  delimiter: z.string().length(1, 'a delimiter is one character, e.g. , ; or a tab').optional(),
  /** CSV and JSON Lines text encoding; default utf8. */
  encoding: z.string().min(1).optional(),
});
export type ImportOptions = z.input<typeof importOptionsSchema>;
export type ParsedImportOptions = z.output<typeof importOptionsSchema>;

/** Parses import options, turning the first problem into an invalid_input error naming the option. */
export function parseImportOptions(input: ImportOptions): ParsedImportOptions {
  const parsed = importOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = issue.path.map(String).join('.') || 'options';
  throw invalidInput(`${name}: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))) });
}
