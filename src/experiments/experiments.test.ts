import { describe, expect, it } from 'vitest';
import { assignArm, compareProportions, hashUnit, holdoutArm, normalCdf } from './index.ts';

describe('two-proportion z-test', () => {
  it('matches the worked example in OpenStax Introductory Statistics, "Comparing Two Independent Population Proportions" (medication for hives)', () => {
    // 20 of 200 adults on medication A and 12 of 200 on B still had hives: pooled p = 0.08, two-sided p-value = 0.1404.
    const result = compareProportions({ conversions: 20, total: 200 }, { conversions: 12, total: 200 })!;
    expect(result.uplift).toBeCloseTo(0.04, 10);
    expect(result.z).toBeCloseTo(0.04 / Math.sqrt(0.08 * 0.92 * (2 / 200)), 10);
    expect(result.pValue).toBeCloseTo(0.1404, 4);
    // The 95% interval of the difference from the unpooled standard error: 0.04 ± 1.96 × 0.027055.
    expect(result.ci95[0]).toBeCloseTo(-0.01303, 4);
    expect(result.ci95[1]).toBeCloseTo(0.09303, 4);
    expect(result.relativeUplift).toBeCloseTo(2 / 3, 10);
  });

  it('finds a strong difference significant and none where there is none', () => {
    const strong = compareProportions({ conversions: 100, total: 400 }, { conversions: 41, total: 407 })!;
    expect(strong.z).toBeCloseTo(5.58, 1);
    expect(strong.pValue).toBeLessThan(1e-6);
    const none = compareProportions({ conversions: 50, total: 1000 }, { conversions: 50, total: 1000 })!;
    expect(none.pValue).toBeCloseTo(1, 6);
    expect(compareProportions({ conversions: 0, total: 10 }, { conversions: 0, total: 10 })).toBeNull();
    expect(compareProportions({ conversions: 1, total: 10 }, { conversions: 0, total: 0 })).toBeNull();
  });

  it('has a normal CDF accurate to the tables', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644853626951472)).toBeCloseTo(0.05, 6);
  });
});

describe('assignment by hashing', () => {
  it('is deterministic and honours weights and the holdout share', () => {
    const arms = [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 3 },
    ];
    const counts = new Map<string, number>();
    for (let c = 1; c <= 20_000; c++) {
      const arm = assignArm(`campaign:1:${c}`, arms, 0.1);
      expect(assignArm(`campaign:1:${c}`, arms, 0.1)).toBe(arm);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    expect(counts.get(holdoutArm)! / 20_000).toBeCloseTo(0.1, 1);
    expect(counts.get('a')! / 20_000).toBeCloseTo(0.225, 1);
    expect(counts.get('b')! / 20_000).toBeCloseTo(0.675, 1);
  });

  it('spreads keys uniformly in [0, 1) and refuses bad shares', () => {
    const u = hashUnit('x');
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
    expect(() => assignArm('k', [{ name: 'a', weight: 1 }], 1)).toThrow(/holdout share/);
    expect(() => assignArm('k', [], 0)).toThrow(/at least one arm/);
  });
});
