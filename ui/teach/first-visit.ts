/** Kept apart from the rest of ui/teach so the first page load can ask it without loading Learn mode. */

/** Set on the first visit, so "start here" opens only once. */
const VISITED_KEY = 'faultline.learn.visited';

/** The lesson a first visit opens (lessons/start/start-here.json). */
export const START_HERE = 'start/start-here';

/** True once, on the first visit (and marks the visit). Storage refused: not a first visit. */
export function firstVisit(storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): boolean {
  try {
    if (storage.getItem(VISITED_KEY) !== null) return false;
    storage.setItem(VISITED_KEY, '1');
    return true;
  } catch {
    return false;
  }
}
