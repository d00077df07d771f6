import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const overloaded = (limits: Record<string, number>) => scenario({
  durationMs: 1e9,
  limits,
  nodes: [{ id: 's', kind: 'service', workers: 1, serviceTime: { type: 'constant', ms: 10 } }],
  workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 1000 } }],
});

describe('limits end a run with a reason, never a hang', () => {
  it('maxEvents', () => {
    const r = runScenario(overloaded({ maxEvents: 10_000 }));
    expect(r.outcome).toEqual({ status: 'limit', reason: 'maxEvents' });
    expect(r.events).toBe(10_000);
  });

  it('maxPendingEvents (an unbounded backlog of timers)', () => {
    const r = runScenario(scenario({
      durationMs: 1e9,
      limits: { maxPendingEvents: 1000 },
      nodes: [{ id: 's', kind: 'service', workers: 100_000, serviceTime: { type: 'constant', ms: 1e6 } }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 1000 } }],
    }));
    expect(r.outcome).toEqual({ status: 'limit', reason: 'maxPendingEvents' });
  });

  it('maxMessagesInFlight', () => {
    const r = runScenario(scenario({
      durationMs: 1e9,
      limits: { maxMessagesInFlight: 500 },
      network: { latency: { type: 'constant', ms: 10_000 } },
      nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 1000 } }],
    }));
    expect(r.outcome).toEqual({ status: 'limit', reason: 'maxMessagesInFlight' });
  });

  it('maxQueuedRequests: requests waiting in a service queue', () => {
    const r = runScenario(overloaded({ maxQueuedRequests: 500 }));
    expect(r.outcome).toEqual({ status: 'limit', reason: 'maxQueuedRequests' });
    // The run ends after the event that queued the 501st waiting request.
    expect((r.metrics['s.queueDepth'] as Record<string, number>).value).toBe(501);
  });

  it('maxQueuedRequests counts across all services, and a queue that drains gives its room back', () => {
    const two = (rate: number) => scenario({
      durationMs: 10_000,
      limits: { maxQueuedRequests: 300 },
      nodes: ['a', 'b'].map((id) => ({ id, kind: 'service', workers: 1, serviceTime: { type: 'constant', ms: 10 } })),
      workloads: ['a', 'b'].map((id) => ({ id: `to-${id}`, kind: 'open', target: id, arrival: { type: 'constant', ratePerSec: rate } })),
    });
    // 200/s into each 100/s worker: each queue grows by 100 a second, so together they pass 300 in 1.5 s.
    const overloaded = runScenario(two(200));
    expect(overloaded.outcome).toEqual({ status: 'limit', reason: 'maxQueuedRequests' });
    expect(overloaded.simTimeUs).toBeGreaterThan(1_400_000);
    expect(overloaded.simTimeUs).toBeLessThan(1_600_000);
    // At 90/s the queues never hold much, however many requests pass through them.
    expect(runScenario(two(90)).outcome).toEqual({ status: 'completed' });
  });

  it("maxQueuedRequests counts what a paused node holds until it resumes", () => {
    const paused = (durationMs: number) => runScenario(scenario({
      durationMs: 5_000,
      limits: { maxQueuedRequests: 1000 },
      nodes: [{ id: 's', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 1000 } }],
      faults: [{ atMs: 1000, type: 'pause', node: 's', durationMs }],
    }));
    // A 0.5 s pause holds 500 requests and gives them back; a 2 s pause would hold 2000, and
    // the limit ends the run about 1 s into it (the backlog holds the timers of work in
    // progress too, so a little sooner).
    expect(paused(500).outcome).toEqual({ status: 'completed' });
    const long = paused(2000);
    expect(long.outcome).toEqual({ status: 'limit', reason: 'maxQueuedRequests' });
    expect(long.simTimeUs).toBeGreaterThan(1_990_000);
    expect(long.simTimeUs).toBeLessThanOrEqual(2_001_000);
  });

  it('the limit is a trace record too, so the hash covers it', () => {
    const a = runScenario(overloaded({ maxEvents: 5000 }));
    const b = runScenario(overloaded({ maxEvents: 5001 }));
    expect(a.traceHash).not.toBe(b.traceHash);
  });

  it('a run that reaches its duration completes', () => {
    const r = runScenario(scenario({
      durationMs: 1000,
      nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 10 } }],
    }));
    expect(r.outcome).toEqual({ status: 'completed' });
    expect(r.simTimeUs).toBe(1_000_000);
  });
});
