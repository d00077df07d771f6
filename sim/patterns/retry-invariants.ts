import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, Violation } from '../check/invariants.ts';
import type { RetrySpec } from './retry.schema.ts';
import { retryParams } from './retry.defaults.ts';

/**
 * The retry policy's invariants, checked over the trace of every run that has a retry on a
 * call path (registered in registry.ts): attempts per call never exceed `maxAttempts`, and a
 * retry budget's cap holds, computed the way the policy computes it (retry.ts, makeBudget).
 *
 * They rebuild everything from the layer's own call events — `started`, `retry:<n>` (a retry
 * scheduled: the moment the policy decides and the budget is spent), `answered:<outcome>` —
 * and the node's crashes, never from the policy's counters or budget objects, so a policy
 * that miscounts cannot hide it. Each looks at the records of its own node and layer only,
 * and keeps state for the calls in progress alone.
 *
 * A call's id is the same for all its attempts. Two logical calls share an id only when the
 * network duplicated the request that caused them; the checks allow for that (see below).
 */
export function retryInvariants(node: string, layer: string, spec: RetrySpec): TraceInvariant[] {
  const attempts = new RetryAttemptsInvariant(node, layer, retryParams(spec).maxAttempts);
  const budget = spec.budget;
  if (budget === undefined) return [attempts];
  switch (budget.type) {
    case 'ratio':
      return [attempts, new RatioBudgetInvariant(node, layer, budget.ratio, budget.windowMs)];
    case 'concurrent':
      return [attempts, new ConcurrentBudgetInvariant(node, layer, budget.percent, budget.minRetries)];
    case 'token-bucket':
      return [attempts, new TokenBudgetInvariant(node, layer, budget.maxTokens, budget.tokenRatio)];
  }
}

/** Follows the retry layer `layer` on `node`; a crash forgets everything, as the restarted node builds a fresh call path. */
abstract class RetryLayerInvariant implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['state', 'call'] as const;

  constructor(protected readonly node: string, protected readonly layer: string) {}

  abstract describe(): string;

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state') {
      if (r.key === 'status' && r.value === 'crashed') this.forget();
      return;
    }
    if (r.k !== 'call' || r.layer !== this.layer) return;
    const event = r.event as string;
    if (event === 'started') this.onStarted(r, r.call as number);
    else if (event.startsWith('retry:')) this.onRetry(r, r.call as number);
    else if (event.startsWith('answered:')) this.onAnswered(r, r.call as number, event === 'answered:ok');
  }

  /** A logical call entered the layer (its first attempt starts). */
  protected abstract onStarted(r: TraceRecord, call: number): void;
  /** After a failed attempt of `call`, the policy scheduled another. */
  protected abstract onRetry(r: TraceRecord, call: number): void;
  /** `call` was answered with its last attempt's outcome (`ok` or not). */
  protected abstract onAnswered(r: TraceRecord, call: number, ok: boolean): void;
  protected abstract forget(): void;

  protected fail(r: TraceRecord, detail: string): void {
    if (this.violation === null) this.violation = { t: r.t, node: r.node, detail };
  }
}

/** Attempts of one call id in progress: logical calls started with it, how many were answered, attempts made in all. */
interface CallAttempts {
  started: number;
  answered: number;
  attempts: number;
}

/**
 * Attempts per call ≤ maxAttempts: the first attempt at `started`, one more at each
 * `retry:<n>` (counted, not read from n). For an id that a duplicated request started k
 * times, its attempts in all must stay ≤ k · maxAttempts.
 */
export class RetryAttemptsInvariant extends RetryLayerInvariant {
  readonly unit = 'calls';
  private readonly calls = new Map<number, CallAttempts>();

  constructor(node: string, layer: string, private readonly maxAttempts: number) {
    super(node, layer);
  }

  describe(): string {
    return `${this.layer}: at most ${this.maxAttempts} attempts per call`;
  }

  protected onStarted(_r: TraceRecord, call: number): void {
    this.examined++;
    const c = this.calls.get(call);
    if (c === undefined) this.calls.set(call, { started: 1, answered: 0, attempts: 1 });
    else {
      c.started++;
      c.attempts++;
    }
  }

  protected onRetry(r: TraceRecord, call: number): void {
    const c = this.calls.get(call);
    if (c === undefined) return this.fail(r, `call ${call} was retried after it was answered (or before it started)`);
    c.attempts++;
    if (c.attempts <= this.maxAttempts * c.started) return;
    this.fail(r, c.started === 1
      ? `call ${call} made attempt ${c.attempts}; maxAttempts is ${this.maxAttempts}`
      : `call ${call} (started ${c.started} times by a duplicated request) made ${c.attempts} attempts; maxAttempts is ${this.maxAttempts} each`);
  }

  protected onAnswered(_r: TraceRecord, call: number): void {
    const c = this.calls.get(call);
    if (c !== undefined && ++c.answered === c.started) this.calls.delete(call);
  }

  protected forget(): void {
    this.calls.clear();
  }
}

/**
 * Google SRE's ratio budget as the policy keeps it: requests and retries counted in one-second
 * buckets, a retry allowed only if, counting it, retries ≤ ratio × requests over the last
 * round(windowMs / 1000) seconds (at least one). Running sums over the seconds that saw
 * traffic, oldest first (a Map keeps insertion order), so each record costs O(1) amortised.
 */
export class RatioBudgetInvariant extends RetryLayerInvariant {
  readonly unit = 'retries';
  private readonly windowSec: number;
  /** Second → [requests, retries] in it, for the seconds still in the window. */
  private readonly seconds = new Map<number, [number, number]>();
  private requests = 0;
  private retries = 0;

  constructor(node: string, layer: string, private readonly ratio: number, windowMs: number) {
    super(node, layer);
    this.windowSec = Math.max(1, Math.round(windowMs / 1000));
  }

  describe(): string {
    return `${this.layer}: retries ≤ ${this.ratio} × requests over the last ${this.windowSec} s (retry budget)`;
  }

  protected onStarted(r: TraceRecord): void {
    this.requests++;
    this.bucketAt(r.t)[0]++;
  }

  protected onRetry(r: TraceRecord, call: number): void {
    this.examined++;
    this.retries++;
    this.bucketAt(r.t)[1]++;
    if (this.retries > this.ratio * this.requests) {
      this.fail(r, `call ${call} was retried as retry ${this.retries} against ${this.requests} requests in the last ${this.windowSec} s; the budget allows ${this.ratio} × requests`);
    }
  }

  protected onAnswered(): void {}

  protected forget(): void {
    this.seconds.clear();
    this.requests = 0;
    this.retries = 0;
  }

  /** The bucket of the second holding `t`, after dropping the seconds that have left the window ending there. */
  private bucketAt(t: number): [number, number] {
    const now = Math.floor(t / 1e6);
    for (const [sec, [req, ret]] of this.seconds) {
      if (sec > now - this.windowSec) break;
      this.requests -= req;
      this.retries -= ret;
      this.seconds.delete(sec);
    }
    let b = this.seconds.get(now);
    if (b === undefined) {
      b = [0, 0];
      this.seconds.set(now, b);
    }
    return b;
  }
}

/**
 * Envoy's concurrent budget as the policy keeps it: a retry may start only while the retries
 * in progress (scheduled, their attempt not yet answered) are fewer than
 * max(minRetries, percent % of the calls active at the layer). A retry ends at the next event
 * of its call (the next retry or the answer). When a duplicated request runs two calls with one
 * id, a retry may be ended early by the other's event: the count can only come out low, so the
 * check can miss a violation there but never invents one.
 */
export class ConcurrentBudgetInvariant extends RetryLayerInvariant {
  readonly unit = 'retries';
  private active = 0;
  private inProgress = 0;
  /** Call id → its retries in progress. */
  private readonly retrying = new Map<number, number>();

  constructor(node: string, layer: string, private readonly percent: number, private readonly minRetries: number) {
    super(node, layer);
  }

  describe(): string {
    return `${this.layer}: retries in progress < max(${this.minRetries}, ${this.percent}% of active calls) (retry budget)`;
  }

  protected onStarted(): void {
    this.active++;
  }

  protected onRetry(r: TraceRecord, call: number): void {
    this.examined++;
    this.endRetry(call);
    const cap = Math.max(this.minRetries, (this.percent / 100) * this.active);
    if (!(this.inProgress < cap)) {
      this.fail(r, `call ${call} was retried with ${this.inProgress} retries in progress and ${this.active} calls active; the budget allows fewer than ${cap}`);
    }
    this.inProgress++;
    this.retrying.set(call, (this.retrying.get(call) ?? 0) + 1);
  }

  protected onAnswered(_r: TraceRecord, call: number): void {
    this.endRetry(call);
    this.active--;
  }

  protected forget(): void {
    this.active = 0;
    this.inProgress = 0;
    this.retrying.clear();
  }

  private endRetry(call: number): void {
    const n = this.retrying.get(call);
    if (n === undefined) return;
    this.inProgress--;
    if (n === 1) this.retrying.delete(call);
    else this.retrying.set(call, n - 1);
  }
}

/**
 * gRPC's retry throttling as the policy keeps it: `maxTokens` to start with, a failed attempt
 * costs 1 (not below 0), a successful one refunds `tokenRatio` (not above the maximum), and a
 * retry may start only while more than half the tokens remain. An attempt's outcome shows as
 * the event that follows it: a retry (it failed) or the answer.
 */
export class TokenBudgetInvariant extends RetryLayerInvariant {
  readonly unit = 'retries';
  private tokens: number;

  constructor(node: string, layer: string, private readonly maxTokens: number, private readonly tokenRatio: number) {
    super(node, layer);
    this.tokens = maxTokens;
  }

  describe(): string {
    return `${this.layer}: retries only while more than ${this.maxTokens / 2} of ${this.maxTokens} tokens remain (retry throttling)`;
  }

  protected onStarted(): void {}

  protected onRetry(r: TraceRecord, call: number): void {
    this.examined++;
    this.attemptEnded(false);
    if (!(this.tokens > this.maxTokens / 2)) {
      this.fail(r, `call ${call} was retried with ${this.tokens} tokens left; retries need more than ${this.maxTokens / 2}`);
    }
  }

  protected onAnswered(_r: TraceRecord, _call: number, ok: boolean): void {
    this.attemptEnded(ok);
  }

  protected forget(): void {
    this.tokens = this.maxTokens;
  }

  private attemptEnded(ok: boolean): void {
    this.tokens = ok ? Math.min(this.maxTokens, this.tokens + this.tokenRatio) : Math.max(0, this.tokens - 1);
  }
}
