import type { Counter } from '../engine/metrics.ts';
import { type Call, type Done, type Invoker } from '../nodes/call.ts';
import { type PolicyContext } from './context.ts';
import type { FallbackSpec } from './fallback.schema.ts';

/**
 * Fallback: when the call below fails in one of the listed ways (a breaker or limiter
 * rejecting, a timeout, an error), answer with a default or cached value instead — the user
 * gets a degraded but successful answer, marked `fallback` so it is counted apart.
 *
 * Invariant: a fallback answer is never counted as the dependency's success.
 */

export class FallbackPolicy implements Invoker {
  private readonly used: Counter;

  constructor(private readonly ctx: PolicyContext, private readonly spec: FallbackSpec, private readonly next: Invoker) {
    this.used = ctx.metrics.counter(`${ctx.layer}.fallbacks`);
  }

  invoke(call: Call, done: Done): void {
    this.next.invoke(call, (result) => {
      if (result.outcome === 'ok' || !this.spec.on.includes(result.outcome)) return done(result);
      this.used.add();
      this.ctx.event(call, `fallback:${result.reason}`);
      done({ outcome: 'ok', reason: `fallback:${this.spec.value}`, fallback: true });
    });
  }
}
