import { describe, expect, it } from 'vitest';
import { AleaRng } from '../../sim/engine/rng.ts';
import { FallbackPolicy } from '../../sim/patterns/fallback.ts';
import { backoffMs, RetryPolicy } from '../../sim/patterns/retry.ts';
import { retryParams, type RetrySpec } from '../../sim/patterns/retry.schema.ts';
import { TimeoutPolicy } from '../../sim/patterns/timeout.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';
import { fail, ok, policyHarness } from './harness.ts';

describe('backoff formulas', () => {
  const rng = new AleaRng('backoff');
  const p = (spec: Partial<RetrySpec>) => retryParams({ type: 'retry', ...spec });

  it('constant and capped exponential are exact', () => {
    expect([0, 1, 2].map((n) => backoffMs(p({ backoff: 'constant', baseMs: 500 }), n, 500, rng))).toEqual([500, 500, 500]);
    const exp = p({ backoff: 'exponential', baseMs: 100, multiplier: 2, capMs: 500 });
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(exp, n, 0, rng))).toEqual([100, 200, 400, 500, 500]);
  });

  it('full jitter is U(0, min(cap, base·2^n)); equal jitter t/2 + U(0, t/2); decorrelated U(base, 3·prev) capped', () => {
    const full = p({ backoff: 'full-jitter', baseMs: 100, capMs: 1000 });
    const equal = p({ backoff: 'equal-jitter', baseMs: 100, capMs: 1000 });
    const deco = p({ backoff: 'decorrelated', baseMs: 100, capMs: 1000 });
    let sumFull = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = backoffMs(full, 3, 0, rng); // t = 800
      const e = backoffMs(equal, 3, 0, rng);
      const d = backoffMs(deco, 0, 200, rng);
      expect(f >= 0 && f <= 800).toBe(true);
      expect(e >= 400 && e <= 800).toBe(true);
      expect(d >= 100 && d <= 600).toBe(true);
      expect(backoffMs(deco, 0, 900, rng)).toBeLessThanOrEqual(1000);
      sumFull += f;
    }
    expect(Math.abs(sumFull / 20_000 - 400)).toBeLessThan(10);
  });

  it("Resilience4j's randomised interval lies in [i(1−f), i(1+f)]", () => {
    const r = p({ backoff: 'randomized', baseMs: 500, randomizationFactor: 0.5 });
    for (let i = 0; i < 1000; i++) {
      const v = backoffMs(r, 0, 0, rng);
      expect(v >= 250 && v <= 750).toBe(true);
    }
  });

  it('presets fill in their library defaults and explicit fields win', () => {
    expect(p({ preset: 'envoy' })).toMatchObject({ maxAttempts: 2, backoff: 'full-jitter', baseMs: 25, capMs: 250 });
    expect(p({ preset: 'envoy', maxAttempts: 4 }).maxAttempts).toBe(4);
    expect(p({})).toMatchObject({ maxAttempts: 3, backoff: 'constant', baseMs: 500 });
  });
});

describe('retry', () => {
  const retry = (spec: Partial<RetrySpec>) => policyHarness('n.retry', (ctx, next) => new RetryPolicy(ctx, { type: 'retry', ...spec }, next));

  it('retries failures after the backoff, up to maxAttempts in all, and answers with the last attempt', () => {
    const h = retry({ maxAttempts: 3, baseMs: 100 });
    h.script([fail(), fail(), fail()]);
    h.call();
    h.at(1_000_000);
    expect(h.reached.map((r) => [r.t, r.call.attempt])).toEqual([[0, 1], [100_000, 2], [200_000, 3]]);
    expect(h.answers).toEqual([{ id: 0, t: 200_000, result: { outcome: 'error', reason: 'error' } }]);
  });

  it('stops at the first success, and does not retry outcomes it is not told to', () => {
    const h = retry({ maxAttempts: 5, baseMs: 10, retryOn: ['timeout'] });
    h.script([fail()]);
    h.call();
    h.at(1_000_000);
    expect(h.reached.length).toBe(1);
    const g = retry({ maxAttempts: 5, baseMs: 10 });
    g.script([fail(), ok()]);
    g.call();
    g.at(1_000_000);
    expect([g.reached.length, g.answers[0].result.outcome]).toEqual([2, 'ok']);
  });

  it('gives up rather than wait past the call\'s deadline', () => {
    const h = retry({ maxAttempts: 5, baseMs: 100 });
    h.script([fail(), fail()]);
    h.call({ deadline: 150_000 });
    h.at(1_000_000);
    expect(h.reached.length).toBe(2); // the third would start at 200 ms, after the deadline
  });

  it('a token-bucket budget (gRPC) stops retrying once failures drain half the tokens', () => {
    const h = retry({ maxAttempts: 2, baseMs: 0, budget: { type: 'token-bucket', maxTokens: 4, tokenRatio: 0.1 } });
    h.script(Array(20).fill(fail()));
    for (let i = 0; i < 5; i++) h.call();
    h.at(1_000_000);
    // Tokens: 4 → each failed attempt costs 1; retries only while tokens > 2.
    expect(h.sim.metrics.counter('n.retry.retries').value).toBe(1);
    expect(h.sim.metrics.counter('n.retry.budgetDenied').value).toBe(4);
  });

  it('a ratio budget (Google SRE) keeps retries under the ratio of requests', () => {
    const h = retry({ maxAttempts: 3, baseMs: 0, budget: { type: 'ratio', ratio: 0.1, windowMs: 60_000 } });
    h.script(Array(1000).fill(fail()));
    for (let i = 0; i < 200; i++) h.call();
    h.at(1_000_000);
    expect(h.sim.metrics.counter('n.retry.retries').value).toBe(20);
  });
});

describe('retries through layers', () => {
  /** client → s1 → … → sL-1 → bottom (always fails); every hop retries r times. */
  function layered(L: number, r: number) {
    const nodes = Array.from({ length: L }, (_, i) => ({
      id: `s${i + 1}`, kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 1 },
      ...(i + 1 < L
        ? { calls: [{ to: `s${i + 2}`, callPath: [{ type: 'retry', maxAttempts: r + 1, baseMs: 0 }] }] }
        : { errorProbability: 1 }),
    }));
    return scenario({
      durationMs: 60_000,
      nodes,
      workloads: [{ id: 'c', kind: 'open', target: 's1', arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 1 }] }, callPath: [{ type: 'retry', maxAttempts: r + 1, baseMs: 0 }] }],
    });
  }

  it('L layers of r retries each give exactly (r+1)^L attempts at the bottom for one failing request', () => {
    for (const [L, r] of [[1, 2], [2, 2], [3, 2], [3, 1], [4, 2]]) {
      const res = runScenario(layered(L, r));
      expect(res.metrics[`s${L}.accepted`], `L=${L} r=${r}`).toBe((r + 1) ** L);
      expect(res.metrics['c.error']).toBe(1);
    }
  });
});

describe('timeout', () => {
  it('answers "timeout" at exactly the timeout, counts the late reply and passes a tighter deadline down', () => {
    const h = policyHarness('n.to', (ctx, next) => new TimeoutPolicy(ctx, { type: 'timeout', timeoutMs: 100 }, next));
    h.script([ok(150_000), ok(50_000)]);
    h.call({ deadline: 1_000_000 });
    h.call({ deadline: 60_000 });
    h.at(1_000_000);
    expect(h.answers.map((a) => [a.id, a.t, a.result.outcome])).toEqual([[1, 50_000, 'ok'], [0, 100_000, 'timeout']]);
    expect(h.reached.map((r) => r.call.deadline)).toEqual([100_000, 60_000]);
    expect(h.sim.metrics.counter('n.to.lateReplies').value).toBe(1);
  });
});

describe('fallback', () => {
  it('turns the listed failures into a degraded success, and leaves the rest alone', () => {
    const h = policyHarness('n.fb', (ctx, next) => new FallbackPolicy(ctx, { type: 'fallback', on: ['rejected', 'timeout'], value: 'cached' }, next));
    h.script([{ result: { outcome: 'rejected', reason: 'circuit-open' } }, fail(), ok()]);
    h.call(); h.call(); h.call();
    expect(h.answers.map((a) => a.result)).toEqual([
      { outcome: 'ok', reason: 'fallback:cached', fallback: true },
      { outcome: 'error', reason: 'error' },
      { outcome: 'ok', reason: '' },
    ]);
  });
});
