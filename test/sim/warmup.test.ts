import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

/**
 * `metrics.warmupMs`: counters, histograms and gauges' means start over when the warm-up ends,
 * so steady-state estimates leave out the empty-system start; the run itself and the chart
 * series are exactly what they are without a warm-up.
 *
 * The system: 100 workers, Poisson arrivals at 90/s, exponential 1 s service, no queueing to
 * speak of. Started empty, the number of busy workers climbs to λ/μ = 90 with a time constant
 * of 1/μ = 1 s, so over a 10 s run its plain time-average is about 90·(1 − 1/10) = 81, and
 * from 5 s on it is 90. With so many workers one run's estimate is within a few percent.
 */
const LOAD = 90;
const mmc = (metrics: Record<string, number>, more: Record<string, unknown> = {}) => scenario({
  durationMs: 10_000,
  metrics: { windowMs: 500, ...metrics },
  nodes: [{ id: 'server', kind: 'service', workers: 100, serviceTime: { type: 'exponential', meanMs: 1000 } }],
  workloads: [{ id: 'client', kind: 'open', target: 'server', arrival: { type: 'poisson', ratePerSec: LOAD } }],
  ...more,
});
const SEEDS = [1, 2, 3];
const field = (r: RunResult, metric: string, f: string) => (r.metrics[metric] as Record<string, number>)[f];

describe('metrics.warmupMs', () => {
  const pairs = SEEDS.map((seed) => ({ cold: runScenario(mmc({}), { seed }), warm: runScenario(mmc({ warmupMs: 5000 }), { seed }) }));

  it('leaves out the empty start: busy workers average λ/μ after the warm-up, well below it from time 0', () => {
    for (const { cold, warm } of pairs) {
      expect(Math.abs(field(warm, 'server.busy', 'mean') - LOAD) / LOAD).toBeLessThan(0.04);
      expect(field(cold, 'server.busy', 'mean')).toBeLessThan(0.95 * LOAD);
      expect(field(warm, 'server.busy', 'mean')).toBeGreaterThan(field(cold, 'server.busy', 'mean'));
    }
  });

  it('counters and histograms count only what happens after the warm-up', () => {
    for (const { cold, warm } of pairs) {
      const accepted = warm.metrics['server.accepted'] as number;
      // About λ · 5 s of arrivals (Poisson: ±3σ is ±64).
      expect(Math.abs(accepted - LOAD * 5)).toBeLessThan(70);
      expect(accepted).toBeLessThan(cold.metrics['server.accepted'] as number);
      expect(field(warm, 'client.latencyMs', 'count')).toBeLessThan(field(cold, 'client.latencyMs', 'count'));
      expect(warm.measuredFromUs).toBe(5_000_000);
      expect(cold.measuredFromUs).toBe(0);
    }
  });

  it("Little's law holds over the measured span (the arrival rate is counted after the warm-up)", () => {
    // Long enough that requests in the system at either end of the span (about 90, each
    // staying 1 s) are few against those that pass through it.
    const long = { durationMs: 200_000, checks: [{ type: 'littles-law', node: 'server', tolerancePct: 2 }] };
    for (const seed of SEEDS) {
      const r = runScenario(mmc({ windowMs: 1000, warmupMs: 100_000 }, long), { seed });
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    }
  });

  it('changes no event of the run and no chart series', () => {
    for (const { cold, warm } of pairs) {
      expect(warm.traceHash).toBe(cold.traceHash);
      expect(warm.series).toEqual(cold.series);
    }
  });

  it('must end before the run does', () => {
    expect(() => mmc({ warmupMs: 10_000 })).toThrow('metrics.warmupMs: expected a number < durationMs (10000), got 10000');
  });
});
