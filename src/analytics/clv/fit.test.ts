import { describe, expect, it } from 'vitest';
import { PatronError } from '../../lib/errors.ts';
import type { BgNbdParams } from './bgnbd.ts';
import { bgnbdConditionalExpectedPurchases, bgnbdProbabilityAlive } from './bgnbd.ts';
import { bgnbdShapeLimit, fitBgNbd, fitGammaGamma, fitParetoNbd } from './fit.ts';
import { summarizeForFit, summarizeSpendForFit } from './fit-summary.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';
import { seededRandom } from './random-variates.ts';
import { simulateCustomers } from './simulate.ts';

function expectPatronError(run: () => unknown, message: RegExp): void {
  try {
    run();
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(PatronError);
    expect((error as PatronError).code).toBe('invalid_input');
    expect((error as PatronError).message).toMatch(message);
  }
}

function expectFinite(params: object, logLikelihood: number): void {
  for (const value of Object.values(params)) expect(Number.isFinite(value)).toBe(true);
  expect(Number.isFinite(logLikelihood)).toBe(true);
}

describe('fitting degenerate data', () => {
  const neverReturned = Array.from({ length: 40 }, (_, i) => ({ x: 0, tx: 0, T: 20 + (i % 5), zbar: 0 }));

  it('refuses an empty customer base', () => {
    expectPatronError(() => fitBgNbd(summarizeForFit([])), /no customers/);
    expectPatronError(() => fitParetoNbd(summarizeForFit([])), /no customers/);
    expectPatronError(() => fitGammaGamma(summarizeSpendForFit([])), /at least two customers with repeat purchases/);
  });

  it('refuses a single customer', () => {
    const one = [{ x: 2, tx: 5, T: 9, zbar: 12 }];
    expectPatronError(() => fitBgNbd(summarizeForFit(one)), /single customer/);
    expectPatronError(() => fitParetoNbd(summarizeForFit(one)), /single customer/);
    expectPatronError(() => fitGammaGamma(summarizeSpendForFit(one)), /only one/);
  });

  it('refuses histories in which no time passed', () => {
    const allZero = Array.from({ length: 10 }, () => ({ x: 0, tx: 0, T: 0 }));
    expectPatronError(() => fitBgNbd(summarizeForFit(allZero)), /T = 0/);
    expectPatronError(() => fitParetoNbd(summarizeForFit(allZero)), /T = 0/);
  });

  it('still fits BG/NBD without repeat buyers, finitely, but refuses Gamma-Gamma', () => {
    const bgnbd = fitBgNbd(summarizeForFit(neverReturned));
    expectFinite(bgnbd.params, bgnbd.logLikelihood);
    // Nobody came back, so the fit puts purchase rates near zero and the likelihood near 1.
    expect(bgnbd.logLikelihood).toBeGreaterThan(-1e-3);
    const pareto = fitParetoNbd(summarizeForFit(neverReturned), { maxIterations: 2000 });
    expectFinite(pareto.params, pareto.logLikelihood);
    expectPatronError(() => fitGammaGamma(summarizeSpendForFit(neverReturned)), /there is none/);
  });
});

describe('fitting a base whose drop-out probability hardly varies', () => {
  // Beta(5000, 15000) is all but a point mass at p = 0.25: the likelihood keeps rising as a, b → ∞.
  const rows = simulateCustomers({ r: 0.8, alpha: 3, a: 5_000, b: 15_000 }, undefined, { customers: 20_000, random: seededRandom(11) });

  it('recovers the mean drop-out probability with a and b within their limit', () => {
    const fit = fitBgNbd(summarizeForFit(rows, { timeResolution: 1 / 7 }));
    expect(fit.params.a).toBeLessThanOrEqual(bgnbdShapeLimit);
    expect(fit.params.b).toBeLessThanOrEqual(bgnbdShapeLimit);
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeCloseTo(0.25, 1);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
  });

  it('predicts finite values for every history at the limit itself', () => {
    const params = { r: 0.8, alpha: 3, a: bgnbdShapeLimit, b: bgnbdShapeLimit };
    for (const history of [{ x: 0, tx: 0, T: 30 }, { x: 3, tx: 20, T: 39 }, { x: 12, tx: 38, T: 39 }, { x: 40, tx: 100, T: 104 }]) {
      const alive = bgnbdProbabilityAlive(params, history);
      const expected = bgnbdConditionalExpectedPurchases(params, 52, history);
      expect(alive).toBeGreaterThan(0);
      expect(alive).toBeLessThanOrEqual(1);
      expect(Number.isFinite(expected) && expected >= 0).toBe(true);
    }
  });
});

describe('fitting simulated customers', () => {
  const purchases: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const spend: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
  const rows = simulateCustomers(purchases, spend, { customers: 50_000, random: seededRandom(7) });

  it('recovers the BG/NBD parameters that generated the data', () => {
    const fit = fitBgNbd(summarizeForFit(rows, { timeResolution: 1 / 7 }));
    expect(fit.converged).toBe(true);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[name] / purchases[name] - 1)).toBeLessThan(0.15);
    }
  });

  it('recovers the Gamma-Gamma parameters that generated the data', () => {
    const fit = fitGammaGamma(summarizeSpendForFit(rows, { spendResolution: 0.01 }));
    expect(fit.converged).toBe(true);
    for (const name of ['p', 'q', 'gamma'] as const) {
      expect(Math.abs(fit.params[name] / spend[name] - 1)).toBeLessThan(0.15);
    }
  });

  it('gives the same answer from any reasonable start', () => {
    const summary = summarizeForFit(rows.slice(0, 5000));
    const fromOnes = fitBgNbd(summary);
    const fromElsewhere = fitBgNbd(summary, { start: { r: 3, alpha: 0.2, a: 5, b: 0.5 } });
    expect(fromElsewhere.logLikelihood).toBeCloseTo(fromOnes.logLikelihood, 5);
    expect(fromElsewhere.params.r).toBeCloseTo(fromOnes.params.r, 4);
  });
});
