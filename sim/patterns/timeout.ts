import type { Counter } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import { z } from 'zod';
import { once, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { type PolicyContext } from './context.ts';

/**
 * Timeout (Resilience4j TimeLimiter; Envoy's per-try and route timeouts).
 *
 * Behaviour: if the call below has not answered within `timeoutMs`, answer "timeout" now.
 * The answer that comes later is a late reply: counted and dropped. The inner call sees a
 * deadline of min(its caller's, now + timeout), which the transport can propagate so the
 * callee skips work nobody waits for.
 *
 * Invariant: every call is answered by `timeoutMs` after it entered this layer.
 */
export const DEFAULTS = {
  /** Resilience4j TimeLimiter default timeoutDuration. */
  timeoutMs: 1000,
} as const;

export const TimeoutSchema = z.strictObject({
  type: z.literal('timeout'),
  name: z.string().max(64).optional(),
  timeoutMs: z.number().positive().max(1e9).default(DEFAULTS.timeoutMs).describe('Answer "timeout" if the call has not finished by then.'),
});
export type TimeoutParams = z.output<typeof TimeoutSchema>;

export class TimeoutPolicy implements Invoker {
  private readonly timeoutUs: number;
  private readonly timeouts: Counter;
  private readonly late: Counter;

  constructor(private readonly ctx: PolicyContext, params: TimeoutParams, private readonly next: Invoker) {
    this.timeoutUs = msToUs(params.timeoutMs);
    const m = ctx.metrics;
    this.timeouts = m.counter(`${ctx.layer}.timeouts`);
    this.late = m.counter(`${ctx.layer}.lateReplies`);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const answer = once(done);
    const deadline = Math.min(call.deadline, ctx.now + this.timeoutUs);
    ctx.after(this.timeoutUs, () => {
      if (answer.called) return;
      this.timeouts.add();
      ctx.event(call, 'timeout');
      answer({ outcome: 'timeout', reason: 'timeout' });
    });
    this.next.invoke({ ...call, deadline }, (result) => {
      if (answer.called) this.late.add();
      else answer(result);
    });
  }
}
