/** A group's conversions out of its size. */
export interface Proportion {
  readonly conversions: number;
  readonly total: number;
}

/** A treatment compared with a control by the two-proportion z-test. */
export interface ProportionComparison {
  readonly treatmentRate: number;
  readonly controlRate: number;
  /** Absolute uplift: treatment rate minus control rate. */
  readonly uplift: number;
  /** Uplift relative to the control rate; null when the control converted nobody. */
  readonly relativeUplift: number | null;
  /** 95% confidence interval of the absolute uplift (unpooled standard error, Wald). */
  readonly ci95: readonly [number, number];
  /** z statistic with the pooled standard error, as the test of "no difference" uses. */
  readonly z: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

const z95 = 1.959963984540054;

/**
 * The standard normal CDF through erf, with the Abramowitz & Stegun 7.1.26 approximation (absolute error
 * below 1.5e-7), enough for p-values reported to four decimals.
 */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Two-proportion z-test of treatment against control (e.g. a variant against the holdout): the pooled
 * z statistic and two-sided p-value for H0 "same rate", and the 95% interval of the difference from the
 * unpooled standard error. Null when either group is empty or the pooled rate is 0 or 1 (no variance).
 */
export function compareProportions(treatment: Proportion, control: Proportion): ProportionComparison | null {
  if (treatment.total <= 0 || control.total <= 0) return null;
  const p1 = treatment.conversions / treatment.total;
  const p2 = control.conversions / control.total;
  const pooled = (treatment.conversions + control.conversions) / (treatment.total + control.total);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / treatment.total + 1 / control.total));
  if (pooledSe === 0) return null;
  const z = (p1 - p2) / pooledSe;
  const se = Math.sqrt((p1 * (1 - p1)) / treatment.total + (p2 * (1 - p2)) / control.total);
  return {
    treatmentRate: p1,
    controlRate: p2,
    uplift: p1 - p2,
    relativeUplift: p2 === 0 ? null : (p1 - p2) / p2,
    ci95: [p1 - p2 - z95 * se, p1 - p2 + z95 * se],
    z,
    pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))),
  };
}
