/**
 * Typed requests (issue 14 item 1): a workload's requests are drawn from its types by weight,
 * the type travels with the request through every hop, a service's calls can be limited to
 * types (a route), and the workload's metrics are kept per type.
 */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const SHOP = {
  durationMs: 20_000,
  network: { latency: { type: 'constant', ms: 1 } },
  nodes: [
    {
      id: 'gateway',
      kind: 'service',
      workers: 1000,
      serviceTime: { type: 'constant', ms: 1 },
      calls: [
        { to: 'orders', forTypes: ['GET /orders', 'POST /orders'] },
        { to: 'users', forTypes: ['GET /users'] },
      ],
    },
    // Orders passes the type on: only writes reach the database.
    { id: 'orders', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 5 }, calls: [{ to: 'db', forTypes: ['POST /orders'] }] },
    { id: 'users', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 2 } },
    { id: 'db', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 10 } },
  ],
  workloads: [
    {
      id: 'web',
      kind: 'open',
      target: 'gateway',
      arrival: { type: 'poisson', ratePerSec: 200 },
      requests: [
        { name: 'GET /orders', weight: 6 },
        { name: 'POST /orders', weight: 1 },
        { name: 'GET /users', weight: 3 },
      ],
    },
  ],
};

describe('typed requests', () => {
  const r = runScenario(scenario(SHOP));
  const n = (name: string) => r.metrics[name] as number;

  it('are drawn by weight, and every one is counted under its type', () => {
    const all = n('web.requests');
    expect(n('web.type.GET /orders.requests') + n('web.type.POST /orders.requests') + n('web.type.GET /users.requests')).toBe(all);
    // Shares 0.6, 0.1, 0.3 of ~4,000 requests: within 4 binomial standard deviations.
    for (const [type, share] of [['GET /orders', 0.6], ['POST /orders', 0.1], ['GET /users', 0.3]] as const) {
      const sd = Math.sqrt(all * share * (1 - share));
      expect(Math.abs(n(`web.type.${type}.requests`) - all * share), type).toBeLessThan(4 * sd);
    }
  });

  it('route at every hop: each service calls only the dependencies for the request type', () => {
    expect(n('orders.served')).toBe(n('web.type.GET /orders.ok') + n('web.type.POST /orders.ok'));
    expect(n('users.served')).toBe(n('web.type.GET /users.ok'));
    expect(n('db.served')).toBe(n('web.type.POST /orders.ok'));
  });

  it('have their own latency: each type is the sum of its route', () => {
    // 1 ms per network leg, then each service's own work: gateway 1, users 2, orders 5, db 10.
    const p50 = (type: string) => (r.metrics[`web.type.${type}.latencyMs`] as Record<string, number>).p50;
    expect(p50('GET /users')).toBeCloseTo(1 + 1 + 1 + 2 + 1 + 1, 0);
    expect(p50('GET /orders')).toBeCloseTo(1 + 1 + 1 + 5 + 1 + 1, 0);
    expect(p50('POST /orders')).toBeCloseTo(1 + 1 + 1 + 5 + 1 + 10 + 1 + 1 + 1, 0);
  });

  it('leave scenarios without types exactly as they were (no type on the wire)', () => {
    const untyped = { ...SHOP, workloads: [{ ...SHOP.workloads[0], requests: undefined }], nodes: SHOP.nodes.map((node) => ({ ...node, calls: node.calls?.map((c) => ({ to: c.to })) })) };
    const plain = runScenario(scenario(untyped));
    expect(plain.metrics['web.type.GET /orders.requests']).toBeUndefined();
    // Every request reaches the database (a few still on their way back at the end).
    expect(plain.metrics['db.served'] as number).toBeGreaterThanOrEqual(plain.metrics['web.ok'] as number);
    expect(plain.metrics['db.served'] as number).toBeLessThanOrEqual((plain.metrics['web.ok'] as number) + 5);
  });

  it('are validated: a call names a type no workload sends, a name repeats, a name has a dot', () => {
    const bad = structuredClone(SHOP) as typeof SHOP & { nodes: { calls?: { forTypes?: string[] }[] }[] };
    bad.nodes[0].calls![1].forTypes = ['GET /user'];
    bad.workloads[0].requests.push({ name: 'GET /users', weight: 1 }, { name: 'GET /v1.2', weight: 1 });
    const v = validateScenario({ version: 1, title: 't', description: 't', ...bad });
    expect(v.ok).toBe(false);
    const errors = v.ok ? [] : v.errors.map((e) => `${e.path}: ${e.message}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workloads\[0\]\.requests\[4\]\.name: expected a name without "\."/),
      ]),
    );
    const v2 = validateScenario({ version: 1, title: 't', description: 't', ...bad, workloads: [{ ...bad.workloads[0], requests: bad.workloads[0].requests.slice(0, 4) }] });
    const errors2 = v2.ok ? [] : v2.errors.map((e) => `${e.path}: ${e.message}`);
    expect(errors2).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\[0\]\.calls\[1\]\.forTypes\[0\]: expected a request type a workload sends \("GET \/orders", "POST \/orders", "GET \/users"\), got "GET \/user"$/),
        expect.stringMatching(/^workloads\[0\]\.requests\[3\]\.name: expected each request type once, got "GET \/users" again$/),
      ]),
    );
  });
});
