// Seeded random numbers for simulating customer bases (benchmarks, tests, demo data): the
// generator is a parameter, so every simulation is reproducible from its seed.

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** mulberry32 (Tommy Ettinger, public domain): 32 bits of state, fast, and good enough for simulation. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal variate (Box–Muller). */
export function normalVariate(random: RandomSource): number {
  // 1 − u lies in (0, 1], so the logarithm is finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, rate 1) variate: Marsaglia & Tsang (2000), boosted by U^(1/shape) for shape < 1. */
export function gammaVariate(random: RandomSource, shape: number): number {
  if (shape < 1) return gammaVariate(random, shape + 1) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normalVariate(random);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) variate, as a ratio of gammas. */
export function betaVariate(random: RandomSource, a: number, b: number): number {
  const ga = gammaVariate(random, a);
  return ga / (ga + gammaVariate(random, b));
}
