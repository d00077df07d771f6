import { z } from 'zod';
import { FAILURE_OUTCOMES } from '../nodes/call.ts';
import { BACKOFFS } from './retry.defaults.ts';

// Constants and effective parameters live in retry.defaults.ts (the engine imports them without zod).
export { BACKOFFS, DEFAULTS, PRESETS, retryParams } from './retry.defaults.ts';

/**
 * The scenario fields of retry (behaviour, metrics and invariants: retry.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
const BudgetSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('ratio'),
    ratio: z.number().min(0).max(10).default(0.1).describe('Google SRE: retries may be at most this share of requests.'),
    windowMs: z.number().positive().max(1e9).default(60_000).describe('Over this trailing window.'),
  }),
  z.strictObject({
    type: z.literal('concurrent'),
    percent: z.number().min(0).max(100).default(20).describe('Envoy: retries in progress ≤ this % of active requests…'),
    minRetries: z.int().min(0).max(1e6).default(3).describe('…but never fewer than this.'),
  }),
  z.strictObject({
    type: z.literal('token-bucket'),
    maxTokens: z.number().positive().max(1e6).default(10).describe('gRPC retryThrottling maxTokens.'),
    tokenRatio: z.number().positive().max(1e6).default(0.1).describe('Tokens a success refunds.'),
  }),
]);

export const RetrySchema = z.strictObject({
  type: z.literal('retry'),
  name: z.string().max(64).optional(),
  preset: z.enum(['resilience4j', 'envoy', 'temporal', 'aws']).optional().describe('Start from a library\'s defaults; fields given here override them.'),
  maxAttempts: z.int().min(1).max(1000).optional().describe('Attempts in all, the first included.'),
  backoff: z.enum(BACKOFFS).optional().describe('How the wait before each retry grows (constant, exponential, full or equal jitter, decorrelated, randomized).'),
  baseMs: z.number().min(0).max(1e9).optional().describe('The first wait before a retry.'),
  multiplier: z.number().min(1).max(100).optional().describe('exponential, randomized: each wait is the last one times this.'),
  capMs: z.number().min(0).max(1e9).optional().describe('No wait is longer than this.'),
  randomizationFactor: z.number().min(0).max(1).optional().describe('randomized: each wait is spread ± this fraction around its interval.'),
  retryOn: z.array(z.enum(FAILURE_OUTCOMES)).max(3).optional().describe('Which failures are retried.'),
  budget: BudgetSchema.optional().describe('Limits how many retries may be made at all, so retries cannot multiply the load.'),
});
export type RetrySpec = z.output<typeof RetrySchema>;

