import { z } from 'zod';
import { ALGORITHMS } from './concurrency-limit.defaults.ts';

// Constants and effective parameters live in concurrency-limit.defaults.ts (the engine imports them without zod).
export { ALGORITHMS, AIMD_DEFAULTS, GRADIENT2_DEFAULTS, DEFAULTS, aimdParams, gradient2Params } from './concurrency-limit.defaults.ts';
export type { ConcurrencyAlgorithm, AimdParams, Gradient2Params } from './concurrency-limit.defaults.ts';

/**
 * The scenario fields of concurrency limit (behaviour, metrics and invariants: concurrency-limit.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
const AIMD_ONLY = ['backoffRatio', 'timeoutMs'] as const;
const GRADIENT2_ONLY = ['smoothing', 'queueSize', 'rttTolerance', 'longWindow'] as const;

export const ConcurrencyLimitSchema = z
  .strictObject({
    type: z.literal('concurrency-limit'),
    name: z.string().max(64).optional(),
    algorithm: z.enum(ALGORITHMS).default('aimd').describe('"aimd": loss-based additive increase, multiplicative decrease; "gradient2": latency-based (Netflix Gradient2Limit).'),
    initialLimit: z.int().min(1).max(1e6).optional().describe('Starting limit in concurrent calls (AIMD 10, Gradient2 20).'),
    minLimit: z.int().min(1).max(1e6).optional().describe('The limit never goes below this (AIMD 1, Gradient2 20).'),
    maxLimit: z.int().min(1).max(1e6).optional().describe('The limit never goes above this (200).'),
    backoffRatio: z.number().min(0.5).lt(1).optional().describe('AIMD: multiply the limit by this on a drop (0.9; Netflix allows [0.5, 1)).'),
    timeoutMs: z.number().positive().max(1e9).optional().describe('AIMD: an RTT above this, in ms, counts as a drop (5000).'),
    smoothing: z.number().gt(0).max(1).optional().describe('Gradient2: weight of the new estimate when the limit moves (0.2).'),
    queueSize: z.int().min(0).max(1e6).optional().describe('Gradient2: calls the limit may grow by beyond the gradient, per update (4).'),
    rttTolerance: z.number().min(1).max(100).optional().describe('Gradient2: RTT growth tolerated before the limit shrinks (1.5: 50 % more).'),
    longWindow: z.int().min(1).max(1e7).optional().describe('Gradient2: samples in the long-term RTT average (600).'),
  })
  .superRefine((spec, ctx) => {
    const foreign = spec.algorithm === 'aimd' ? GRADIENT2_ONLY : AIMD_ONLY;
    for (const key of foreign) {
      if (spec[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not a parameter of the "${spec.algorithm}" algorithm` });
    }
  });
export type ConcurrencyLimitSpec = z.output<typeof ConcurrencyLimitSchema>;

