import type { Counter } from '../engine/metrics.ts';
import type { Rng } from '../engine/rng.ts';
import { msToUs } from '../engine/time.ts';
import { type Call, type CallResult, type Done, type Invoker } from '../nodes/call.ts';
import { type PolicyContext } from './context.ts';
import type { RetrySpec } from './retry.schema.ts';
import { retryParams } from './retry.defaults.ts';

/**
 * Retry with backoff, jitter and budgets.
 *
 * Behaviour: a failed attempt whose outcome is in `retryOn` is tried again after a backoff,
 * up to `maxAttempts` attempts in all (the first included), unless the budget says no or the
 * call's deadline would pass during the wait. The answer is the last attempt's.
 *
 * Backoff after the n-th failure (n = 0 for the first), AWS Architecture Blog (Brooker 2015)
 * and Resilience4j:
 * - constant:       base
 * - exponential:    min(cap, base · multiplier^n)
 * - full-jitter:    U(0, min(cap, base · 2^n))
 * - equal-jitter:   t/2 + U(0, t/2), t = min(cap, base · 2^n)
 * - decorrelated:   min(cap, U(base, 3 · previous)), previous starting at base
 * - randomized:     Resilience4j's randomised interval, i · U(1 − f, 1 + f), i = min(cap, base · multiplier^n)
 *
 * Budgets: `ratio` (Google SRE: retry only while retries stay under `ratio` of requests over
 * the last `windowMs`), `concurrent` (Envoy: retries in progress ≤ max(minRetries, percent of
 * active requests)), `token-bucket` (gRPC: a failure costs 1 token, a success refunds
 * `tokenRatio`; retry only while more than half the tokens remain).
 *
 * Presets: resilience4j (3 attempts, 500 ms constant), envoy (1 retry, full jitter 25–250 ms),
 * temporal (exponential 1 s ×2 capped at 100 s; "unlimited" attempts, here 100), aws (SDK
 * standard mode: 3 attempts, full jitter from 100 ms, capped at 20 s).
 *
 * Trace: per logical call the layer records `started`; `retry:<n>` when, after a failed
 * attempt, it schedules attempt n; `retry-denied:budget` when the budget said no; and last
 * `answered:<outcome>` with the answer it gives. From these alone the invariants in
 * retry-invariants.ts check, in every run with retries, that attempts per call ≤ maxAttempts
 * and that the budget's cap holds. With L layers of r retries each, the bottom sees (r+1)^L
 * attempts per failing request — the retry storm.
 */


/** The wait before the retry that follows the n-th failure (n = 0 for the first failure), in ms. */
export function backoffMs(p: ReturnType<typeof retryParams>, n: number, previousMs: number, rng: Rng): number {
  const exp2 = Math.min(p.capMs, p.baseMs * 2 ** n);
  switch (p.backoff) {
    case 'constant':
      return p.baseMs;
    case 'exponential':
      return Math.min(p.capMs, p.baseMs * p.multiplier ** n);
    case 'full-jitter':
      return rng.uniform(0, exp2);
    case 'equal-jitter':
      return exp2 / 2 + rng.uniform(0, exp2 / 2);
    case 'decorrelated':
      return Math.min(p.capMs, rng.uniform(p.baseMs, 3 * previousMs));
    case 'randomized': {
      const i = Math.min(p.capMs, p.baseMs * p.multiplier ** n);
      return i * rng.uniform(1 - p.randomizationFactor, 1 + p.randomizationFactor);
    }
  }
}

/** Decides whether a retry may go ahead, and learns from every outcome. */
interface Budget {
  allowRetry(): boolean;
  onRequest(): void;
  onRetryStart(): void;
  onRetryEnd(): void;
  onAttemptResult(ok: boolean): void;
  level(): number;
}

function makeBudget(spec: RetrySpec['budget'], ctx: PolicyContext, active: () => number): Budget | null {
  if (spec === undefined) return null;
  switch (spec.type) {
    case 'ratio': {
      // Per-second buckets over the trailing window: [second, requests, retries].
      const windowSec = Math.max(1, Math.round(spec.windowMs / 1000));
      const buckets: [number, number, number][] = Array.from({ length: windowSec }, () => [-1, 0, 0]);
      const bucket = () => {
        const sec = Math.floor(ctx.now / 1e6);
        const b = buckets[sec % windowSec];
        if (b[0] !== sec) b.splice(0, 3, sec, 0, 0);
        return b;
      };
      const totals = () => {
        const sec = Math.floor(ctx.now / 1e6);
        let req = 0, ret = 0;
        for (const b of buckets) if (b[0] > sec - windowSec) { req += b[1]; ret += b[2]; }
        return [req, ret];
      };
      return {
        allowRetry: () => { const [req, ret] = totals(); return ret + 1 <= spec.ratio * req; },
        onRequest: () => { bucket()[1]++; },
        onRetryStart: () => { bucket()[2]++; },
        onRetryEnd: () => {},
        onAttemptResult: () => {},
        level: () => { const [req, ret] = totals(); return req === 0 ? 0 : ret / req; },
      };
    }
    case 'concurrent': {
      let inProgress = 0;
      return {
        allowRetry: () => inProgress < Math.max(spec.minRetries, (spec.percent / 100) * active()),
        onRequest: () => {},
        onRetryStart: () => { inProgress++; },
        onRetryEnd: () => { inProgress--; },
        onAttemptResult: () => {},
        level: () => inProgress,
      };
    }
    case 'token-bucket': {
      let tokens = spec.maxTokens;
      return {
        allowRetry: () => tokens > spec.maxTokens / 2,
        onRequest: () => {},
        onRetryStart: () => {},
        onRetryEnd: () => {},
        onAttemptResult: (ok) => { tokens = ok ? Math.min(spec.maxTokens, tokens + spec.tokenRatio) : Math.max(0, tokens - 1); },
        level: () => tokens,
      };
    }
  }
}

/** The `answered:<outcome>` event names, made once. */
const ANSWERED: Record<CallResult['outcome'], string> = { ok: 'answered:ok', error: 'answered:error', timeout: 'answered:timeout', rejected: 'answered:rejected' };

export class RetryPolicy implements Invoker {
  private readonly p: ReturnType<typeof retryParams>;
  private readonly budget: Budget | null;
  private active = 0;
  private readonly attempts: Counter;
  private readonly retries: Counter;
  private readonly exhausted: Counter;
  private readonly budgetDenied: Counter;

  constructor(private readonly ctx: PolicyContext, spec: RetrySpec, private readonly next: Invoker) {
    this.p = retryParams(spec);
    this.budget = makeBudget(spec.budget, ctx, () => this.active);
    const m = ctx.metrics;
    this.attempts = m.counter(`${ctx.layer}.attempts`);
    this.retries = m.counter(`${ctx.layer}.retries`);
    this.exhausted = m.counter(`${ctx.layer}.exhausted`);
    this.budgetDenied = m.counter(`${ctx.layer}.budgetDenied`);
  }

  invoke(call: Call, done: Done): void {
    this.active++;
    this.budget?.onRequest();
    this.ctx.event(call, 'started');
    this.attempt(call, 1, this.p.baseMs, (result) => {
      this.active--;
      this.ctx.event(call, ANSWERED[result.outcome]);
      done(result);
    });
  }

  private attempt(call: Call, n: number, previousBackoffMs: number, done: Done): void {
    this.attempts.add();
    this.next.invoke(n === 1 ? call : { ...call, attempt: n }, (result) => {
      this.budget?.onAttemptResult(result.outcome === 'ok');
      if (n > 1) this.budget?.onRetryEnd();
      if (!this.shouldRetry(call, n, result)) return done(result);
      const waitMs = backoffMs(this.p, n - 1, previousBackoffMs, this.ctx.rng);
      const waitUs = msToUs(waitMs);
      if (this.ctx.now + waitUs >= call.deadline) return done(result);
      if (!this.budgetAllowsRetry()) {
        this.budgetDenied.add();
        this.ctx.event(call, 'retry-denied:budget');
        return done(result);
      }
      this.retries.add();
      this.budget?.onRetryStart();
      this.ctx.event(call, `retry:${n + 1}`);
      this.ctx.after(waitUs, () => this.attempt(call, n + 1, waitMs, done));
    });
  }

  private shouldRetry(call: Call, n: number, result: CallResult): boolean {
    if (result.outcome === 'ok' || !this.p.retryOn.includes(result.outcome)) return false;
    if (!this.hasAttemptsLeft(n)) {
      this.exhausted.add();
      return false;
    }
    return call.deadline > this.ctx.now;
  }

  /** Whether attempt `n` (1 for the first) may be followed by another: maxAttempts counts them all. (Protected so a test can plant an off-by-one and see the invariant catch it.) */
  protected hasAttemptsLeft(n: number): boolean {
    return n < this.p.maxAttempts;
  }

  /** Whether the budget lets a retry go ahead now (always, without one). (Protected for the same reason.) */
  protected budgetAllowsRetry(): boolean {
    return this.budget === null || this.budget.allowRetry();
  }
}
