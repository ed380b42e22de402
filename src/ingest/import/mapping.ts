import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { invalidInput } from '../../lib/errors.ts';
import { freeFormPrefix, isTargetField, requiredFields, targetFields, type ImportKind } from './fields.ts';
import type { SourceRow } from './read-rows.ts';

/** One column of the file mapped onto one field. */
export interface ColumnMapping {
  readonly source: string;
  readonly target: string;
}

/** Parses `--map column=field` flags; the last `=` splits, so column names may contain one. */
export function parseMapFlags(flags: readonly string[]): ColumnMapping[] {
  return flags.map((flag) => {
    const at = flag.lastIndexOf('=');
    const source = flag.slice(0, at).trim();
    const target = flag.slice(at + 1).trim();
    if (at <= 0 || source === '' || target === '') throw invalidInput(`--map ${flag}: write it as column=field, e.g. --map order_date=ordered_at`, { path: ['map'], value: flag });
    return { source, target };
  });
}

const mappingFileSchema = z.record(z.string().min(1), z.string().min(1, 'give a field name'));

/** Reads a mapping file: a JSON object from column names to field names, e.g. {"order_date": "ordered_at"}. */
export function readMappingFile(path: string): ColumnMapping[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw invalidInput(`Cannot read the mapping file ${path}`, { path: ['mapFile'] });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidInput(`The mapping file ${path} is not valid JSON: ${(e as Error).message}`, { path: ['mapFile'] });
  }
  const parsed = mappingFileSchema.safeParse(json);
  if (!parsed.success) throw invalidInput(`The mapping file ${path} must be a JSON object from column names to field names, e.g. {"order_date": "ordered_at"}`, { path: ['mapFile'] });
  return Object.entries(parsed.data).map(([source, target]) => ({ source, target }));
}

/** Checks that every target is a field of the kind and is mapped once. */
export function checkMapping(kind: ImportKind, mapping: readonly ColumnMapping[]): void {
  const seen = new Map<string, string>();
  for (const m of mapping) {
    if (!isTargetField(kind, m.target)) {
      const prefix = freeFormPrefix(kind);
      throw invalidInput(
        `"${m.target}" (mapped from column ${m.source}) is not a field of ${kind}. Fields: ${targetFields[kind].map((f) => f.name).join(', ')}${prefix ? ` (${prefix}.KEY for any key)` : ''}`,
        { path: ['map'], value: m.target },
      );
    }
    const other = seen.get(m.target);
    if (other !== undefined && other !== m.source) throw invalidInput(`${m.target} is mapped from two columns, ${other} and ${m.source}; map one`, { path: ['map'], value: m.target });
    seen.set(m.target, m.source);
  }
}

// Names under which common exports carry a field, mapped without a flag (Segment's event export).
const aliases: Partial<Record<ImportKind, Record<string, string>>> = {
  events: { userId: 'customer.external_id', anonymousId: 'customer.anonymous_id', messageId: 'message_id', event: 'event' },
};

/** A file row projected onto the kind's fields: `fields` by field name, free-form keys in `extra`. */
export interface MappedRecord {
  readonly fields: Record<string, unknown>;
  readonly extra: Record<string, unknown> | undefined;
}

/** A mapping bound to one file: projects rows, names the column behind a field for error messages. */
export interface BoundMapping {
  project(row: SourceRow): MappedRecord;
  /** The file column a field (or `attributes.key`) came from; empty when the field was not mapped. */
  columnOf(field: string): string;
  /** The columns mapped explicitly or by name, for the summary. */
  readonly used: readonly ColumnMapping[];
  /** The fields the file maps (with `$extra` for free-form keys); undefined for JSON Lines, where each record decides. */
  readonly fields: ReadonlySet<string> | undefined;
}

/**
 * Binds a mapping to a file: explicit mappings first, then columns named exactly like a field (case
 * aside), and with `keepExtra` every other column as a free-form key. Throws when a mapped column is
 * not in the header.
 */
export function bindMapping(kind: ImportKind, mapping: readonly ColumnMapping[], columns: readonly string[] | undefined, keepExtra: boolean): BoundMapping {
  checkMapping(kind, mapping);
  const prefix = freeFormPrefix(kind);
  const explicitTargets = new Set(mapping.map((m) => m.target));
  const used: ColumnMapping[] = [...mapping];
  const automatic = new Map(targetFields[kind].filter((f) => !f.name.endsWith('.KEY')).map((f) => [f.name.toLowerCase(), f.name]));
  for (const [alias, target] of Object.entries(aliases[kind] ?? {})) automatic.set(alias.toLowerCase(), target);
  const columnOfTarget = new Map<string, string>();

  if (columns) {
    const indexOf = (name: string): number => {
      const exact = columns.indexOf(name);
      return exact >= 0 ? exact : columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    };
    const readers: { target: string; index: number }[] = [];
    const mappedIndexes = new Set<number>();
    for (const m of mapping) {
      const index = indexOf(m.source);
      if (index < 0) throw invalidInput(`Column "${m.source}" is not in the file; its columns are: ${columns.join(', ')}`, { path: ['map'], value: m.source });
      readers.push({ target: m.target, index });
      mappedIndexes.add(index);
    }
    columns.forEach((column, index) => {
      const target = automatic.get(column.trim().toLowerCase());
      if (target && !explicitTargets.has(target) && !mappedIndexes.has(index) && !readers.some((r) => r.target === target)) {
        readers.push({ target, index });
        mappedIndexes.add(index);
        used.push({ source: column, target });
      }
    });
    const extras = keepExtra && prefix ? columns.map((c, index) => ({ key: c, index })).filter((e) => !mappedIndexes.has(e.index) && e.key !== '') : [];
    for (const r of readers) columnOfTarget.set(r.target, columns[r.index]!);
    for (const oneOf of requiredFields[kind]) {
      if (!oneOf.some((f) => columnOfTarget.has(f))) {
        const example = oneOf[0]!;
        throw invalidInput(
          `${kind} need a column for ${oneOf.length > 1 ? `one of ${oneOf.join(', ')}` : example}: map one with --map COLUMN=${example} (the file's columns: ${columns.join(', ')})`,
          { path: ['map'], value: example },
        );
      }
    }
    const direct = readers.filter((r) => !(prefix && r.target.startsWith(`${prefix}.`)));
    const free = readers.filter((r) => prefix && r.target.startsWith(`${prefix}.`)).map((r) => ({ key: r.target.slice(prefix!.length + 1), index: r.index }));
    free.push(...extras);
    for (const e of extras) columnOfTarget.set(`${prefix}.${e.key}`, e.key);
    const fields = new Set(direct.map((r) => r.target));
    return {
      used,
      fields: free.length > 0 ? fields.add('$extra') : fields,
      columnOf: (field) => columnOfTarget.get(field) ?? '',
      project: (row) => {
        const cells = row.cells as readonly unknown[];
        const fields: Record<string, unknown> = {};
        for (const r of direct) fields[r.target] = cells[r.index];
        let extra: Record<string, unknown> | undefined;
        if (free.length > 0) {
          extra = {};
          for (const f of free) extra[f.key] = cells[f.index];
        }
        return { fields, extra };
      },
    };
  }

  // JSON Lines: each record names its own keys; a dotted source reaches into nested objects.
  const sourceOf = new Map(mapping.map((m) => [m.target, m.source]));
  for (const m of mapping) columnOfTarget.set(m.target, m.source);
  const read = (obj: Readonly<Record<string, unknown>>, path: string): unknown => {
    if (path in obj) return obj[path];
    if (!path.includes('.')) return undefined;
    let at: unknown = obj;
    for (const part of path.split('.')) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined;
    return at;
  };
  return {
    used,
    fields: undefined,
    columnOf: (field) => columnOfTarget.get(field) ?? (prefix && field.startsWith(`${prefix}.`) ? field.slice(prefix.length + 1) : field),
    project: (row) => {
      const obj = row.cells as Readonly<Record<string, unknown>>;
      const fields: Record<string, unknown> = {};
      let extra: Record<string, unknown> | undefined;
      const consumed = new Set<string>();
      for (const m of mapping) {
        consumed.add(m.source.split('.')[0]!);
        const value = read(obj, m.source);
        if (prefix && m.target.startsWith(`${prefix}.`)) (extra ??= {})[m.target.slice(prefix.length + 1)] = value;
        else fields[m.target] = value;
      }
      for (const key of Object.keys(obj)) {
        if (consumed.has(key)) continue;
        const target = automatic.get(key.toLowerCase());
        if (target && !sourceOf.has(target) && !(target in fields)) {
          fields[target] = obj[key];
          columnOfTarget.set(target, key);
        } else if (keepExtra && prefix) {
          (extra ??= {})[key] = obj[key];
        }
      }
      return { fields, extra };
    },
  };
}
