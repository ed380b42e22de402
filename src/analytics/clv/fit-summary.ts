import { PatronError } from '../../lib/errors.ts';

// Fitting works on de-duplicated summaries: the likelihood of a customer depends only on their
// (x, t_x, T), so customers with identical histories contribute one weighted term. Rounding times
// to a coarser unit (days, when the model runs in weeks) makes a million customers collapse into a
// few tens of thousands of distinct rows, and the fit then scales with those, not with customers.

/** One customer's calibration history: x repeat purchases, the last at t_x, observed for T (same time unit). */
export interface PurchaseHistory {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/** One customer's repeat purchases and their mean spend z̄ (meaningful only when x > 0). */
export interface SpendHistory {
  readonly x: number;
  readonly zbar: number;
}

/**
 * Distinct (x, t_x, T) rows with a weight (how many customers share them), stored by column.
 * Each column also carries its distinct levels, so a likelihood evaluation computes a logarithm
 * once per distinct T or t_x and a log-gamma once per distinct x.
 */
export interface HistorySummary {
  readonly customers: number;
  readonly size: number;
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
  readonly xLevels: Float64Array;
  readonly xLevel: Uint32Array;
  readonly txLevels: Float64Array;
  readonly txLevel: Uint32Array;
  readonly TLevels: Float64Array;
  readonly TLevel: Uint32Array;
}

/** Distinct (x, z̄) rows of the repeat buyers, with weights and levels, for the Gamma-Gamma fit. */
export interface SpendSummary {
  readonly customers: number;
  /** Customers left out because they made no repeat purchase (their z̄ is undefined). */
  readonly withoutRepeatPurchases: number;
  readonly size: number;
  readonly x: Float64Array;
  readonly zbar: Float64Array;
  /** log z̄, fixed by the data, so kept rather than recomputed at every likelihood evaluation. */
  readonly logZbar: Float64Array;
  readonly weight: Float64Array;
  readonly xLevels: Float64Array;
  readonly xLevel: Uint32Array;
}

/** How finely to keep times and spend when grouping: coarser means fewer distinct rows. */
export interface SummaryOptions {
  /** Round t_x and T to multiples of this (e.g. 1/7 to keep days when times are in weeks); exact when absent. */
  readonly timeResolution?: number;
  /** Round z̄ to multiples of this (e.g. 0.01 for cents); exact when absent. */
  readonly spendResolution?: number;
}

// Interns values into dense level ids, so that a row key is a small integer tuple.
interface Levels {
  readonly ids: Map<number, number>;
  readonly values: number[];
}

function newLevels(): Levels {
  return { ids: new Map(), values: [] };
}

function levelOf(levels: Levels, value: number): number {
  let id = levels.ids.get(value);
  if (id === undefined) {
    id = levels.values.length;
    levels.ids.set(value, id);
    levels.values.push(value);
  }
  return id;
}

function rounder(resolution: number | undefined, name: string): (v: number) => number {
  if (resolution === undefined) return (v) => v;
  if (!(Number.isFinite(resolution) && resolution > 0)) {
    throw new PatronError('invalid_input', `${name} must be a positive number, got ${resolution}.`, {
      path: [name],
      value: resolution,
    });
  }
  return (v) => Math.round(v / resolution) * resolution;
}

function rowError(row: number, column: string, value: unknown, what: string): PatronError {
  return new PatronError(
    'invalid_input',
    `Customer ${row}: ${column} ${what} (got ${String(value)}). Fix or remove that row.`,
    { row, column, value },
  );
}

function checkCount(row: number, x: number): void {
  if (!(Number.isInteger(x) && x >= 0)) {
    throw rowError(row, 'x', x, 'must be a whole number of repeat purchases, 0 or more');
  }
}

// Groups rows by a tuple of level ids. A numeric key is far faster than a string one; the
// string is only a fallback for level counts whose product passes 2^53.
function groupByKey(
  count: number,
  radices: readonly number[],
  idOf: (row: number, column: number) => number,
): { readonly groupOfRow: Uint32Array; readonly firstRow: number[]; readonly weight: number[] } {
  const groupOfRow = new Uint32Array(count);
  const firstRow: number[] = [];
  const weight: number[] = [];
  const numeric = radices.reduce((p, r) => p * Math.max(r, 1), 1) < Number.MAX_SAFE_INTEGER;
  const groups = new Map<number | string, number>();
  for (let i = 0; i < count; i++) {
    let key: number | string = 0;
    if (numeric) {
      for (let c = 0; c < radices.length; c++) key = (key as number) * radices[c]! + idOf(i, c);
    } else {
      key = radices.map((_, c) => idOf(i, c)).join(',');
    }
    let g = groups.get(key);
    if (g === undefined) {
      g = firstRow.length;
      groups.set(key, g);
      firstRow.push(i);
      weight.push(0);
    }
    weight[g]! += 1;
    groupOfRow[i] = g;
  }
  return { groupOfRow, firstRow, weight };
}

/**
 * De-duplicates customer histories into weighted (x, t_x, T) rows for fitting BG/NBD or Pareto/NBD,
 * checking each row (x a whole number, 0 ≤ t_x ≤ T, t_x = 0 when x = 0).
 */
export function summarizeForFit(
  rows: readonly PurchaseHistory[],
  options: SummaryOptions = {},
): HistorySummary {
  const roundTime = rounder(options.timeResolution, 'timeResolution');
  const n = rows.length;
  const xLevels = newLevels();
  const txLevels = newLevels();
  const TLevels = newLevels();
  const xId = new Uint32Array(n);
  const txId = new Uint32Array(n);
  const TId = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const { x, tx, T } = rows[i]!;
    const row = i + 1;
    checkCount(row, x);
    if (!(Number.isFinite(T) && T >= 0)) throw rowError(row, 'T', T, 'must be a time of 0 or more');
    if (!(Number.isFinite(tx) && tx >= 0 && tx <= T)) {
      throw rowError(row, 't_x', tx, `must be a time between 0 and T = ${T}`);
    }
    // The models define t_x = 0 for a customer without repeat purchases (Fader, Hardie & Lee 2005, §3).
    if (x === 0 && tx !== 0) throw rowError(row, 't_x', tx, 'must be 0 when x = 0');
    xId[i] = levelOf(xLevels, x);
    txId[i] = levelOf(txLevels, roundTime(tx));
    TId[i] = levelOf(TLevels, roundTime(T));
  }
  const columns = [xId, txId, TId];
  const radices = [xLevels.values.length, txLevels.values.length, TLevels.values.length];
  const { firstRow, weight } = groupByKey(n, radices, (i, c) => columns[c]![i]!);
  const size = firstRow.length;
  const pick = (ids: Uint32Array) => Uint32Array.from(firstRow, (i) => ids[i]!);
  const xLevel = pick(xId);
  const txLevel = pick(txId);
  const TLevel = pick(TId);
  const xs = Float64Array.from(xLevels.values);
  const txs = Float64Array.from(txLevels.values);
  const Ts = Float64Array.from(TLevels.values);
  return {
    customers: n,
    size,
    x: Float64Array.from(xLevel, (l) => xs[l]!),
    tx: Float64Array.from(txLevel, (l) => txs[l]!),
    T: Float64Array.from(TLevel, (l) => Ts[l]!),
    weight: Float64Array.from(weight),
    xLevels: xs,
    xLevel,
    txLevels: txs,
    txLevel,
    TLevels: Ts,
    TLevel,
  };
}

/**
 * De-duplicates the repeat buyers' (x, z̄) into weighted rows for the Gamma-Gamma fit; customers
 * with x = 0 are counted and left out, since they have no repeat spend to average.
 */
export function summarizeSpendForFit(
  rows: readonly SpendHistory[],
  options: SummaryOptions = {},
): SpendSummary {
  const roundSpend = rounder(options.spendResolution, 'spendResolution');
  const xLevels = newLevels();
  const zLevels = newLevels();
  const xId: number[] = [];
  const zId: number[] = [];
  let withoutRepeatPurchases = 0;
  for (let i = 0; i < rows.length; i++) {
    const { x, zbar } = rows[i]!;
    const row = i + 1;
    checkCount(row, x);
    if (x === 0) {
      withoutRepeatPurchases++;
      continue;
    }
    const rounded = roundSpend(zbar);
    if (!(Number.isFinite(zbar) && rounded > 0)) {
      throw rowError(row, 'zbar', zbar, 'must be a positive mean spend when x > 0');
    }
    xId.push(levelOf(xLevels, x));
    zId.push(levelOf(zLevels, rounded));
  }
  const columns = [xId, zId];
  const radices = [xLevels.values.length, zLevels.values.length];
  const { firstRow, weight } = groupByKey(xId.length, radices, (i, c) => columns[c]![i]!);
  const xs = Float64Array.from(xLevels.values);
  const xLevel = Uint32Array.from(firstRow, (i) => xId[i]!);
  const zbar = Float64Array.from(firstRow, (i) => zLevels.values[zId[i]!]!);
  return {
    customers: xId.length,
    withoutRepeatPurchases,
    size: firstRow.length,
    x: Float64Array.from(xLevel, (l) => xs[l]!),
    zbar,
    logZbar: zbar.map(Math.log),
    weight: Float64Array.from(weight),
    xLevels: xs,
    xLevel,
  };
}
