/**
 * The API gateway (sim/patterns/api-gateway.ts): routes by request type, one backend by weight
 * or a composition of all; a composition's latency is the slowest call's, so with N parallel
 * calls each slow with probability p a request is slow with probability 1 − (1 − p)^N; cached
 * tokens spare the auth service; edge rejections reach the client as rejections.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const backend = (id: string, meanMs = 10) => ({ id, kind: 'service', workers: 1000, serviceTime: { type: 'exponential', meanMs } });

function shop(gateway: Record<string, unknown>, opts: { seed?: number; rate?: number; keySpace?: number; durationMs?: number; requests?: { name: string; weight: number }[] } = {}) {
  return runScenario(
    scenario({
      durationMs: opts.durationMs ?? 30_000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'gw', kind: 'api-gateway', overheadMs: 0.5, ...gateway },
        backend('a'), backend('b'), backend('c'), backend('d'), backend('e'),
        { id: 'auth', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 3 } },
      ],
      workloads: [
        {
          id: 'web',
          kind: 'open',
          target: 'gw',
          arrival: { type: 'poisson', ratePerSec: opts.rate ?? 300 },
          keySpace: opts.keySpace ?? 1000,
          requests: opts.requests ?? [{ name: 'GET /page', weight: 1 }],
        },
      ],
    }),
    { seed: opts.seed ?? 1 },
  );
}

describe('the API gateway', () => {
  it('sends each request of a route to one backend, chosen by weight (a 9:1 canary split)', () => {
    const r = shop({ routes: [{ type: 'GET /page', to: [{ node: 'a', weight: 9 }, { node: 'b', weight: 1 }] }] });
    const [a, b] = [r.metrics['gw.to.a'] as number, r.metrics['gw.to.b'] as number];
    const n = a + b;
    // Every request but the few still in the gateway's own work at the end.
    expect(n).toBeGreaterThan((r.metrics['gw.requests'] as number) - 10);
    expect(Math.abs(b - 0.1 * n)).toBeLessThan(4 * Math.sqrt(n * 0.1 * 0.9));
    expect(r.metrics['a.served'] as number).toBeGreaterThan(a - 10); // a few still being served at the end
  });

  it.each([1, 3, 5])('composes %i backends in parallel: p90 latency is that of the slowest of them', (n) => {
    const to = ['a', 'b', 'c', 'd', 'e'].slice(0, n).map((node) => ({ node }));
    const p90s = [1, 2, 3].map((seed) => (shop({ routes: [{ type: 'GET /page', to, compose: true }] }, { seed }).metrics['web.latencyMs'] as Record<string, number>).p90);
    const p90 = p90s.reduce((x, y) => x + y) / p90s.length;
    // P(max of n Exp(10 ms) > t) = 1 − (1 − e^(−t/10))^n = 0.1, plus 4.5 ms of network and overhead.
    const expected = -10 * Math.log(1 - 0.9 ** (1 / n)) + 4.5;
    expect(Math.abs(p90 - expected) / expected).toBeLessThan(0.04);
  });

  it('a composed request is slow (> 30 ms at the backends) with probability 1 − (1 − p)^N', () => {
    // p = e^(−3) for one Exp(10 ms) call. A request's latency is 4.5 ms of network and overhead
    // plus its slowest call; count the spans over 34.5 ms.
    for (const n of [1, 3, 5]) {
      let all = 0;
      let slow = 0;
      const listener = (rec: TraceRecord) => {
        if (rec.k !== 'span' || rec.node !== 'web') return;
        all++;
        if ((rec.latencyUs as number) > 34_500) slow++;
      };
      const to = ['a', 'b', 'c', 'd', 'e'].slice(0, n).map((node) => ({ node }));
      runScenario(
        scenario({
          durationMs: 60_000,
          network: { latency: { type: 'constant', ms: 1 } },
          nodes: [{ id: 'gw', kind: 'api-gateway', overheadMs: 0.5, routes: [{ type: '*', to, compose: true }] }, backend('a'), backend('b'), backend('c'), backend('d'), backend('e')],
          workloads: [{ id: 'web', kind: 'open', target: 'gw', arrival: { type: 'poisson', ratePerSec: 300 } }],
        }),
        { listeners: [listener] },
      );
      const expected = 1 - (1 - Math.exp(-3)) ** n;
      // ~18,000 requests: the binomial standard deviation is under 0.004.
      expect(Math.abs(slow / all - expected), `N = ${n}: ${slow} of ${all}`).toBeLessThan(0.015);
    }
  });

  it('calls the auth service once per user while its token is cached', () => {
    const r = shop({ auth: { mode: 'cached-token', service: 'auth', tokenTtlMs: 600_000 }, routes: [{ type: '*', to: [{ node: 'a' }] }] }, { keySpace: 100 });
    const calls = r.metrics['gw.authCalls'] as number;
    expect(calls + (r.metrics['gw.authCacheHits'] as number)).toBe(r.metrics['gw.requests']);
    // 100 users; a user's second request can arrive while its first is still being verified.
    expect(calls).toBeGreaterThanOrEqual(100);
    expect(calls).toBeLessThan(115);
    const every = shop({ auth: { mode: 'call', service: 'auth' }, routes: [{ type: '*', to: [{ node: 'a' }] }] }, { keySpace: 100 });
    expect(every.metrics['gw.authCalls']).toBe(every.metrics['gw.requests']);
  });

  it('answers an edge rejection as a rejection, and a request no route serves with an error', () => {
    const r = shop(
      { edge: [{ type: 'token-bucket', name: 'limit', maxTokens: 10, fillIntervalMs: 10 }], routes: [{ type: 'GET /page', to: [{ node: 'a' }] }] },
      { requests: [{ name: 'GET /page', weight: 1 }, { name: 'GET /missing', weight: 1 }] },
    );
    // 300/s offered, 100/s admitted at the edge.
    expect(r.metrics['web.rejected'] as number).toBeGreaterThan(5000);
    expect(r.metrics['gw.noRoute'] as number).toBeGreaterThan(1000);
    expect(r.metrics['web.type.GET /missing.ok']).toBe(0);
    expect(r.metrics['web.type.GET /missing.error']).toBe(r.metrics['gw.noRoute']);
  });
});
