import { z } from 'zod';

/**
 * The scenario fields of timeout (behaviour, metrics and invariants: timeout.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** Resilience4j TimeLimiter default timeoutDuration. */
  timeoutMs: 1000,
} as const;

export const TimeoutSchema = z.strictObject({
  type: z.literal('timeout'),
  name: z.string().max(64).optional(),
  timeoutMs: z.number().positive().max(1e9).default(DEFAULTS.timeoutMs).describe('Answer "timeout" if the call has not finished by then.'),
});
export type TimeoutParams = z.output<typeof TimeoutSchema>;
