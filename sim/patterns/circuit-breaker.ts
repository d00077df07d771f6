import type { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs } from '../engine/time.ts';
import type { TraceRecord } from '../engine/trace.ts';
import { layerScope, type TraceInvariant, type TraceScope, type Violation } from '../check/invariants.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import { type PolicyContext } from './context.ts';
import type { CircuitBreakerSpec } from './circuit-breaker.schema.ts';
import { breakerParams, type BreakerParams, type BreakerState } from './circuit-breaker.defaults.ts';

/**
 * Circuit breaker with Resilience4j's semantics.
 *
 * States: CLOSED (calls pass, outcomes recorded), OPEN (calls rejected), HALF_OPEN (a fixed
 * number of probe calls pass), DISABLED (always pass, record nothing), FORCED_OPEN (always
 * reject), METRICS_ONLY (record, never trip).
 *
 * - CLOSED → OPEN: after each recorded call, once at least `minimumNumberOfCalls` are in the
 *   window (clamped to the window size for COUNT_BASED), if the failure rate ≥
 *   `failureRateThreshold` or the slow-call rate ≥ `slowCallRateThreshold`. A call is slow
 *   if its duration > `slowCallDurationThresholdMs`.
 * - Window: COUNT_BASED keeps the last `slidingWindowSize` outcomes; TIME_BASED keeps
 *   `slidingWindowSize` one-second buckets.
 * - OPEN → HALF_OPEN after `waitDurationInOpenStateMs`: lazily on the next call, or by timer
 *   with `automaticTransitionFromOpenToHalfOpenEnabled`.
 * - HALF_OPEN admits exactly `permittedNumberOfCallsInHalfOpenState` probes, recorded in a
 *   COUNT_BASED window of that size whose minimum is min(`minimumNumberOfCalls`, permitted)
 *   (Resilience4j `CircuitBreakerMetrics.forHalfOpen`). It decides as soon as that many probes
 *   have completed: failure (or slow) rate ≥ threshold → OPEN, else CLOSED. With the defaults
 *   (minimum 100, 10 probes) that is after all 10; with minimum 5, after 5, and probes still in
 *   flight then land in the new state. Other calls are rejected meanwhile.
 * - A rejected call ("not permitted") is counted apart and is not a failure.
 * - `consecutiveFailures` (cockatiel's ConsecutiveBreaker) replaces the rate rule: open after
 *   that many failures in a row.
 *
 * State published for the sandbox and reports: `state`, and in rate mode `failureRate` (whole
 * percent, -1 below the minimum number of calls; see publishFailureRate) and
 * `failureRateThreshold`. Metrics: `notPermitted`, `failures`, `successes`, `slowCalls`,
 * `opened` (counters) and `open` (a gauge, 1 while OPEN or FORCED_OPEN: its mean over a
 * window is the share of the window the breaker rejected calls, for charts).
 *
 * Invariants (checked over the trace in every run, see `breakerInvariants`): no call is
 * admitted through an OPEN or FORCED_OPEN breaker; a HALF_OPEN episode admits no more than
 * the permitted probes.
 */
/** States in which the breaker lets no call through. */
function rejectsAll(state: BreakerState): boolean {
  return state === 'OPEN' || state === 'FORCED_OPEN';
}

/** The published failure rate moves in steps of at least this many percentage points (see publishFailureRate). */
const RATE_STEP_PERCENT = 5;


/** Outcomes in the sliding window: how many calls, how many failed, how many were slow. */
interface Window {
  record(failed: boolean, slow: boolean, now: number): void;
  totals(now: number): { calls: number; failures: number; slow: number };
  reset(): void;
}

function countWindow(size: number): Window {
  const failed = new Uint8Array(size);
  const slow = new Uint8Array(size);
  let next = 0, filled = 0, failures = 0, slows = 0;
  return {
    record(f, s) {
      if (filled === size) { failures -= failed[next]; slows -= slow[next]; } else filled++;
      failed[next] = f ? 1 : 0;
      slow[next] = s ? 1 : 0;
      failures += failed[next];
      slows += slow[next];
      next = (next + 1) % size;
    },
    totals: () => ({ calls: filled, failures, slow: slows }),
    reset() { failed.fill(0); slow.fill(0); next = 0; filled = 0; failures = 0; slows = 0; },
  };
}

/** `size` one-second buckets, each stamped with its epoch second (Resilience4j's TIME_BASED). */
function timeWindow(size: number): Window {
  const sec = new Float64Array(size).fill(-1);
  const calls = new Float64Array(size);
  const fails = new Float64Array(size);
  const slows = new Float64Array(size);
  const bucket = (now: number) => {
    const s = Math.floor(now / 1e6);
    const i = s % size;
    if (sec[i] !== s) { sec[i] = s; calls[i] = 0; fails[i] = 0; slows[i] = 0; }
    return i;
  };
  return {
    record(f, s, now) {
      const i = bucket(now);
      calls[i]++;
      if (f) fails[i]++;
      if (s) slows[i]++;
    },
    totals(now) {
      const current = Math.floor(now / 1e6);
      let c = 0, f = 0, s = 0;
      for (let i = 0; i < size; i++) if (sec[i] > current - size) { c += calls[i]; f += fails[i]; s += slows[i]; }
      return { calls: c, failures: f, slow: s };
    },
    reset() { sec.fill(-1); },
  };
}

export class CircuitBreakerPolicy implements Invoker {
  readonly params: BreakerParams;
  state: BreakerState;
  private readonly window: Window;
  private openedAt = 0;
  /** The failure rate last published as state (NaN: none yet). */
  private publishedRate = NaN;
  private consecutive = 0;
  /** Half-open bookkeeping: probes admitted and their recorded outcomes. */
  private probesAdmitted = 0;
  private readonly probeWindow: Window;
  private readonly m: { notPermitted: Counter; failures: Counter; successes: Counter; slowCalls: Counter; opened: Counter; open: Gauge };

  constructor(private readonly ctx: PolicyContext, spec: CircuitBreakerSpec, private readonly next: Invoker) {
    this.params = breakerParams(spec);
    const p = this.params;
    this.window = p.slidingWindowType === 'COUNT_BASED' ? countWindow(p.slidingWindowSize) : timeWindow(p.slidingWindowSize);
    this.probeWindow = countWindow(p.permittedNumberOfCallsInHalfOpenState);
    const metrics = ctx.metrics;
    this.m = {
      notPermitted: metrics.counter(`${ctx.layer}.notPermitted`),
      failures: metrics.counter(`${ctx.layer}.failures`),
      successes: metrics.counter(`${ctx.layer}.successes`),
      slowCalls: metrics.counter(`${ctx.layer}.slowCalls`),
      opened: metrics.counter(`${ctx.layer}.opened`),
      open: metrics.gauge(`${ctx.layer}.open`),
    };
    this.state = p.initialState;
    ctx.state('state', this.state);
    this.m.open.set(ctx.now, rejectsAll(this.state) ? 1 : 0);
    if (p.consecutiveFailures === 0) {
      ctx.state('failureRateThreshold', String(p.failureRateThreshold));
      this.publishFailureRate();
    }
  }

  /** The minimum number of calls before the rate is judged (clamped to the window for COUNT_BASED). */
  get minimumCalls(): number {
    const p = this.params;
    return p.slidingWindowType === 'COUNT_BASED' ? Math.min(p.minimumNumberOfCalls, p.slidingWindowSize) : p.minimumNumberOfCalls;
  }

  /**
   * Probe outcomes HALF_OPEN waits for before deciding: its window holds the permitted probes,
   * and a COUNT_BASED minimum is clamped to its window, so min(minimum, permitted).
   */
  get halfOpenMinimumCalls(): number {
    return Math.min(this.params.minimumNumberOfCalls, this.params.permittedNumberOfCallsInHalfOpenState);
  }

  invoke(call: Call, done: Done): void {
    if (!this.tryAcquirePermission()) {
      this.m.notPermitted.add();
      this.ctx.event(call, 'rejected:circuit-open');
      return done(rejected('circuit-open'));
    }
    this.ctx.event(call, 'admitted');
    const start = this.ctx.now;
    const stateAtAdmission = this.state;
    this.next.invoke(call, (result) => {
      this.onResult(stateAtAdmission, result.outcome !== 'ok' && this.params.recordOutcomes.includes(result.outcome), this.ctx.now - start);
      done(result);
    });
  }

  private tryAcquirePermission(): boolean {
    switch (this.state) {
      case 'CLOSED':
      case 'DISABLED':
      case 'METRICS_ONLY':
        return true;
      case 'FORCED_OPEN':
        return false;
      case 'OPEN':
        if (this.ctx.now < this.openedAt + msToUs(this.params.waitDurationInOpenStateMs)) return false;
        this.transition('HALF_OPEN');
        return this.tryAcquirePermission();
      case 'HALF_OPEN':
        if (this.probesAdmitted >= this.params.permittedNumberOfCallsInHalfOpenState) return false;
        this.probesAdmitted++;
        return true;
    }
  }

  private onResult(admittedIn: BreakerState, failed: boolean, durationUs: number): void {
    if (admittedIn === 'DISABLED' || this.state === 'DISABLED' || this.state === 'FORCED_OPEN') return;
    const slow = durationUs > msToUs(this.params.slowCallDurationThresholdMs);
    (failed ? this.m.failures : this.m.successes).add();
    if (slow) this.m.slowCalls.add();
    // A call admitted before the breaker changed state is recorded in the state it returns to,
    // as Resilience4j does (its outcome lands in whatever window is current).
    if (this.state === 'HALF_OPEN') {
      this.probeWindow.record(failed, slow, this.ctx.now);
      const t = this.probeWindow.totals(this.ctx.now);
      if (t.calls >= this.halfOpenMinimumCalls) this.transition(this.tripped(t) ? 'OPEN' : 'CLOSED');
      return;
    }
    if (this.state === 'OPEN') return;
    this.window.record(failed, slow, this.ctx.now);
    this.consecutive = failed ? this.consecutive + 1 : 0;
    if (this.state === 'METRICS_ONLY') return;
    if (this.params.consecutiveFailures > 0) {
      if (this.consecutive >= this.params.consecutiveFailures) this.transition('OPEN');
      return;
    }
    const t = this.window.totals(this.ctx.now);
    this.publishFailureRate(t);
    if (t.calls >= this.minimumCalls && this.tripped(t)) this.transition('OPEN');
  }

  /**
   * Publishes the window's failure rate (whole percent; -1 below the minimum number of calls,
   * as Resilience4j's getFailureRate) as state `failureRate`, for the sandbox and reports. It
   * changes with nearly every call, so it is published only when it moves by RATE_STEP_PERCENT,
   * crosses the threshold, or becomes known or unknown: the trace stays small and the picture
   * is right where it matters.
   */
  private publishFailureRate(t = this.window.totals(this.ctx.now)): void {
    if (this.params.consecutiveFailures > 0) return;
    const rate = t.calls >= this.minimumCalls && t.calls > 0 ? Math.round((t.failures / t.calls) * 100) : -1;
    const last = this.publishedRate;
    const threshold = this.params.failureRateThreshold;
    const moved =
      Number.isNaN(last) || (rate < 0) !== (last < 0) || (rate >= threshold) !== (last >= threshold) || Math.abs(rate - last) >= RATE_STEP_PERCENT;
    if (!moved) return;
    this.publishedRate = rate;
    this.ctx.state('failureRate', String(rate));
  }

  private tripped(t: { calls: number; failures: number; slow: number }): boolean {
    if (t.calls === 0) return false;
    if (this.params.consecutiveFailures > 0) return t.failures > 0;
    return (t.failures / t.calls) * 100 >= this.params.failureRateThreshold || (t.slow / t.calls) * 100 >= this.params.slowCallRateThreshold;
  }

  /** Moves to a state (also used by interventions: force open, disable…). */
  transition(to: BreakerState): void {
    if (to === this.state) return;
    this.state = to;
    this.ctx.state('state', to);
    this.m.open.set(this.ctx.now, rejectsAll(to) ? 1 : 0);
    if (to === 'OPEN') {
      this.openedAt = this.ctx.now;
      this.m.opened.add();
      if (this.params.automaticTransitionFromOpenToHalfOpenEnabled) {
        const openedAt = this.openedAt;
        this.ctx.after(msToUs(this.params.waitDurationInOpenStateMs), () => {
          if (this.state === 'OPEN' && this.openedAt === openedAt) this.transition('HALF_OPEN');
        });
      }
    }
    if (to === 'HALF_OPEN') {
      this.probesAdmitted = 0;
      this.probeWindow.reset();
    }
    if (to === 'CLOSED') {
      this.window.reset();
      this.consecutive = 0;
      this.publishFailureRate();
    }
  }
}

/**
 * The breaker's safety invariants, checked from the trace alone (state records
 * `<layer>.state` and call events at the layer): nothing is admitted while OPEN or
 * FORCED_OPEN, and a HALF_OPEN episode admits at most `permitted` probes.
 */
export class BreakerInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  private state: string;
  private admittedInHalfOpen = 0;

  constructor(private readonly node: string, private readonly layer: string, private readonly permitted: number, initialState: string) {
    this.state = initialState;
  }

  readonly unit = 'admissions';
  readonly kinds = ['state', 'call'] as const;
  get scope(): TraceScope {
    return layerScope(this.node, this.layer);
  }

  describe(): string {
    return `${this.layer}: no call passes an open breaker; half-open admits at most ${this.permitted}`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state' && r.key === `${this.layer}.state`) {
      this.state = r.value as string;
      if (this.state === 'HALF_OPEN') this.admittedInHalfOpen = 0;
    } else if (r.k === 'call' && r.layer === this.layer && r.event === 'admitted') {
      this.examined++;
      if (this.violation !== null) return;
      if (this.state === 'OPEN' || this.state === 'FORCED_OPEN') {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} admitted while the breaker was ${this.state}` };
      } else if (this.state === 'HALF_OPEN' && ++this.admittedInHalfOpen > this.permitted) {
        this.violation = { t: r.t, node: r.node, detail: `call ${r.call} was probe ${this.admittedInHalfOpen} in HALF_OPEN; only ${this.permitted} are permitted` };
      }
    }
  }
}
