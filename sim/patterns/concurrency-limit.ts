import type { Gauge } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import { rejected, type Call, type CallResult, type Done, type Invoker } from '../nodes/call.ts';
import { Admissions, type PolicyContext } from './context.ts';
import type { ConcurrencyLimitSpec } from './concurrency-limit.schema.ts';
import { aimdParams, gradient2Params, type AimdParams, type Gradient2Params } from './concurrency-limit.defaults.ts';

/**
 * Adaptive concurrency limits, after Netflix concurrency-limits (`SimpleLimiter` over
 * `AIMDLimit` or `Gradient2Limit`; github.com/Netflix/concurrency-limits,
 * concurrency-limits-core/src/main/java/com/netflix/concurrency/limits/limit/).
 *
 * Limiter (SimpleLimiter / AbstractLimiter): a call is admitted while in-flight < limit (a
 * semaphore of `limit` permits), otherwise rejected at once, reason "limit-exceeded". An
 * admitted call remembers its start time and the in-flight count just after it was admitted
 * (itself included); when it completes, the algorithm gets a sample (rtt, that in-flight
 * count, didDrop) and may move the limit. Outcomes map as in Netflix's own executors:
 * `ok` → onSuccess (a sample); `rejected` and `timeout` → onDropped (a sample with
 * didDrop); `error` → onIgnore (no sample — the failure says nothing about capacity).
 * RTTs are whole microseconds, at least 1 (an answer in the same instant counts as 1 µs, so
 * RTT ratios stay finite). State published: `limit` when it moves, `inflight` on every change.
 *
 * AIMD (`AIMDLimit`; the reference's defaults: start 10, floor 1):
 *     on a drop, or rtt > timeoutMs:   limit = max(minLimit, ⌊limit × backoffRatio⌋)
 *     else if inflight × 2 ≥ limit:    limit = limit + 1        (in-flight ≥ limit / 2)
 *     else:                            unchanged
 *     then clamped to [minLimit, maxLimit].
 * Defaults: initialLimit 10, minLimit 1, backoffRatio 0.9, timeout 5 s (AIMDLimit's
 * DEFAULT_TIMEOUT), maxLimit 200 (later AIMDLimit versions' cap).
 *
 * Gradient2 (`Gradient2Limit`, current version): per sample,
 *     shortRtt = rtt;  longRtt = ExpAvg(longWindow = 600, warm-up 10)(rtt)
 *       (the first 10 samples: their plain mean; then longRtt += (rtt − longRtt) × 2 / (600 + 1))
 *     if longRtt / shortRtt > 2:  longRtt × 0.95      (recover fast after a spell of load)
 *     if inflight < estimatedLimit / 2:  unchanged    (app-limited: don't grow)
 *     gradient = max(0.5, min(1.0, rttTolerance × longRtt / shortRtt))
 *     newLimit = estimatedLimit × gradient + queueSize
 *     newLimit = estimatedLimit × (1 − smoothing) + newLimit × smoothing
 *     estimatedLimit = clamp(newLimit, minLimit, maxLimit);  limit = ⌊estimatedLimit⌋
 * Defaults (Gradient2Limit.Builder): initialLimit 20, minLimit 20, maxConcurrency 200,
 * smoothing 0.2, queueSize 4, rttTolerance 1.5, longWindow 600. As RTT rises above the
 * long-term average (beyond the tolerance) the gradient falls below 1 and the limit shrinks
 * toward `queueSize / (1 − gradient)`; while RTT stays at or below it the limit grows by
 * `smoothing × queueSize` per sample.
 *
 * Metrics: `<layer>.admitted`, `<layer>.rejected` (counters and time series), gauges
 * `<layer>.inflight` and `<layer>.limit`. State: `<layer>.limit`, sent when it changes.
 * Trace events: `admitted`, `rejected:limit-exceeded`.
 *
 * Invariant: in-flight ≤ limit at every admission (the limit may later drop below in-flight;
 * new calls then wait for it).
 */


/** A limit algorithm: told about each completed call, answers the (integer) limit. */
export interface LimitAlgorithm {
  readonly limit: number;
  /** A completed call: its RTT (µs), the in-flight count when it was admitted, whether it was dropped. */
  onSample(rttUs: number, inflight: number, didDrop: boolean): number;
}

/** Netflix AIMDLimit. */
export class AimdLimit implements LimitAlgorithm {
  limit: number;
  private readonly timeoutUs: number;

  constructor(private readonly p: AimdParams) {
    this.limit = p.initialLimit;
    this.timeoutUs = msToUs(p.timeoutMs);
  }

  onSample(rttUs: number, inflight: number, didDrop: boolean): number {
    let limit = this.limit;
    if (didDrop || rttUs > this.timeoutUs) limit = Math.floor(limit * this.p.backoffRatio);
    else if (inflight * 2 >= limit) limit = limit + 1;
    this.limit = Math.min(this.p.maxLimit, Math.max(this.p.minLimit, limit));
    return this.limit;
  }
}

/** Netflix Gradient2Limit (current version, with rttTolerance). */
export class Gradient2Limit implements LimitAlgorithm {
  /** The fractional estimate; the limit is its integer part. */
  estimatedLimit: number;
  /** Long-term RTT (µs): ExpAvgMeasurement(longWindow, warm-up 10). */
  longRtt = 0;
  private samples = 0;
  private sum = 0;

  constructor(private readonly p: Gradient2Params) {
    this.estimatedLimit = p.initialLimit;
  }

  get limit(): number {
    return Math.floor(this.estimatedLimit);
  }

  onSample(rttUs: number, inflight: number, _didDrop: boolean): number {
    const p = this.p;
    const queueSize = p.queueSize;
    const shortRtt = rttUs;
    const longRtt = this.addLong(rttUs);
    if (longRtt / shortRtt > 2) this.longRtt = this.longRtt * 0.95;
    if (inflight < this.estimatedLimit / 2) return this.limit;
    const gradient = Math.max(0.5, Math.min(1.0, (p.rttTolerance * longRtt) / shortRtt));
    let newLimit = this.estimatedLimit * gradient + queueSize;
    newLimit = this.estimatedLimit * (1 - p.smoothing) + newLimit * p.smoothing;
    this.estimatedLimit = Math.max(p.minLimit, Math.min(p.maxLimit, newLimit));
    return this.limit;
  }

  /** ExpAvgMeasurement.add: the plain mean of the first 10 samples, then an EMA with factor 2 / (window + 1). */
  private addLong(sample: number): number {
    if (this.samples < 10) {
      this.samples++;
      this.sum += sample;
      this.longRtt = this.sum / this.samples;
    } else {
      const factor = 2 / (this.p.longWindow + 1);
      this.longRtt = this.longRtt * (1 - factor) + sample * factor;
    }
    return this.longRtt;
  }
}

export function makeLimitAlgorithm(spec: ConcurrencyLimitSpec): LimitAlgorithm {
  return spec.algorithm === 'aimd' ? new AimdLimit(aimdParams(spec as Partial<AimdParams>)) : new Gradient2Limit(gradient2Params(spec as Partial<Gradient2Params>));
}

/** How Netflix's executors report an outcome: a sample, a dropped sample, or nothing. */
export function sampleKind(result: CallResult): 'success' | 'dropped' | 'ignore' {
  switch (result.outcome) {
    case 'ok':
      return 'success';
    case 'rejected':
    case 'timeout':
      return 'dropped';
    case 'error':
      return 'ignore';
  }
}

export class ConcurrencyLimitPolicy implements Invoker {
  readonly algorithm: LimitAlgorithm;
  inflight = 0;
  private shownLimit: number;
  private readonly admissions: Admissions;
  private readonly m: { inflight: Gauge; limit: Gauge };

  constructor(private readonly ctx: PolicyContext, spec: ConcurrencyLimitSpec, private readonly next: Invoker) {
    this.algorithm = makeLimitAlgorithm(spec);
    this.admissions = new Admissions(ctx);
    const metrics = ctx.metrics;
    this.m = {
      inflight: metrics.gauge(`${ctx.layer}.inflight`),
      limit: metrics.gauge(`${ctx.layer}.limit`),
    };
    this.shownLimit = this.algorithm.limit;
    this.m.inflight.set(ctx.now, 0);
    this.m.limit.set(ctx.now, this.shownLimit);
    ctx.state('limit', this.shownLimit);
    ctx.state('inflight', 0);
  }

  get limit(): number {
    return this.algorithm.limit;
  }

  invoke(call: Call, done: Done): void {
    const ctx = this.ctx;
    if (this.inflight >= this.algorithm.limit) {
      this.admissions.reject(ctx.now);
      ctx.event(call, 'rejected:limit-exceeded');
      return done(rejected('limit-exceeded'));
    }
    const inflightAtStart = ++this.inflight;
    const start = ctx.now;
    this.m.inflight.set(start, this.inflight);
    ctx.state('inflight', this.inflight);
    this.admissions.admit(start);
    ctx.event(call, 'admitted');
    this.next.invoke(call, (result) => {
      this.inflight--;
      this.m.inflight.set(ctx.now, this.inflight);
      ctx.state('inflight', this.inflight);
      const kind = sampleKind(result);
      if (kind !== 'ignore') this.onLimit(this.algorithm.onSample(Math.max(1, ctx.now - start), inflightAtStart, kind === 'dropped'));
      done(result);
    });
  }

  private onLimit(limit: number): void {
    if (limit === this.shownLimit) return;
    this.shownLimit = limit;
    this.m.limit.set(this.ctx.now, limit);
    this.ctx.state('limit', limit);
  }
}
