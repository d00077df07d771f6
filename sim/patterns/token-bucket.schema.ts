import { z } from 'zod';

/**
 * The scenario fields of token bucket (behaviour, metrics and invariants: token-bucket.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** Envoy: tokens_per_fill defaults to a single token. */
  tokensPerFill: 1,
} as const;

export const TokenBucketSchema = z.strictObject({
  type: z.literal('token-bucket'),
  name: z.string().max(64).optional(),
  maxTokens: z.int().min(1).max(1e9).describe('Bucket capacity in tokens; the bucket starts full (Envoy max_tokens, required).'),
  tokensPerFill: z.int().min(1).max(1e9).default(DEFAULTS.tokensPerFill).describe('Tokens added at each fill instant (Envoy tokens_per_fill, default 1).'),
  fillIntervalMs: z.number().min(0.001).max(1e9).describe('Time between fills, in ms; fills happen at k × fillIntervalMs from time 0 (Envoy fill_interval, required).'),
});
export type TokenBucketSpec = z.output<typeof TokenBucketSchema>;
