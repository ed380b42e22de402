/**
 * One CSV cell: always quoted, objects as JSON, dates as ISO 8601, and spreadsheet formulas defused with a
 * leading apostrophe (OWASP CSV injection), since exports are opened in Excel and WPS by people.
 */
export function csvCell(value: unknown): string {
  const text =
    value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replace(/"/g, '""')}"`;
}

/** A CSV line (with its newline) from cells. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\n`;
}
