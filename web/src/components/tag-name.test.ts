import { describe, expect, it } from 'vitest';
import { tagNameProblem } from './tag-name.ts';

describe('tagNameProblem', () => {
  it('accepts 1 to 100 characters after trimming, as the server does', () => {
    expect(tagNameProblem(' VIP ')).toBeUndefined();
    expect(tagNameProblem('高价值')).toBeUndefined();
    expect(tagNameProblem('x'.repeat(100))).toBeUndefined();
    expect(tagNameProblem('   ')).toBe('emptyName');
    expect(tagNameProblem('x'.repeat(101))).toBe('tooLong');
  });
});
