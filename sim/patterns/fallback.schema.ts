import { z } from 'zod';
import { FAILURE_OUTCOMES, type FailureOutcome } from '../nodes/call.ts';

/**
 * The scenario fields of fallback (behaviour, metrics and invariants: fallback.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  on: ['rejected', 'timeout', 'error'] as FailureOutcome[],
};

export const FallbackSchema = z.strictObject({
  type: z.literal('fallback'),
  name: z.string().max(64).optional(),
  on: z.array(z.enum(FAILURE_OUTCOMES)).max(3).default(DEFAULTS.on).describe('Which failures get the fallback answer.'),
  value: z.enum(['default', 'cached']).default('default').describe('What the fallback returns (for display: both count as degraded successes).'),
});
export type FallbackSpec = z.output<typeof FallbackSchema>;
