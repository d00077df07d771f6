import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import type { TraceInvariant } from '../../sim/check/invariants.ts';
import { RetryPolicy } from '../../sim/patterns/retry.ts';
import { type RetrySpec } from '../../sim/patterns/retry.schema.ts';
import { retryInvariants } from '../../sim/patterns/retry-invariants.ts';
import { POLICIES } from '../../sim/patterns/registry.ts';
import { applyVariant, validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';
import { fail, ok, policyHarness, type Scripted } from './harness.ts';

/**
 * The retry policy's invariants (sim/patterns/retry-invariants.ts): attempts per call never
 * exceed maxAttempts, and a budget's cap holds. They hold over the real policy, and they catch
 * the bugs planted here — a retry that makes one attempt too many, a budget that is ignored —
 * in unit runs and in a built-in scenario's own checks.
 */

/** The planted bug: attempt n is treated as n − 1, so every call gets one attempt more than maxAttempts. */
class OneAttemptTooMany extends RetryPolicy {
  protected override hasAttemptsLeft(n: number): boolean {
    return super.hasAttemptsLeft(n - 1);
  }
}

/** The planted bug: the budget is consulted by nobody. */
class IgnoresBudget extends RetryPolicy {
  protected override budgetAllowsRetry(): boolean {
    return true;
  }
}

type Policy = typeof RetryPolicy;

function retry(spec: Omit<RetrySpec, 'type'>, Kind: Policy = RetryPolicy) {
  const full: RetrySpec = { type: 'retry', ...spec };
  const h = policyHarness('n.retry', (ctx, next) => new Kind(ctx, full, next));
  /** Every invariant the registry gives this policy, fed the run's trace so far. */
  const checked = (): TraceInvariant[] => {
    const invariants = retryInvariants('n', 'n.retry', full);
    h.trace.forEach((r) => invariants.forEach((inv) => inv.onRecord(r)));
    return invariants;
  };
  const events = () => h.trace.filter((r) => r.k === 'call' && r.layer === 'n.retry').map((r) => `${r.call}:${r.event}`);
  return { ...h, checked, events };
}

/** `calls` calls made at once, the dependency answering as `answers` say; the clock run to 1 s. */
function burst(spec: Omit<RetrySpec, 'type'>, Kind: Policy, calls: number, answers: Scripted[]) {
  const h = retry(spec, Kind);
  h.script(answers);
  for (let i = 0; i < calls; i++) h.call();
  h.at(1_000_000);
  return h;
}

const verdicts = (invariants: TraceInvariant[]) => invariants.map((inv) => [inv.describe(), inv.violation, inv.examined]);

describe('retry trace events', () => {
  it('a call records started, a retry:n for each attempt scheduled, the budget\'s refusal, and its answer', () => {
    const h = retry({ maxAttempts: 3, baseMs: 100, budget: { type: 'token-bucket', maxTokens: 6, tokenRatio: 0.1 } });
    h.script([fail(), fail(), fail(), ok(), fail()]);
    h.call();
    h.at(1_000_000);
    h.call();
    h.call();
    h.at(2_000_000);
    // Call 0 fails 3 times (tokens 6 → 3); call 1 succeeds (3.1); call 2 fails, leaving 2.1 of 6: no retry.
    expect(h.events()).toEqual(['0:started', '0:retry:2', '0:retry:3', '0:answered:error', '1:started', '1:answered:ok', '2:started', '2:retry-denied:budget', '2:answered:error']);
  });
});

describe('attempts per call ≤ maxAttempts', () => {
  it('holds over the real policy: a call that fails 3 times, one that succeeds at its 2nd attempt, one at its 1st', () => {
    const h = retry({ maxAttempts: 3, baseMs: 10 });
    for (const [i, answers] of [[fail(), fail(), fail()], [fail(), ok()], [ok()]].entries()) {
      h.script(answers);
      h.call();
      h.at((i + 1) * 1_000_000);
    }
    expect(h.reached.length).toBe(3 + 2 + 1);
    expect(verdicts(h.checked())).toEqual([['n.retry: at most 3 attempts per call', null, 3]]);
  });

  it('catches a retry that makes one attempt too many, at the 4th attempt', () => {
    const h = retry({ maxAttempts: 3, baseMs: 100 }, OneAttemptTooMany);
    h.script(Array(4).fill(fail()));
    h.call();
    h.at(1_000_000);
    expect(h.reached.length).toBe(4);
    expect(h.checked()[0].violation).toEqual({ t: 200_000, node: 'n', detail: 'call 0 made attempt 4; maxAttempts is 3' });
  });

  it('allows maxAttempts to each of two calls a duplicated request started with one id, not more', () => {
    const h = retry({ maxAttempts: 2, baseMs: 100 });
    h.script(Array(4).fill(fail()));
    h.call({ id: 7 });
    h.call({ id: 7 });
    h.at(1_000_000);
    expect(h.reached.length).toBe(4);
    expect(h.checked()[0].violation).toBeNull();
    const planted = retry({ maxAttempts: 2, baseMs: 100 }, OneAttemptTooMany);
    planted.script(Array(6).fill(fail()));
    planted.call({ id: 7 });
    planted.call({ id: 7 });
    planted.at(1_000_000);
    expect(planted.checked()[0].violation?.detail).toBe('call 7 (started 2 times by a duplicated request) made 5 attempts; maxAttempts is 2 each');
  });

  it('forgets calls in progress when the node crashes (the restarted node builds a fresh call path)', () => {
    const [inv] = retryInvariants('n', 'n.retry', { type: 'retry', maxAttempts: 2 });
    const call = (t: number, id: number, event: string) => ({ t, k: 'call', node: 'n', call: id, layer: 'n.retry', event }) as TraceRecord;
    inv.onRecord(call(0, 1, 'started'));
    inv.onRecord(call(1, 1, 'retry:2'));
    inv.onRecord({ t: 2, k: 'state', node: 'n', key: 'status', value: 'crashed' } as TraceRecord);
    inv.onRecord(call(3, 1, 'started'));
    inv.onRecord(call(4, 1, 'retry:2'));
    expect(inv.violation).toBeNull();
    inv.onRecord(call(5, 1, 'retry:3'));
    expect(inv.violation).toEqual({ t: 5, node: 'n', detail: 'call 1 made attempt 3; maxAttempts is 2' });
  });
});

describe('a retry budget\'s cap holds', () => {
  /**
   * Each budget: `calls` calls at once, the dependency answering as `answers` say. The real
   * policy keeps within the cap (the check examines `retries` retries and holds); the same run
   * with a policy that ignores its budget is caught at the first retry over the cap.
   */
  const cases = [
    // The first failure is retried against a single request.
    { budget: 'ratio (Google SRE)', spec: { maxAttempts: 3, baseMs: 0, budget: { type: 'ratio', ratio: 0.1, windowMs: 60_000 } }, calls: 200, answers: Array<Scripted>(1000).fill(fail()),
      check: 'n.retry: retries ≤ 0.1 × requests over the last 60 s (retry budget)', retries: 20,
      caught: { t: 0, node: 'n', detail: 'call 0 was retried as retry 1 against 1 requests in the last 60 s; the budget allows 0.1 × requests' } },
    // At 10 µs ten attempts fail together: 3 retries may be in progress (20 % of 10 active is
    // 2, at least 3), the other 7 calls are refused; at 20 µs those 3 fail again and each ends
    // its own retry before it starts the next: 6 retries in all.
    { budget: 'concurrent (Envoy)', spec: { maxAttempts: 3, baseMs: 0, budget: { type: 'concurrent', percent: 20, minRetries: 3 } }, calls: 10, answers: Array<Scripted>(30).fill(fail(10)),
      check: 'n.retry: retries in progress < max(3, 20% of active calls) (retry budget)', retries: 6,
      caught: { t: 10, node: 'n', detail: 'call 3 was retried with 3 retries in progress and 10 calls active; the budget allows fewer than 3' } },
    // Call 0's failure leaves 3 of 4 tokens: retried. Call 1's leaves 2, not more than half: retried anyway.
    { budget: 'token bucket (gRPC)', spec: { maxAttempts: 2, baseMs: 0, budget: { type: 'token-bucket', maxTokens: 4, tokenRatio: 0.1 } }, calls: 5, answers: Array<Scripted>(20).fill(fail()),
      check: 'n.retry: retries only while more than 2 of 4 tokens remain (retry throttling)', retries: 1,
      caught: { t: 0, node: 'n', detail: 'call 1 was retried with 2 tokens left; retries need more than 2' } },
  ] as const;

  for (const c of cases) {
    it(`${c.budget}: holds over the real policy; a policy that ignores it is caught at the first retry over the cap`, () => {
      const h = burst(c.spec, RetryPolicy, c.calls, [...c.answers]);
      expect(h.sim.metrics.counter('n.retry.retries').value).toBe(c.retries);
      expect(verdicts(h.checked())[1]).toEqual([c.check, null, c.retries]);
      const planted = burst(c.spec, IgnoresBudget, c.calls, [...c.answers]);
      expect(planted.checked()[1].violation).toEqual(c.caught);
    });
  }

  it('ratio: requests older than the window no longer pay for retries, in the policy and in the check', () => {
    const spec = { maxAttempts: 2, baseMs: 0, budget: { type: 'ratio', ratio: 0.5, windowMs: 2000 } } as const;
    /** Four good requests in second 0, two retried failures in second 1, one more failure in second 2. */
    function drive(h: ReturnType<typeof retry>) {
      h.script([ok(), ok(), ok(), ok(), fail(), ok(), fail(), ok(), fail(), ok()]);
      for (let i = 0; i < 4; i++) h.call();
      h.at(1_500_000);
      h.call(); // retry 1 of 5 requests
      h.at(1_600_000);
      h.call(); // retry 2 of 6 requests
      h.at(2_500_000);
      h.call(); // second 0 has left the 2 s window: retry 3 would be against 3 requests, over 0.5 × 3
      h.at(3_000_000);
    }
    const h = retry(spec);
    drive(h);
    expect(h.events().filter((e) => e.includes('retry'))).toEqual(['4:retry:2', '5:retry:2', '6:retry-denied:budget']);
    expect(h.checked()[1].violation).toBeNull();
    const planted = retry(spec, IgnoresBudget);
    drive(planted);
    expect(planted.checked()[1].violation).toEqual({ t: 2_500_000, node: 'n', detail: 'call 6 was retried as retry 3 against 3 requests in the last 2 s; the budget allows 0.5 × requests' });
  });
});

describe('in whole runs', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Puts `Kind` in place of the retry policy for every call path a run builds. */
  function plant(Kind: Policy) {
    vi.spyOn(POLICIES.retry, 'create').mockImplementation((ctx, spec, next) => new Kind(ctx, spec, next));
  }

  const retryStorm = JSON.parse(readFileSync(new URL('../../scenarios/resilience/retry-storm.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  /** The built-in retry storm (a variant of it), cut off at 25 s: the dip at 20–22 s is where it retries. */
  function runRetryStorm(variant?: string) {
    const r = validateScenario({ ...(variant ? (applyVariant(retryStorm, variant) as object) : retryStorm), durationMs: 25_000 });
    if (!r.ok) throw new Error('invalid');
    const checks = runScenario(r.scenario).checks;
    return (name: string) => checks.find((c) => c.name === name);
  }

  it('resilience/retry-storm\'s own checks catch a retry that makes one attempt too many', () => {
    const name = 'client.retry: at most 4 attempts per call';
    expect(runRetryStorm('naive-retries')(name)?.ok).toBe(true);
    plant(OneAttemptTooMany);
    const check = runRetryStorm('naive-retries')(name);
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/on client: call \d+ made attempt 5; maxAttempts is 4$/);
  });

  it('resilience/retry-storm\'s own checks catch a retry that ignores its budget', () => {
    const name = 'client.retry: retries ≤ 0.1 × requests over the last 10 s (retry budget)';
    expect(runRetryStorm()(name)?.ok).toBe(true);
    plant(IgnoresBudget);
    const check = runRetryStorm()(name);
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/on client: call \d+ was retried as retry \d+ against \d+ requests in the last 10 s/);
  });

  it('every budget holds over crashes, restarts and duplicated requests (no false alarms)', () => {
    for (const budget of [{ type: 'ratio', ratio: 0.2 }, { type: 'concurrent', percent: 20 }, { type: 'token-bucket', maxTokens: 20, tokenRatio: 0.5 }]) {
      const s = scenario({
        durationMs: 20_000,
        network: { latency: { type: 'uniform', minMs: 0.5, maxMs: 2 }, duplicateProbability: 0.05 },
        nodes: [
          { id: 'api', kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 2 },
            calls: [{ to: 'db', callPath: [{ type: 'retry', maxAttempts: 3, backoff: 'full-jitter', baseMs: 5, capMs: 50, budget }, { type: 'timeout', timeoutMs: 20 }] }] },
          { id: 'db', kind: 'service', workers: 2, serviceTime: { type: 'exponential', meanMs: 3 }, errorProbability: 0.3 },
        ],
        workloads: [{ id: 'client', kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 300 }, timeoutMs: 200,
          callPath: [{ type: 'retry', maxAttempts: 2, baseMs: 10, budget }] }],
        chaos: { crash: { intervalMs: 1000, probability: 0.2, restartAfterMs: 300, nodes: ['api', 'client'] } },
      });
      const seen = { 'client.crashes': 0, 'api.crashes': 0, 'net.duplicated': 0, 'client.retry.retries': 0, 'api->db.retry.retries': 0, 'api->db.retry.budgetDenied': 0 };
      for (const seed of [1, 2, 3]) {
        const result = runScenario(s, { seed });
        const retryChecks = result.checks.filter((c) => c.name.includes('.retry: '));
        expect(retryChecks.map((c) => c.name), budget.type).toHaveLength(4);
        expect(retryChecks.filter((c) => !c.ok), `${budget.type}, seed ${seed}`).toEqual([]);
        for (const k of Object.keys(seen) as (keyof typeof seen)[]) seen[k] += result.metrics[k] as number;
      }
      // The runs did go through what the checks must survive: crashes of both retrying nodes, duplicates, retries and refusals.
      expect(Object.values(seen).every((n) => n > 0), JSON.stringify(seen)).toBe(true);
    }
  });
});
