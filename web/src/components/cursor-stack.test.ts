import { describe, expect, it } from 'vitest';
import { currentCursor, firstPage, nextPage, pageNumber, previousPage } from './cursor-stack.ts';

describe('cursor stack', () => {
  it('walks forward with the server cursors and back along them', () => {
    const page2 = nextPage(firstPage, '120');
    const page3 = nextPage(page2, '80');
    expect([pageNumber(firstPage), currentCursor(firstPage)]).toEqual([1, undefined]);
    expect([pageNumber(page3), currentCursor(page3)]).toEqual([3, '80']);
    expect(currentCursor(previousPage(page3))).toBe('120');
    expect(previousPage(previousPage(page3))).toEqual(firstPage);
  });

  it('stays put at either end', () => {
    expect(previousPage(firstPage)).toBe(firstPage);
    expect(nextPage(firstPage, null)).toBe(firstPage);
  });
});
