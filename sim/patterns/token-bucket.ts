import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import { Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { TokenBucketSpec } from './token-bucket.schema.ts';

/**
 * Token bucket, as Envoy's local rate limit filter runs it (`envoy.type.v3.TokenBucket`).
 *
 * Behaviour: the bucket holds at most `maxTokens` tokens and starts full. Every
 * `fillIntervalMs` — at the fixed instants k·fillInterval, k = 1, 2, … counted from time 0 —
 * `tokensPerFill` tokens are added, never beyond `maxTokens`. Fills are DISCRETE: between two
 * fill instants no token appears, however long the wait. A call takes one token and passes;
 * with the bucket empty it is answered at once: rejected, reason "rate-limited" (Envoy
 * answers HTTP 429).
 *
 * No timer runs per fill: the fills that fell due since the last call are added lazily from
 * the clock when the next call arrives, which gives exactly the level a timer would.
 * A restarted node builds a fresh, full bucket (the fill schedule stays aligned to time 0).
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected` (counters, and time series of the same
 * names for per-window rates) and `<layer>.tokens` (a gauge of the level for charts, whose
 * average counts the fills as they fell due: BucketLevelGauge). State drawn by the sandbox:
 * `<layer>.tokens`, the level, sent only when it changed. Trace events: `admitted`, `rejected:rate-limited`.
 *
 * Invariant (`TokenBucketInvariant`, checked over the trace in every run): over any interval
 * [s, t], admitted ≤ maxTokens + tokensPerFill × (fill instants in [s, t]).
 */

/** The fill interval in whole microseconds (at least 1). */
export function fillIntervalUs(spec: TokenBucketSpec): number {
  return Math.max(1, msToUs(spec.fillIntervalMs));
}

/**
 * The bucket's level as a gauge whose time-weighted area counts the fills as they fell due,
 * though the bucket adds them only when a call looks (as a timer would have seen the level):
 * a chart of it shows the bucket refilling between bursts. `set` is called at each call with
 * the level after it; between calls the level steps up by `perFill` at each fill instant
 * k·fillUs, up to `max`.
 */
class BucketLevelGauge extends Gauge {
  constructor(
    private readonly fillUs: number,
    private readonly perFill: number,
    private readonly full: number,
  ) {
    super();
  }

  override areaUntil(now: Micros): number {
    let area = this.area;
    let level = this.value;
    let t = this.since;
    const next = (Math.floor(t / this.fillUs) + 1) * this.fillUs;
    if (level >= this.full || next > now) return area + level * (now - t);
    area += level * (next - t);
    t = next;
    level = Math.min(this.full, level + this.perFill);
    // Whole fill intervals from t: the level climbs by perFill each, until full.
    const n = Math.min(Math.ceil((this.full - level) / this.perFill), Math.floor((now - t) / this.fillUs));
    area += this.fillUs * (n * level + (this.perFill * n * (n - 1)) / 2);
    t += n * this.fillUs;
    level = Math.min(this.full, level + n * this.perFill);
    return area + level * (now - t);
  }
}

export class TokenBucketPolicy implements Invoker {
  /** Tokens in the bucket after the fills up to `fillIndex`. */
  tokens: number;
  private readonly fillUs: number;
  /** The last fill instant (as k, at k·fillUs) already added. */
  private fillIndex: number;
  private shownTokens: number;
  private readonly admissions: Admissions;
  private readonly tokensGauge: Gauge;

  constructor(private readonly ctx: PolicyContext, private readonly spec: TokenBucketSpec, private readonly next: Invoker) {
    this.fillUs = fillIntervalUs(spec);
    this.fillIndex = Math.floor(ctx.now / this.fillUs);
    this.tokens = spec.maxTokens;
    this.admissions = new Admissions(ctx);
    this.shownTokens = this.tokens;
    ctx.state('tokens', this.tokens);
    this.tokensGauge = ctx.metrics.gaugeOf(`${ctx.layer}.tokens`, () => new BucketLevelGauge(this.fillUs, spec.tokensPerFill, spec.maxTokens));
    this.tokensGauge.set(ctx.now, this.tokens);
  }

  /** The level now, with the fills due so far added. */
  level(): number {
    this.refill();
    return this.tokens;
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    this.refill();
    if (this.tokens < 1) {
      this.show();
      this.admissions.reject(ctx.now);
      ctx.event(call, 'rejected:rate-limited');
      return done(rejected('rate-limited'));
    }
    this.tokens -= 1;
    this.tokensGauge.set(ctx.now, this.tokens);
    this.show();
    this.admissions.admit(ctx.now);
    ctx.event(call, 'admitted');
    this.next.invoke(call, done);
  }

  private refill(): void {
    const k = Math.floor(this.ctx.now / this.fillUs);
    if (k <= this.fillIndex) return;
    this.tokens = Math.min(this.spec.maxTokens, this.tokens + (k - this.fillIndex) * this.spec.tokensPerFill);
    this.fillIndex = k;
  }

  private show(): void {
    if (this.tokens === this.shownTokens) return;
    this.shownTokens = this.tokens;
    this.ctx.state('tokens', this.tokens);
  }
}

/**
 * "Admissions never exceed the bound", rebuilt from the trace alone (the layer's `admitted`
 * call records and the node's status records) and the parameters — not from the bucket.
 *
 * For every interval [s, t] between two admissions: admitted in [s, t] ≤ maxTokens +
 * tokensPerFill × (fill instants k·F in [s, t]). With A(i) admissions so far and
 * f(t) = max(0, ⌊t / F⌋) fill instants in (0, t], that is, for the i-th admission at tᵢ and every
 * earlier j: i − P·f(tᵢ) ≤ maxTokens + (j − 1 − P·f(tⱼ − 1)); so one running minimum over j
 * checks every interval in O(1) per admission. A crash resets the check: the restarted node
 * starts a new, full bucket.
 */
export class TokenBucketInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private admitted = 0;
  private minStart = Infinity;
  private readonly fillUs: number;

  constructor(private readonly node: string, private readonly layer: string, private readonly spec: TokenBucketSpec) {
    this.fillUs = fillIntervalUs(spec);
  }

  readonly unit = 'admissions';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: admissions in any interval ≤ ${this.spec.maxTokens} + ${this.spec.tokensPerFill} per fill (token bucket)`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state' && r.key === 'status' && r.value === 'crashed') {
      this.admitted = 0;
      this.minStart = Infinity;
    } else if (r.k === 'call' && r.layer === this.layer && r.event === 'admitted') {
      this.examined++;
      if (this.violation !== null) return;
      const { maxTokens, tokensPerFill } = this.spec;
      const i = ++this.admitted;
      this.minStart = Math.min(this.minStart, i - 1 - tokensPerFill * Math.max(0, Math.floor((r.t - 1) / this.fillUs)));
      if (i - tokensPerFill * Math.floor(r.t / this.fillUs) > maxTokens + this.minStart) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} exceeded ${maxTokens} tokens + ${tokensPerFill} per ${this.spec.fillIntervalMs} ms fill over an interval ending here` };
      }
    }
  }
}
