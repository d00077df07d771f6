import { z } from 'zod';

/**
 * The scenario fields of adaptive throttling (behaviour, metrics and invariants: adaptive-throttling.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** SRE book: K = 2. */
  k: 2,
  /** SRE book: "the last two minutes". */
  windowMs: 120_000,
} as const;

export const AdaptiveThrottlingSchema = z.strictObject({
  type: z.literal('adaptive-throttling'),
  name: z.string().max(64).optional(),
  k: z.number().min(1).max(1000).default(DEFAULTS.k).describe('Multiplier K: throttle once requests exceed K × accepts (SRE book default 2).'),
  windowMs: z.number().min(1000).max(3_600_000).default(DEFAULTS.windowMs).describe('Trailing window of the counts, in ms, kept in one-second buckets (SRE book: 2 minutes).'),
});
export type AdaptiveThrottlingSpec = z.output<typeof AdaptiveThrottlingSchema>;
