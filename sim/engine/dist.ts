import type { Rng } from './rng.ts';
import type { Micros } from './time.ts';

/**
 * Duration distributions as scenarios write them (milliseconds), compiled to samplers of
 * whole, non-negative microseconds. A sample is rounded when it is drawn (DESIGN principle 3).
 */
export type DistSpec =
  | { type: 'constant'; ms: number }
  | { type: 'uniform'; minMs: number; maxMs: number }
  | { type: 'exponential'; meanMs: number }
  | { type: 'normal'; meanMs: number; stdDevMs: number }
  | { type: 'lognormal'; medianMs: number; sigma: number }
  | { type: 'pareto'; scaleMs: number; shape: number };

export interface Sampler {
  sample(rng: Rng): Micros;
  /** The distribution's mean in µs (Infinity for a Pareto tail with shape ≤ 1). */
  readonly meanUs: number;
  /** True when every sample is the same, so callers may skip bookkeeping (FIFO on links). */
  readonly constant: boolean;
}

/** Heavy tails can draw astronomically long durations; cap them (about 31 years) to stay exact. */
const MAX_SAMPLE_US = 1e15;

export function compileDist(spec: DistSpec): Sampler {
  switch (spec.type) {
    case 'constant': {
      const v = Math.max(0, Math.round(spec.ms * 1000));
      return { sample: () => v, meanUs: v, constant: true };
    }
    case 'uniform': {
      const lo = spec.minMs * 1000;
      const hi = spec.maxMs * 1000;
      return { sample: (rng) => Math.round(rng.uniform(lo, hi)), meanUs: (lo + hi) / 2, constant: lo === hi };
    }
    case 'exponential': {
      const mean = spec.meanMs * 1000;
      return { sample: (rng) => Math.round(rng.exponential(mean)), meanUs: mean, constant: false };
    }
    case 'normal': {
      const mean = spec.meanMs * 1000;
      const sd = spec.stdDevMs * 1000;
      return { sample: (rng) => Math.max(0, Math.round(rng.normal(mean, sd))), meanUs: mean, constant: sd === 0 };
    }
    case 'lognormal': {
      const mu = Math.log(spec.medianMs * 1000);
      const sigma = spec.sigma;
      return {
        sample: (rng) => Math.min(MAX_SAMPLE_US, Math.round(rng.lognormal(mu, sigma))),
        meanUs: Math.exp(mu + (sigma * sigma) / 2),
        constant: sigma === 0,
      };
    }
    case 'pareto': {
      const scale = spec.scaleMs * 1000;
      const shape = spec.shape;
      return {
        sample: (rng) => Math.min(MAX_SAMPLE_US, Math.round(rng.pareto(scale, shape))),
        meanUs: shape > 1 ? (shape * scale) / (shape - 1) : Infinity,
        constant: false,
      };
    }
  }
}
