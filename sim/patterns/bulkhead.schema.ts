import { z } from 'zod';

/**
 * The scenario fields of bulkhead (behaviour, metrics and invariants: bulkhead.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const SEMAPHORE_DEFAULTS = {
  /** Resilience4j BulkheadConfig maxConcurrentCalls. */
  maxConcurrentCalls: 25,
  /** Resilience4j BulkheadConfig maxWaitDuration (0: reject at once). */
  maxWaitDurationMs: 0,
} as const;

export const THREAD_POOL_DEFAULTS = {
  /** Resilience4j: the number of cores; here a 2-core machine. */
  maxThreadPoolSize: 2,
  /** Resilience4j: cores − 1. */
  coreThreadPoolSize: 1,
  /** Resilience4j ThreadPoolBulkheadConfig queueCapacity. */
  queueCapacity: 100,
  /** Resilience4j keepAliveDuration. */
  keepAliveDurationMs: 20,
} as const;

export const BulkheadSchema = z.strictObject({
  type: z.literal('bulkhead'),
  name: z.string().max(64).optional(),
  maxConcurrentCalls: z.int().min(0).max(1e9).default(SEMAPHORE_DEFAULTS.maxConcurrentCalls).describe('Calls in progress at most.'),
  maxWaitDurationMs: z.number().min(0).max(1e9).default(SEMAPHORE_DEFAULTS.maxWaitDurationMs).describe('How long a call may wait for a permit (0: reject at once).'),
});
export type BulkheadSpec = z.output<typeof BulkheadSchema>;

export const ThreadPoolBulkheadSchema = z
  .strictObject({
    type: z.literal('thread-pool-bulkhead'),
    name: z.string().max(64).optional(),
    maxThreadPoolSize: z.int().min(1).max(1e6).default(THREAD_POOL_DEFAULTS.maxThreadPoolSize).describe('Threads at most (Resilience4j: the number of cores).'),
    coreThreadPoolSize: z.int().min(1).max(1e6).default(THREAD_POOL_DEFAULTS.coreThreadPoolSize).describe('Threads kept when idle (Resilience4j: cores − 1).'),
    queueCapacity: z.int().min(0).max(1e9).default(THREAD_POOL_DEFAULTS.queueCapacity).describe('Calls that may wait for a thread.'),
    keepAliveDurationMs: z.number().min(0).max(1e9).default(THREAD_POOL_DEFAULTS.keepAliveDurationMs).describe('An idle thread beyond the core ends after this.'),
  })
  .superRefine((b, ctx) => {
    if (b.coreThreadPoolSize > b.maxThreadPoolSize) {
      ctx.addIssue({ code: 'custom', path: ['coreThreadPoolSize'], message: `expected a number ≤ maxThreadPoolSize (${b.maxThreadPoolSize}), got ${b.coreThreadPoolSize}` });
    }
  });
export type ThreadPoolBulkheadSpec = z.output<typeof ThreadPoolBulkheadSchema>;
