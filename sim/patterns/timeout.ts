import type { Counter } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import type { Call, CallResult, Done, Invoker } from '../nodes/call.ts';
import type { TimerTask } from '../nodes/node.ts';
import { type PolicyContext } from './context.ts';
import type { TimeoutParams } from './timeout.schema.ts';

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

export class TimeoutPolicy implements Invoker {
  private readonly timeoutUs: number;
  /** Read by each call's `TimedCall`. */
  readonly timeouts: Counter;
  readonly late: Counter;

  constructor(readonly ctx: PolicyContext, params: TimeoutParams, private readonly next: Invoker) {
    this.timeoutUs = msToUs(params.timeoutMs);
    const m = ctx.metrics;
    this.timeouts = m.counter(`${ctx.layer}.timeouts`);
    this.late = m.counter(`${ctx.layer}.lateReplies`);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const timed = new TimedCall(this, call, done);
    const deadline = Math.min(call.deadline, ctx.now + this.timeoutUs);
    ctx.afterTask(this.timeoutUs, timed);
    this.next.invoke({ ...call, deadline }, (result) => timed.reply(result));
  }
}

/**
 * One call inside a timeout: answered by whichever comes first, the reply or the timer. It is
 * the timer's task itself, so a call through this layer costs this object, the inner call and
 * one closure for the reply (the layer runs on every request of most scenarios).
 */
class TimedCall implements TimerTask {
  private answered = false;

  constructor(
    private readonly policy: TimeoutPolicy,
    private readonly call: Call,
    private readonly done: Done,
  ) {}

  /** The timeout's timer fired. */
  fire(): void {
    if (this.answered) return;
    this.answered = true;
    this.policy.timeouts.add();
    this.policy.ctx.event(this.call, 'timeout');
    this.done(TIMED_OUT);
  }

  reply(result: CallResult): void {
    if (this.answered) {
      this.policy.late.add();
      return;
    }
    this.answered = true;
    this.done(result);
  }
}

const TIMED_OUT: CallResult = Object.freeze({ outcome: 'timeout', reason: 'timeout' });
