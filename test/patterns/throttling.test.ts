import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { OK, type Call, type CallOutcome, type CallResult, type Done, type Invoker } from '../../sim/nodes/call.ts';
import { AdaptiveThrottlingPolicy, throttleProbability } from '../../sim/patterns/adaptive-throttling.ts';
import { AdaptiveThrottlingSchema } from '../../sim/patterns/adaptive-throttling.schema.ts';
import { ConcurrencyLimitPolicy, Gradient2Limit } from '../../sim/patterns/concurrency-limit.ts';
import { ConcurrencyLimitSchema, gradient2Params } from '../../sim/patterns/concurrency-limit.schema.ts';
import { PolicyContext } from '../../sim/patterns/context.ts';
import { FixedWindowInvariant, FixedWindowPolicy, refreshPeriodUs } from '../../sim/patterns/fixed-window.ts';
import { FixedWindowSchema } from '../../sim/patterns/fixed-window.schema.ts';
import { LeakyBucketInvariant, LeakyBucketPolicy } from '../../sim/patterns/leaky-bucket.ts';
import { LeakyBucketSchema } from '../../sim/patterns/leaky-bucket.schema.ts';
import { PolicySchema } from '../../sim/patterns/policy-schemas.ts';
import { SlidingWindowInvariant, SlidingWindowPolicy } from '../../sim/patterns/sliding-window.ts';
import { SlidingWindowSchema } from '../../sim/patterns/sliding-window.schema.ts';
import { TokenBucketInvariant, TokenBucketPolicy } from '../../sim/patterns/token-bucket.ts';
import { TokenBucketSchema } from '../../sim/patterns/token-bucket.schema.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { makeWorld } from '../sim/harness.ts';

// ---------------------------------------------------------------------------------------------
// A tiny world: one node whose policy is driven directly, a `next` that answers at once (or
// when told), and calls scheduled at given times.
// ---------------------------------------------------------------------------------------------

const LAYER = 'n.limiter';

function world() {
  const w = makeWorld(['n']);
  const node = w.nodes[0];
  const ctx = new PolicyContext(node, LAYER);
  return { ...w, node, ctx };
}

function call(id: number, startedAt = 0, deadline = Infinity): Call {
  return { id, attempt: 1, startedAt, deadline, key: id, host: -1, parent: -1 };
}

/** A downstream that answers ok at once and remembers when each call reached it. */
class Sink implements Invoker {
  readonly reached: { id: number; t: number }[] = [];
  constructor(private readonly now: () => number) {}
  invoke(c: Call, done: Done): void {
    this.reached.push({ id: c.id, t: this.now() });
    done(OK);
  }
}

/** A downstream that holds calls until the test answers them. */
class Held implements Invoker {
  readonly waiting = new Map<number, Done>();
  invoke(c: Call, done: Done): void {
    this.waiting.set(c.id, done);
  }
  answer(id: number, outcome: CallOutcome): void {
    const done = this.waiting.get(id)!;
    this.waiting.delete(id);
    done(outcome === 'ok' ? OK : { outcome, reason: outcome });
  }
}

type Answer = { id: number; t: number; outcome: CallOutcome; reason: string };

/** Schedules `policy.invoke` for each (id, time µs) and runs the world to `untilUs`. */
function drive(w: ReturnType<typeof world>, policy: Invoker, arrivals: [id: number, atUs: number][], untilUs: number): Answer[] {
  const answers: Answer[] = [];
  for (const [id, at] of arrivals) {
    w.node.after(at - w.sim.now, () => policy.invoke(call(id, at), (r: CallResult) => answers.push({ id, t: w.sim.now, outcome: r.outcome, reason: r.reason })));
  }
  w.sim.run(untilUs);
  return answers;
}

function layerEvents(trace: TraceRecord[], layer = LAYER) {
  return trace.filter((r) => r.k === 'call' && r.layer === layer).map((r) => ({ t: r.t, call: r.call as number, event: r.event as string }));
}

function stateValues(trace: TraceRecord[], key: string) {
  return trace.filter((r) => r.k === 'state' && r.key === `${LAYER}.${key}`).map((r) => [r.t, r.value]);
}

const ms = (x: number) => x * 1000;

// ---------------------------------------------------------------------------------------------
// Token bucket
// ---------------------------------------------------------------------------------------------

describe('token bucket (Envoy local rate limit)', () => {
  const spec = TokenBucketSchema.parse({ type: 'token-bucket', maxTokens: 3, tokensPerFill: 2, fillIntervalMs: 10 });

  it('admits exactly as a bucket that starts full and fills discretely every interval', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new TokenBucketPolicy(w.ctx, spec, sink);
    const arrivals: [number, number][] = [
      [1, 0], [2, 0], [3, 0], [4, 0], // full bucket: 3 pass, the 4th finds it empty
      [5, ms(5)], // no token appears between fills
      [6, ms(10)], [7, ms(10)], [8, ms(10)], // fill at 10 ms: +2
      [9, 19_999], // one µs before the next fill
      [10, ms(20)], // fill at 20 ms
      [11, ms(45)], [12, ms(45)], [13, ms(45)], [14, ms(45)], // fills at 30, 40 ms, capped at 3
    ];
    const answers = drive(w, policy, arrivals, ms(100));
    expect(answers.map((a) => [a.id, a.t, a.outcome === 'ok' ? 'admitted' : a.reason])).toEqual([
      [1, 0, 'admitted'], [2, 0, 'admitted'], [3, 0, 'admitted'], [4, 0, 'rate-limited'],
      [5, 5000, 'rate-limited'],
      [6, 10000, 'admitted'], [7, 10000, 'admitted'], [8, 10000, 'rate-limited'],
      [9, 19999, 'rate-limited'],
      [10, 20000, 'admitted'],
      [11, 45000, 'admitted'], [12, 45000, 'admitted'], [13, 45000, 'admitted'], [14, 45000, 'rate-limited'],
    ]);
    expect(answers.filter((a) => a.outcome === 'rejected').every((a) => a.outcome === 'rejected' && a.reason === 'rate-limited')).toBe(true);
    expect(stateValues(w.trace, 'tokens')).toEqual([
      [0, '3'], [0, '2'], [0, '1'], [0, '0'], [10000, '1'], [10000, '0'], [20000, '1'], [45000, '2'], [45000, '1'], [45000, '0'],
    ]);
    expect(w.sim.metrics.counter(`${LAYER}.admitted`).value).toBe(9);
    expect(w.sim.metrics.counter(`${LAYER}.rejected`).value).toBe(5);
    expect(layerEvents(w.trace).map((e) => e.event)).toEqual(answers.map((a) => (a.outcome === 'ok' ? 'admitted' : 'rejected:rate-limited')));

    const inv = new TokenBucketInvariant('n', LAYER, spec);
    for (const r of w.trace) inv.onRecord(r);
    expect(inv.violation).toBeNull();
    expect(inv.examined).toBe(9);
  });

  it('adds the fills that fell due while idle in one step, never beyond maxTokens', () => {
    const w = world();
    const policy = new TokenBucketPolicy(w.ctx, TokenBucketSchema.parse({ type: 'token-bucket', maxTokens: 10, fillIntervalMs: 100 }), new Sink(() => w.sim.now));
    drive(w, policy, Array.from({ length: 10 }, (_, i): [number, number] => [i, 0]), ms(1));
    expect(policy.level()).toBe(0);
    w.sim.run(ms(350)); // fills at 100, 200, 300 ms, one token each (Envoy's default)
    expect(policy.level()).toBe(3);
    w.sim.run(ms(10_000));
    expect(policy.level()).toBe(10);
  });

  it('its invariant catches admissions beyond capacity + fills', () => {
    const inv = new TokenBucketInvariant('n', LAYER, spec);
    const admit = (t: number, id: number): TraceRecord => ({ t, k: 'call', node: 'n', call: id, layer: LAYER, event: 'admitted' });
    // Over [12 ms, 13 ms] no fill happens, so at most 3 admissions may fall there; 4 do.
    [admit(ms(12), 1), admit(ms(12), 2), admit(ms(13), 3)].forEach((r) => inv.onRecord(r));
    expect(inv.violation).toBeNull();
    inv.onRecord(admit(ms(13), 4));
    expect(inv.violation?.t).toBe(ms(13));
    // A crash starts a new, full bucket: the check starts over.
    const again = new TokenBucketInvariant('n', LAYER, spec);
    [admit(0, 1), admit(0, 2), admit(0, 3)].forEach((r) => again.onRecord(r));
    again.onRecord({ t: 5, k: 'state', node: 'n', key: 'status', value: 'crashed' });
    [admit(6, 4), admit(6, 5), admit(6, 6)].forEach((r) => again.onRecord(r));
    expect(again.violation).toBeNull();
  });

  it('requires maxTokens and fillIntervalMs, as Envoy does; tokensPerFill defaults to 1', () => {
    expect(PolicySchema.safeParse({ type: 'token-bucket', maxTokens: 5 }).success).toBe(false);
    expect(PolicySchema.safeParse({ type: 'token-bucket', maxTokens: 5, fillIntervalMs: 1000, burst: 3 }).success).toBe(false);
    expect(TokenBucketSchema.parse({ type: 'token-bucket', maxTokens: 5, fillIntervalMs: 1000 }).tokensPerFill).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Fixed window
// ---------------------------------------------------------------------------------------------

describe('fixed window (Resilience4j RateLimiter)', () => {
  it('has Resilience4j defaults; 500 ns rounds up to a 1 µs cycle', () => {
    const spec = FixedWindowSchema.parse({ type: 'fixed-window' });
    expect(spec).toMatchObject({ limitForPeriod: 50, limitRefreshPeriodMs: 0.0005, timeoutDurationMs: 5000 });
    expect(refreshPeriodUs(0.0005)).toBe(1);
    expect(refreshPeriodUs(0.0015)).toBe(2);
    expect(refreshPeriodUs(0.3)).toBe(300);
    expect(refreshPeriodUs(500)).toBe(500_000);
  });

  it('admits twice the limit within one period-length span straddling a boundary', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const spec = FixedWindowSchema.parse({ type: 'fixed-window', limitForPeriod: 5, limitRefreshPeriodMs: 100, timeoutDurationMs: 0 });
    const policy = new FixedWindowPolicy(w.ctx, spec, sink);
    const lateInFirst = Array.from({ length: 6 }, (_, i): [number, number] => [i + 1, ms(100) - 1]);
    const earlyInSecond = Array.from({ length: 6 }, (_, i): [number, number] => [i + 7, ms(100)]);
    const answers = drive(w, policy, [...lateInFirst, ...earlyInSecond], ms(300));
    expect(answers.map((a) => [a.id, a.t, a.outcome])).toEqual([
      ...[1, 2, 3, 4, 5].map((id) => [id, 99_999, 'ok']), [6, 99_999, 'rejected'],
      ...[7, 8, 9, 10, 11].map((id) => [id, 100_000, 'ok']), [12, 100_000, 'rejected'],
    ]);
    const admitted = sink.reached.map((r) => r.t);
    expect(admitted).toHaveLength(10); // 2 × limitForPeriod …
    expect(Math.max(...admitted) - Math.min(...admitted)).toBe(1); // … within 1 µs, far less than the 100 ms period
    // Yet each cycle kept its limit, which is all a fixed window promises.
    const inv = new FixedWindowInvariant('n', LAYER, 5, 100);
    for (const r of w.trace) inv.onRecord(r);
    expect(inv.violation).toBeNull();
    expect(inv.examined).toBe(10);
  });

  it('reserves permits of later cycles when the wait fits the timeout, else rejects at once', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const spec = FixedWindowSchema.parse({ type: 'fixed-window', limitForPeriod: 2, limitRefreshPeriodMs: 100, timeoutDurationMs: 250 });
    const policy = new FixedWindowPolicy(w.ctx, spec, sink);
    const answers = drive(w, policy, [[1, ms(10)], [2, ms(10)], [3, ms(10)], [4, ms(10)], [5, ms(10)], [6, ms(10)], [7, ms(10)], [8, ms(120)]], ms(1000));
    // 1–2 now; 3–4 wait 90 ms for cycle 1; 5–6 wait 190 ms for cycle 2; 7 would wait 290 ms > 250: rejected at once.
    // 8 arrives in cycle 1, whose permits 3–4 hold: it reserves a permit of cycle 3 (wait 180 ms).
    expect(answers.map((a) => [a.id, a.t, a.outcome])).toEqual([
      [1, ms(10), 'ok'], [2, ms(10), 'ok'], [7, ms(10), 'rejected'],
      [3, ms(100), 'ok'], [4, ms(100), 'ok'],
      [5, ms(200), 'ok'], [6, ms(200), 'ok'],
      [8, ms(300), 'ok'],
    ]);
    expect(layerEvents(w.trace).filter((e) => e.event === 'reserved').map((e) => e.call)).toEqual([3, 4, 5, 6, 8]);
    expect(stateValues(w.trace, 'permits').map(([, v]) => v)).toEqual(['2', '1', '0', '-1', '-2', '-3', '-4', '-3']);
    const inv = new FixedWindowInvariant('n', LAYER, 2, 100);
    for (const r of w.trace) inv.onRecord(r);
    expect(inv.violation).toBeNull();
  });

  it('does not carry unused permits over', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new FixedWindowPolicy(w.ctx, FixedWindowSchema.parse({ type: 'fixed-window', limitForPeriod: 3, limitRefreshPeriodMs: 100, timeoutDurationMs: 0 }), sink);
    // Idle for five cycles, then a burst: still only 3.
    const answers = drive(w, policy, Array.from({ length: 5 }, (_, i): [number, number] => [i, ms(550)]), ms(600));
    expect(answers.map((a) => a.outcome)).toEqual(['ok', 'ok', 'ok', 'rejected', 'rejected']);
  });

  it('its invariant catches a cycle over the limit', () => {
    const inv = new FixedWindowInvariant('n', LAYER, 2, 100);
    for (const [i, t] of [0, 50_000, 99_999].entries()) inv.onRecord({ t, k: 'call', node: 'n', call: i, layer: LAYER, event: 'admitted' });
    expect(inv.violation?.t).toBe(99_999);
  });
});

// ---------------------------------------------------------------------------------------------
// Sliding window
// ---------------------------------------------------------------------------------------------

describe('sliding window', () => {
  it('log: never more than `limit` admissions in any trailing window, and rejects only when full (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5000 }),
        (times, limit, windowUs) => {
          const w = world();
          const sink = new Sink(() => w.sim.now);
          const spec = SlidingWindowSchema.parse({ type: 'sliding-window', algorithm: 'log', limit, windowMs: windowUs / 1000 });
          const policy = new SlidingWindowPolicy(w.ctx, spec, sink);
          const sorted = [...times].sort((a, b) => a - b);
          const answers = drive(w, policy, sorted.map((t, i): [number, number] => [i, t]), 30_000);
          const admitted = sink.reached.map((r) => r.t);
          // Every window (t − W, t] ending at an admission holds at most `limit` admissions.
          for (const t of admitted) expect(admitted.filter((a) => a > t - windowUs && a <= t).length).toBeLessThanOrEqual(limit);
          // A rejected call found exactly `limit` admissions in its trailing window.
          for (const a of answers.filter((x) => x.outcome === 'rejected')) {
            const before = sink.reached.filter((r) => r.id < a.id).map((r) => r.t);
            expect(before.filter((t) => t > a.t - windowUs).length).toBe(limit);
          }
          // The trace invariant agrees.
          const inv = new SlidingWindowInvariant('n', LAYER, spec);
          for (const r of w.trace) inv.onRecord(r);
          expect(inv.violation).toBeNull();
          expect(inv.examined).toBe(admitted.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counter: weighs the previous window by the part of it still inside the sliding window', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new SlidingWindowPolicy(w.ctx, SlidingWindowSchema.parse({ type: 'sliding-window', algorithm: 'counter', limit: 10, windowMs: 1000 }), sink);
    // 8 admitted in window [0, 1 s).
    drive(w, policy, Array.from({ length: 8 }, (_, i): [number, number] => [i, ms(100)]), ms(1250));
    // At 1.25 s: estimate = 8 × (1 − 0.25) + 0 = 6, so 4 more pass (6 + 3 = 9 < 10), the 5th sees 10.
    expect(policy.estimate(ms(1250))).toBe(6);
    const answers = drive(w, policy, Array.from({ length: 5 }, (_, i): [number, number] => [100 + i, ms(1250)]), ms(1300));
    expect(answers.map((a) => a.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'rejected']);
    // At 1.75 s: 8 × 0.25 + 4 = 6.
    expect(policy.estimate(ms(1750))).toBe(6);
    // Two windows on, the old counts are gone entirely.
    expect(policy.estimate(ms(3100))).toBe(0);
  });

  it('its invariant catches a trailing window over the limit (log) and a fixed window over it (counter)', () => {
    const admit = (t: number, id: number): TraceRecord => ({ t, k: 'call', node: 'n', call: id, layer: LAYER, event: 'admitted' });
    const log = new SlidingWindowInvariant('n', LAYER, SlidingWindowSchema.parse({ type: 'sliding-window', limit: 2, windowMs: 10 }));
    // 0 and 10 ms are a whole window apart (no window (t − 10 ms, t] holds both); 10, 10.001 and 19.999 ms all fall in (9.999, 19.999].
    [admit(0, 1), admit(10_000, 2), admit(10_001, 3)].forEach((r) => log.onRecord(r));
    expect(log.violation).toBeNull();
    log.onRecord(admit(19_999, 4));
    expect(log.violation?.t).toBe(19_999);
    const counter = new SlidingWindowInvariant('n', LAYER, SlidingWindowSchema.parse({ type: 'sliding-window', algorithm: 'counter', limit: 2, windowMs: 10 }));
    [admit(9_000, 1), admit(9_999, 2), admit(10_000, 3), admit(10_001, 4)].forEach((r) => counter.onRecord(r));
    expect(counter.violation).toBeNull(); // 2 per fixed window — the straddle is allowed
    counter.onRecord(admit(19_999, 5));
    expect(counter.violation?.t).toBe(19_999);
  });

  it('counter: a single window admits at most `limit`', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new SlidingWindowPolicy(w.ctx, SlidingWindowSchema.parse({ type: 'sliding-window', algorithm: 'counter', limit: 3, windowMs: 100 }), sink);
    const answers = drive(w, policy, Array.from({ length: 5 }, (_, i): [number, number] => [i, ms(10)]), ms(50));
    expect(answers.map((a) => a.outcome)).toEqual(['ok', 'ok', 'ok', 'rejected', 'rejected']);
  });
});

// ---------------------------------------------------------------------------------------------
// Leaky bucket
// ---------------------------------------------------------------------------------------------

describe('leaky bucket (a queue drained at a fixed rate)', () => {
  it('releases waiting calls exactly 1 / rate apart and rejects when the bucket is full', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new LeakyBucketPolicy(w.ctx, LeakyBucketSchema.parse({ type: 'leaky-bucket', ratePerSec: 100, capacity: 5 }), sink);
    expect(policy.intervalUs).toBe(10_000);
    const answers = drive(w, policy, Array.from({ length: 10 }, (_, i): [number, number] => [i + 1, 0]), ms(1000));
    // 1 passes at once, 2–6 wait, 7–10 find the bucket full.
    expect(answers.filter((a) => a.outcome === 'rejected').map((a) => [a.id, a.t, a.reason])).toEqual([7, 8, 9, 10].map((id) => [id, 0, 'rate-limited']));
    expect(sink.reached).toEqual([1, 2, 3, 4, 5, 6].map((id, i) => ({ id, t: i * 10_000 })));
    const spacing = sink.reached.slice(1).map((r, i) => r.t - sink.reached[i].t);
    expect(spacing).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    expect(policy.waiting).toBe(0);
    const inv = new LeakyBucketInvariant('n', LAYER, 100);
    for (const r of w.trace) inv.onRecord(r);
    expect([inv.violation, inv.examined]).toEqual([null, 6]);
    inv.onRecord({ t: 59_999, k: 'call', node: 'n', call: 99, layer: LAYER, event: 'admitted' });
    expect(inv.violation?.t).toBe(59_999);
  });

  it('a call soon after a release waits for its slot; one after a pause passes at once', () => {
    const w = world();
    const sink = new Sink(() => w.sim.now);
    const policy = new LeakyBucketPolicy(w.ctx, LeakyBucketSchema.parse({ type: 'leaky-bucket', ratePerSec: 100, capacity: 5 }), sink);
    drive(w, policy, [[1, 0], [2, ms(4)], [3, ms(55)]], ms(1000));
    expect(sink.reached).toEqual([{ id: 1, t: 0 }, { id: 2, t: ms(10) }, { id: 3, t: ms(55) }]);
    expect(layerEvents(w.trace).map((e) => [e.call, e.t, e.event])).toEqual([
      [1, 0, 'admitted'], [2, ms(4), 'queued'], [2, ms(10), 'admitted'], [3, ms(55), 'admitted'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Adaptive throttling
// ---------------------------------------------------------------------------------------------

describe('client-side adaptive throttling (Google SRE)', () => {
  it('computes max(0, (requests − K·accepts) / (requests + 1))', () => {
    expect(throttleProbability(100, 40, 2)).toBe((100 - 80) / 101);
    expect(throttleProbability(100, 50, 2)).toBe(0);
    expect(throttleProbability(100, 90, 2)).toBe(0);
    expect(throttleProbability(10, 0, 2)).toBe(10 / 11);
    expect(throttleProbability(100, 40, 1.5)).toBe(40 / 101);
    expect(throttleProbability(0, 0, 2)).toBe(0);
  });

  it('has the SRE defaults: K = 2 over 2 minutes', () => {
    expect(AdaptiveThrottlingSchema.parse({ type: 'adaptive-throttling' })).toMatchObject({ k: 2, windowMs: 120_000 });
  });

  it('counts ok and error as accepts, rejected and timeout not, over the trailing window', () => {
    const w = world();
    const held = new Held();
    const policy = new AdaptiveThrottlingPolicy(w.ctx, AdaptiveThrottlingSchema.parse({ type: 'adaptive-throttling' }), held);
    const outcomes: CallOutcome[] = ['ok', 'error', 'rejected', 'timeout'];
    outcomes.forEach((o, i) => {
      policy.invoke(call(i), () => {});
      held.answer(i, o);
    });
    expect(policy.totals()).toEqual({ requests: 4, accepts: 2 });
    // (4 − 2·2) / 5 = 0: nothing throttled yet.
    expect(policy.probability()).toBe(0);
    w.sim.run(ms(119_999));
    expect(policy.totals()).toEqual({ requests: 4, accepts: 2 });
    w.sim.run(ms(120_000)); // second 0 has left the 120 one-second buckets
    expect(policy.totals()).toEqual({ requests: 0, accepts: 0 });
  });

  it('against a backend that rejects everything, throttles with probability n / (n + 1) after n requests', () => {
    const w = world();
    const rejecting: Invoker = { invoke: (_c, done) => done({ outcome: 'rejected', reason: 'rate-limited' }) };
    const policy = new AdaptiveThrottlingPolicy(w.ctx, AdaptiveThrottlingSchema.parse({ type: 'adaptive-throttling' }), rejecting);
    const seen: number[] = [];
    for (let i = 0; i < 200; i++) {
      seen.push(policy.probability());
      policy.invoke(call(i), () => {});
    }
    expect(seen.slice(0, 4)).toEqual([0, 1 / 2, 2 / 3, 3 / 4]);
    expect(seen[199]).toBe(199 / 200);
    const admitted = w.sim.metrics.counter(`${LAYER}.admitted`).value;
    const rejected = w.sim.metrics.counter(`${LAYER}.rejected`).value;
    expect(admitted + rejected).toBe(200);
    expect(admitted).toBeLessThan(20); // the backend is spared almost all of them
    expect(layerEvents(w.trace).filter((e) => e.event === 'rejected:throttled')).toHaveLength(rejected);
  });

  it('never throttles while the backend accepts everything', () => {
    const w = world();
    const policy = new AdaptiveThrottlingPolicy(w.ctx, AdaptiveThrottlingSchema.parse({ type: 'adaptive-throttling' }), new Sink(() => w.sim.now));
    for (let i = 0; i < 500; i++) policy.invoke(call(i), () => {});
    expect(w.sim.metrics.counter(`${LAYER}.rejected`).value).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Concurrency limits
// ---------------------------------------------------------------------------------------------

describe('adaptive concurrency limits (Netflix concurrency-limits)', () => {
  it('AIMD: follows the exact limit sequence for a scripted series of outcomes', () => {
    const w = world();
    const held = new Held();
    const policy = new ConcurrencyLimitPolicy(w.ctx, ConcurrencyLimitSchema.parse({ type: 'concurrency-limit', algorithm: 'aimd' }), held);
    const answers = new Map<number, CallResult>();
    const issue = (id: number) => policy.invoke(call(id), (r) => answers.set(id, r));
    expect(policy.limit).toBe(10);
    for (let id = 1; id <= 11; id++) issue(id); // in flight at admission: 1…10; the 11th is over the limit
    expect(answers.get(11)).toEqual({ outcome: 'rejected', reason: 'limit-exceeded' });
    const limits: number[] = [];
    const script: [number, CallOutcome][] = [
      [1, 'ok'], // admitted with 1 in flight: 2 < 10, app-limited, unchanged
      [6, 'ok'], // 6 in flight: 12 ≥ 10 → +1
      [7, 'ok'], // 14 ≥ 11 → +1
      [8, 'timeout'], // a drop: ⌊12 × 0.9⌋ = 10
      [9, 'rejected'], // a drop: ⌊10 × 0.9⌋ = 9
      [10, 'error'], // ignored: no sample
      [2, 'ok'], // 4 < 9: unchanged
      [5, 'ok'], // 10 ≥ 9 → +1
    ];
    for (const [id, outcome] of script) {
      held.answer(id, outcome);
      limits.push(policy.limit);
    }
    expect(limits).toEqual([10, 11, 12, 10, 9, 9, 9, 10]);
    // A call slower than the 5 s timeout counts as a drop even when it succeeds.
    w.sim.run(ms(6000));
    held.answer(3, 'ok');
    expect(policy.limit).toBe(9);
    expect(stateValues(w.trace, 'limit').map(([, v]) => v)).toEqual(['10', '11', '12', '10', '9', '10', '9']);
    // Repeated drops stop at minLimit 1.
    held.answer(4, 'error');
    expect(policy.inflight).toBe(0);
    for (let i = 0; i < 12; i++) {
      issue(100 + i);
      held.answer(100 + i, 'timeout');
    }
    expect(policy.limit).toBe(1);
  });

  it('AIMD: rejects calls beyond the limit with "limit-exceeded"', () => {
    const w = world();
    const held = new Held();
    const policy = new ConcurrencyLimitPolicy(w.ctx, ConcurrencyLimitSchema.parse({ type: 'concurrency-limit', initialLimit: 2 }), held);
    const got: string[] = [];
    for (let id = 0; id < 4; id++) policy.invoke(call(id), (r) => got.push(`${id}:${r.outcome}`));
    expect(got).toEqual(['2:rejected', '3:rejected']);
    expect(layerEvents(w.trace).map((e) => e.event)).toEqual(['admitted', 'admitted', 'rejected:limit-exceeded', 'rejected:limit-exceeded']);
    // The requests in flight are published as state (the sandbox draws them against the limit).
    expect(stateValues(w.trace, 'inflight').map(([, v]) => v)).toEqual(['0', '1', '2']);
    held.answer(0, 'ok');
    expect(stateValues(w.trace, 'inflight').map(([, v]) => v)).toEqual(['0', '1', '2', '1']);
  });

  it('Gradient2: has Netflix defaults and the exact first update', () => {
    const g = new Gradient2Limit(gradient2Params());
    expect(g.limit).toBe(20);
    // Constant RTT, busy: gradient 1 → 20 × 0.8 + (20 + 4) × 0.2 = 20.8.
    g.onSample(10_000, 20, false);
    expect(g.estimatedLimit).toBeCloseTo(20.8, 12);
    expect(g.limit).toBe(20);
    // App-limited (in flight < limit / 2): unchanged.
    g.onSample(10_000, 5, false);
    expect(g.estimatedLimit).toBeCloseTo(20.8, 12);
  });

  it('Gradient2: the limit grows while RTT is steady, shrinks as RTT rises, grows again as it falls', () => {
    const g = new Gradient2Limit(gradient2Params());
    const run = (rttUs: number, n: number) => Array.from({ length: n }, () => (g.onSample(rttUs, 1000, false), g.estimatedLimit));
    const steady = run(10_000, 50);
    expect(isMonotone(steady, 'up')).toBe(true);
    expect(steady.at(-1)).toBeCloseTo(20 + 50 * 0.8, 9);
    const slow = run(100_000, 10); // 10× the long-term RTT: gradient 0.5
    expect(isMonotone(slow, 'down')).toBe(true);
    expect(slow.at(-1)!).toBeLessThan(steady.at(-1)! / 2);
    const fast = run(10_000, 30);
    expect(isMonotone(fast, 'up')).toBe(true);
    expect(fast.at(-1)!).toBeGreaterThan(slow.at(-1)!);
    // Never below minLimit …
    run(1_000_000, 100);
    expect(g.estimatedLimit).toBe(20);
    // … and a rise that lasts becomes the new baseline: the long-term average catches up
    // (EMA over 600 samples) and the limit grows again.
    const later = run(1_000_000, 500);
    expect(later.at(-1)!).toBeGreaterThan(40);
    // Never above maxConcurrency.
    run(1, 2000);
    expect(g.estimatedLimit).toBe(200);
  });

  it('Gradient2 through the policy: sustained slow answers bring the limit down', () => {
    const w = world();
    const held = new Held();
    const policy = new ConcurrencyLimitPolicy(w.ctx, ConcurrencyLimitSchema.parse({ type: 'concurrency-limit', algorithm: 'gradient2', minLimit: 5, initialLimit: 40 }), held);
    let next = 0;
    const fill = () => {
      while (policy.inflight < policy.limit) policy.invoke(call(next++), () => {});
    };
    const cycle = (rttUs: number) => {
      fill();
      w.sim.run(w.sim.now + rttUs);
      for (const id of [...held.waiting.keys()]) held.answer(id, 'ok');
    };
    for (let i = 0; i < 5; i++) cycle(10_000);
    const afterFast = policy.limit;
    expect(afterFast).toBeGreaterThan(40);
    for (let i = 0; i < 5; i++) cycle(200_000);
    expect(policy.limit).toBeLessThan(afterFast);
  });

  it('rejects parameters of the other algorithm', () => {
    expect(PolicySchema.safeParse({ type: 'concurrency-limit', algorithm: 'aimd', smoothing: 0.5 }).success).toBe(false);
    expect(PolicySchema.safeParse({ type: 'concurrency-limit', algorithm: 'gradient2', backoffRatio: 0.8 }).success).toBe(false);
    expect(PolicySchema.safeParse({ type: 'concurrency-limit', algorithm: 'gradient2', smoothing: 0.5 }).success).toBe(true);
  });
});

function isMonotone(xs: number[], dir: 'up' | 'down'): boolean {
  return xs.every((x, i) => i === 0 || (dir === 'up' ? x > xs[i - 1] : x < xs[i - 1]));
}

// ---------------------------------------------------------------------------------------------
// End to end
// ---------------------------------------------------------------------------------------------

describe('rate limiting in a scenario', () => {
  function burstScenario(callPath: unknown[]) {
    const r = validateScenario({
      version: 1,
      title: 'burst',
      description: 'Two bursts of 50 against a limited client.',
      durationMs: 2000,
      nodes: [{ id: 'server', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'client', kind: 'open', target: 'server', callPath, arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 50 }, { atMs: 500, count: 50 }] } }],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.scenario;
  }

  it('a token bucket shaves the bursts, and its invariant holds', () => {
    const result = runScenario(burstScenario([{ type: 'token-bucket', maxTokens: 10, tokensPerFill: 5, fillIntervalMs: 100 }]));
    // 10 from the full bucket at 0 ms; by 500 ms five fills have refilled it to 10 (not 25).
    expect(result.metrics['client.token-bucket.admitted']).toBe(20);
    expect(result.metrics['client.token-bucket.rejected']).toBe(80);
    const check = result.checks.find((c) => c.name.startsWith('client.token-bucket:'));
    expect(check).toMatchObject({ ok: true, detail: 'held over 20 admissions' });
    expect(result.checks.every((c) => c.ok)).toBe(true);
  });

  it('a fixed window with waiting spreads a burst over later cycles, and its invariant holds', () => {
    const result = runScenario(burstScenario([{ type: 'fixed-window', limitForPeriod: 10, limitRefreshPeriodMs: 100, timeoutDurationMs: 250 }]));
    // At 0 ms: 10 now, 10 wait for 100 ms, 10 for 200 ms, 20 rejected (300 ms > 250 ms). Same again at 500 ms.
    expect(result.metrics['client.fixed-window.admitted']).toBe(60);
    expect(result.metrics['client.fixed-window.waited']).toBe(40);
    expect(result.metrics['client.fixed-window.rejected']).toBe(40);
    const check = result.checks.find((c) => c.name.startsWith('client.fixed-window:'));
    expect(check).toMatchObject({ ok: true, detail: 'held over 60 admissions' });
  });

  it('every throttling policy runs in a scenario', () => {
    for (const spec of [
      { type: 'sliding-window', limit: 10, windowMs: 100 },
      { type: 'sliding-window', algorithm: 'counter', limit: 10, windowMs: 100 },
      { type: 'leaky-bucket', ratePerSec: 100, capacity: 20 },
      { type: 'adaptive-throttling' },
      { type: 'concurrency-limit' },
      { type: 'concurrency-limit', algorithm: 'gradient2' },
    ]) {
      const result = runScenario(burstScenario([spec]));
      const layer = `client.${spec.type}`;
      const admitted = result.metrics[`${layer}.admitted`] as number;
      const rejected = result.metrics[`${layer}.rejected`] as number;
      expect(admitted + rejected, spec.type).toBe(100);
      expect(admitted, spec.type).toBeGreaterThan(0);
      expect(result.checks.filter((c) => !c.ok), spec.type).toEqual([]);
    }
  });
});
