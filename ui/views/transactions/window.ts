/**
 * The transaction timeline's time axis: a window that ends just after the playback cursor,
 * sized to fit a typical transaction about a dozen times — and wide enough to hold the latest
 * transaction before the cursor, so the tab never opens on an empty axis while there are
 * transactions to see.
 */
import { typicalDurationUs, type TransactionIndex } from './extract.ts';

/** Where the cursor sits in a window, as a fraction of its width: the rest shows outcomes just reached. */
export const CURSOR_AT = 0.9;

/**
 * The automatic window at `cursorUs`: about a dozen typical transactions on a 1-2-5 step (a
 * stable scale while playing), widened on the same steps until the latest transaction started
 * by the cursor is on it; the whole run if that is shorter.
 */
export function autoWindowUs(index: TransactionIndex, endUs: number, cursorUs: number): number {
  const typical = typicalDurationUs(index);
  if (!Number.isFinite(typical)) return endUs;
  const fits = Math.max(1000, typical * 12);
  const latestEnd = latestEndBy(index, cursorUs);
  // The window starts at cursor − CURSOR_AT × window; it must reach back to that end.
  const reaches = latestEnd === -Infinity ? 0 : (cursorUs - latestEnd) / CURSOR_AT;
  return Math.min(endUs, niceUp(Math.max(fits, reaches)));
}

/** The axis: the whole run, or a window with the cursor near its right end. */
export function windowDomain(cursorUs: number, windowUs: number, endUs: number): [number, number] {
  if (windowUs >= endUs) return [0, endUs];
  const from = Math.max(0, cursorUs - CURSOR_AT * windowUs);
  return [from, from + windowUs];
}

/** The latest end (Infinity while open) of the transactions started by `tUs`, or -Infinity if none has. */
function latestEndBy(index: TransactionIndex, tUs: number): number {
  let latest = -Infinity;
  for (const txn of index.transactions) {
    if (txn.startUs > tUs) break;
    if (txn.endUs > latest) latest = txn.endUs;
  }
  return latest;
}

function niceUp(v: number): number {
  const decade = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * decade >= v) return m * decade;
  return 10 * decade;
}
