import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { PurchaseHistory, SpendHistory } from './fit-summary.ts';

// Test support: the CDNOW sample summaries in shared/datasets (beside the repository), read with
// the same column meanings as the papers. See shared/datasets/README.md for their provenance.

/** The shared CDNOW data set file with this name, resolved from this folder to <repo>/../shared/datasets. */
export function cdnowFile(name: string): URL {
  return new URL(`../../../../shared/datasets/${name}`, import.meta.url);
}

/** The 2,357 sample customers' (x, t_x, T, z̄), in file order (customer 1 first). */
export function readCdnowSample(): (PurchaseHistory & SpendHistory)[] {
  const text = readFileSync(cdnowFile('cdnow_customers_summary_with_transactions.csv'), 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((r) => ({
    x: Number(r['x']),
    tx: Number(r['t_x']),
    T: Number(r['T']),
    zbar: Number(r['zbar']),
  }));
}

/** The BG/NBD summary file's (x, t_x, T) as published (frequency, recency, T). */
export function readCdnowSummary(): PurchaseHistory[] {
  const text = readFileSync(cdnowFile('cdnow_customers_summary.csv'), 'utf8');
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((r) => ({
    x: Number(r['frequency']),
    tx: Number(r['recency']),
    T: Number(r['T']),
  }));
}
