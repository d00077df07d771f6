import { describe, expect, it } from 'vitest';
import { designHints, type DesignHint, type HintKind } from '../../sim/design/hints.ts';
import { validateScenario } from '../../sim/scenario/load.ts';

/** A small valid scenario: the given nodes and workloads, the rest defaulted. */
function scenario(parts: { nodes: unknown[]; workloads: unknown[] }) {
  const loaded = validateScenario({ version: 1, title: 't', description: 'd', durationMs: 1000, ...parts });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

const svc = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'service', serviceTime: { type: 'exponential', meanMs: 10 }, ...extra });
const client = (target: string, extra: Record<string, unknown> = {}) => ({ id: 'client', kind: 'open', target, arrival: { type: 'poisson', ratePerSec: 10 }, timeoutMs: 5000, ...extra });
const call = (to: string, callPath: unknown[] = []) => ({ to, callPath });
const guarded = (ms = 100) => [{ type: 'circuit-breaker' }, { type: 'timeout', timeoutMs: ms }];

const of = (hints: DesignHint[], kind: HintKind) => hints.filter((h) => h.kind === kind);

describe('design hints', () => {
  it('a call without a timeout, and not one with a timeout (or a workload timeout)', () => {
    const hints = designHints(scenario({ nodes: [svc('api', { calls: [call('db')] }), svc('db')], workloads: [client('api')] }));
    expect(of(hints, 'no-timeout').map((h) => [h.node, h.to, h.path])).toEqual([['api', 'db', ['nodes', 0, 'calls', 0]]]);
    const fixed = designHints(scenario({ nodes: [svc('api', { calls: [call('db', guarded())] }), svc('db')], workloads: [client('api')] }));
    expect(of(fixed, 'no-timeout')).toEqual([]);
    const noClientTimeout = designHints(scenario({ nodes: [svc('api')], workloads: [client('api', { timeoutMs: null })] }));
    expect(of(noClientTimeout, 'no-timeout').map((h) => h.path)).toEqual([['workloads', 0]]);
  });

  it('retries at several layers, with the worst-case attempts (r + 1)^L', () => {
    const retry = (n: number) => ({ type: 'retry', maxAttempts: n });
    const nodes = [svc('api', { calls: [call('orders', [retry(3), ...guarded()])] }), svc('orders', { calls: [call('db', [retry(3), ...guarded()])] }), svc('db')];
    const hints = of(designHints(scenario({ nodes, workloads: [client('api', { callPath: [retry(3)] })] })), 'retry-amplification');
    // Reported where the chain ends (and where it passes two layers already).
    const deepest = hints.find((h) => h.to === 'db');
    expect(deepest?.message).toContain('3 × 3 × 3 = 27 attempts at db');
    expect(deepest?.path).toEqual(['nodes', 1, 'calls', 0]);
    // One layer is not amplification.
    const single = designHints(scenario({ nodes: [svc('api', { calls: [call('db', guarded())] }), svc('db')], workloads: [client('api', { callPath: [retry(3)] })] }));
    expect(of(single, 'retry-amplification')).toEqual([]);
  });

  it('a sidecar\'s retries count as a layer below the app\'s', () => {
    const retry = { type: 'retry', maxAttempts: 2 };
    const nodes = [svc('api', { calls: [call('db', [retry, ...guarded()])], sidecar: { outbound: [{ type: 'retry', maxAttempts: 3 }] } }), svc('db')];
    const hints = of(designHints(scenario({ nodes, workloads: [client('api')] })), 'retry-amplification');
    expect(hints.map((h) => h.message)).toEqual([expect.stringContaining('2 × 3 = 6 attempts at db')]);
  });

  it('a dependency with no breaker, bulkhead or concurrency limit', () => {
    const bare = designHints(scenario({ nodes: [svc('api', { calls: [call('db', [{ type: 'timeout', timeoutMs: 100 }])] }), svc('db')], workloads: [client('api')] }));
    expect(of(bare, 'unprotected-dependency').map((h) => h.to)).toEqual(['db']);
    for (const guard of [{ type: 'circuit-breaker' }, { type: 'bulkhead', maxConcurrentCalls: 5 }, { type: 'concurrency-limit' }]) {
      const hints = designHints(scenario({ nodes: [svc('api', { calls: [call('db', [guard, { type: 'timeout', timeoutMs: 100 }])] }), svc('db')], workloads: [client('api')] }));
      expect(of(hints, 'unprotected-dependency')).toEqual([]);
    }
  });

  it('a queue redelivering for ever, and not one with a redrive policy or one that is a dead-letter queue', () => {
    const q = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'queue', ...extra });
    const hints = designHints(scenario({ nodes: [q('jobs'), q('jobs-dlq'), q('orders', { maxReceiveCount: 5, deadLetterQueue: 'jobs-dlq' })], workloads: [client('jobs')] }));
    expect(of(hints, 'queue-without-dead-letter').map((h) => h.node)).toEqual(['jobs']);
  });

  it('a single instance on every path, and not a balanced pair or a call with a fallback', () => {
    const lb = (hosts: string[]) => ({ type: 'load-balancer', hosts });
    const nodes = [svc('api-a', { calls: [call('db', guarded())] }), svc('api-b', { calls: [call('db', guarded())] }), svc('db'), svc('cache')];
    const hints = designHints(scenario({ nodes, workloads: [client('api-a', { callPath: [lb(['api-a', 'api-b'])] })] }));
    expect(of(hints, 'single-point-of-failure').map((h) => [h.node, h.path])).toEqual([['db', ['nodes', 2]]]);
    const withFallback = [svc('api', { calls: [call('recs', [{ type: 'fallback' }, ...guarded()])] }), svc('recs')];
    const fb = of(designHints(scenario({ nodes: withFallback, workloads: [client('api')] })), 'single-point-of-failure');
    expect(fb.map((h) => h.node)).toEqual(['api']);
    const group = [svc('web', { count: 3 })];
    const grouped = designHints(scenario({ nodes: group, workloads: [client('web-0', { callPath: [lb(['web'])] })] }));
    expect(of(grouped, 'single-point-of-failure')).toEqual([]);
  });

  it('a service offered more than it serves: ρ from rates, fan-out, routes by type and balancers', () => {
    // 10/s to api, which calls db twice per request: db gets 20/s at 40 ms mean = ρ 0.8 (no hint) …
    const nodes = (dbMs: number) => [svc('api', { calls: [call('db', guarded()), call('db', guarded())] }), svc('db', { serviceTime: { type: 'constant', ms: dbMs } })];
    expect(of(designHints(scenario({ nodes: nodes(40), workloads: [client('api')] })), 'overloaded')).toEqual([]);
    // … at 50 ms ρ = 1 exactly (the queue grows without bound), reported with the numbers.
    const at50 = of(designHints(scenario({ nodes: nodes(50), workloads: [client('api')] })), 'overloaded');
    expect(at50.map((h) => h.node)).toEqual(['db']);
    expect(at50[0].message).toContain('ρ = 1');
    // A call only for one request type carries only its share; a balancer splits evenly; workers add capacity.
    const typed = [svc('api', { calls: [{ to: 'db', forTypes: ['POST /orders'], callPath: guarded() }] }), svc('db', { serviceTime: { type: 'constant', ms: 400 } })];
    const requests = [{ name: 'GET /orders', weight: 3 }, { name: 'POST /orders', weight: 1 }];
    // 10/s × 1/4 = 2.5/s × 0.4 s = ρ 1.0
    expect(of(designHints(scenario({ nodes: typed, workloads: [client('api', { requests })] })), 'overloaded').map((h) => h.node)).toEqual(['db']);
    const twoWorkers = [typed[0], { ...typed[1], workers: 2 }];
    expect(of(designHints(scenario({ nodes: twoWorkers, workloads: [client('api', { requests })] })), 'overloaded')).toEqual([]);
    const lb = [svc('a', { serviceTime: { type: 'constant', ms: 150 } }), svc('b', { serviceTime: { type: 'constant', ms: 150 } })];
    // 10/s split over two hosts: 5/s × 0.15 s = 0.75 each; all to one would be 1.5.
    expect(of(designHints(scenario({ nodes: lb, workloads: [client('a', { callPath: [{ type: 'load-balancer', hosts: ['a', 'b'] }] })] })), 'overloaded')).toEqual([]);
    expect(of(designHints(scenario({ nodes: lb, workloads: [client('a')] })), 'overloaded').map((h) => h.node)).toEqual(['a']);
  });

  it('a timeout shorter than the timeouts below it add up to', () => {
    const nodes = [svc('api', { calls: [call('auth', guarded(300)), call('db', [{ type: 'retry', maxAttempts: 2 }, ...guarded(400)])] }), svc('auth'), svc('db')];
    // Below api: 300 + 2 × 400 = 1100 ms.
    const short = of(designHints(scenario({ nodes, workloads: [client('api', { timeoutMs: 1000 })] })), 'timeout-shorter-than-chain');
    expect(short.map((h) => [h.node, h.path])).toEqual([['client', ['workloads', 0]]]);
    expect(short[0].message).toContain('1100 ms');
    expect(of(designHints(scenario({ nodes, workloads: [client('api', { timeoutMs: 1100 })] })), 'timeout-shorter-than-chain')).toEqual([]);
    // In parallel the calls overlap: the longest (800) counts, not the sum.
    const parallel = [{ ...nodes[0], callMode: 'parallel' }, nodes[1], nodes[2]];
    expect(of(designHints(scenario({ nodes: parallel, workloads: [client('api', { timeoutMs: 1000 })] })), 'timeout-shorter-than-chain')).toEqual([]);
  });

  it('a gateway\'s routes join the graph through the node-kind registry', () => {
    const gateway = {
      id: 'gw',
      kind: 'api-gateway',
      routes: [{ type: '*', to: [{ node: 'a', weight: 1, callPath: guarded() }, { node: 'b', weight: 1 }] }],
    };
    const hints = designHints(scenario({ nodes: [gateway, svc('a'), svc('b')], workloads: [client('gw')] }));
    expect(of(hints, 'no-timeout').map((h) => h.path)).toEqual([['nodes', 0, 'routes', 0, 'to', 1]]);
    // Weighted backends are alternatives: neither is on every path; the gateway is.
    expect(of(hints, 'single-point-of-failure').map((h) => h.node)).toEqual(['gw']);
  });

  it('a clean design has no hints', () => {
    const lb = { type: 'load-balancer', hosts: ['api-0', 'api-1'] };
    const nodes = [
      svc('api', { count: 2, calls: [call('db-0', [{ type: 'retry', maxAttempts: 2 }, { type: 'load-balancer', hosts: ['db'] }, ...guarded(100)])] }),
      svc('db', { count: 2 }),
    ];
    const hints = designHints(scenario({ nodes, workloads: [client('api-0', { callPath: [lb], timeoutMs: 1000 })] }));
    expect(hints).toEqual([]);
  });
});

describe('the hints command', () => {
  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const { main } = await import('../../sim/cli/main.ts');
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  }

  it('prints each hint with its field path, as text and as JSON; a variant changes them', async () => {
    const text = await cli('hints', 'resilience/load-balancing');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^overloaded {2}nodes\[3\]\n {2}slow is offered 100 requests\/s/m);
    const json = await cli('hints', 'queueing/mm1', '--json', '--set', 'workloads[0].timeoutMs=1000');
    expect(JSON.parse(json.stdout).map((h: DesignHint) => [h.kind, h.path])).toEqual([['single-point-of-failure', 'nodes[0]']]);
    const bad = await cli('hints', 'queueing/mm1', '--set', 'workloads[0].timeoutMs=-1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('workloads[0].timeoutMs');
  });
});
