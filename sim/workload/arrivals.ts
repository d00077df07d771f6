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

export function makeArrivals(spec: ArrivalSpec, startUs: Micros): ArrivalProcess {
  switch (spec.type) {
    case 'poisson':
      return poisson(spec.ratePerSec);
    case 'constant':
      return constantRate(spec.ratePerSec, startUs);
    case 'bursts':
      return bursts(spec.bursts);
    case 'steps':
      return steps(spec.steps);
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

function bursts(list: readonly { atMs: number; count: number }[]): ArrivalProcess {
  const times: Micros[] = [];
  for (const b of [...list].sort((a, b) => a.atMs - b.atMs)) {
    for (let i = 0; i < b.count; i++) times.push(Math.round(b.atMs * 1000));
  }
  let i = 0;
  return { next: (now) => {
    while (i < times.length && times[i] < now) i++;
    return i < times.length ? times[i++] : null;
  } };
}

/**
 * Poisson with a piecewise-constant rate. Because the exponential is memoryless, a gap that
 * would cross a step boundary may be redrawn from the boundary at the new rate — exactly.
 */
function steps(list: readonly { atMs: number; ratePerSec: number }[]): ArrivalProcess {
  const sorted = [...list].sort((a, b) => a.atMs - b.atMs).map((s) => ({ at: Math.round(s.atMs * 1000), rate: s.ratePerSec }));
  const rateAt = (t: Micros): number => {
    let rate = 0;
    for (const s of sorted) if (s.at <= t) rate = s.rate;
    return rate;
  };
  const nextBoundary = (t: Micros): Micros | null => {
    for (const s of sorted) if (s.at > t) return s.at;
    return null;
  };
  return {
    next(now, rng) {
      let t = now;
      for (;;) {
        const rate = rateAt(t);
        const boundary = nextBoundary(t);
        if (rate > 0) {
          const candidate = t + Math.round(rng.exponential(1e6 / rate));
          if (boundary === null || candidate < boundary) return candidate;
        }
        if (boundary === null) return null;
        t = boundary;
      }
    },
  };
}

/** Poisson whose rate moves linearly between two values, by thinning (Lewis–Shedler). */
function ramp(spec: { fromRatePerSec: number; toRatePerSec: number; rampStartMs: number; rampDurationMs: number }): ArrivalProcess {
  const start = spec.rampStartMs * 1000;
  const length = spec.rampDurationMs * 1000;
  const rateAt = (t: Micros): number => {
    if (t <= start || length === 0) return t <= start ? spec.fromRatePerSec : spec.toRatePerSec;
    if (t >= start + length) return spec.toRatePerSec;
    return spec.fromRatePerSec + ((t - start) / length) * (spec.toRatePerSec - spec.fromRatePerSec);
  };
  const maxRate = Math.max(spec.fromRatePerSec, spec.toRatePerSec);
  if (maxRate <= 0) return { next: () => null };
  return {
    next(now, rng) {
      let t = now;
      for (;;) {
        t += Math.round(rng.exponential(1e6 / maxRate));
        if (rng.next() * maxRate < rateAt(t)) return t;
        // A rate that has fallen to zero for good yields no more arrivals.
        if (t >= start + length && spec.toRatePerSec <= 0) return null;
      }
    },
  };
}
