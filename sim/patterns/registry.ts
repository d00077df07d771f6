import type { PolicySpec } from './policy-schemas.ts';
import type { TraceInvariant } from '../check/invariants.ts';
import { type Invoker } from '../nodes/call.ts';
import { PolicyContext } from './context.ts';
import { BreakerInvariant, CircuitBreakerPolicy } from './circuit-breaker.ts';
import { breakerParams } from './circuit-breaker.defaults.ts';
import { FallbackPolicy } from './fallback.ts';
import { RetryPolicy } from './retry.ts';
import { retryInvariants } from './retry-invariants.ts';
import { TimeoutPolicy } from './timeout.ts';
import { TokenBucketInvariant, TokenBucketPolicy } from './token-bucket.ts';
import { FixedWindowInvariant, FixedWindowPolicy } from './fixed-window.ts';
import { SlidingWindowInvariant, SlidingWindowPolicy } from './sliding-window.ts';
import { LeakyBucketInvariant, LeakyBucketPolicy } from './leaky-bucket.ts';
import { AdaptiveThrottlingPolicy } from './adaptive-throttling.ts';
import { ConcurrencyLimitPolicy } from './concurrency-limit.ts';
import { BulkheadInvariant, BulkheadPolicy, ThreadPoolBulkheadPolicy } from './bulkhead.ts';
import { LoadBalancerPolicy, loadBalancerInvariants } from './load-balancer.ts';
import type { SimNode } from '../nodes/node.ts';

export type { PolicySpec };

interface PolicyEntry<S> {
  create(ctx: PolicyContext, spec: S, next: Invoker): Invoker;
  /** Invariants over the trace for a policy at `layer` on `node` (none by default). */
  invariants?(node: string, layer: string, spec: S): TraceInvariant[];
}

type Registry = { [T in PolicySpec['type']]: PolicyEntry<Extract<PolicySpec, { type: T }>> };

/**
 * Every policy a call path can hold: how to build it, and the invariants checked in every
 * run that uses it (its scenario schema is in policy-schemas.ts). A new pattern adds one
 * entry here and one there.
 */
export const POLICIES: Registry = {
  timeout: { create: (ctx, spec, next) => new TimeoutPolicy(ctx, spec, next) },
  retry: { create: (ctx, spec, next) => new RetryPolicy(ctx, spec, next), invariants: retryInvariants },
  'circuit-breaker': {
    create: (ctx, spec, next) => new CircuitBreakerPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => {
      const p = breakerParams(spec);
      return [new BreakerInvariant(node, layer, p.permittedNumberOfCallsInHalfOpenState, p.initialState)];
    },
  },
  fallback: { create: (ctx, spec, next) => new FallbackPolicy(ctx, spec, next) },
  'token-bucket': {
    create: (ctx, spec, next) => new TokenBucketPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new TokenBucketInvariant(node, layer, spec)],
  },
  'fixed-window': {
    create: (ctx, spec, next) => new FixedWindowPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new FixedWindowInvariant(node, layer, spec.limitForPeriod, spec.limitRefreshPeriodMs)],
  },
  'sliding-window': {
    create: (ctx, spec, next) => new SlidingWindowPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new SlidingWindowInvariant(node, layer, spec)],
  },
  'leaky-bucket': {
    create: (ctx, spec, next) => new LeakyBucketPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new LeakyBucketInvariant(node, layer, spec.ratePerSec)],
  },
  'adaptive-throttling': { create: (ctx, spec, next) => new AdaptiveThrottlingPolicy(ctx, spec, next) },
  'concurrency-limit': { create: (ctx, spec, next) => new ConcurrencyLimitPolicy(ctx, spec, next) },
  bulkhead: {
    create: (ctx, spec, next) => new BulkheadPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new BulkheadInvariant(node, layer, spec.maxConcurrentCalls)],
  },
  'thread-pool-bulkhead': {
    create: (ctx, spec, next) => new ThreadPoolBulkheadPolicy(ctx, spec, next),
    invariants: (node, layer, spec) => [new BulkheadInvariant(node, layer, spec.maxThreadPoolSize)],
  },
  'load-balancer': {
    create: (ctx, spec, next) => new LoadBalancerPolicy(ctx, spec, next),
    invariants: loadBalancerInvariants,
  },
};

/** The layer name of the i-th policy of a path: `<path>.<name or type>`. */
export function layerName(path: string, spec: PolicySpec): string {
  return `${path}.${spec.name ?? spec.type}`;
}

/** Builds a call path over `bottom` (the transport); the first spec is the outermost policy. */
export function buildCallPath(node: SimNode, path: string, specs: readonly PolicySpec[], bottom: Invoker): { top: Invoker; layers: Map<string, Invoker> } {
  let next = bottom;
  const layers = new Map<string, Invoker>();
  for (let i = specs.length - 1; i >= 0; i--) {
    const spec = specs[i];
    const layer = layerName(path, spec);
    const entry = POLICIES[spec.type] as PolicyEntry<PolicySpec>;
    next = entry.create(new PolicyContext(node, layer), spec, next);
    layers.set(layer, next);
  }
  return { top: next, layers };
}

/** Every invariant the policies of one path bring. */
export function pathInvariants(node: string, path: string, specs: readonly PolicySpec[]): TraceInvariant[] {
  return specs.flatMap((spec) => (POLICIES[spec.type] as PolicyEntry<PolicySpec>).invariants?.(node, layerName(path, spec), spec) ?? []);
}
