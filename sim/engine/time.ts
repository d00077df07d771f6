/**
 * Simulated time is an integer count of microseconds (DESIGN principle 3). Floating-point
 * time would make event order depend on rounding; integers make it exact and portable.
 */
export type Micros = number;

export const US_PER_MS = 1_000;
export const US_PER_SEC = 1_000_000;

/** Milliseconds (as users write them) to whole microseconds. */
export function msToUs(ms: number): Micros {
  return Math.round(ms * US_PER_MS);
}

export function secToUs(sec: number): Micros {
  return Math.round(sec * US_PER_SEC);
}

/** Microseconds to milliseconds for reports; exact to the microsecond. */
export function usToMs(us: Micros): number {
  return us / US_PER_MS;
}
