import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import type { Gauge } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { SlidingWindowSpec } from './sliding-window.schema.ts';

/**
 * Sliding-window rate limiters, the two classic forms.
 *
 * - `log` (exact): remembers the time of every admission still inside the trailing window
 *   (t − windowMs, t]; a call is admitted only if fewer than `limit` are there. So at most
 *   `limit` admissions fall in ANY window of length windowMs — no boundary burst. Memory:
 *   up to `limit` timestamps (a ring buffer; rejected calls are not logged).
 * - `counter` (approximate, the form Cloudflare and many gateways use): fixed windows of
 *   windowMs from time 0 count admissions; a call at `elapsed` µs into the current window
 *   sees the estimate
 *
 *       count = previous × (1 − elapsed / window) + current
 *
 *   (the previous window's admissions assumed spread evenly) and is admitted if
 *   count < limit. Two counters per limiter; it can let through somewhat more or fewer than
 *   `limit` in a trailing window, depending on how the previous window's calls were spread.
 *
 * Rejected calls are answered at once: rejected, reason "rate-limited".
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected` (counters and time series), `<layer>.count`
 * (time-weighted gauge of the count below, as last computed). State:
 * `<layer>.count` — admissions in the trailing window (log) or in the current fixed window
 * (counter), sent only when it changed. Trace events: `admitted`, `rejected:rate-limited`.
 *
 * Invariant (`SlidingWindowInvariant`, checked over the trace in every run): log — at most
 * `limit` admissions in any window (t − windowMs, t]; counter — at most `limit` in each fixed
 * window (the estimate only ever adds the previous window's weight, so the current window's
 * own admissions stay below the limit; the trailing-window count may exceed it).
 */

/** The window length in whole microseconds (at least 1). */
export function windowUs(windowMs: number): number {
  return Math.max(1, msToUs(windowMs));
}

export class SlidingWindowPolicy implements Invoker {
  private readonly windowUs: number;
  private readonly limit: number;
  private readonly log: boolean;
  // Log: a ring of admission times, oldest at `head`.
  private times: Float64Array = new Float64Array(0);
  private head = 0;
  private size = 0;
  // Counter: the current fixed window's index and counts.
  private window = 0;
  private current = 0;
  private previous = 0;
  private shownCount = 0;
  private readonly admissions: Admissions;
  private readonly countGauge: Gauge;

  constructor(private readonly ctx: PolicyContext, spec: SlidingWindowSpec, private readonly next: Invoker) {
    this.windowUs = windowUs(spec.windowMs);
    this.limit = spec.limit;
    this.log = spec.algorithm === 'log';
    this.window = Math.floor(ctx.now / this.windowUs);
    this.admissions = new Admissions(ctx);
    this.countGauge = ctx.metrics.gauge(`${ctx.layer}.count`);
    this.countGauge.set(ctx.now, 0);
    ctx.state('count', 0);
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const now = ctx.now;
    if (!(this.log ? this.tryLog(now) : this.tryCounter(now))) {
      this.show(this.log ? this.size : this.current);
      this.admissions.reject(now);
      ctx.event(call, 'rejected:rate-limited');
      return done(rejected('rate-limited'));
    }
    this.show(this.log ? this.size : this.current);
    this.admissions.admit(now);
    ctx.event(call, 'admitted');
    this.next.invoke(call, done);
  }

  /** The estimate the counter form judges by (for tests and the inspector). */
  estimate(now: number): number {
    this.roll(now);
    const elapsed = now - this.window * this.windowUs;
    return this.previous * (1 - elapsed / this.windowUs) + this.current;
  }

  private tryLog(now: number): boolean {
    const times = this.times;
    // Forget admissions at or before now − window: they are outside (now − window, now].
    while (this.size > 0 && times[this.head] <= now - this.windowUs) {
      this.head = this.head + 1 === times.length ? 0 : this.head + 1;
      this.size--;
    }
    if (this.size >= this.limit) return false;
    if (this.size === times.length) this.grow();
    const tail = (this.head + this.size) % this.times.length;
    this.times[tail] = now;
    this.size++;
    return true;
  }

  /** Doubles the ring (up to `limit`), keeping the order; memory grows only as the log does. */
  private grow(): void {
    const old = this.times;
    const next = new Float64Array(Math.min(this.limit, Math.max(16, old.length * 2)));
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) % old.length];
    this.times = next;
    this.head = 0;
  }

  private tryCounter(now: number): boolean {
    if (this.estimate(now) >= this.limit) return false;
    this.current++;
    return true;
  }

  private roll(now: number): void {
    const w = Math.floor(now / this.windowUs);
    if (w === this.window) return;
    this.previous = w === this.window + 1 ? this.current : 0;
    this.current = 0;
    this.window = w;
  }

  private show(count: number): void {
    if (count === this.shownCount) return;
    this.shownCount = count;
    this.countGauge.set(this.ctx.now, count);
    this.ctx.state('count', count);
  }
}

/**
 * The bound each form promises, rebuilt from the trace alone (the layer's `admitted` records
 * and the node's status records) and the parameters. A crash resets it: the restarted node
 * has a fresh limiter.
 */
export class SlidingWindowInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly windowUs: number;
  /** Log: admission times still inside the trailing window, oldest first (from `head`). */
  private times: number[] = [];
  private head = 0;
  /** Counter: the fixed window and its admissions. */
  private window = -1;
  private count = 0;

  constructor(private readonly node: string, private readonly layer: string, private readonly spec: SlidingWindowSpec) {
    this.windowUs = windowUs(spec.windowMs);
  }

  readonly unit = 'admissions';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    const { algorithm, limit, windowMs } = this.spec;
    return algorithm === 'log'
      ? `${this.layer}: at most ${limit} admissions in any ${windowMs} ms window (sliding log)`
      : `${this.layer}: at most ${limit} admissions per ${windowMs} ms fixed window (sliding counter)`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state' && r.key === 'status' && r.value === 'crashed') {
      this.times = [];
      this.head = 0;
      this.count = 0;
    } else if (r.k === 'call' && r.layer === this.layer && r.event === 'admitted') {
      this.examined++;
      const n = this.spec.algorithm === 'log' ? this.inTrailingWindow(r.t) : this.inFixedWindow(r.t);
      if (this.violation === null && n > this.spec.limit) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} was admission ${n} in a ${this.spec.windowMs} ms window; the limit is ${this.spec.limit}` };
      }
    }
  }

  private inTrailingWindow(t: number): number {
    const times = this.times;
    while (this.head < times.length && times[this.head] <= t - this.windowUs) this.head++;
    if (this.head > 1024 && this.head * 2 > times.length) {
      this.times = times.slice(this.head);
      this.head = 0;
    }
    this.times.push(t);
    return this.times.length - this.head;
  }

  private inFixedWindow(t: number): number {
    const w = Math.floor(t / this.windowUs);
    if (w !== this.window) {
      this.window = w;
      this.count = 0;
    }
    return ++this.count;
  }
}
