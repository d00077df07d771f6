/**
 * The defaults and effective parameters of circuit-breaker (no zod: the engine imports this, the
 * scenario schema circuit-breaker.schema.ts builds on it; behaviour, metrics and invariants: circuit-breaker.ts).
 */
import type { FailureOutcome } from '../nodes/call.ts';
import type { CircuitBreakerSpec } from './circuit-breaker.schema.ts';

export const STATES = ['CLOSED', 'OPEN', 'HALF_OPEN', 'DISABLED', 'FORCED_OPEN', 'METRICS_ONLY'] as const;
export type BreakerState = (typeof STATES)[number];

/** Resilience4j CircuitBreakerConfig defaults. */
export const DEFAULTS = {
  failureRateThreshold: 50,
  slowCallRateThreshold: 100,
  slowCallDurationThresholdMs: 60_000,
  waitDurationInOpenStateMs: 60_000,
  permittedNumberOfCallsInHalfOpenState: 10,
  minimumNumberOfCalls: 100,
  slidingWindowType: 'COUNT_BASED' as 'COUNT_BASED' | 'TIME_BASED',
  slidingWindowSize: 100,
  automaticTransitionFromOpenToHalfOpenEnabled: false,
  /** Outcomes recorded as failures (Resilience4j records every exception). */
  recordOutcomes: ['error', 'timeout', 'rejected'] as FailureOutcome[],
  initialState: 'CLOSED' as BreakerState,
  /** 0 = use the failure rate; n > 0 = open after n consecutive failures. */
  consecutiveFailures: 0,
};

export const PRESETS = {
  resilience4j: {},
  /** Hystrix: 20 requests in a 10 s rolling window, 50 %, 5 s sleep, one probe. */
  hystrix: { slidingWindowType: 'TIME_BASED', slidingWindowSize: 10, minimumNumberOfCalls: 20, failureRateThreshold: 50, waitDurationInOpenStateMs: 5000, permittedNumberOfCallsInHalfOpenState: 1 },
  /** Polly advanced breaker: failure ratio 0.1, minimum throughput 100, 30 s sampling, 5 s break, one probe. */
  polly: { slidingWindowType: 'TIME_BASED', slidingWindowSize: 30, minimumNumberOfCalls: 100, failureRateThreshold: 10, waitDurationInOpenStateMs: 5000, permittedNumberOfCallsInHalfOpenState: 1 },
  /** cockatiel ConsecutiveBreaker(5), 10 s half-open after. */
  consecutive: { consecutiveFailures: 5, waitDurationInOpenStateMs: 10_000, permittedNumberOfCallsInHalfOpenState: 1 },
} as const;

export type BreakerParams = typeof DEFAULTS;

export function breakerParams(spec: CircuitBreakerSpec): BreakerParams {
  const preset = spec.preset ? PRESETS[spec.preset] : {};
  const defined = Object.fromEntries(Object.entries(spec).filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'name' && k !== 'preset'));
  return { ...DEFAULTS, ...preset, ...defined } as BreakerParams;
}
