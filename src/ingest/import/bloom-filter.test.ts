import { describe, expect, it } from 'vitest';
import { BloomFilter } from './bloom-filter.ts';

describe('BloomFilter', () => {
  it('never forgets a key and rarely claims one it has not seen', () => {
    const filter = new BloomFilter(20);
    for (let i = 0; i < 10_000; i++) filter.add(`order-${i}`);
    for (let i = 0; i < 10_000; i++) expect(filter.mightHave(`order-${i}`)).toBe(true);
    let wrong = 0;
    for (let i = 10_000; i < 20_000; i++) if (filter.mightHave(`order-${i}`)) wrong++;
    // 10,000 keys in 2^20 bits with 4 hashes: about 0.01% false positives expected.
    expect(wrong).toBeLessThan(20);
  });
});
