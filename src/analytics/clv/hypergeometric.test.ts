import { describe, expect, it } from 'vitest';
import { hyp2f1, hyp2f1Series } from './hypergeometric.ts';

// Reference values computed with mpmath.hyp2f1 at 50 digits.
const reference: readonly [a: number, b: number, c: number, z: number, value: number, path: string][] = [
  [0.243, 2.426, 2.219, 0.3, 1.100518533085473, 'series'],
  // E[X(78)] at the CDNOW estimates: c − a − b = −0.45, slow series, 1 − z transformation.
  [0.243, 2.426, 2.219, 0.9464411386414929, 2.3900055962688613, '1 − z transformation'],
  [1.1593, 1.606, 2.1593, 0.9, 6.123168121517704, 'Pareto/NBD shape, 1 − z transformation'],
  [12.2, 1.6, 13.2, 0.97, 76.80458666142925, 'large parameters, 1 − z transformation'],
  [1.5, 2.5, 4.0, 0.9, 5.4931375169820695, 'c − a − b = 0: direct series'],
  [1.5, 2.5, 4.0002, 0.9, 5.492367455577553, 'c − a − b near 0: direct series'],
  [1.5, 2.5, 4.0, 0.9995, 29.128100127748894, 'c − a − b = 0 near z = 1: extrapolation'],
  [1, 1, 2, 0.999999, 13.815524373459892, '−log(1−z)/z near z = 1: extrapolation'],
  [2.0, 3.0, 7.0, 0.99, 4.743239500706737, 'c − a − b = 2: direct series'],
  [0.5, 0.5, 1.5, -3.0, 0.7603459963009463, 'negative z: Pfaff'],
  [0.5, 2.0, 4.0, 1.0, 1.6, 'z = 1: Gauss'],
  [-3.0, 2.5, 1.5, 0.8, -0.05599999999999998, 'polynomial'],
  [3.3, -2.0, 0.7, 0.95, 2.8046008403361338, 'polynomial'],
];

describe('hyp2f1', () => {
  it.each(reference)('2F1(%d, %d; %d; %d) = %d (%s)', (a, b, c, z, value) => {
    expect(hyp2f1(a, b, c, z)).toBeCloseTo(value, 9);
    expect(Math.abs(hyp2f1(a, b, c, z) - value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(value)));
  });

  it('agrees with closed forms', () => {
    // 2F1(1, 1; 2; z) = −log(1 − z)/z and 2F1(a, b; b; z) = (1 − z)^(−a) (A&S 15.1.3, 15.1.8).
    for (const z of [-0.9, 0.2, 0.6, 0.8, 0.95, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log1p(-z) / z, 12);
      expect(hyp2f1(0.7, 2.3, 2.3, z)).toBeCloseTo(Math.pow(1 - z, -0.7), 10);
    }
  });

  it('stays accurate on both sides of each change of method', () => {
    // mpmath values at z = 0.75 ± 1e-9 (series | transformation) and 0.999 ± 1e-9 (series | extrapolation).
    const edges: readonly [a: number, b: number, c: number, z: number, value: number][] = [
      [0.243, 2.426, 2.219, 0.75 - 1e-9, 1.4714099919095052],
      [0.243, 2.426, 2.219, 0.75 + 1e-9, 1.4714099953683306],
      [0.243, 2.426, 2.219, 0.999 - 1e-9, 11.096499608871087],
      [0.243, 2.426, 2.219, 0.999 + 1e-9, 11.096508968496684],
      [1.5, 2.5, 4.0, 0.75 - 1e-9, 3.0988147121727505],
      [1.5, 2.5, 4.0, 0.75 + 1e-9, 3.098814729447776],
      [1.5, 2.5, 4.0, 0.999 - 1e-9, 25.648285582568736],
      [1.5, 2.5, 4.0, 0.999 + 1e-9, 25.648295578557743],
    ];
    for (const [a, b, c, z, value] of edges) {
      expect(Math.abs(hyp2f1(a, b, c, z) - value) / value).toBeLessThan(1e-10);
    }
  });

  it('matches the plain series where both converge', () => {
    expect(hyp2f1(0.553, 1.606, 2.159, 0.7)).toBeCloseTo(hyp2f1Series(0.553, 1.606, 2.159, 0.7), 13);
  });

  it('falls back to the direct series when the 1 − z transform overflows (large b, as a BG/NBD fit near its limit)', () => {
    // Found in a scoring run: A&S 15.3.6 with c − a − b = 276 overflowed before converging.
    const [a, b, c, z] = [0.567, 10_000, 10_276.567, 0.75977];
    const value = hyp2f1(a, b, c, z);
    // Euler's transformation (A&S 15.3.3) gives an independent series: (1−z)^(c−a−b) 2F1(c−a, c−b; c; z).
    const euler = Math.pow(1 - z, c - a - b) * hyp2f1Series(c - a, c - b, c, z);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeCloseTo(euler, 8);
  });

  it('refuses arguments outside its domain', () => {
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, 1.5)).toThrow(RangeError);
    expect(() => hyp2f1(Number.NaN, 1, 2, 0.5)).toThrow(RangeError);
    expect(hyp2f1(1, 1, 2, 1)).toBe(Infinity);
  });
});
