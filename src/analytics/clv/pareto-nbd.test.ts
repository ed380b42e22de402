import { describe, expect, it } from 'vitest';
import { readCdnowSummary } from './cdnow-fixture.ts';
import { fitParetoNbd } from './fit.ts';
import { summarizeForFit } from './fit-summary.ts';
import {
  paretoNbdConditionalExpectedPurchases,
  paretoNbdExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  paretoNbdTotalLogLikelihood,
  type ParetoNbdParams,
} from './pareto-nbd.ts';

// Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions".
const published: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const customer1 = { x: 2, tx: 30.43, T: 38.86 };

describe('Pareto/NBD fitted to the CDNOW sample', () => {
  const summary = summarizeForFit(readCdnowSummary());
  const fit = fitParetoNbd(summary);

  it('reproduces the published estimates', () => {
    expect(fit.converged).toBe(true);
    expect(fit.params.r.toFixed(3)).toBe('0.553');
    expect(fit.params.alpha.toFixed(3)).toBe('10.578');
    expect(fit.params.s.toFixed(3)).toBe('0.606');
    // The likelihood is flat along s/β: the maximum on this file is β = 11.6679 (SciPy's
    // Nelder–Mead followed by BFGS finds the same to 1e-6), and the published 11.669 lies 8e-5
    // lower in log-likelihood. So β is compared to two decimals.
    expect(Math.abs(fit.params.beta - published.beta)).toBeLessThan(5e-3);
    expect(fit.logLikelihood).toBeCloseTo(-9594.97393, 4);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(paretoNbdTotalLogLikelihood(published, summary));
  });
});

describe('Pareto/NBD expressions at the published estimates', () => {
  // Reference values: the note's expressions evaluated with mpmath at 40 digits.
  it('matches the likelihood', () => {
    expect(paretoNbdLogLikelihood(published, customer1)).toBeCloseTo(-9.55428324515041, 11);
    expect(paretoNbdLogLikelihood(published, { x: 0, tx: 0, T: 38.86 })).toBeCloseTo(-0.52104629408089, 11);
    expect(paretoNbdLogLikelihood(published, { x: 7, tx: 29.43, T: 35.14 })).toBeCloseTo(-21.1126149950433, 11);
  });

  it('matches the likelihood on the α < β branch and is continuous where the branches meet', () => {
    expect(paretoNbdLogLikelihood({ ...published, alpha: 8 }, customer1)).toBeCloseTo(-9.56999078916745, 11);
    const at = (alpha: number) => paretoNbdLogLikelihood({ ...published, alpha }, customer1);
    expect(at(published.beta - 1e-9)).toBeCloseTo(at(published.beta + 1e-9), 8);
    expect(at(published.beta)).toBeCloseTo(at(published.beta + 1e-9), 8);
  });

  it('matches P(alive) and conditional expected purchases', () => {
    expect(paretoNbdProbabilityAlive(published, customer1)).toBeCloseTo(0.869167559153011, 11);
    expect(paretoNbdProbabilityAlive(published, { x: 1, tx: 1.71, T: 38.86 })).toBeCloseTo(0.168002326724345, 11);
    expect(paretoNbdConditionalExpectedPurchases(published, 39, customer1)).toBeCloseTo(1.4551231932576, 10);
    expect(paretoNbdConditionalExpectedPurchases(published, 39, { x: 7, tx: 29.43, T: 35.14 })).toBeCloseTo(
      4.6335169001052,
      10,
    );
    expect(paretoNbdExpectedPurchases(published, 39)).toBeCloseTo(1.21300284428102, 11);
  });

  it('keeps the conditional expectation finite at s = 1, where its formula is 0/0', () => {
    const at = (s: number) => paretoNbdConditionalExpectedPurchases({ ...published, s }, 39, customer1);
    expect(Number.isFinite(at(1))).toBe(true);
    expect(at(1)).toBeCloseTo((at(1 + 1e-7) + at(1 - 1e-7)) / 2, 8);
  });

  it('lowers P(alive) the longer a customer has been silent', () => {
    let previous = 1;
    for (const T of [31, 35, 40, 60, 100, 1000]) {
      const alive = paretoNbdProbabilityAlive(published, { x: 3, tx: 30, T });
      expect(alive).toBeLessThan(previous);
      expect(alive).toBeGreaterThan(0);
      previous = alive;
    }
    // Observed up to the last purchase, nobody can have left yet.
    expect(paretoNbdProbabilityAlive(published, { x: 3, tx: 30, T: 30 })).toBe(1);
  });
});
