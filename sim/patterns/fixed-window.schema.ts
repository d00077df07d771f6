import { z } from 'zod';

/**
 * The scenario fields of fixed window (behaviour, metrics and invariants: fixed-window.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** R4j limitForPeriod: permits per cycle. */
  limitForPeriod: 50,
  /** R4j limitRefreshPeriod: 500 ns (rounded up to 1 µs here). */
  limitRefreshPeriodMs: 0.0005,
  /** R4j timeoutDuration: 5 s. */
  timeoutDurationMs: 5000,
} as const;

export const FixedWindowSchema = z.strictObject({
  type: z.literal('fixed-window'),
  name: z.string().max(64).optional(),
  limitForPeriod: z.int().min(1).max(1e9).default(DEFAULTS.limitForPeriod).describe('Permits per cycle (Resilience4j limitForPeriod, default 50).'),
  limitRefreshPeriodMs: z.number().min(1e-6).max(1e9).default(DEFAULTS.limitRefreshPeriodMs).describe('Cycle length in ms (Resilience4j limitRefreshPeriod, default 500 ns = 0.0005 ms); rounded up to whole microseconds.'),
  timeoutDurationMs: z.number().min(0).max(1e9).default(DEFAULTS.timeoutDurationMs).describe('Longest wait for a permit of a later cycle, in ms; longer waits are rejected at once (Resilience4j timeoutDuration, default 5 s).'),
});
export type FixedWindowSpec = z.output<typeof FixedWindowSchema>;
