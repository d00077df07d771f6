/**
 * Error taxonomy across hops (issue 14 item 1): a callee's rejection reaches the caller's
 * caller as a rejection when the call propagates it, so a client's adaptive throttling sees
 * overload two hops down and throttles; without propagation it sees errors, which count as
 * accepted requests (Google SRE), and keeps sending.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

/** client (adaptive throttling) → api → backend (one worker, 10 ms, a queue of 5): 300 requests/s against 100/s. */
function chain(propagateRejections: boolean) {
  return runScenario(
    scenario({
      durationMs: 30_000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'api', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 1 }, calls: [{ to: 'backend', propagateRejections }] },
        { id: 'backend', kind: 'service', workers: 1, queueCapacity: 5, serviceTime: { type: 'exponential', meanMs: 10 } },
      ],
      workloads: [
        { id: 'client', kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 300 }, timeoutMs: 5000, callPath: [{ type: 'adaptive-throttling', name: 'limiter', k: 2 }] },
      ],
    }),
  );
}

describe('rejections across hops', () => {
  it('reach the client as rejections when the call propagates them, and its adaptive throttling throttles', () => {
    const r = chain(true);
    expect(r.metrics['backend.rejected']).toBeGreaterThan(1000);
    expect(r.metrics['client.error']).toBe(0);
    expect(r.metrics['client.rejected']).toBeGreaterThan(1000);
    // The client sends about K × what is accepted: with ~100/s accepted and K = 2, it drops
    // about a third of its 300/s locally.
    expect(r.metrics['client.limiter.rejected']).toBeGreaterThan(2000);
  });

  it('reach the client as errors without propagation, and the throttle stays open', () => {
    const r = chain(false);
    expect(r.metrics['backend.rejected']).toBeGreaterThan(1000);
    expect(r.metrics['client.error']).toBeGreaterThan(1000);
    // Only answers still on their way count against it (a few dozen at the start): errors are
    // accepts.
    expect(r.metrics['client.limiter.rejected'] ?? 0).toBeLessThan(0.05 * (chain(true).metrics['client.limiter.rejected'] as number));
  });
});
