/**
 * The defaults and effective parameters of retry (no zod: the engine imports this, the
 * scenario schema retry.schema.ts builds on it; behaviour, metrics and invariants: retry.ts).
 */
import type { FailureOutcome } from '../nodes/call.ts';
import type { RetrySpec } from './retry.schema.ts';

export const BACKOFFS = ['constant', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated', 'randomized'] as const;

export const DEFAULTS = {
  /** Resilience4j maxAttempts (including the first call). */
  maxAttempts: 3,
  backoff: 'constant' as (typeof BACKOFFS)[number],
  /** Resilience4j waitDuration. */
  baseMs: 500,
  /** Resilience4j exponential multiplier. */
  multiplier: 1.5,
  capMs: 30_000,
  /** Resilience4j randomizationFactor. */
  randomizationFactor: 0.5,
  retryOn: ['error', 'timeout', 'rejected'] as FailureOutcome[],
} as const;

export const PRESETS = {
  resilience4j: { maxAttempts: 3, backoff: 'constant', baseMs: 500 },
  envoy: { maxAttempts: 2, backoff: 'full-jitter', baseMs: 25, capMs: 250 },
  temporal: { maxAttempts: 100, backoff: 'exponential', baseMs: 1000, multiplier: 2, capMs: 100_000 },
  aws: { maxAttempts: 3, backoff: 'full-jitter', baseMs: 100, capMs: 20_000 },
} as const;

/** The effective parameters: defaults, then the preset, then what the scenario says. */
export function retryParams(spec: RetrySpec) {
  const preset = spec.preset ? PRESETS[spec.preset] : {};
  const defined = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...preset, ...defined } as typeof DEFAULTS & RetrySpec & { capMs: number };
}
