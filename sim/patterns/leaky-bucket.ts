import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import type { Counter, Gauge } from '../engine/metrics.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { Deque } from '../nodes/deque.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { LeakyBucketSpec } from './leaky-bucket.schema.ts';

/**
 * Leaky bucket as a queue (the "leaky bucket as a queue" of traffic shaping; NGINX
 * `limit_req` with `burst` and no `nodelay` behaves this way): calls pour into a bucket that
 * leaks — passes one call down — every 1 / `ratePerSec` seconds, in arrival order.
 *
 * Behaviour: the leak interval is I = round(1e6 / ratePerSec) µs (whole microseconds). A call
 * that finds the bucket empty and the last release at least I ago passes at once. Otherwise it
 * waits in the bucket, which holds at most `capacity` waiting calls; a call that finds it full
 * is rejected at once, reason "rate-limited". While calls wait, one is released every I
 * exactly, so the output is smooth however bursty the input: releases are never closer than
 * I apart. Waiting adds latency (up to capacity × I) instead of rejecting — the opposite
 * trade to a token bucket, which passes bursts and rejects.
 *
 * A waiting call is released even if its caller has stopped waiting (its deadline passed):
 * the bucket does not look inside — the wasted work that load-shedding advice warns about.
 * A crash empties the bucket with everything else on the node.
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected` (counters and time series),
 * `<layer>.queued` (counter: calls that had to wait), `<layer>.queueLength` (time-weighted
 * gauge). State: `<layer>.queue`, calls waiting, sent when it changes. Trace events: `queued`,
 * `admitted` (released), `rejected:rate-limited`.
 *
 * Invariant (`LeakyBucketInvariant`, checked over the trace in every run): consecutive
 * releases are at least I apart. (Waiting calls ≤ capacity holds by construction.)
 */

/** The leak interval in whole microseconds (at least 1). */
export function leakIntervalUs(ratePerSec: number): number {
  return Math.max(1, Math.round(1e6 / ratePerSec));
}

interface Waiting {
  call: Call;
  done: Done;
}

export class LeakyBucketPolicy implements Invoker {
  readonly intervalUs: number;
  private readonly capacity: number;
  private readonly queue = new Deque<Waiting>();
  private lastRelease = -Infinity;
  private draining = false;
  private readonly admissions: Admissions;
  private readonly m: { queued: Counter; queueLength: Gauge };
  private readonly drain = () => this.leak();

  constructor(private readonly ctx: PolicyContext, spec: LeakyBucketSpec, private readonly next: Invoker) {
    this.intervalUs = leakIntervalUs(spec.ratePerSec);
    this.capacity = spec.capacity;
    this.admissions = new Admissions(ctx);
    const metrics = ctx.metrics;
    this.m = {
      queued: metrics.counter(`${ctx.layer}.queued`),
      queueLength: metrics.gauge(`${ctx.layer}.queueLength`),
    };
    this.m.queueLength.set(ctx.now, 0);
    ctx.state('queue', 0);
  }

  /** Calls waiting in the bucket. */
  get waiting(): number {
    return this.queue.length;
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    const now = ctx.now;
    if (this.queue.length === 0 && now - this.lastRelease >= this.intervalUs) return this.release(call, done);
    if (this.queue.length >= this.capacity) {
      this.admissions.reject(now);
      ctx.event(call, 'rejected:rate-limited');
      return done(rejected('rate-limited'));
    }
    this.queue.pushBack({ call, done });
    this.m.queued.add();
    this.changed();
    ctx.event(call, 'queued');
    if (!this.draining) {
      this.draining = true;
      ctx.after(this.lastRelease + this.intervalUs - now, this.drain);
    }
  }

  private leak(): void {
    const w = this.queue.popFront();
    if (w === undefined) {
      this.draining = false;
      return;
    }
    this.changed();
    // The next leak is due I after this one; schedule it before passing the call down, whose
    // continuation may already call back into this bucket.
    if (this.queue.length > 0) this.ctx.after(this.intervalUs, this.drain);
    else this.draining = false;
    this.release(w.call, w.done);
  }

  private release(call: Call, done: Done): void {
    const now = this.ctx.now;
    this.lastRelease = now;
    this.admissions.admit(now);
    this.ctx.event(call, 'admitted');
    this.next.invoke(call, done);
  }

  private changed(): void {
    const n = this.queue.length;
    this.m.queueLength.set(this.ctx.now, n);
    this.ctx.state('queue', n);
  }
}

/**
 * "Releases are never closer than 1 / rate", rebuilt from the trace alone (the layer's
 * `admitted` records — a release — and the node's status records). A crash resets it: the
 * restarted node's bucket is new and empty.
 */
export class LeakyBucketInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly intervalUs: number;
  private last = -Infinity;

  constructor(private readonly node: string, private readonly layer: string, private readonly ratePerSec: number) {
    this.intervalUs = leakIntervalUs(ratePerSec);
  }

  readonly unit = 'releases';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: releases at least ${this.intervalUs / 1000} ms apart (leaky bucket, ${this.ratePerSec}/s)`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state' && r.key === 'status' && r.value === 'crashed') {
      this.last = -Infinity;
    } else if (r.k === 'call' && r.layer === this.layer && r.event === 'admitted') {
      this.examined++;
      if (this.violation === null && r.t - this.last < this.intervalUs) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} released ${(r.t - this.last) / 1000} ms after the previous one; the interval is ${this.intervalUs / 1000} ms` };
      }
      this.last = r.t;
    }
  }
}
