import { z } from 'zod';

/**
 * The scenario fields of leaky bucket (behaviour, metrics and invariants: leaky-bucket.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** Calls released per second (no library default; an example value). */
  ratePerSec: 10,
  /** Calls that may wait in the bucket (NGINX limit_req burst defaults to 0; an example value). */
  capacity: 10,
} as const;

export const LeakyBucketSchema = z.strictObject({
  type: z.literal('leaky-bucket'),
  name: z.string().max(64).optional(),
  ratePerSec: z.number().min(1e-6).max(1e6).default(DEFAULTS.ratePerSec).describe('Calls released per second: one every 1/ratePerSec s, rounded to whole µs.'),
  capacity: z.int().min(0).max(1e7).default(DEFAULTS.capacity).describe('Calls that may wait in the bucket; a call that finds it full is rejected.'),
});
export type LeakyBucketSpec = z.output<typeof LeakyBucketSchema>;
