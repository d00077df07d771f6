/**
 * requestIdleCallback where the browser has it, and a stand-in where it does not (Safari): a
 * task soon after, which reports a short idle period, so work sliced by the deadline still goes
 * in small slices.
 */
export interface IdleTime {
  didTimeout: boolean;
  timeRemaining(): number;
}

/** What the stand-in reports as the time left (ms). */
const STAND_IN_IDLE_MS = 3;

/** Calls `work` when the page is idle, or after `timeoutMs` at the latest; returns a cancel function. */
export function whenIdle(work: (deadline: IdleTime) => void, timeoutMs: number): () => void {
  if (typeof requestIdleCallback === 'function') {
    const handle = requestIdleCallback(work, { timeout: timeoutMs });
    return () => cancelIdleCallback(handle);
  }
  const handle = setTimeout(() => work({ didTimeout: false, timeRemaining: () => STAND_IN_IDLE_MS }), 1);
  return () => clearTimeout(handle);
}
