import { z } from 'zod';

/**
 * The scenario fields of sliding window (behaviour, metrics and invariants: sliding-window.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const ALGORITHMS = ['log', 'counter'] as const;

export const DEFAULTS = {
  algorithm: 'log' as (typeof ALGORITHMS)[number],
  /** Admissions per window (no library default; 100 per second is a common example). */
  limit: 100,
  windowMs: 1000,
} as const;

export const SlidingWindowSchema = z.strictObject({
  type: z.literal('sliding-window'),
  name: z.string().max(64).optional(),
  algorithm: z.enum(ALGORITHMS).default(DEFAULTS.algorithm).describe('"log": exact, a timestamp per admission; "counter": the weighted two-window estimate.'),
  limit: z.int().min(1).max(1e7).default(DEFAULTS.limit).describe('Admissions allowed per window.'),
  windowMs: z.number().min(0.001).max(1e9).default(DEFAULTS.windowMs).describe('Window length in ms.'),
});
export type SlidingWindowSpec = z.output<typeof SlidingWindowSchema>;
