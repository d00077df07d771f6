import { describe, expect, it } from 'vitest';
import { BreakerInvariant, CircuitBreakerPolicy } from '../../sim/patterns/circuit-breaker.ts';
import { type CircuitBreakerSpec } from '../../sim/patterns/circuit-breaker.schema.ts';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { fail, ok, policyHarness, type Scripted } from './harness.ts';

function breaker(params: Partial<CircuitBreakerSpec> = {}) {
  const h = policyHarness('n.cb', (ctx, next) => new CircuitBreakerPolicy(ctx, { type: 'circuit-breaker', ...params }, next));
  const states = () => h.trace.filter((r) => r.k === 'state' && r.key === 'n.cb.state').map((r) => r.value);
  return { ...h, states };
}

/** Makes calls one after another, each answered at once as scripted. */
function callsInTurn(h: ReturnType<typeof breaker>, outcomes: Scripted[]) {
  h.script(outcomes);
  for (let i = 0; i < outcomes.length; i++) h.call();
}

const small = { slidingWindowSize: 10, minimumNumberOfCalls: 10, failureRateThreshold: 50, waitDurationInOpenStateMs: 1000, permittedNumberOfCallsInHalfOpenState: 3 };

describe('circuit breaker (Resilience4j semantics)', () => {
  it('opens when the failure rate reaches the threshold exactly (rate ≥ threshold)', () => {
    const h = breaker(small);
    callsInTurn(h, [...Array(5).fill(fail()), ...Array(5).fill(ok())]);
    expect(h.policy.state).toBe('OPEN');
    expect(h.states()).toEqual(['CLOSED', 'OPEN']);
  });

  it('publishes its failure rate: unknown below the minimum calls, then in steps of 5 points and at the threshold', () => {
    const h = breaker({ ...small, slidingWindowSize: 20, minimumNumberOfCalls: 20 });
    const rates = () => h.trace.filter((r) => r.k === 'state' && r.key === 'n.cb.failureRate').map((r) => Number(r.value));
    expect(h.trace.find((r) => r.k === 'state' && r.key === 'n.cb.failureRateThreshold')?.value).toBe('50');
    callsInTurn(h, Array(19).fill(ok()));
    expect(rates()).toEqual([-1]);
    callsInTurn(h, [ok()]);
    expect(rates()).toEqual([-1, 0]);
    // Each failure replaces a success in the 20-call window: +5 points a call.
    callsInTurn(h, [fail(), fail(), fail()]);
    expect(rates()).toEqual([-1, 0, 5, 10, 15]);
    callsInTurn(h, Array(7).fill(fail()));
    expect(rates()).toEqual([-1, 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(h.policy.state).toBe('OPEN');
  });

  it('publishes the rate only when it moves by 5 points (a small window moves less per call)', () => {
    const h = breaker({ ...small, slidingWindowSize: 100, minimumNumberOfCalls: 100, failureRateThreshold: 90 });
    const rates = () => h.trace.filter((r) => r.k === 'state' && r.key === 'n.cb.failureRate').map((r) => Number(r.value));
    callsInTurn(h, Array(100).fill(ok()));
    callsInTurn(h, Array(12).fill(fail()));
    expect(rates()).toEqual([-1, 0, 5, 10]);
  });

  it('stays closed just below the threshold', () => {
    const h = breaker(small);
    callsInTurn(h, [...Array(4).fill(fail()), ...Array(6).fill(ok())]);
    expect(h.policy.state).toBe('CLOSED');
  });

  it('judges nothing before the minimum number of calls', () => {
    const h = breaker(small);
    callsInTurn(h, Array(9).fill(fail()));
    expect(h.policy.state).toBe('CLOSED');
    callsInTurn(h, [fail()]);
    expect(h.policy.state).toBe('OPEN');
  });

  it('clamps the minimum to the window size for COUNT_BASED windows, not for TIME_BASED', () => {
    const count = breaker({ slidingWindowSize: 5, minimumNumberOfCalls: 100 });
    expect(count.policy.minimumCalls).toBe(5);
    callsInTurn(count, Array(5).fill(fail()));
    expect(count.policy.state).toBe('OPEN');
    const time = breaker({ slidingWindowType: 'TIME_BASED', slidingWindowSize: 5, minimumNumberOfCalls: 100 });
    expect(time.policy.minimumCalls).toBe(100);
    callsInTurn(time, Array(99).fill(fail()));
    expect(time.policy.state).toBe('CLOSED');
  });

  it('counts a call as slow only when its duration exceeds the threshold (> not ≥)', () => {
    const base = { ...small, slowCallDurationThresholdMs: 100, slowCallRateThreshold: 50 };
    const atThreshold = breaker(base);
    for (let i = 0; i < 10; i++) {
      atThreshold.script([ok(100_000)]);
      atThreshold.call();
      atThreshold.at((i + 1) * 200_000);
    }
    expect(atThreshold.policy.state).toBe('CLOSED');
    const over = breaker(base);
    for (let i = 0; i < 10; i++) {
      over.script([ok(100_001)]);
      over.call();
      over.at((i + 1) * 200_000);
    }
    expect(over.policy.state).toBe('OPEN');
    expect(over.sim.metrics.counter('n.cb.slowCalls').value).toBe(10);
  });

  it('rejects while OPEN (not-permitted calls are not failures), then goes HALF_OPEN lazily on the next call after the wait', () => {
    const h = breaker(small);
    callsInTurn(h, Array(10).fill(fail()));
    h.at(999_999);
    h.call();
    expect(h.answers.at(-1)!.result).toEqual({ outcome: 'rejected', reason: 'circuit-open' });
    expect(h.sim.metrics.counter('n.cb.notPermitted').value).toBe(1);
    expect(h.sim.metrics.counter('n.cb.failures').value).toBe(10);
    h.at(2_000_000);
    expect(h.policy.state).toBe('OPEN'); // lazily: nothing happens until a call comes
    h.script([ok(10)]);
    h.call();
    expect(h.states()).toEqual(['CLOSED', 'OPEN', 'HALF_OPEN']);
  });

  it('HALF_OPEN admits exactly the permitted probes and, with a minimum above them, decides after all of them: ≥ threshold reopens', () => {
    const h = breaker(small);
    callsInTurn(h, Array(10).fill(fail()));
    h.at(1_000_000);
    h.script([fail(10), ok(20), fail(30)]);
    for (let i = 0; i < 5; i++) h.call();
    expect(h.reached.length).toBe(10 + 3);
    expect(h.answers.filter((a) => a.result.reason === 'circuit-open').length).toBe(2);
    h.at(1_000_025);
    expect(h.policy.state).toBe('HALF_OPEN'); // two of three probes back: not decided yet
    h.at(1_000_030);
    expect(h.states()).toEqual(['CLOSED', 'OPEN', 'HALF_OPEN', 'OPEN']); // 2/3 failed = 66.7% ≥ 50%
  });

  describe('HALF_OPEN decides after min(minimumNumberOfCalls, permitted) probe outcomes (Resilience4j CircuitBreakerMetrics.forHalfOpen)', () => {
    /** Trips a breaker (5 failures of 5), lets it go HALF_OPEN at 1 s, and sends `probes.length` + 1 calls there, the i-th probe answered after (i + 1) · 10 µs. */
    function probed(minimumNumberOfCalls: number, permitted: number, probes: Scripted[]) {
      const h = breaker({ slidingWindowSize: 10, minimumNumberOfCalls, failureRateThreshold: 50, waitDurationInOpenStateMs: 1000, permittedNumberOfCallsInHalfOpenState: permitted });
      callsInTurn(h, Array(Math.min(minimumNumberOfCalls, 10)).fill(fail()));
      h.at(1_000_000);
      h.script(probes.map((p, i) => ({ ...p, afterUs: (i + 1) * 10 })));
      for (let i = 0; i <= probes.length; i++) h.call();
      h.at(2_000_000);
      // Transitions from the start of HALF_OPEN, each with its time in µs since then.
      const transitions = h.trace.filter((r) => r.k === 'state' && r.key === 'n.cb.state' && r.t >= 1_000_000).map((r) => `${r.value}@${r.t - 1_000_000}`);
      return { h, transitions };
    }
    const failed = (n: number) => Array<Scripted>(n).fill(fail());
    const succeeded = (n: number) => Array<Scripted>(n).fill(ok());

    it('minimum 5 < 10 probes: decides at the 5th outcome (3 of 5 failed → OPEN), where all 10 (3 of 10) would have closed', () => {
      const { h, transitions } = probed(5, 10, [...failed(3), ...succeeded(7)]);
      expect(transitions).toEqual(['HALF_OPEN@0', 'OPEN@50']);
      expect(h.reached.length).toBe(5 + 10); // all 10 probes were admitted; the 11th call was not
      expect(h.answers.filter((a) => a.result.reason === 'circuit-open').length).toBe(1);
    });

    it('minimum 5 < 10 probes: 2 of the first 5 failed closes at the 5th outcome; the probes still in flight land in the CLOSED window', () => {
      // The last five probes all fail: recorded in the fresh CLOSED window (minimum 5), they reopen it at the 10th.
      const { transitions } = probed(5, 10, [...failed(2), ...succeeded(3), ...failed(5)]);
      expect(transitions).toEqual(['HALF_OPEN@0', 'CLOSED@50', 'OPEN@100']);
    });

    it('minimum 3 = 3 probes: undecided after 2 outcomes, decides at the 3rd', () => {
      const { h, transitions } = probed(3, 3, [fail(), ok(), ok()]);
      expect(transitions).toEqual(['HALF_OPEN@0', 'CLOSED@30']);
      expect(h.reached.length).toBe(3 + 3);
    });

    it('minimum 8 > 3 probes: decides at the 3rd outcome, all of them (the window holds only 3)', () => {
      const { h, transitions } = probed(8, 3, [ok(), fail(), fail()]);
      expect(transitions).toEqual(['HALF_OPEN@0', 'OPEN@30']);
      expect(h.policy.halfOpenMinimumCalls).toBe(3);
      expect(h.reached.length).toBe(8 + 3);
    });
  });

  it('HALF_OPEN closes when the probes fail below the threshold', () => {
    const h = breaker(small);
    callsInTurn(h, Array(10).fill(fail()));
    h.at(1_000_000);
    callsInTurn(h, [fail(), ok(), ok()]);
    expect(h.states()).toEqual(['CLOSED', 'OPEN', 'HALF_OPEN', 'CLOSED']);
  });

  it('moves to HALF_OPEN by timer when automatic transition is on', () => {
    const h = breaker({ ...small, automaticTransitionFromOpenToHalfOpenEnabled: true });
    callsInTurn(h, Array(10).fill(fail()));
    h.at(1_000_000);
    expect(h.policy.state).toBe('HALF_OPEN');
  });

  it('DISABLED passes everything and records nothing; FORCED_OPEN rejects everything; METRICS_ONLY records and never trips', () => {
    const disabled = breaker({ ...small, initialState: 'DISABLED' });
    callsInTurn(disabled, Array(20).fill(fail()));
    expect([disabled.policy.state, disabled.reached.length, disabled.sim.metrics.counter('n.cb.failures').value]).toEqual(['DISABLED', 20, 0]);
    const forced = breaker({ ...small, initialState: 'FORCED_OPEN' });
    callsInTurn(forced, Array(3).fill(ok()));
    expect(forced.reached.length).toBe(0);
    const metricsOnly = breaker({ ...small, initialState: 'METRICS_ONLY' });
    callsInTurn(metricsOnly, Array(20).fill(fail()));
    expect([metricsOnly.policy.state, metricsOnly.sim.metrics.counter('n.cb.failures').value]).toEqual(['METRICS_ONLY', 20]);
  });

  it('the consecutive breaker opens after n failures in a row; a success resets the count', () => {
    const h = breaker({ preset: 'consecutive' });
    callsInTurn(h, [fail(), fail(), fail(), fail(), ok(), fail(), fail(), fail(), fail()]);
    expect(h.policy.state).toBe('CLOSED');
    callsInTurn(h, [fail()]);
    expect(h.policy.state).toBe('OPEN');
  });

  it('a TIME_BASED window forgets outcomes older than its seconds', () => {
    const h = breaker({ slidingWindowType: 'TIME_BASED', slidingWindowSize: 2, minimumNumberOfCalls: 4, failureRateThreshold: 50 });
    callsInTurn(h, [fail(), fail(), fail()]); // t = 0 s
    h.at(2_500_000); // the second-0 bucket has left the 2 s window
    callsInTurn(h, [fail(), ok(), ok()]);
    expect(h.policy.state).toBe('CLOSED'); // 1 of 3 in the window, below the minimum anyway
    callsInTurn(h, [fail()]);
    expect(h.policy.state).toBe('OPEN'); // 2 of 4 = 50%
  });

  it('presets take the library defaults (Hystrix: 20 calls, 10 s, 5 s sleep, one probe)', () => {
    const h = breaker({ preset: 'hystrix' });
    expect(h.policy.params).toMatchObject({ slidingWindowType: 'TIME_BASED', slidingWindowSize: 10, minimumNumberOfCalls: 20, waitDurationInOpenStateMs: 5000, permittedNumberOfCallsInHalfOpenState: 1 });
  });

  it('its invariant holds in a real run and catches a planted admission through an open breaker', () => {
    const h = breaker(small);
    const inv = new BreakerInvariant('n', 'n.cb', 3, 'CLOSED');
    callsInTurn(h, Array(10).fill(fail()));
    h.at(1_000_000);
    for (let i = 0; i < 6; i++) h.call();
    h.trace.forEach((r) => inv.onRecord(r));
    expect(inv.violation).toBeNull();
    // 10 before opening, 3 probes (answered at once, so it closes), then 3 more while closed.
    expect(inv.examined).toBe(16);
    inv.onRecord({ t: 5, k: 'state', node: 'n', key: 'n.cb.state', value: 'OPEN' } as TraceRecord);
    inv.onRecord({ t: 6, k: 'call', node: 'n', call: 99, layer: 'n.cb', event: 'admitted' } as TraceRecord);
    expect(inv.violation).toEqual({ t: 6, node: 'n', detail: 'call 99 admitted while the breaker was OPEN' });
  });
});
