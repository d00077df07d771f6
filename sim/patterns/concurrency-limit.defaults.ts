/**
 * The defaults and effective parameters of concurrency-limit (no zod: the engine imports this, the
 * scenario schema concurrency-limit.schema.ts builds on it; behaviour, metrics and invariants: concurrency-limit.ts).
 */
import type {  } from './concurrency-limit.schema.ts';

export const ALGORITHMS = ['aimd', 'gradient2'] as const;
export type ConcurrencyAlgorithm = (typeof ALGORITHMS)[number];

/** Netflix AIMDLimit (with the reference's start 10 and floor 1). */
export const AIMD_DEFAULTS = {
  initialLimit: 10,
  minLimit: 1,
  maxLimit: 200,
  backoffRatio: 0.9,
  /** AIMDLimit DEFAULT_TIMEOUT: an RTT above this counts as a drop. */
  timeoutMs: 5000,
} as const;

/** Netflix Gradient2Limit.Builder defaults. */
export const GRADIENT2_DEFAULTS = {
  initialLimit: 20,
  minLimit: 20,
  maxLimit: 200,
  smoothing: 0.2,
  queueSize: 4,
  rttTolerance: 1.5,
  longWindow: 600,
} as const;

export const DEFAULTS = { aimd: AIMD_DEFAULTS, gradient2: GRADIENT2_DEFAULTS } as const;

export type AimdParams = { -readonly [K in keyof typeof AIMD_DEFAULTS]: number };
export type Gradient2Params = { -readonly [K in keyof typeof GRADIENT2_DEFAULTS]: number };

function defined<T extends object>(spec: T): Partial<T> {
  return Object.fromEntries(Object.entries(spec).filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'name' && k !== 'algorithm')) as Partial<T>;
}

export function aimdParams(spec: Partial<AimdParams> = {}): AimdParams {
  return { ...AIMD_DEFAULTS, ...defined(spec) };
}

export function gradient2Params(spec: Partial<Gradient2Params> = {}): Gradient2Params {
  return { ...GRADIENT2_DEFAULTS, ...defined(spec) };
}
