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
