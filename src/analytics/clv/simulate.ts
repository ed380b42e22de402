import type { BgNbdParams } from './bgnbd.ts';
import type { PurchaseHistory, SpendHistory } from './fit-summary.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';
import { betaVariate, gammaVariate, type RandomSource } from './random-variates.ts';

// Synthetic customer bases drawn from the models' own stories, for benchmarks and for checking
// that a fit recovers the parameters that generated the data.

/** How many customers to simulate and over what calibration window (times in the models' unit). */
export interface SimulationOptions {
  readonly customers: number;
  readonly random: RandomSource;
  /** Time from the earliest first purchase to the end of calibration (default 39, CDNOW's weeks). */
  readonly calibrationLength?: number;
  /** First purchases are spread uniformly over this long a window at the start (default 12). */
  readonly acquisitionWindow?: number;
}

/**
 * Simulates customers under BG/NBD (Fader, Hardie & Lee 2005, §2): Poisson purchases at rate
 * λ ~ Gamma(r, α) while alive, and after each repeat purchase a drop-out with p ~ Beta(a, b).
 * With spend parameters each repeat buyer also gets a Gamma-Gamma mean spend z̄ (else z̄ = 0).
 */
export function simulateCustomers(
  purchases: BgNbdParams,
  spend: GammaGammaParams | undefined,
  options: SimulationOptions,
): (PurchaseHistory & SpendHistory)[] {
  const { customers, random, calibrationLength = 39, acquisitionWindow = 12 } = options;
  const { r, alpha, a, b } = purchases;
  const rows: (PurchaseHistory & SpendHistory)[] = [];
  for (let i = 0; i < customers; i++) {
    const lambda = gammaVariate(random, r) / alpha;
    const p = betaVariate(random, a, b);
    const T = calibrationLength - acquisitionWindow * random();
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - random()) / lambda;
      if (t > T) break;
      x++;
      tx = t;
      if (random() < p) break;
    }
    let zbar = 0;
    if (spend && x > 0) {
      // Spend per purchase is Gamma(p, ν) with ν ~ Gamma(q, γ) per customer, so the mean of x
      // purchases is Gamma(px, ν)/x (Fader & Hardie 2013).
      const nu = gammaVariate(random, spend.q) / spend.gamma;
      zbar = gammaVariate(random, spend.p * x) / nu / x;
    }
    rows.push({ x, tx, T, zbar });
  }
  return rows;
}
