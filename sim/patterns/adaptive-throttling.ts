import type { Counter } from '../engine/metrics.ts';
import { rejected, type Call, type CallResult, type Done, type Invoker } from '../nodes/call.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { AdaptiveThrottlingSpec } from './adaptive-throttling.schema.ts';

/**
 * Client-side adaptive throttling (Google SRE book, "Handling Overload").
 *
 * Each client keeps, over the trailing `windowMs` (2 minutes by default):
 * - requests: calls the application attempted through this layer — including those this
 *   layer then rejected itself;
 * - accepts: calls the backend accepted.
 *
 * A new call is rejected locally, before it costs the backend anything, with probability
 *
 *     p = max(0, (requests − K · accepts) / (requests + 1))
 *
 * computed from the counts before this call. While the backend accepts nearly everything,
 * requests < K·accepts and nothing is throttled; once it rejects most calls, the client sends
 * only about K times what gets accepted. K = 2 by default (K lower is more aggressive).
 *
 * What counts as accepted (the SRE book: requests the backend did not reject for lack of
 * capacity): an `ok` answer, and an `error` answer (the backend took the call and failed it —
 * it was not overloaded). Not accepted: `rejected` (overload: 429, queue full, breaker or
 * limiter below) and `timeout` (no answer: the backend had no capacity to answer in time).
 * An answer is counted in the second it arrives; a request in the second it was made.
 *
 * Counts are kept in one-second buckets (windowMs / 1000 of them, at least one): the window
 * slides a second at a time, the usual implementation.
 *
 * Locally rejected calls are answered at once: rejected, reason "throttled". The draw uses the
 * node's random stream, and only when p > 0.
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected` (counters and time series),
 * `<layer>.accepts` (backend accepts). State: `<layer>.rejectProbability`, p rounded to a
 * hundredth, sent when that changes. Trace events: `admitted`, `rejected:throttled`.
 */

/** The SRE book's client request rejection probability. */
export function throttleProbability(requests: number, accepts: number, k: number): number {
  return Math.max(0, (requests - k * accepts) / (requests + 1));
}

/** True when the backend accepted the call (see the doc comment: ok and error count, rejected and timeout do not). */
export function isAccept(result: CallResult): boolean {
  return result.outcome === 'ok' || result.outcome === 'error';
}

export class AdaptiveThrottlingPolicy implements Invoker {
  private readonly k: number;
  private readonly buckets: number;
  /** Per-second counts in a ring: second s lives at s mod buckets. */
  private readonly requestCounts: Float64Array;
  private readonly acceptCounts: Float64Array;
  /** The latest second the ring holds; seconds (lastSecond − buckets, lastSecond] are in it. */
  private lastSecond: number;
  private requests = 0;
  private accepts = 0;
  private shownP = 0;
  private readonly admissions: Admissions;
  private readonly m: { accepts: Counter };

  constructor(private readonly ctx: PolicyContext, spec: AdaptiveThrottlingSpec, private readonly next: Invoker) {
    this.k = spec.k;
    this.buckets = Math.max(1, Math.round(spec.windowMs / 1000));
    this.requestCounts = new Float64Array(this.buckets);
    this.acceptCounts = new Float64Array(this.buckets);
    this.lastSecond = Math.floor(ctx.now / 1e6);
    this.admissions = new Admissions(ctx);
    const metrics = ctx.metrics;
    this.m = {
      accepts: metrics.counter(`${ctx.layer}.accepts`),
    };
    ctx.state('rejectProbability', 0);
  }

  /** Requests and accepts in the trailing window, as of now. */
  totals(): { requests: number; accepts: number } {
    this.advance();
    return { requests: this.requests, accepts: this.accepts };
  }

  /** The probability a call made now is rejected locally. */
  probability(): number {
    this.advance();
    return throttleProbability(this.requests, this.accepts, this.k);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const p = this.probability();
    this.show(p);
    this.requestCounts[this.lastSecond % this.buckets]++;
    this.requests++;
    if (ctx.rng.bernoulli(p)) {
      this.admissions.reject(ctx.now);
      ctx.event(call, 'rejected:throttled');
      return done(rejected('throttled'));
    }
    this.admissions.admit(ctx.now);
    ctx.event(call, 'admitted');
    this.next.invoke(call, (result) => {
      if (isAccept(result)) {
        this.advance();
        this.acceptCounts[this.lastSecond % this.buckets]++;
        this.accepts++;
        this.m.accepts.add();
      }
      done(result);
    });
  }

  /** Moves the ring to the current second, dropping the seconds that left the window (O(1) amortised). */
  private advance(): void {
    const s = Math.floor(this.ctx.now / 1e6);
    if (s <= this.lastSecond) return;
    const steps = Math.min(s - this.lastSecond, this.buckets);
    for (let j = 1; j <= steps; j++) {
      const i = (this.lastSecond + j) % this.buckets;
      this.requests -= this.requestCounts[i];
      this.accepts -= this.acceptCounts[i];
      this.requestCounts[i] = 0;
      this.acceptCounts[i] = 0;
    }
    this.lastSecond = s;
  }

  private show(p: number): void {
    const rounded = Math.round(p * 100) / 100;
    if (rounded === this.shownP) return;
    this.shownP = rounded;
    this.ctx.state('rejectProbability', rounded);
  }
}
