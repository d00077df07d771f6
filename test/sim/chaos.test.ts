import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const withChaos = (chaos: Record<string, unknown>, checks: unknown[] = []) => scenario({
  durationMs: 100_000,
  nodes: [
    { id: 'a', kind: 'service', workers: 4, serviceTime: { type: 'constant', ms: 5 } },
    { id: 'b', kind: 'service', workers: 4, serviceTime: { type: 'constant', ms: 5 } },
  ],
  workloads: [
    { id: 'ca', kind: 'open', target: 'a', arrival: { type: 'poisson', ratePerSec: 50 }, timeoutMs: 200 },
    { id: 'cb', kind: 'open', target: 'b', arrival: { type: 'poisson', ratePerSec: 50 }, timeoutMs: 200 },
  ],
  chaos,
  checks,
});

describe('seeded chaos', () => {
  it('crashes nodes at about the configured rate and restarts them', () => {
    // 100 intervals × 2 nodes; a node is only eligible while up (down 2 of every crash's 2 s).
    const r = runScenario(withChaos({ crash: { intervalMs: 1000, probability: 0.1, restartAfterMs: 2000 } }));
    const crashes = (r.metrics['a.crashes'] as number) + (r.metrics['b.crashes'] as number);
    expect(crashes).toBeGreaterThan(8);
    expect(crashes).toBeLessThan(30);
    expect(Math.abs(crashes - ((r.metrics['a.restarts'] as number) + (r.metrics['b.restarts'] as number)))).toBeLessThanOrEqual(2);
    expect(r.metrics['ca.timeout']).toBeGreaterThan(0);
  });

  it('is part of the seeded run: same seed, same chaos; another seed, other chaos', () => {
    const spec = { crash: { intervalMs: 1000, probability: 0.1, restartAfterMs: 2000, nodes: ['a'] } };
    const one = runScenario(withChaos(spec), { seed: 5 });
    expect(runScenario(withChaos(spec), { seed: 5 }).traceHash).toBe(one.traceHash);
    expect(runScenario(withChaos(spec), { seed: 6 }).traceHash).not.toBe(one.traceHash);
    expect(one.metrics['b.crashes'] ?? 0).toBe(0); // b is not eligible, so it has no crash counter at all
  });

  it('flapping partitions come and go, and nothing crosses them', () => {
    const r = runScenario(withChaos(
      { partition: { intervalMs: 2000, probability: 0.5, durationMs: 1000, groups: [['ca'], ['a']] } },
      [{ type: 'no-partition-crossing' }],
    ));
    expect(r.metrics['faults.partition']).toBeGreaterThan(10);
    expect(r.metrics['net.dropped.partition']).toBeGreaterThan(0);
    expect(r.metrics['cb.timeout']).toBe(0);
    expect(r.checks[0].ok).toBe(true);
  });
});
