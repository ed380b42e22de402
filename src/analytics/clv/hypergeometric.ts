import { signedLogGamma } from './log-gamma.ts';

// The Gaussian hypergeometric function 2F1(a, b; c; z) for real arguments and z ≤ 1, which the
// BG/NBD (Fader, Hardie & Lee 2005, eq. 7 and 10) and Pareto/NBD (Fader & Hardie 2005 note)
// expressions need. The power series converges for |z| < 1 but slowly near 1, so:
//   z < 0            Pfaff transformation onto z/(z−1) ∈ (0, 1)       (Abramowitz & Stegun 15.3.4)
//   0 ≤ z ≤ 3/4      the series itself (at most a few hundred terms)   (A&S 15.1.1)
//   3/4 < z < 1      the linear transformation onto 1 − z              (A&S 15.3.6)
//   z = 1            Gauss's theorem, when c − a − b > 0               (A&S 15.1.20)
// A&S 15.3.6 is a difference of two terms that can cancel badly: it has poles where c − a − b is
// an integer, and with large a, b, c its gamma ratios dwarf the result. When that cancellation
// would cost more than four digits we sum the series directly while that is affordable
// (z ≤ 0.999, some 40,000 terms), and only past that take a Richardson-extrapolated symmetric
// average over c ± h, extrapolated to h = 0, which cancels the error of stepping off the pole.

const seriesTolerance = 1e-16;
const maxSeriesTerms = 200_000;
const nearIntegerDistance = 1e-3;
const directSeriesBelow = 0.75;
const directSeriesLimit = 0.999;
const maxCancellation = 1e4;

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/** The power series Σ (a)_n (b)_n / (c)_n z^n / n!, summed until the terms stop mattering. */
export function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxSeriesTerms; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return sum;
    // Stop only once every Pochhammer factor is positive: before that a factor near zero can make
    // one term tiny while later terms are not.
    const pastSignChanges = a + n + 1 > 0 && b + n + 1 > 0 && c + n + 1 > 0;
    if (pastSignChanges && Math.abs(term) <= seriesTolerance * Math.abs(sum)) return sum;
    if (!Number.isFinite(sum)) break;
  }
  throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}): the series did not converge`);
}

// Γ(p)Γ(q) / (Γ(u)Γ(v)) with signs, through log Γ so that large arguments do not overflow.
function gammaRatio(p: number, q: number, u: number, v: number): number {
  // 1/Γ at a pole is 0, which makes the whole term vanish.
  if (isNonPositiveInteger(u) || isNonPositiveInteger(v)) return 0;
  const gp = signedLogGamma(p);
  const gq = signedLogGamma(q);
  const gu = signedLogGamma(u);
  const gv = signedLogGamma(v);
  return gp.sign * gq.sign * gu.sign * gv.sign * Math.exp(gp.log + gq.log - gu.log - gv.log);
}

// A&S 15.3.6, valid when c − a − b is not an integer; also returns the size of the larger term,
// which measures how much cancellation the sum suffered.
function oneMinusZTransform(a: number, b: number, c: number, z: number): Transformed {
  const w = 1 - z;
  const m = c - a - b;
  const first = gammaRatio(c, m, c - a, c - b) * hyp2f1Series(a, b, 1 - m, w);
  const second =
    gammaRatio(c, -m, a, b) * Math.pow(w, m) * hyp2f1Series(c - a, c - b, 1 + m, w);
  return { value: first + second, magnitude: Math.max(Math.abs(first), Math.abs(second)) };
}

// With very large a or b (a BG/NBD fit near its limit model) a series of the transform can overflow
// before it converges; the direct series below then still gets there.
function transformOrUndefined(a: number, b: number, c: number, z: number): Transformed | undefined {
  try {
    const transformed = oneMinusZTransform(a, b, c, z);
    return Number.isFinite(transformed.value) ? transformed : undefined;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

interface Transformed {
  readonly value: number;
  readonly magnitude: number;
}

function hyp2f1UnitInterval(a: number, b: number, c: number, z: number): number {
  if (z <= directSeriesBelow || isNonPositiveInteger(a) || isNonPositiveInteger(b)) {
    return hyp2f1Series(a, b, c, z);
  }
  const m = c - a - b;
  const nearPole = Math.abs(m - Math.round(m)) <= nearIntegerDistance;
  if (!nearPole) {
    const transformed = transformOrUndefined(a, b, c, z);
    if (transformed && transformed.magnitude <= maxCancellation * Math.abs(transformed.value)) {
      return transformed.value;
    }
  }
  if (z <= directSeriesLimit) return hyp2f1Series(a, b, c, z);
  // Step far enough from the pole that each shifted evaluation stays well conditioned, then
  // extrapolate twice (the symmetric average is even in h, so h² and h⁴ cancel in turn).
  const h = 8 * nearIntegerDistance;
  const average = (step: number): number =>
    0.5 *
    (oneMinusZTransform(a, b, c + step, z).value + oneMinusZTransform(a, b, c - step, z).value);
  const [wide, middle, narrow] = [average(h), average(h / 2), average(h / 4)];
  const once = (4 * middle - wide) / 3;
  const onceNarrow = (4 * narrow - middle) / 3;
  return (16 * onceNarrow - once) / 15;
}

/** The Gaussian hypergeometric function 2F1(a, b; c; z) for real a, b, c and z ≤ 1. */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (![a, b, c, z].every(Number.isFinite)) {
    throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}): arguments must be finite`);
  }
  if (isNonPositiveInteger(c)) throw new RangeError(`2F1: c = ${c} is a pole`);
  if (z > 1) throw new RangeError(`2F1: z = ${z} > 1 is outside the real domain`);
  if (z === 0 || a === 0 || b === 0) return 1;
  if (z === 1) {
    if (c - a - b <= 0) return Infinity;
    return gammaRatio(c, c - a - b, c - a, c - b);
  }
  if (z < 0) {
    // Pfaff: 2F1(a, b; c; z) = (1 − z)^(−a) 2F1(a, c − b; c; z / (z − 1)).
    return Math.pow(1 - z, -a) * hyp2f1UnitInterval(a, c - b, c, z / (z - 1));
  }
  return hyp2f1UnitInterval(a, b, c, z);
}
