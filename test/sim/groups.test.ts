import { describe, expect, it } from 'vitest';
import { writeJson } from '../../sim/cli/json-stream.ts';
import { validateScenario, type ScenarioError } from '../../sim/scenario/load.ts';
import { runScenario, scenarioHash, type RunResult } from '../../sim/scenario/run.ts';
import { MAX_SIMULATED_NODES } from '../../sim/scenario/schema.ts';
import { scenario } from '../helpers.ts';

// Node groups (sim/scenario/groups.ts) and per-group metrics (sim/scenario/group-metrics.ts).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- scenario JSON edited freely, into invalid shapes too
type Json = any;

const exp = (meanMs: number) => ({ type: 'exponential', meanMs });
const balancer = (hosts: string[]) => ({ type: 'load-balancer', hosts, algorithm: 'round-robin' });

/** A front end balancing over a group of `count` web servers, fed by one Poisson client. */
function webFarm(count: number, extra: Json = {}): Json {
  return {
    version: 1,
    title: 'web farm',
    description: 'a balancer in front of a group',
    durationMs: 2_000,
    nodes: [
      { id: 'front', kind: 'service', workers: 50, serviceTime: exp(0.1), calls: [{ to: 'web', callPath: [balancer(['web'])] }] },
      { id: 'web', kind: 'service', count, workers: 2, serviceTime: exp(5) },
    ],
    workloads: [{ id: 'users', kind: 'open', target: 'front', arrival: { type: 'poisson', ratePerSec: 1_000 } }],
    ...extra,
  };
}

function errorsOf(input: Json): ScenarioError[] {
  const r = validateScenario(input);
  if (r.ok) throw new Error('expected the scenario to be invalid');
  return r.errors;
}

function errorAt(input: Json, path: string): string {
  const errors = errorsOf(input);
  const e = errors.find((x) => x.path === path);
  if (!e) throw new Error(`no error at ${path}; got ${JSON.stringify(errors)}`);
  return e.message;
}

function histogramAt(r: RunResult, name: string): Record<string, number> {
  const m = r.metrics[name];
  if (typeof m !== 'object') throw new Error(`${name} is not a histogram: ${JSON.stringify(m)}`);
  return m;
}

describe('node groups: expansion', () => {
  it('expands a group into count instances named by the default pattern <id>-{i}, from 0', () => {
    const s = scenario(webFarm(3));
    expect(s.nodes.map((n) => [n.id, n.group])).toEqual([['front', undefined], ['web-0', 'web'], ['web-1', 'web'], ['web-2', 'web']]);
    expect(s.nodes.every((n) => !('count' in n) && !('idPattern' in n))).toBe(true);
  });

  it('names instances by idPattern, and expands a workload group the same way', () => {
    const input = webFarm(2);
    input.nodes[1].idPattern = 'web.{i}.eu';
    input.nodes[0].calls[0].callPath = [balancer(['web'])];
    input.workloads[0] = { ...input.workloads[0], count: 3, idPattern: 'u{i}' };
    const s = scenario(input);
    expect(s.nodes.map((n) => n.id)).toEqual(['front', 'web.0.eu', 'web.1.eu']);
    expect(s.workloads.map((w) => [w.id, w.group])).toEqual([['u0', 'users'], ['u1', 'users'], ['u2', 'users']]);
  });

  it('replaces a group name by its members in balancer hosts, links, chaos and partitions', () => {
    const s = scenario(webFarm(3, {
      links: [{ from: 'front', to: 'web', latency: { type: 'constant', ms: 1 } }],
      chaos: { crash: { intervalMs: 500, probability: 0.1, nodes: ['web'] } },
      faults: [{ atMs: 100, type: 'partition', groups: [['front'], ['web']], durationMs: 50 }],
    }));
    const front = s.nodes[0];
    expect(front.kind === 'service' && front.calls[0].callPath[0]).toMatchObject({ hosts: ['web-0', 'web-1', 'web-2'] });
    expect(s.links.map((l) => `${l.from}>${l.to}`)).toEqual(['front>web-0', 'front>web-1', 'front>web-2']);
    expect(s.chaos?.crash?.nodes).toEqual(['web-0', 'web-1', 'web-2']);
    expect(s.faults[0]).toMatchObject({ groups: [['front'], ['web-0', 'web-1', 'web-2']] });
  });

  it('leaves a scenario without groups exactly as it was (no group fields, no declared copy)', () => {
    const s = scenario({ ...webFarm(1), nodes: [{ id: 'web', kind: 'service', serviceTime: exp(5) }], workloads: [{ id: 'users', kind: 'open', target: 'web', arrival: { type: 'poisson', ratePerSec: 10 } }] });
    expect('declared' in s).toBe(false);
    expect(s.nodes[0]).not.toHaveProperty('group');
  });

  it('hashes the scenario as written: the hash changes with count but is not a hash of the instances', () => {
    const a = scenario(webFarm(3));
    const b = scenario(webFarm(4));
    expect(scenarioHash(a)).not.toBe(scenarioHash(b));
    expect(scenarioHash(a)).toBe(scenarioHash({ ...a, nodes: [] }));
  });
});

describe('node groups: validation', () => {
  it('refuses a pattern without exactly one {i}, or with characters ids may not have', () => {
    const at = (idPattern: string) => {
      const input = webFarm(3);
      input.nodes[1].idPattern = idPattern;
      return errorAt(input, 'nodes[1].idPattern');
    };
    expect(at('web')).toBe('expected a pattern holding "{i}" exactly once, got "web"');
    expect(at('w{i}{i}')).toBe('expected a pattern holding "{i}" exactly once, got "w{i}{i}"');
    expect(at('web {i}')).toBe('expected a pattern of the id characters A-Z a-z 0-9 _ . : - around "{i}", got "web {i}"');
  });

  it('refuses ids that the count makes longer than 64 characters', () => {
    const input = webFarm(1000);
    input.nodes[1].id = 'w'.repeat(62);
    input.nodes[0].calls[0] = { to: input.nodes[1].id, callPath: [balancer([input.nodes[1].id])] };
    expect(errorAt(input, 'nodes[1].id')).toBe(`expected ids of at most 64 characters, but "${'w'.repeat(62)}-999" has 66`);
  });

  it('refuses idPattern without count', () => {
    const input = webFarm(2);
    input.nodes[0].idPattern = 'front-{i}';
    expect(errorAt(input, 'nodes[0].idPattern')).toBe('expected "count" with "idPattern": only a group has an id pattern');
  });

  it('refuses an instance id that another node already has', () => {
    const input = webFarm(3);
    input.nodes.push({ id: 'web-2', kind: 'service', serviceTime: exp(1) });
    expect(errorAt(input, 'nodes[2].id')).toBe('id "web-2" is already used by nodes[1]');
    const before = webFarm(3);
    before.nodes.unshift({ id: 'web-1', kind: 'service', serviceTime: exp(1) });
    expect(errorAt(before, 'nodes[2].id')).toBe('the instance id "web-1" is already used by nodes[0]');
  });

  it('refuses count 0 and a count over the limits, at the count', () => {
    expect(errorAt(webFarm(0), 'nodes[1].count')).toBe('expected an integer ≥ 1, got 0');
    expect(errorAt(webFarm(300_000), 'nodes[1].count')).toBe(
      'expected at most 199998 (limits.maxNodes 200000 minus the 2 other nodes and workloads), got 300000',
    );
    expect(errorAt(webFarm(10, { limits: { maxNodes: MAX_SIMULATED_NODES + 1 } }), 'limits.maxNodes')).toMatch(/4194304/);
  });

  it('refuses a group where one node is meant, pointing at an instance', () => {
    const input = webFarm(3, { faults: [{ atMs: 10, type: 'crash', node: 'web' }] });
    expect(errorAt(input, 'faults[0].node')).toBe('expected one node, got the group "web" of 3 (name an instance such as "web-0")');
  });

  it('refuses a call to a group without a load balancer to pick the member', () => {
    const input = webFarm(3);
    input.nodes[0].calls[0].callPath = [];
    expect(errorAt(input, 'nodes[0].calls[0].to')).toBe(
      '"web" is a group of 3 nodes: a call to a group needs a "load-balancer" in its callPath (with the group in its hosts), which picks the member',
    );
  });

  it('refuses a workload group as balancer hosts', () => {
    const input = webFarm(3);
    input.workloads[0].count = 2;
    input.nodes[0].calls[0].callPath = [balancer(['users'])];
    expect(errorAt(input, 'nodes[0].calls[0].callPath[0].hosts[0]')).toBe('expected a node from "nodes", got the workload "users"');
  });

  it('refuses a partition that puts a member in two groups through its group name', () => {
    const input = webFarm(3, { faults: [{ atMs: 10, type: 'partition', groups: [['web-1'], ['web']] }] });
    expect(errorAt(input, 'faults[0].groups[1][0]')).toBe('"web-1" (of "web") is already in groups[0]');
  });
});

describe('node groups: runs', () => {
  it('addresses one instance: a crash of web-3 crashes web-3 only, and the check that names it sees it', () => {
    const r = runScenario(scenario(webFarm(8, {
      faults: [{ atMs: 500, type: 'crash', node: 'web-3' }],
      checks: [{ type: 'metric', metric: 'web-3.crashes', op: '==', value: 1 }],
    })));
    expect(r.checks.map((c) => c.ok)).toEqual([true]);
    expect(r.metrics['web-3.crashes']).toBe(1);
    expect(r.metrics['web-4.crashes']).toBeUndefined(); // not named by a check: folded into web
    expect(r.metrics['web.crashes']).toBe(1);
    expect(histogramAt(r, 'web-3.sojournMs').count).toBeLessThan(histogramAt(r, 'web.sojournMs').count / 8);
  });

  it('balances a call to a group over every member', () => {
    const r = runScenario(scenario(webFarm(5)), { perNodeMetrics: true });
    const served = [0, 1, 2, 3, 4].map((i) => r.metrics[`web-${i}.served`] as number);
    expect(Math.max(...served) - Math.min(...served)).toBeLessThanOrEqual(1); // round-robin
    expect(served.reduce((a, b) => a + b)).toBe(r.metrics['front.served']);
  });

  it('gives each instance its own random stream: adding a group changes nothing another group draws', () => {
    const base = webFarm(4);
    const more = webFarm(4);
    more.nodes.push({ id: 'idle', kind: 'service', count: 50, serviceTime: exp(3) });
    const a = runScenario(scenario(base), { perNodeMetrics: true });
    const b = runScenario(scenario(more), { perNodeMetrics: true });
    for (let i = 0; i < 4; i++) expect(b.metrics[`web-${i}.sojournMs`]).toEqual(a.metrics[`web-${i}.sojournMs`]);
    // …and the instances' draws differ from one another (their streams are not one stream).
    expect(a.metrics['web-0.sojournMs']).not.toEqual(a.metrics['web-1.sojournMs']);
  });

  it('reports a group as one: counters and gauge means summed, histograms merged exactly', () => {
    const detail = runScenario(scenario(webFarm(6)), { perNodeMetrics: true });
    const grouped = runScenario(scenario(webFarm(6)));
    expect(grouped.traceHash).toBe(detail.traceHash);
    const members = [0, 1, 2, 3, 4, 5].map((i) => `web-${i}`);
    expect(grouped.metrics['web.instances']).toBe(6);
    expect(grouped.metrics['web.served']).toBe(members.reduce((sum, m) => sum + (detail.metrics[`${m}.served`] as number), 0));
    const sojourn = histogramAt(grouped, 'web.sojournMs');
    expect(sojourn.count).toBe(members.reduce((sum, m) => sum + histogramAt(detail, `${m}.sojournMs`).count, 0));
    expect(sojourn.max).toBe(Math.max(...members.map((m) => histogramAt(detail, `${m}.sojournMs`).max)));
    expect(sojourn.p50).toBeGreaterThan(Math.min(...members.map((m) => histogramAt(detail, `${m}.sojournMs`).p50)));
    expect(sojourn.p50).toBeLessThan(Math.max(...members.map((m) => histogramAt(detail, `${m}.sojournMs`).p50)));
    const busy = grouped.metrics['web.busy'] as Record<string, number>;
    expect(busy.mean).toBeCloseTo(members.reduce((sum, m) => sum + (detail.metrics[`${m}.busy`] as Record<string, number>).mean, 0), 9);
    // Without the flag no member's own metric is reported.
    expect(Object.keys(grouped.metrics).filter((k) => /^web-\d/.test(k))).toEqual([]);
    expect(Object.keys(detail.metrics).filter((k) => k.startsWith('web-0.')).length).toBeGreaterThan(3);
  });

  it('runs a 100,000-node group to the end with a result the size of a few groups', () => {
    const input = webFarm(100_000);
    input.nodes[0].calls[0].callPath = [{ type: 'load-balancer', hosts: ['web'], algorithm: 'random' }];
    input.workloads[0].arrival.ratePerSec = 200;
    input.durationMs = 1_000;
    const r = runScenario(scenario(input));
    expect(r.outcome).toEqual({ status: 'completed' });
    expect(r.metrics['web.instances']).toBe(100_000);
    expect(histogramAt(r, 'web.sojournMs').count).toBe(r.metrics['front.served']);
    expect((r.metrics['front->web.load-balancer.host.web.requests'] as number)).toBe(r.metrics['front.served']);
    expect(Object.keys(r.metrics).length).toBeLessThan(100);
  }, 600_000);
});

describe('run --json streaming', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes', () => {
    const value = {
      a: 1,
      empty: {},
      none: [],
      skip: undefined,
      list: [1, 'two', null, undefined, { deep: { deeper: [1, { x: 'y\n' }] } }],
      metrics: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`node-${i}.served`, { count: i, p50: i / 3 }])),
    };
    let text = '';
    writeJson(value, (chunk) => (text += chunk));
    expect(text).toBe(JSON.stringify(value, null, 2));
  });

  it('hands a big result over in many chunks', () => {
    const chunks: string[] = [];
    writeJson({ metrics: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`n${i}`, i])) }, (c) => chunks.push(c));
    expect(chunks.length).toBeGreaterThan(3);
  });
});
