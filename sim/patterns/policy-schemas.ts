import { z } from 'zod';
import { TimeoutSchema } from './timeout.schema.ts';
import { RetrySchema } from './retry.schema.ts';
import { CircuitBreakerSchema } from './circuit-breaker.schema.ts';
import { FallbackSchema } from './fallback.schema.ts';
import { TokenBucketSchema } from './token-bucket.schema.ts';
import { FixedWindowSchema } from './fixed-window.schema.ts';
import { SlidingWindowSchema } from './sliding-window.schema.ts';
import { LeakyBucketSchema } from './leaky-bucket.schema.ts';
import { AdaptiveThrottlingSchema } from './adaptive-throttling.schema.ts';
import { ConcurrencyLimitSchema } from './concurrency-limit.schema.ts';
import { BulkheadSchema, ThreadPoolBulkheadSchema } from './bulkhead.schema.ts';
import { LoadBalancerSchema } from './load-balancer.schema.ts';

/**
 * Every policy a call path can hold, as the scenario writes it: the union of the policies'
 * schemas. Schemas only, so the page can validate scenarios without the behaviour; what
 * builds each policy and the invariants it brings are in registry.ts (a new pattern adds an
 * entry to both).
 */
export const PolicySchema = z.discriminatedUnion('type', [
  TimeoutSchema,
  RetrySchema,
  CircuitBreakerSchema,
  FallbackSchema,
  TokenBucketSchema,
  FixedWindowSchema,
  SlidingWindowSchema,
  LeakyBucketSchema,
  AdaptiveThrottlingSchema,
  ConcurrencyLimitSchema,
  BulkheadSchema,
  ThreadPoolBulkheadSchema,
  LoadBalancerSchema,
]);
export type PolicySpec = z.output<typeof PolicySchema>;
