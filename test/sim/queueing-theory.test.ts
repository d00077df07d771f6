import { describe, expect, it } from 'vitest';
import { erlangC, mm1MeanSojourn, mmcMeanWait } from '../../sim/check/queueing.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { builtIn } from '../helpers.ts';

/**
 * The simulator against queueing theory, over several seeds. One M/M/1 run of a million
 * requests has a relative standard error of about 0.75% on its mean (measured over 20 seeds
 * with an independent Lindley-recursion simulation), so the average of 5 seeds is within 3%
 * with an enormous margin — and a modelling error (wrong rate, wrong discipline, time
 * counted from the wrong moment) moves it far outside.
 */
const SEEDS = [1, 2, 3, 4, 5];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const field = (m: unknown, f: string) => (m as Record<string, number>)[f];

describe('queueing formulas', () => {
  it('Erlang C matches known values', () => {
    expect(erlangC(1, 0.8)).toBeCloseTo(0.8, 12); // M/M/1: P(wait) = ρ
    expect(erlangC(2, 1.5)).toBeCloseTo(0.642857142857, 10);
    expect(erlangC(10, 9)).toBeCloseTo(0.668731524108, 10);
  });
});

describe('M/M/1 (λ = 0.8/s, μ = 1/s)', () => {
  const runs = SEEDS.map((seed) => runScenario(builtIn('queueing/mm1.json'), { seed }));

  it('mean latency within 3% of 1/(μ−λ) = 5 s, averaged over 5 seeds', () => {
    const expectedMs = mm1MeanSojourn(0.8, 1) * 1000;
    const measured = mean(runs.map((r) => field(r.metrics['client.latencyMs'], 'mean')));
    expect(Math.abs(measured - expectedMs) / expectedMs).toBeLessThan(0.03);
  });

  it('each run served about a million requests and passed its own checks', () => {
    for (const r of runs) {
      expect(r.metrics['client.ok']).toBeGreaterThan(990_000);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    }
  });

  it("Little's law L = λW holds within 2%", () => {
    for (const r of runs) {
      const L = field(r.metrics['server.inSystem'], 'mean');
      const lambdaPerMs = (r.metrics['server.accepted'] as number) / (r.simTimeUs / 1000);
      const W = field(r.metrics['server.sojournMs'], 'mean');
      expect(Math.abs(L - lambdaPerMs * W) / L).toBeLessThan(0.02);
    }
  });
});

describe('queue discipline', () => {
  it('LIFO keeps the M/M/1 mean (the server is work-conserving) but stretches the tail', () => {
    const change = { durationMs: 250_000_000 };
    const fifo = runScenario(builtIn('queueing/mm1.json', change));
    const lifo = runScenario(builtIn('queueing/mm1.json', { ...change, nodes: [{ id: 'server', kind: 'service', workers: 1, queueDiscipline: 'lifo', serviceTime: { type: 'exponential', meanMs: 1000 } }] }));
    expect(Math.abs(field(lifo.metrics['client.latencyMs'], 'mean') - 5000) / 5000).toBeLessThan(0.05);
    expect(field(lifo.metrics['client.latencyMs'], 'p99')).toBeGreaterThan(1.5 * field(fifo.metrics['client.latencyMs'], 'p99'));
    expect(field(lifo.metrics['client.latencyMs'], 'p50')).toBeLessThan(field(fifo.metrics['client.latencyMs'], 'p50'));
  });
});

describe('M/M/c (c = 10, ρ = 0.9)', () => {
  const runs = SEEDS.map((seed) => runScenario(builtIn('queueing/mmc.json'), { seed }));

  it('mean wait within 5% of Erlang C, averaged over 5 seeds', () => {
    const expectedMs = mmcMeanWait(10, 9, 1) * 1000;
    const measured = mean(runs.map((r) => field(r.metrics['server.waitMs'], 'mean')));
    expect(Math.abs(measured - expectedMs) / expectedMs).toBeLessThan(0.05);
  });

  it('the share of requests that waited is P(wait) = Erlang C(10, 9) ≈ 0.669: each seed within 1.5%, their mean within 1%', () => {
    // One run's share has a relative standard error of about 0.3% (seeds 1–5 fall within 0.4%).
    const expected = erlangC(10, 9);
    const shares = runs.map((r) => (r.metrics['server.waited'] as number) / (r.metrics['server.accepted'] as number));
    for (const share of shares) expect(Math.abs(share - expected) / expected).toBeLessThan(0.015);
    expect(Math.abs(mean(shares) - expected) / expected).toBeLessThan(0.01);
  });

  it("Little's law holds within 2% and the servers are 90% busy", () => {
    for (const r of runs) {
      const L = field(r.metrics['server.inSystem'], 'mean');
      const lambdaPerMs = (r.metrics['server.accepted'] as number) / (r.simTimeUs / 1000);
      expect(Math.abs(L - lambdaPerMs * field(r.metrics['server.sojournMs'], 'mean')) / L).toBeLessThan(0.02);
      expect(Math.abs(field(r.metrics['server.busy'], 'mean') - 9) / 9).toBeLessThan(0.02);
    }
  });
});
