import { createHash } from 'node:crypto';
import { invalidInput } from '../lib/errors.ts';

/** An arm of a test: its name and its share of the non-holdout traffic (weights need not sum to 1). */
export interface Arm {
  readonly name: string;
  readonly weight: number;
}

/** The name a holdout (random control) assignment gets. */
export const holdoutArm = 'holdout';

/**
 * A number in [0, 1) fixed by the key: the first 52 bits of SHA-256, so the same key always lands in the
 * same place on every process and store, and keys spread uniformly.
 */
export function hashUnit(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  // 52 bits (6.5 bytes) fit a double exactly.
  const high = digest.readUInt32BE(0);
  const low = digest.readUInt32BE(4) >>> 12;
  return (high * 2 ** 20 + low) / 2 ** 52;
}

/**
 * Assigns a customer deterministically: first the holdout share, then the arms by weight, from one hash of
 * the unit key (e.g. "campaign:7:customer:42" or "journey:3:split:a:customer:42"). Re-running gives the same
 * arm; changing the holdout share moves only the customers at the boundary.
 */
export function assignArm(unitKey: string, arms: readonly Arm[], holdoutShare = 0): string {
  if (arms.length === 0) throw invalidInput('a test needs at least one arm', { path: ['arms'] });
  if (!(holdoutShare >= 0 && holdoutShare < 1)) throw invalidInput(`the holdout share ${holdoutShare} must be at least 0 and below 1`, { path: ['holdoutShare'], value: holdoutShare });
  const total = arms.reduce((sum, arm) => sum + arm.weight, 0);
  if (!(total > 0) || arms.some((arm) => !(arm.weight >= 0))) throw invalidInput('arm weights must be non-negative and not all zero', { path: ['arms'] });
  const u = hashUnit(unitKey);
  if (u < holdoutShare) return holdoutArm;
  let point = ((u - holdoutShare) / (1 - holdoutShare)) * total;
  for (const arm of arms) {
    if (point < arm.weight) return arm.name;
    point -= arm.weight;
  }
  return arms[arms.length - 1]!.name;
}
