/** File imports: customers, orders, products and events from CSV, Excel and JSON Lines, streamed in batches with a rejects file. */
export { describeFields, importKinds, targetFields, type ImportKind, type TargetField } from './fields.ts';
export { parseMapFlags, readMappingFile, type ColumnMapping } from './mapping.ts';
export { importOptionsSchema, type ImportOptions } from './options.ts';
export { namedDateFormats } from './parse-date.ts';
export { fileFormats, formatOfPath, type FileFormat } from './read-rows.ts';
export { formatImportSummary, importFile, type ImportProgress, type ImportSummary } from './run-import.ts';
