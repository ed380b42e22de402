import { describe, expect, it } from 'vitest';
import { tokenFromHash } from './access-api.ts';

describe('tokenFromHash', () => {
  it('reads the token from a link fragment, decoded, and nothing from an empty or foreign fragment', () => {
    expect(tokenFromHash('#token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFromHash('#token=a%2Bb')).toBe('a+b');
    expect(tokenFromHash('token=xyz')).toBe('xyz');
    expect(tokenFromHash('')).toBeUndefined();
    expect(tokenFromHash('#token=')).toBeUndefined();
    expect(tokenFromHash('#section-2')).toBeUndefined();
  });
});
