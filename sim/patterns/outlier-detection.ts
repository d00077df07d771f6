import type { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import { type CallResult } from '../nodes/call.ts';
import type { PolicyContext } from './context.ts';
import type { OutlierDetectionParams } from './outlier-detection.schema.ts';

/**
 * Passive health checking: outlier detection with Envoy's semantics, as an option of the load
 * balancer (`outlierDetection: {…}`). It watches the answers of the calls the balancer sends
 * and ejects hosts that behave unlike the others; an ejected host gets no traffic until its
 * ejection time is over.
 *
 * - Consecutive 5xx (inline): a host's failures in a row — outcomes in `failureOutcomes` —
 *   reaching `consecutive5xx` eject it at once (with probability `enforcingConsecutive5xx` %).
 *   The count is reset after every such detection, ejected or not, and by any success. A host
 *   already ejected is not ejected again (Envoy ignores the detection and keeps counting).
 *   Timeouts count by default: with `split_external_local_origin_errors` off (Envoy's
 *   default) a local timeout is mapped to 504 and counted as a 5xx.
 * - Success rate (every `intervalMs` sweep): among hosts not ejected that received at least
 *   `successRateRequestVolume` answers during the interval, if there are at least
 *   `successRateMinimumHosts` of them, hosts whose success rate is below
 *   mean − (`successRateStdevFactor`/1000)·stdev (population stdev) are ejected (with
 *   probability `enforcingSuccessRate` %). The counts start afresh each interval.
 * - The cap: a host is ejected only if no host is ejected yet, or if after ejecting it at most
 *   `maxEjectionPercent` % of all hosts would be ejected ("at most 10 %, at least one": Envoy
 *   with `always_eject_one_host`; older Envoy always allowed the first). A refused ejection is
 *   counted in `<layer>.ejectionsOverflow`.
 * - Duration: base × (times ejected), capped at `maxEjectionTimeMs`, where "times ejected" is
 *   Envoy's backoff multiplier: +1 at each ejection, −1 at each sweep that finds the host in
 *   service and unejected for at least one interval.
 *
 * Difference from Envoy: Envoy returns an ejected host to service at the first sweep after its
 *   ejection time has passed (so ejections last up to one interval longer); here a timer
 *   returns it exactly when the time is up, so "ejected for 30 s" is exactly 30 s. Failure
 *   percentage ejection (off by default in Envoy), gateway-failure and local-origin splits and
 *   ejection-time jitter are not modelled.
 *
 * Trace: state `<layer>.eject.<host>` = ejected | ok. Metrics: `<layer>.ejections`
 * (`.consecutive5xx`, `.successRate` by cause), `<layer>.ejectionsOverflow`, gauge
 * `<layer>.ejectedHosts`.
 *
 * Invariant (`EjectionCapInvariant`, from the state records): at any time at most
 * max(1, ⌊maxEjectionPercent × hosts / 100⌋) hosts are ejected.
 */

/** The largest number of hosts that may be ejected at once: max(1, ⌊percent × n / 100⌋). */
export function maxEjectedHosts(percent: number, hosts: number): number {
  return Math.max(1, Math.floor((percent * hosts) / 100 + 1e-9));
}

/** Envoy's success-rate threshold: mean − factor·stdev (population), over the rates given. */
export function successRateThreshold(rates: readonly number[], stdevFactor: number): { mean: number; threshold: number } {
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const variance = rates.reduce((a, r) => a + (r - mean) ** 2, 0) / rates.length;
  return { mean, threshold: mean - stdevFactor * Math.sqrt(variance) };
}

export class OutlierDetector {
  readonly ejected: Uint8Array;
  /** Envoy's ejection-time multiplier per host. */
  readonly backoff: Int32Array;
  ejectedCount = 0;
  private readonly consecutive: Int32Array;
  private readonly lastUnejectedAt: Float64Array;
  private readonly ejectionSeq: Int32Array;
  private readonly volume: Float64Array;
  private readonly successes: Float64Array;
  private readonly failureSet: Set<string>;
  private readonly intervalUs: number;
  private readonly m: { ejections: Counter; consecutive: Counter; successRate: Counter; overflow: Counter; ejectedHosts: Gauge };

  constructor(
    private readonly ctx: PolicyContext,
    readonly params: OutlierDetectionParams,
    private readonly names: readonly string[],
    /** Called when a host is ejected (true) or returns (false). */
    private readonly onChange: (p: number, ejected: boolean) => void,
  ) {
    const n = names.length;
    this.ejected = new Uint8Array(n);
    this.backoff = new Int32Array(n);
    this.consecutive = new Int32Array(n);
    this.lastUnejectedAt = new Float64Array(n).fill(-1);
    this.ejectionSeq = new Int32Array(n);
    this.volume = new Float64Array(n);
    this.successes = new Float64Array(n);
    this.failureSet = new Set(params.failureOutcomes);
    this.intervalUs = Math.max(1, msToUs(params.intervalMs));
    const metrics = ctx.metrics;
    this.m = {
      ejections: metrics.counter(`${ctx.layer}.ejections`),
      consecutive: metrics.counter(`${ctx.layer}.ejections.consecutive5xx`),
      successRate: metrics.counter(`${ctx.layer}.ejections.successRate`),
      overflow: metrics.counter(`${ctx.layer}.ejectionsOverflow`),
      ejectedHosts: metrics.gauge(`${ctx.layer}.ejectedHosts`),
    };
    ctx.after(this.intervalUs, () => this.sweep());
  }

  /** The answer of a call sent to host `p`. */
  onResult(p: number, result: CallResult): void {
    const failed = result.outcome !== 'ok' && this.failureSet.has(result.outcome);
    this.volume[p]++;
    if (!failed) {
      this.successes[p]++;
      this.consecutive[p] = 0;
      return;
    }
    if (++this.consecutive[p] !== this.params.consecutive5xx) return;
    if (this.ejected[p] === 1) return;
    if (this.enforced(this.params.enforcingConsecutive5xx) && this.eject(p)) this.m.consecutive.add();
    this.consecutive[p] = 0;
  }

  private enforced(percent: number): boolean {
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return this.ctx.rng.next() * 100 < percent;
  }

  /** Ejects host `p` if the cap allows; false if it does not. */
  private eject(p: number): boolean {
    const n = this.names.length;
    if (this.ejectedCount > 0 && (this.ejectedCount + 1) * 100 > this.params.maxEjectionPercent * n + 1e-9) {
      this.m.overflow.add();
      return false;
    }
    const ctx = this.ctx;
    const baseUs = msToUs(this.params.baseEjectionTimeMs);
    const maxUs = msToUs(this.params.maxEjectionTimeMs);
    // The multiplier grows while base × multiplier is below the cap (Envoy stops it there).
    if (this.backoff[p] * baseUs < maxUs) this.backoff[p]++;
    const durationUs = Math.min(baseUs * this.backoff[p], maxUs);
    this.ejected[p] = 1;
    this.ejectedCount++;
    const seq = ++this.ejectionSeq[p];
    this.m.ejections.add();
    this.m.ejectedHosts.set(ctx.now, this.ejectedCount);
    ctx.state(`eject.${this.names[p]}`, 'ejected');
    this.onChange(p, true);
    ctx.after(durationUs, () => {
      if (this.ejected[p] === 1 && this.ejectionSeq[p] === seq) this.uneject(p);
    });
    return true;
  }

  private uneject(p: number): void {
    const ctx = this.ctx;
    this.ejected[p] = 0;
    this.ejectedCount--;
    this.lastUnejectedAt[p] = ctx.now;
    this.m.ejectedHosts.set(ctx.now, this.ejectedCount);
    ctx.state(`eject.${this.names[p]}`, 'ok');
    this.onChange(p, false);
  }

  /** Envoy's interval timer: decay the backoff of hosts back in service, then success rate. */
  private sweep(): void {
    const now = this.ctx.now;
    const n = this.names.length;
    for (let p = 0; p < n; p++) {
      if (this.ejected[p] === 0 && this.backoff[p] > 0 && this.lastUnejectedAt[p] >= 0 && now - this.lastUnejectedAt[p] >= this.intervalUs) this.backoff[p]--;
    }
    this.successRateEjections();
    this.volume.fill(0);
    this.successes.fill(0);
    this.ctx.after(this.intervalUs, () => this.sweep());
  }

  private successRateEjections(): void {
    const p = this.params;
    if (p.enforcingSuccessRate <= 0) return;
    const judged: number[] = [];
    const rates: number[] = [];
    for (let h = 0; h < this.names.length; h++) {
      if (this.ejected[h] === 0 && this.volume[h] >= p.successRateRequestVolume) {
        judged.push(h);
        rates.push((this.successes[h] / this.volume[h]) * 100);
      }
    }
    if (judged.length < p.successRateMinimumHosts) return;
    const { threshold } = successRateThreshold(rates, p.successRateStdevFactor / 1000);
    for (let i = 0; i < judged.length; i++) {
      if (rates[i] < threshold && this.enforced(p.enforcingSuccessRate) && this.eject(judged[i])) this.m.successRate.add();
    }
  }
}

/**
 * From the trace alone: at no time are more than max(1, ⌊percent × hosts / 100⌋) of a
 * balancer's hosts ejected. A crash of the node forgets every ejection (the balancer is
 * rebuilt, all hosts in service).
 */
export class EjectionCapInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private readonly ejected = new Set<string>();
  private readonly prefix: string;
  private readonly max: number;

  constructor(private readonly node: string, private readonly layer: string, hosts: number, percent: number) {
    this.prefix = `${layer}.eject.`;
    this.max = maxEjectedHosts(percent, hosts);
  }

  readonly unit = 'ejections';
  readonly kinds = ['state'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: at most ${this.max} host(s) ejected at once`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node || r.k !== 'state') return;
    const key = r.key as string;
    if (key === 'status') {
      if (r.value === 'crashed') this.ejected.clear();
      return;
    }
    if (!key.startsWith(this.prefix)) return;
    this.examined++;
    const host = key.slice(this.prefix.length);
    if (r.value === 'ejected') this.ejected.add(host);
    else this.ejected.delete(host);
    if (this.violation === null && this.ejected.size > this.max) {
      this.violation = { t: r.t, node: r.node, detail: `${this.ejected.size} hosts ejected (${[...this.ejected].join(', ')}); at most ${this.max} may be` };
    }
  }
}
