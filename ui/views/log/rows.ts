/**
 * Which rows of a long list are on screen (a virtualized list: only those are in the DOM).
 *
 * Browsers cap an element's height (about 33 million px in Chromium, 17 million in Firefox),
 * and a million 22 px rows would pass that, so the scrolled content is at most MAX_CONTENT_PX
 * tall and the scroll position maps proportionally onto the rows: the top of the scroll range
 * shows the first row, the bottom shows the last, and in between a pixel of scrolling may move
 * by more than one row. Below the cap a pixel is a pixel.
 */

export const MAX_CONTENT_PX = 4_000_000;

export interface RowWindow {
  /** First row drawn. */
  first: number;
  /** Rows drawn from `first` (enough to fill the view, clipped at the end). */
  count: number;
  /** Where row `first` sits in the scrolled content, px from its top. */
  topPx: number;
}

/** Height of the scrolled content for `rows` rows. */
export function contentHeight(rows: number, rowPx: number): number {
  return Math.min(rows * rowPx, MAX_CONTENT_PX);
}

/** The largest scroll position. */
export function maxScrollTop(rows: number, rowPx: number, viewPx: number): number {
  return Math.max(0, contentHeight(rows, rowPx) - viewPx);
}

/** The rows to draw at a scroll position. */
export function rowWindow(scrollTop: number, viewPx: number, rows: number, rowPx: number): RowWindow {
  const maxTop = maxScrollTop(rows, rowPx, viewPx);
  const top = Math.max(0, Math.min(scrollTop, maxTop));
  // The first row at the top of the view, as a fraction: 0 at the top, (rows − rows in view) at the bottom.
  const lastFirst = Math.max(0, rows - viewPx / rowPx);
  const exact = maxTop === 0 ? 0 : (top / maxTop) * lastFirst;
  const first = Math.floor(exact);
  const count = Math.max(0, Math.min(rows - first, Math.ceil(viewPx / rowPx) + 1));
  return { first, count, topPx: top - (exact - first) * rowPx };
}

/** The scroll position that puts `row` in the middle of the view. */
export function scrollTopForRow(row: number, viewPx: number, rows: number, rowPx: number): number {
  const maxTop = maxScrollTop(rows, rowPx, viewPx);
  const lastFirst = Math.max(0, rows - viewPx / rowPx);
  if (lastFirst === 0) return 0;
  const first = Math.max(0, Math.min(lastFirst, row + 0.5 - viewPx / rowPx / 2));
  return (first / lastFirst) * maxTop;
}

/** Is `row` wholly inside the view at this window? */
export function rowInView(row: number, window: RowWindow, scrollTop: number, viewPx: number, rowPx: number): boolean {
  if (row < window.first || row >= window.first + window.count) return false;
  const y = window.topPx + (row - window.first) * rowPx - scrollTop;
  return y >= 0 && y + rowPx <= viewPx;
}
