import { describe, expect, it } from 'vitest';
import { digamma, logGamma, signedLogGamma } from './log-gamma.ts';

describe('logGamma', () => {
  it('matches known values to about 1e-14', () => {
    // Γ(n) = (n−1)!, Γ(1/2) = √π; log Γ(100.5) from mpmath.
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(0.243)).toBeCloseTo(1.3180435846996699, 13);
    expect(logGamma(100.5)).toBeCloseTo(361.4355404677776, 10);
    expect(logGamma(1e-8)).toBeCloseTo(18.42068073818021, 9);
  });

  it('gives signs and magnitudes left of zero', () => {
    // Γ(−0.5) = −2√π, Γ(−1.5) = 4√π/3.
    expect(signedLogGamma(-0.5)).toEqual({ log: expect.closeTo(Math.log(2 * Math.sqrt(Math.PI)), 13), sign: -1 });
    expect(signedLogGamma(-1.5)).toEqual({ log: expect.closeTo(Math.log((4 * Math.sqrt(Math.PI)) / 3), 13), sign: 1 });
    expect(() => signedLogGamma(-2)).toThrow(RangeError);
  });
});

describe('digamma', () => {
  it('matches known values', () => {
    // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 log 2.
    const euler = 0.5772156649015329;
    expect(digamma(1)).toBeCloseTo(-euler, 12);
    expect(digamma(0.5)).toBeCloseTo(-euler - 2 * Math.log(2), 12);
    expect(digamma(20.3)).toBeCloseTo(2.9857881719937196, 12);
  });
});
