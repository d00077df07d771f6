/**
 * The sidecar proxy (sim/patterns/sidecar.ts): Istio's benchmark tax on a request crossing two
 * proxies, exact per-hop cost with constant passes, app retries × proxy retries, and inbound
 * policies that turn requests away before the app sees them.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const constant = (ms: number) => ({ type: 'constant', ms });

/** web → api → backend, every duration constant; sidecars as given. */
function chain(apiSidecar: Record<string, unknown> | null, backendSidecar: Record<string, unknown> | null, extra: { apiCallPath?: unknown[]; backendErrors?: number; seed?: number } = {}) {
  return runScenario(
    scenario({
      durationMs: 60_000,
      network: { latency: constant(1) },
      nodes: [
        { id: 'api', kind: 'service', workers: 100, serviceTime: constant(2), calls: [{ to: 'backend', callPath: extra.apiCallPath ?? [] }], ...(apiSidecar ? { sidecar: apiSidecar } : {}) },
        { id: 'backend', kind: 'service', workers: 100, serviceTime: constant(3), errorProbability: extra.backendErrors ?? 0, ...(backendSidecar ? { sidecar: backendSidecar } : {}) },
      ],
      workloads: [{ id: 'web', kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 50 } }],
    }),
    { seed: extra.seed ?? 1 },
  );
}

const latency = (r: ReturnType<typeof chain>, q: 'p50' | 'p90') => (r.metrics['web.latencyMs'] as Record<string, number>)[q];

describe('the sidecar', () => {
  it("adds Istio's +2.65 ms at p90 to a request crossing two proxies (the caller's and the callee's)", () => {
    // The api's time with a request — its own 2 ms, the network's 2 ms, the backend's 3 ms, all
    // constant — is its call's crossing of two proxies plus 7 ms: its own proxy's outbound
    // passes and the backend's proxy's inbound passes, each way.
    const added = [1, 2, 3].map((seed) => (chain({}, {}, { seed }).metrics['api.sojournMs'] as Record<string, number>).p90 - 7);
    const mean = added.reduce((a, b) => a + b) / added.length;
    expect(Math.abs(mean - 2.65) / 2.65).toBeLessThan(0.06);
  });

  it('adds exactly its constant passes: two per proxy a request crosses, each way', () => {
    const pass = { cpuMs: 0.2, latencyMedianMs: 0.3, latencySigma: 0 };
    const base = latency(chain(null, null), 'p50');
    // The api's proxy: its request and answer in, its call and the call's answer out.
    expect(latency(chain(pass, null), 'p50') - base).toBeCloseTo(4 * 0.5, 1);
    // The backend's proxy: the call in, its answer out.
    expect(latency(chain(null, pass), 'p50') - base).toBeCloseTo(2 * 0.5, 1);
    expect(latency(chain(pass, pass), 'p50') - base).toBeCloseTo(6 * 0.5, 1);
  });

  it('spends 0.35 ms of CPU per request per proxy', () => {
    const r = chain(null, {});
    expect((r.metrics['backend.sidecar.cpuMs'] as number) / (r.metrics['backend.served'] as number)).toBeCloseTo(0.35, 2);
  });

  it('multiplies retries: the app retries 3 times through a proxy that retries 3 times — 9 attempts', () => {
    const retry = { type: 'retry', maxAttempts: 3, backoff: 'constant', baseMs: 0 };
    const r = chain({ outbound: [retry] }, null, { apiCallPath: [retry], backendErrors: 1 });
    const failed = r.metrics['web.error'] as number;
    expect(failed).toBeGreaterThan(2000);
    // (A few requests are still being retried when the run ends.)
    expect((r.metrics['backend.failed'] as number) / failed).toBeCloseTo(9, 2);
  });

  it('turns requests away with its inbound policies before the app sees them', () => {
    const r = chain(null, null);
    const limited = runScenario(
      scenario({
        durationMs: 10_000,
        network: { latency: constant(1) },
        nodes: [{ id: 'api', kind: 'service', workers: 100, serviceTime: constant(2), sidecar: { inbound: [{ type: 'token-bucket', maxTokens: 5, fillIntervalMs: 100 }] } }],
        workloads: [{ id: 'web', kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 100 } }],
      }),
    );
    expect(r.metrics['web.rejected']).toBe(0);
    // 100/s offered, ~10/s admitted.
    expect(limited.metrics['web.rejected'] as number).toBeGreaterThan(700);
    expect(limited.metrics['api.accepted'] as number).toBeLessThan(160);
    expect(limited.metrics['api.accepted']).toBe(limited.metrics['web.ok']);
  });
});
