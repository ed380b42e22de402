import { describe, expect, it } from 'vitest';
import { PatronError } from '../../lib/errors.ts';
import { readCdnowSample } from './cdnow-fixture.ts';
import { summarizeForFit, summarizeSpendForFit } from './fit-summary.ts';

function rowsOf(summary: ReturnType<typeof summarizeForFit>) {
  return Array.from({ length: summary.size }, (_, i) => ({
    x: summary.x[i],
    tx: summary.tx[i],
    T: summary.T[i],
    weight: summary.weight[i],
  }));
}

describe('summarizeForFit', () => {
  it('groups identical histories with a weight and keeps every customer', () => {
    const summary = summarizeForFit([
      { x: 0, tx: 0, T: 10 },
      { x: 2, tx: 4, T: 10 },
      { x: 0, tx: 0, T: 10 },
      { x: 2, tx: 4, T: 10 },
      { x: 2, tx: 4, T: 9 },
    ]);
    expect(summary.customers).toBe(5);
    expect(rowsOf(summary)).toEqual([
      { x: 0, tx: 0, T: 10, weight: 2 },
      { x: 2, tx: 4, T: 10, weight: 2 },
      { x: 2, tx: 4, T: 9, weight: 1 },
    ]);
    // Levels index the distinct values of each column.
    expect([...summary.TLevels]).toEqual([10, 9]);
    expect([...summary.TLevel]).toEqual([0, 0, 1]);
    expect([...summary.xLevels]).toEqual([0, 2]);
  });

  it('rounds times to the requested resolution, merging histories a day apart', () => {
    const day = 1 / 7;
    const summary = summarizeForFit(
      [
        { x: 1, tx: 3.01, T: 38.86 },
        { x: 1, tx: 3.02, T: 38.85 },
      ],
      { timeResolution: day },
    );
    expect(summary.size).toBe(1);
    expect(summary.weight[0]).toBe(2);
    expect(summary.tx[0]).toBeCloseTo(21 * day, 12);
  });

  it('collapses the CDNOW sample to its distinct histories', () => {
    const summary = summarizeForFit(readCdnowSample());
    expect(summary.customers).toBe(2357);
    expect(summary.size).toBeLessThan(2357);
    expect(summary.weight.reduce((a, b) => a + b, 0)).toBe(2357);
  });

  it('names the customer and column of an impossible history', () => {
    const bad = [
      [{ x: -1, tx: 0, T: 1 }, 'x'],
      [{ x: 1.5, tx: 1, T: 2 }, 'x'],
      [{ x: 1, tx: 3, T: 2 }, 't_x'],
      [{ x: 1, tx: Number.NaN, T: 2 }, 't_x'],
      [{ x: 0, tx: 1, T: 2 }, 't_x'],
      [{ x: 1, tx: 1, T: Infinity }, 'T'],
    ] as const;
    for (const [row, column] of bad) {
      try {
        summarizeForFit([{ x: 0, tx: 0, T: 5 }, row]);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(PatronError);
        expect((error as PatronError).code).toBe('invalid_input');
        expect((error as PatronError).details).toMatchObject({ row: 2, column });
        expect((error as PatronError).message).toMatch(/^Customer 2: /);
      }
    }
    expect(() => summarizeForFit([], { timeResolution: 0 })).toThrow(/timeResolution/);
  });
});

describe('summarizeSpendForFit', () => {
  it('keeps repeat buyers only, grouped on (x, z̄)', () => {
    const summary = summarizeSpendForFit(
      [
        { x: 0, zbar: 0 },
        { x: 2, zbar: 10.001 },
        { x: 2, zbar: 9.999 },
        { x: 1, zbar: 10 },
      ],
      { spendResolution: 0.01 },
    );
    expect(summary.customers).toBe(3);
    expect(summary.withoutRepeatPurchases).toBe(1);
    expect(summary.size).toBe(2);
    expect([...summary.weight]).toEqual([2, 1]);
    expect(summary.logZbar[0]).toBeCloseTo(Math.log(10), 12);
  });

  it('refuses a repeat buyer without a positive mean spend', () => {
    expect(() => summarizeSpendForFit([{ x: 3, zbar: 0 }])).toThrow(PatronError);
    expect(() => summarizeSpendForFit([{ x: 3, zbar: Number.NaN }])).toThrow(/zbar/);
  });
});
