/**
 * Where each visited page of a cursor-paginated list starts. The API only goes forward (nextCursor),
 * so going back means remembering the cursors that led here: page n starts at cursors[n - 1].
 */
export interface CursorStack {
  readonly cursors: readonly (string | undefined)[];
}

/** The first page. */
export const firstPage: CursorStack = { cursors: [undefined] };

/** The cursor of the page being shown (undefined for the first). */
export const currentCursor = (stack: CursorStack): string | undefined => stack.cursors[stack.cursors.length - 1];

/** The 1-based number of the page being shown. */
export const pageNumber = (stack: CursorStack): number => stack.cursors.length;

/** Moves to the next page, which starts at the current page's nextCursor. */
export function nextPage(stack: CursorStack, nextCursor: string | null): CursorStack {
  return nextCursor === null ? stack : { cursors: [...stack.cursors, nextCursor] };
}

/** Moves back one page; the first page stays. */
export function previousPage(stack: CursorStack): CursorStack {
  return stack.cursors.length <= 1 ? stack : { cursors: stack.cursors.slice(0, -1) };
}
