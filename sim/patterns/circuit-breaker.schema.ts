import { z } from 'zod';
import { FAILURE_OUTCOMES } from '../nodes/call.ts';
import { STATES } from './circuit-breaker.defaults.ts';

// Constants and effective parameters live in circuit-breaker.defaults.ts (the engine imports them without zod).
export { STATES, DEFAULTS, PRESETS, breakerParams } from './circuit-breaker.defaults.ts';
export type { BreakerState, BreakerParams } from './circuit-breaker.defaults.ts';

/**
 * The scenario fields of circuit breaker (behaviour, metrics and invariants: circuit-breaker.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
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

