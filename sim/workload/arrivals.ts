import type { Rng } from '../engine/rng.ts';
import type { Micros } from '../engine/time.ts';

/**
 * Open-loop arrival processes: each answers "when is the next arrival after `now`?" with an
 * absolute time, or null when there are no more.
 */
export type ArrivalSpec =
  | { type: 'poisson'; ratePerSec: number }
  | { type: 'constant'; ratePerSec: number }
  | { type: 'bursts'; bursts: readonly { atMs: number; count: number }[] }
  | { type: 'steps'; steps: readonly { atMs: number; ratePerSec: number }[] }
  | { type: 'ramp'; fromRatePerSec: number; toRatePerSec: number; rampStartMs: number; rampDurationMs: number };

export interface ArrivalProcess {
  /** The next arrival strictly after the previous one (or at the same instant, for bursts). */
  next(now: Micros, rng: Rng): Micros | null;
}

/**
 * The arrival process of `spec`, starting at `startUs`, ending at `endUs` (the end of the run:
 * an arrival after it would never be delivered, so none is made). Every process is lazy and
 * does a bounded amount of work per arrival: nothing is built up front (a burst of a billion
 * is a counter, not an array), and no call loops without moving time towards `endUs`.
 */
export function makeArrivals(spec: ArrivalSpec, startUs: Micros, endUs: Micros = Infinity): ArrivalProcess {
  const process = arrivalsOf(spec, startUs, endUs);
  return { next: (now, rng) => {
    const t = process.next(now, rng);
    return t === null || t > endUs ? null : t;
  } };
}

function arrivalsOf(spec: ArrivalSpec, startUs: Micros, endUs: Micros): ArrivalProcess {
  switch (spec.type) {
    case 'poisson':
      return poisson(spec.ratePerSec);
    case 'constant':
      return constantRate(spec.ratePerSec, startUs);
    case 'bursts':
      return bursts(spec.bursts);
    case 'steps':
      return steps(spec.steps, endUs);
    case 'ramp':
      return ramp(spec);
  }
}

function poisson(ratePerSec: number): ArrivalProcess {
  const meanGapUs = 1e6 / ratePerSec;
  return { next: (now, rng) => now + Math.round(rng.exponential(meanGapUs)) };
}

/** Evenly spaced; the k-th arrival is computed from k, so rounding never accumulates. */
function constantRate(ratePerSec: number, startUs: Micros): ArrivalProcess {
  let k = 0;
  return { next: () => startUs + Math.round((++k * 1e6) / ratePerSec) };
}

/**
 * `count` arrivals at each burst's instant, in time order (a stable sort: bursts at one instant
 * keep file order). Bursts before `now` — before the workload started, or while it was down —
 * are skipped. Only a cursor is kept: the burst and how many of its arrivals are left.
 */
function bursts(list: readonly { atMs: number; count: number }[]): ArrivalProcess {
  const sorted = [...list].sort((a, b) => a.atMs - b.atMs).map((b) => ({ at: Math.round(b.atMs * 1000), count: b.count }));
  let i = 0;
  let left = sorted.length > 0 ? sorted[0].count : 0;
  return { next: (now) => {
    while (i < sorted.length && (left === 0 || sorted[i].at < now)) {
      i++;
      left = i < sorted.length ? sorted[i].count : 0;
    }
    if (i === sorted.length) return null;
    left--;
    return sorted[i].at;
  } };
}

/**
 * Poisson with a piecewise-constant rate. Because the exponential is memoryless, a gap that
 * would cross a step boundary may be redrawn from the boundary at the new rate — exactly.
 * Time only moves forward, so a cursor into the sorted steps replaces a search per draw; each
 * pass of the loop moves to the next boundary, and none goes past the end of the run.
 */
function steps(list: readonly { atMs: number; ratePerSec: number }[], endUs: Micros): ArrivalProcess {
  const sorted = [...list].sort((a, b) => a.atMs - b.atMs).map((s) => ({ at: Math.round(s.atMs * 1000), rate: s.ratePerSec }));
  /** Index of the first step after the current time: the one in force is the one before it. */
  let upcoming = 0;
  return {
    next(now, rng) {
      let t = now;
      for (;;) {
        while (upcoming < sorted.length && sorted[upcoming].at <= t) upcoming++;
        const rate = upcoming === 0 ? 0 : sorted[upcoming - 1].rate;
        const boundary = upcoming < sorted.length ? sorted[upcoming].at : null;
        if (rate > 0) {
          const candidate = t + Math.round(rng.exponential(1e6 / rate));
          if (boundary === null || candidate < boundary) return candidate;
        }
        if (boundary === null || boundary > endUs) return null;
        t = boundary;
      }
    },
  };
}

/**
 * Poisson whose rate moves linearly between two values: `from` until the ramp starts, `to`
 * after it ends. Drawn by inversion, exactly: an Exp(1) amount of "arrival mass" is spent along
 * the piecewise-linear rate, and the point where it runs out is the next arrival — constant
 * work per arrival, however long the rate stays at or near zero (thinning against the peak
 * rate could reject candidates for ever when the ramp starts late).
 */
function ramp(spec: { fromRatePerSec: number; toRatePerSec: number; rampStartMs: number; rampDurationMs: number }): ArrivalProcess {
  const start = spec.rampStartMs * 1000;
  const end = start + spec.rampDurationMs * 1000;
  // Rates per microsecond, and how fast the rate changes along the ramp (per µs²).
  const from = spec.fromRatePerSec / 1e6;
  const to = spec.toRatePerSec / 1e6;
  const slope = end > start ? (to - from) / (end - start) : 0;
  return {
    next(now, rng) {
      let mass = rng.exponential(1);
      let t = now;
      if (t < start) {
        const reach = t + mass / from; // Infinity when `from` is 0
        if (reach <= start) return Math.round(reach);
        mass -= (start - t) * from;
        t = start;
      }
      if (t < end) {
        const rate = from + (t - start) * slope;
        const span = end - t;
        const massToEnd = rate * span + (slope * span * span) / 2;
        if (mass <= massToEnd) return Math.round(t + linearRateGap(rate, slope, mass));
        mass -= massToEnd;
        t = end;
      }
      return to > 0 ? Math.round(t + mass / to) : null;
    },
  };
}

/**
 * The gap s ≥ 0 after which a rate that starts at `rate` and changes by `slope` per µs has
 * accumulated `mass`: the root of rate·s + slope·s²/2 = mass, in the form that stays accurate
 * when slope·mass is tiny against rate² (no cancellation).
 */
function linearRateGap(rate: number, slope: number, mass: number): number {
  if (mass <= 0) return 0;
  const root = Math.sqrt(Math.max(0, rate * rate + 2 * slope * mass));
  return (2 * mass) / (rate + root);
}
