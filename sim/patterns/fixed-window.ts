import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import type { Counter } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { FixedWindowSpec } from './fixed-window.schema.ts';

/**
 * Fixed-window rate limiter with Resilience4j's semantics (`AtomicRateLimiter`).
 *
 * Behaviour: time is cut into cycles of `limitRefreshPeriodMs`, cycle c = [c·P, (c+1)·P)
 * counted from time 0. Each cycle starts with `limitForPeriod` permits; unused permits do not
 * carry over (the count is reset, never above the limit, at each boundary). A call takes a
 * permit and passes. With none left, the call may wait for a permit of a later cycle: as in
 * R4j, the permit is RESERVED at once (the cycle's permits go negative, so later callers queue
 * behind it) when the wait until the start of the cycle that has it is ≤
 * `timeoutDurationMs`; the call then proceeds at the start of that cycle. If the wait would be
 * longer, the call is rejected at once, reason "rate-limited", and reserves nothing. The wait:
 *
 *     wait = ⌊−permits / limit⌋ · P + (time to the next boundary),   permits ≤ 0
 *
 * (R4j's `nanosToWaitForPermission` for one permit: divCeil(−(permits + limit − 1), limit)
 * full cycles).
 *
 * Two full windows back to back admit twice the limit within one period-length span
 * straddling the boundary — the classic weakness of fixed windows.
 *
 * Differences from R4j, all forced by integer-µs time or the simulation:
 * - R4j counts cycles from the limiter's creation; here from time 0 (the same for a node that
 *   is up from the start; a restarted node's fresh limiter stays on the time-0 grid).
 * - Periods are whole microseconds: a period is rounded to the nanosecond, then UP to whole
 *   µs (never to 0). R4j's default, 500 ns, becomes 1 µs: 50 permits per µs instead of per
 *   500 ns — half R4j's rate, but with the defaults the limiter is effectively open either way.
 * - A waiting call whose deadline passes before its cycle starts still spends its permit (a
 *   reservation cannot be returned in R4j either) but is not sent: it is answered
 *   "rate-limited" (R4j's waiting thread, interrupted by a TimeLimiter, throws
 *   RequestNotPermitted); nobody waits for that answer any more.
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected`, `<layer>.waited` (counters; admitted and
 * rejected also as time series). State: `<layer>.permits`, the current cycle's permits left
 * (negative: reserved by waiting calls), sent only when it changed. Trace events: `reserved`
 * (a call starts waiting), `admitted` (passes on), `rejected:rate-limited`.
 *
 * Invariant (`FixedWindowInvariant`): at most `limitForPeriod` admissions in each cycle.
 */

/** The cycle length in whole microseconds: rounded to the nanosecond, then up to µs, at least 1. */
export function refreshPeriodUs(limitRefreshPeriodMs: number): number {
  return Math.max(1, Math.ceil(Math.round(limitRefreshPeriodMs * 1e6) / 1000));
}

export class FixedWindowPolicy implements Invoker {
  private readonly periodUs: number;
  private readonly timeoutUs: number;
  private readonly limit: number;
  /** R4j's State: the active cycle and its permits (negative: reserved ahead). */
  activeCycle: number;
  permits: number;
  private shownPermits: number;
  private readonly admissions: Admissions;
  private readonly m: { waited: Counter };

  constructor(private readonly ctx: PolicyContext, spec: FixedWindowSpec, private readonly next: Invoker) {
    this.periodUs = refreshPeriodUs(spec.limitRefreshPeriodMs);
    this.timeoutUs = msToUs(spec.timeoutDurationMs);
    this.limit = spec.limitForPeriod;
    this.activeCycle = Math.floor(ctx.now / this.periodUs);
    this.permits = this.limit;
    this.admissions = new Admissions(ctx);
    const metrics = ctx.metrics;
    this.m = {
      waited: metrics.counter(`${ctx.layer}.waited`),
    };
    this.shownPermits = this.permits;
    ctx.state('permits', this.permits);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const now = ctx.now;
    const P = this.periodUs;
    const cycle = Math.floor(now / P);
    if (cycle !== this.activeCycle) {
      this.permits = Math.min(this.permits + (cycle - this.activeCycle) * this.limit, this.limit);
      this.activeCycle = cycle;
    }
    let wait = 0;
    if (this.permits < 1) {
      const toNextCycle = (cycle + 1) * P - now;
      // R4j: divCeil(-(permits + limit - 1), limit) full cycles, which for one permit is ⌊−permits / limit⌋.
      wait = Math.floor(-this.permits / this.limit) * P + toNextCycle;
    }
    if (wait > this.timeoutUs) {
      this.show();
      this.admissions.reject(now);
      ctx.event(call, 'rejected:rate-limited');
      return done(rejected('rate-limited'));
    }
    this.permits -= 1;
    this.show();
    if (wait === 0) return this.admit(call, done);
    this.m.waited.add();
    ctx.event(call, 'reserved');
    ctx.after(wait, () => {
      if (ctx.now > call.deadline) {
        this.admissions.reject(ctx.now);
        ctx.event(call, 'rejected:rate-limited');
        return done(rejected('rate-limited'));
      }
      this.admit(call, done);
    });
  }

  private admit(call: Call, done: Done): void {
    this.admissions.admit(this.ctx.now);
    this.ctx.event(call, 'admitted');
    this.next.invoke(call, done);
  }

  private show(): void {
    if (this.permits === this.shownPermits) return;
    this.shownPermits = this.permits;
    this.ctx.state('permits', this.permits);
  }
}

/**
 * "At most limitForPeriod admissions per cycle", rebuilt from the trace alone (the layer's
 * `admitted` call records and the node's status records) and the parameters. A crash resets
 * the count (the restarted node has a fresh limiter). A pause delays calls that were waiting
 * for their cycle until the node resumes — as a GC pause would in R4j — so the cycle in which
 * the node resumes is not judged.
 */
export class FixedWindowInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly periodUs: number;
  private cycle = -1;
  private count = 0;
  private paused = false;
  private exemptCycle = -1;

  constructor(private readonly node: string, private readonly layer: string, private readonly limit: number, limitRefreshPeriodMs: number) {
    this.periodUs = refreshPeriodUs(limitRefreshPeriodMs);
  }

  readonly unit = 'admissions';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: at most ${this.limit} admissions per ${this.periodUs / 1000} ms cycle (fixed window)`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state' && r.key === 'status') {
      if (r.value === 'crashed') {
        this.count = 0;
        this.paused = false;
      } else if (r.value === 'paused') {
        this.paused = true;
      } else if (r.value === 'up' && this.paused) {
        this.paused = false;
        this.exemptCycle = Math.floor(r.t / this.periodUs);
      }
    } else if (r.k === 'call' && r.layer === this.layer && r.event === 'admitted') {
      this.examined++;
      const c = Math.floor(r.t / this.periodUs);
      if (c !== this.cycle) {
        this.cycle = c;
        this.count = 0;
      }
      this.count++;
      if (this.violation === null && c !== this.exemptCycle && this.count > this.limit) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} was admission ${this.count} in the cycle starting at ${(c * this.periodUs) / 1000} ms; the limit is ${this.limit}` };
      }
    }
  }
}
