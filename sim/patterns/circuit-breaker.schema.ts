import { z } from 'zod';
import { FAILURE_OUTCOMES, type FailureOutcome } from '../nodes/call.ts';

/**
 * The scenario fields of circuit breaker (behaviour, metrics and invariants: circuit-breaker.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
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

export const CircuitBreakerSchema = z.strictObject({
  type: z.literal('circuit-breaker'),
  name: z.string().max(64).optional(),
  preset: z.enum(['resilience4j', 'hystrix', 'polly', 'consecutive']).optional(),
  failureRateThreshold: z.number().gt(0).max(100).optional().describe('Percent of recorded calls that fail, at which the breaker opens.'),
  slowCallRateThreshold: z.number().gt(0).max(100).optional().describe('Percent of recorded calls that are slow, at which the breaker opens.'),
  slowCallDurationThresholdMs: z.number().min(0).max(1e9).optional().describe('A call that takes longer than this is slow.'),
  waitDurationInOpenStateMs: z.number().min(0).max(1e9).optional().describe('How long the breaker stays open before it lets probes through (half-open).'),
  permittedNumberOfCallsInHalfOpenState: z.int().min(1).max(1e6).optional().describe('Probes HALF_OPEN admits; it decides after min(minimumNumberOfCalls, this) of them.'),
  minimumNumberOfCalls: z.int().min(1).max(1e9).optional().describe('Recorded calls before the rate is judged (clamped to a COUNT_BASED window, and in HALF_OPEN to the probes).'),
  slidingWindowType: z.enum(['COUNT_BASED', 'TIME_BASED']).optional().describe('Keep the last calls (COUNT_BASED) or the last seconds (TIME_BASED).'),
  slidingWindowSize: z.int().min(1).max(100_000).optional().describe('Calls (COUNT_BASED) or seconds (TIME_BASED).'),
  automaticTransitionFromOpenToHalfOpenEnabled: z.boolean().optional().describe('Go half-open by timer; otherwise on the first call after the wait.'),
  recordOutcomes: z.array(z.enum(FAILURE_OUTCOMES)).max(3).optional(),
  initialState: z.enum(STATES).optional().describe('The state the breaker starts in.'),
  consecutiveFailures: z.int().min(0).max(1e6).optional().describe('Open after this many failures in a row instead of by rate (0: by rate).'),
});
export type CircuitBreakerSpec = z.output<typeof CircuitBreakerSchema>;

export type BreakerParams = typeof DEFAULTS;

export function breakerParams(spec: CircuitBreakerSpec): BreakerParams {
  const preset = spec.preset ? PRESETS[spec.preset] : {};
  const defined = Object.fromEntries(Object.entries(spec).filter(([k, v]) => v !== undefined && k !== 'type' && k !== 'name' && k !== 'preset'));
  return { ...DEFAULTS, ...preset, ...defined } as BreakerParams;
}
