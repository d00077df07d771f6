import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { SCENARIO_SCHEMA_FILE, renderScenarioJsonSchema } from '../sim/cli/write-json-schema.ts';
import {
  MAX_SCENARIO_BYTES,
  ScenarioSetError,
  applySets,
  applyVariant,
  canonicalJson,
  formatErrors,
  formatPath,
  parseScenarioText,
  validateScenario,
  type LoadResult,
  type ScenarioError,
} from '../sim/scenario/load.ts';
import type { Check, Fault, Scenario } from '../sim/scenario/schema.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------------

/** Scenario JSON that tests edit freely, including into invalid shapes: deliberately untyped. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The smallest useful scenario: one server, one Poisson client. */
function minimal(): Json {
  return {
    version: 1,
    title: 'M/M/1 queue',
    description: 'One server, one Poisson client.',
    durationMs: 60_000,
    nodes: [{ id: 'server', kind: 'service', serviceTime: { type: 'exponential', meanMs: 1000 } }],
    workloads: [{ id: 'client', kind: 'open', target: 'server', arrival: { type: 'poisson', ratePerSec: 0.8 } }],
  };
}

/** Every feature of FORMAT.md's example, made consistent (nodes a, b, c exist). */
function rich(): Json {
  const service = (id: string) => ({ id, kind: 'service', serviceTime: { type: 'constant', ms: 2 } });
  return {
    version: 1,
    title: 'Everything',
    description: 'Uses every field of the format.',
    watch: 'the queue',
    notes: 'teaching notes',
    seed: 7,
    durationMs: 10_000,
    limits: { maxEvents: 1_000_000, maxNodes: 100, maxMessagesInFlight: 10_000, maxPendingEvents: 100_000 },
    metrics: { windowMs: 100 },
    network: {
      latency: { type: 'constant', ms: 1 },
      lossProbability: 0,
      duplicateProbability: 0,
      reorderProbability: 0.1,
      reorderExtraMaxMs: 5,
      ordered: true,
      capacityPerSec: null,
      queueLimit: 1000,
    },
    links: [
      {
        from: 'client',
        to: 'server',
        bidirectional: true,
        latency: { type: 'lognormal', medianMs: 5, sigma: 0.5 },
        lossProbability: 0.01,
      },
      { from: 'a', to: 'b', latency: { type: 'uniform', minMs: 1, maxMs: 3 }, capacityPerSec: 100 },
    ],
    nodes: [
      {
        id: 'server',
        kind: 'service',
        label: 'API server',
        position: { x: 100, y: 50 },
        workers: 2,
        queueCapacity: 50,
        queueDiscipline: 'lifo',
        serviceTime: { type: 'exponential', meanMs: 10 },
        errorProbability: 0.01,
        slowdownFactor: 1.5,
        dropExpired: true,
      },
      service('a'),
      { ...service('b'), serviceTime: { type: 'normal', meanMs: 5, stdDevMs: 1 } },
      { ...service('c'), serviceTime: { type: 'pareto', scaleMs: 1, shape: 2.5 } },
    ],
    workloads: [
      {
        id: 'client',
        kind: 'open',
        target: 'server',
        arrival: { type: 'poisson', ratePerSec: 50 },
        timeoutMs: 200,
        propagateDeadline: true,
        startMs: 0,
        stopMs: null,
      },
      {
        id: 'users',
        kind: 'closed',
        target: 'server',
        clients: 10,
        thinkTime: { type: 'exponential', meanMs: 500 },
        timeoutMs: 2000,
        startMs: 100,
        stopMs: 9000,
      },
      { id: 'burst', kind: 'open', target: 'a', arrival: { type: 'bursts', bursts: [{ atMs: 5000, count: 100 }] } },
      {
        id: 'stepper',
        kind: 'open',
        target: 'b',
        arrival: { type: 'steps', steps: [{ atMs: 0, ratePerSec: 5 }, { atMs: 3000, ratePerSec: 0 }] },
      },
      {
        id: 'ramper',
        kind: 'open',
        target: 'c',
        arrival: { type: 'ramp', fromRatePerSec: 1, toRatePerSec: 20, rampStartMs: 1000, rampDurationMs: 4000 },
      },
      { id: 'steady', kind: 'open', target: 'c', arrival: { type: 'constant', ratePerSec: 2 } },
    ],
    faults: [
      { atMs: 1000, type: 'crash', node: 'server', restartAfterMs: 500 },
      { atMs: 1000, type: 'restart', node: 'server' },
      { atMs: 1000, type: 'pause', node: 'server', durationMs: 200 },
      { atMs: 1000, type: 'resume', node: 'server' },
      { atMs: 1000, type: 'partition', groups: [['a', 'b'], ['c']], durationMs: 500 },
      { atMs: 1000, type: 'partition', from: ['a'], to: ['c'] },
      { atMs: 1000, type: 'heal' },
      { atMs: 1000, type: 'latency', extraMs: 50, link: { from: 'a', to: 'b' }, durationMs: 100 },
      { atMs: 1000, type: 'loss', probability: 0.3, node: 'a', durationMs: 100 },
      { atMs: 1000, type: 'slow', node: 'server', factor: 5, durationMs: 1000 },
      { atMs: 1000, type: 'brownout', node: 'server', errorProbability: 0.5, durationMs: 1000 },
      { atMs: 1000, type: 'clock-skew', node: 'server', skewMs: -250 },
    ],
    chaos: {
      crash: { intervalMs: 1000, probability: 0.01, restartAfterMs: 500, nodes: ['server'] },
      partition: { intervalMs: 1000, probability: 0.1, durationMs: 300, groups: [['a'], ['b']] },
    },
    checks: [
      { name: 'mean latency near theory', type: 'theory', model: 'mm1', node: 'server', measure: 'sojourn', tolerancePct: 3 },
      { type: 'metric', metric: 'client.latencyMs.p99', op: '<', value: 50 },
      { type: 'metric', metric: 'client.ok', op: 'within', value: 1000, tolerancePct: 5 },
      { type: 'littles-law', node: 'server', tolerancePct: 2 },
      { type: 'no-partition-crossing' },
      { type: 'no-delivery-to-down-node' },
    ],
    variants: [
      { name: 'no-timeout', description: 'wait forever', set: { 'workloads[0].timeoutMs': null } },
      { name: 'busy', set: { 'workloads[0].arrival.ratePerSec': 90, 'nodes[0].workers': 1 } },
    ],
  };
}

function expectOk(result: LoadResult): Scenario {
  if (!result.ok) throw new Error(`expected a valid scenario, got:\n${formatErrors(result.errors)}`);
  return result.scenario;
}

function errorsOf(input: unknown): ScenarioError[] {
  const result = validateScenario(input);
  if (result.ok) throw new Error('expected the scenario to be rejected');
  return result.errors;
}

/** The single error at `path` (fails the test when there is none or several). */
function errorAt(errors: ScenarioError[], path: string): ScenarioError {
  const found = errors.filter((e) => e.path === path);
  if (found.length !== 1) throw new Error(`expected one error at ${path}, got:\n${formatErrors(errors)}`);
  return found[0];
}

/** The contract for any input: ok with a scenario, or a non-empty list of path + message. */
function isWellFormed(result: LoadResult): boolean {
  if (result.ok) return typeof result.scenario === 'object' && result.scenario !== null;
  const nonEmpty = (s: unknown) => typeof s === 'string' && s.length > 0;
  return (
    Array.isArray(result.errors) &&
    result.errors.length > 0 &&
    result.errors.every((e) => nonEmpty(e.path) && nonEmpty(e.message))
  );
}

function expectWellFormed(result: LoadResult): void {
  if (!isWellFormed(result)) throw new Error(`not a well-formed result: ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

describe('validateScenario: accepted scenarios', () => {
  it('fills every default of a minimal scenario', () => {
    const scenario = expectOk(validateScenario(minimal()));
    expect(scenario).toEqual({
      version: 1,
      title: 'M/M/1 queue',
      description: 'One server, one Poisson client.',
      seed: 1,
      durationMs: 60_000,
      limits: { maxEvents: 50_000_000, maxNodes: 200_000, maxMessagesInFlight: 1_000_000, maxPendingEvents: 5_000_000 },
      metrics: { windowMs: 300 },
      network: {
        latency: { type: 'constant', ms: 0 },
        lossProbability: 0,
        duplicateProbability: 0,
        reorderProbability: 0,
        reorderExtraMaxMs: 0,
        ordered: true,
        capacityPerSec: null,
        queueLimit: 1000,
      },
      links: [],
      nodes: [
        {
          id: 'server',
          kind: 'service',
          calls: [],
          callMode: 'sequential',
          workers: 1,
          queueCapacity: null,
          queueDiscipline: 'fifo',
          adaptiveLifoThreshold: 10,
          serviceTime: { type: 'exponential', meanMs: 1000 },
          errorProbability: 0,
          slowdownFactor: 1,
          dropExpired: false,
        },
      ],
      workloads: [
        {
          id: 'client',
          kind: 'open',
          target: 'server',
          callPath: [],
          arrival: { type: 'poisson', ratePerSec: 0.8 },
          timeoutMs: null,
          propagateDeadline: false,
          startMs: 0,
          stopMs: null,
        },
      ],
      faults: [],
      checks: [],
      charts: [],
      variants: [],
    });
  });

  it('types defaulted fields as always present', () => {
    const scenario = expectOk(validateScenario(minimal()));
    expectTypeOf(scenario.metrics.windowMs).toEqualTypeOf<number>();
    expectTypeOf(scenario.seed).toEqualTypeOf<number>();
    expectTypeOf(scenario.network.capacityPerSec).toEqualTypeOf<number | null>();
    const node = scenario.nodes[0];
    if (node.kind === 'service') expectTypeOf(node.workers).toEqualTypeOf<number>();
    expectTypeOf(scenario.workloads[0].timeoutMs).toEqualTypeOf<number | null>();
    expectTypeOf<Check['name']>().toEqualTypeOf<string>();
  });

  it('keeps metrics.windowMs at 1 ms or more for short runs', () => {
    expect(expectOk(validateScenario({ ...minimal(), durationMs: 50 })).metrics.windowMs).toBe(1);
    expect(expectOk(validateScenario({ ...minimal(), metrics: { windowMs: 7 } })).metrics.windowMs).toBe(7);
  });

  it('accepts every field of the format', () => {
    const scenario = expectOk(validateScenario(rich()));
    expect(scenario.faults).toHaveLength(12);
    expect(scenario.workloads.map((w) => w.kind)).toEqual(['open', 'closed', 'open', 'open', 'open', 'open']);
  });

  it('names unnamed checks from their fields', () => {
    const names = expectOk(validateScenario(rich())).checks.map((c) => c.name);
    expect(names[0]).toBe('mean latency near theory');
    expect(names.slice(1).every((n) => n.length > 0)).toBe(true);
    expect(names[1]).toBe('client.latencyMs.p99 < 50');
  });

  it('narrows a partition fault to exactly one of its two shapes', () => {
    const faults = expectOk(validateScenario(rich())).faults.filter(
      (f): f is Extract<Fault, { type: 'partition' }> => f.type === 'partition',
    );
    expect(faults[0]).toEqual({ atMs: 1000, type: 'partition', groups: [['a', 'b'], ['c']], durationMs: 500 });
    expect(faults[1]).toEqual({ atMs: 1000, type: 'partition', from: ['a'], to: ['c'], durationMs: null });
  });

  it('is idempotent: a validated scenario validates to itself', () => {
    for (const input of [minimal(), rich()]) {
      const once = expectOk(validateScenario(input));
      expect(expectOk(validateScenario(once))).toEqual(once);
    }
  });

  it('does not change its input', () => {
    const input = rich();
    const before = JSON.stringify(input);
    validateScenario(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('validateScenario: rejected scenarios', () => {
  it('rejects an unknown key at the top level, naming it and the allowed keys', () => {
    const e = errorAt(errorsOf({ ...minimal(), foo: 1 }), 'foo');
    expect(e.message).toMatch(/^unknown key "foo" \(allowed: \$schema, version, title, description/);
  });

  it('rejects an unknown nested key and suggests the near miss', () => {
    const input = minimal();
    input.nodes[0].wrkers = 2;
    const e = errorAt(errorsOf(input), 'nodes[0].wrkers');
    expect(e.message).toContain('did you mean "workers"?');
    expect(e.message).toContain('allowed: id, kind,');
  });

  it('rejects a negative latency', () => {
    const input = minimal();
    input.network = { latency: { type: 'constant', ms: -1 } };
    expect(errorAt(errorsOf(input), 'network.latency.ms').message).toBe('expected a number ≥ 0, got -1');
  });

  it('rejects NaN and infinities in a JavaScript object', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const input = minimal();
      input.nodes[0].serviceTime.meanMs = bad;
      expect(errorAt(errorsOf(input), 'nodes[0].serviceTime.meanMs').message).toBe(`expected a finite number, got ${bad}`);
    }
  });

  it('rejects NaN given with --set (JSON has no NaN, so it arrives as a string)', () => {
    const input = applySets(minimal(), ['nodes[0].serviceTime.meanMs=NaN']);
    expect(errorAt(errorsOf(input), 'nodes[0].serviceTime.meanMs').message).toBe('expected a number, got "NaN"');
  });

  it('rejects a link to a node that does not exist', () => {
    const input = { ...minimal(), links: [{ from: 'client', to: 'ghost' }] };
    expect(errorAt(errorsOf(input), 'links[0].to').message).toBe('no node or workload named "ghost"');
  });

  it('rejects every dangling reference', () => {
    const input = rich();
    input.workloads[0].target = 'nowhere';
    input.faults[0].node = 'ghost1';
    input.faults[4].groups = [['a'], ['ghost2']];
    input.faults[7].link = { from: 'a', to: 'ghost3' };
    input.chaos.crash.nodes = ['ghost4'];
    input.checks[3].node = 'ghost5';
    const paths = errorsOf(input).map((e) => e.path);
    expect(paths).toEqual([
      'workloads[0].target',
      'faults[0].node',
      'faults[4].groups[1][0]',
      'faults[7].link.to',
      'chaos.crash.nodes[0]',
      'checks[3].node',
    ]);
  });

  it('rejects a workload whose target is another workload', () => {
    const input = rich();
    input.workloads[0].target = 'users';
    expect(errorAt(errorsOf(input), 'workloads[0].target').message).toBe(
      'expected a node from "nodes", got the workload "users"',
    );
  });

  it('rejects the wrong version, and a missing one', () => {
    expect(errorAt(errorsOf({ ...minimal(), version: 2 }), 'version').message).toBe('expected 1, got 2');
    const { version: _version, ...unversioned } = minimal();
    expect(errorAt(errorsOf(unversioned), 'version').message).toBe('missing required field: expected 1');
  });

  it('rejects duplicate ids across nodes and workloads', () => {
    const input = minimal();
    input.workloads[0].id = 'server';
    expect(errorAt(errorsOf(input), 'workloads[0].id').message).toBe('id "server" is already used by nodes[0]');
  });

  it('rejects ids with spaces and overlong ids', () => {
    const input = minimal();
    input.nodes[0].id = 'my server';
    input.workloads[0].id = 'x'.repeat(65);
    const errors = errorsOf(input);
    expect(errorAt(errors, 'nodes[0].id').message).toMatch(/^expected an id made of letters, digits/);
    expect(errorAt(errors, 'workloads[0].id').message).toBe('expected at most 64 characters, got 65');
  });

  it('names the choices of a discriminated union', () => {
    const input = minimal();
    input.nodes[0].serviceTime = { type: 'gaussian', meanMs: 3 };
    input.nodes[0].queueDiscipline = 'random';
    const errors = errorsOf(input);
    expect(errorAt(errors, 'nodes[0].serviceTime.type').message).toBe(
      'expected one of "constant", "uniform", "exponential", "normal", "lognormal", "pareto", got "gaussian"',
    );
    expect(errorAt(errors, 'nodes[0].queueDiscipline').message).toBe('expected one of "fifo", "lifo", "adaptive-lifo", got "random"');
  });

  it('checks ranges: uniform min ≤ max, probabilities, integers, stop after start', () => {
    const input = rich();
    input.links[1].latency = { type: 'uniform', minMs: 5, maxMs: 3 };
    input.network.lossProbability = 1.5;
    input.nodes[0].workers = 1.5;
    input.workloads[1].stopMs = 50;
    input.faults[0].atMs = -1;
    input.workloads[2].arrival.bursts[0].atMs = -3;
    const errors = errorsOf(input);
    expect(errorAt(errors, 'links[1].latency.maxMs').message).toBe('expected a number ≥ minMs (5), got 3');
    expect(errorAt(errors, 'network.lossProbability').message).toBe('expected a number ≤ 1, got 1.5');
    expect(errorAt(errors, 'nodes[0].workers').message).toBe('expected an integer, got 1.5');
    expect(errorAt(errors, 'workloads[1].stopMs').message).toBe('expected a number ≥ startMs (100) or null, got 50');
    expect(errorAt(errors, 'faults[0].atMs').message).toBe('expected a number ≥ 0, got -1');
    expect(errorAt(errors, 'workloads[2].arrival.bursts[0].atMs').message).toBe('expected a number ≥ 0, got -3');
  });

  it('requires limits.maxNodes to cover every node and workload', () => {
    const input = { ...rich(), limits: { maxNodes: 5 } };
    expect(errorAt(errorsOf(input), 'limits.maxNodes').message).toBe(
      'expected at least 10 (the number of nodes and workloads), got 5',
    );
  });

  it('requires one partition shape, and each node in one group only', () => {
    const input = rich();
    input.faults[4] = { atMs: 1, type: 'partition', groups: [['a', 'b'], ['b']] };
    input.faults[5] = { atMs: 1, type: 'partition', from: ['a'] };
    input.faults[6] = { atMs: 1, type: 'partition' };
    const errors = errorsOf(input);
    expect(errorAt(errors, 'faults[4].groups[1][0]').message).toBe('"b" is already in groups[0]');
    expect(errorAt(errors, 'faults[5].to').message).toMatch(/^required with "from"/);
    expect(errorAt(errors, 'faults[6]').message).toBe('expected "groups", or "from" and "to"');
  });

  it('checks variants: unique names, field-path keys, JSON values', () => {
    const input = rich();
    input.variants.push({ name: 'busy', set: {} });
    input.variants.push({ name: 'odd', set: { 'nodes[0]..workers': 1, 'a.__proto__': 1, 'nodes[0].workers': NaN } });
    const errors = errorsOf(input);
    expect(errorAt(errors, 'variants[2].name').message).toBe('variant "busy" is already defined by variants[1]');
    expect(errorAt(errors, 'variants[3].set["nodes[0]..workers"]').message).toMatch(/is not a field path/);
    expect(errorAt(errors, 'variants[3].set["a.__proto__"]').message).toMatch(/"__proto__" is not allowed/);
    expect(errorAt(errors, 'variants[3].set["nodes[0].workers"]').message).toMatch(/expected JSON data/);
  });

  it('requires tolerancePct for a "within" metric check', () => {
    const input = { ...minimal(), checks: [{ type: 'metric', metric: 'client.ok', op: 'within', value: 3 }] };
    expect(errorAt(errorsOf(input), 'checks[0].tolerancePct').message).toBe('required when op is "within"');
  });

  it('reports all problems at once, each with a path', () => {
    const input = rich();
    input.title = '';
    input.durationMs = -5;
    input.nodes[1].workers = 0;
    input.bogus = true;
    input.faults[2].durationMs = 'long';
    const errors = errorsOf(input);
    expect(errors.map((e) => e.path).sort()).toEqual(
      ['bogus', 'durationMs', 'faults[2].durationMs', 'nodes[1].workers', 'title'].sort(),
    );
    expect(errorAt(errors, 'faults[2].durationMs').message).toBe('expected a number or null, got "long"');
    expect(errorAt(errors, 'durationMs').message).toBe('expected a number > 0, got -5');
  });

  it('rejects things that are not scenarios at all', () => {
    for (const input of [null, undefined, 42, 'text', [], [minimal()]]) {
      const errors = errorsOf(input);
      expect(errors).toHaveLength(1);
      expect(errors[0].path).toBe('(root)');
      expect(errors[0].message).toMatch(/^(expected an object|missing required field: expected an object)/);
    }
  });

  it('caps text fields and arrays', () => {
    const errors = errorsOf({ ...minimal(), title: 't'.repeat(201), description: 'd'.repeat(5001) });
    expect(errorAt(errors, 'title').message).toBe('expected at most 200 characters, got 201');
    expect(errorAt(errors, 'description').message).toBe('expected at most 5000 characters, got 5001');
    const labelled = minimal();
    labelled.nodes[0].label = 'l'.repeat(101);
    expect(errorAt(errorsOf(labelled), 'nodes[0].label').message).toBe('expected at most 100 characters, got 101');
  });
});

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

describe('parseScenarioText', () => {
  it('parses and validates', () => {
    expect(expectOk(parseScenarioText(JSON.stringify(minimal()))).metrics.windowMs).toBe(300);
  });

  it('accepts a leading byte order mark', () => {
    expectOk(parseScenarioText(`\uFEFF${JSON.stringify(minimal())}`));
  });

  it('reports text that is not JSON, with a line and column', () => {
    const result = parseScenarioText('{\n  "version": 1,\n  oops\n}');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].path).toBe('(root)');
    expect(result.errors[0].message).toMatch(/^not valid JSON: .*line 3/);
  });

  it('rejects text over the size limit before parsing it', () => {
    const huge = `{"title": "${'x'.repeat(MAX_SCENARIO_BYTES)}"}`;
    const result = parseScenarioText(huge);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: '(root)', message: expect.stringContaining('more than the limit of 5 MiB (5242880 bytes)') }],
    });
  });

  it('measures the limit in UTF-8 bytes', () => {
    const text = JSON.stringify({ ...minimal(), description: 'é'.repeat(600) });
    expect(text.length).toBeLessThan(1000);
    const result = parseScenarioText(text, { maxBytes: 1000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toMatch(/^the scenario is 1\.\d KiB \(\d+ bytes\), more than the limit of 1000 bytes$/);
    expectOk(parseScenarioText(text, { maxBytes: 2000 }));
  });
});

// ---------------------------------------------------------------------------------------------
// --set and variants
// ---------------------------------------------------------------------------------------------

describe('applySets', () => {
  it('parses values as JSON when they parse, as strings otherwise', () => {
    const out = applySets(minimal(), [
      'nodes[0].workers=3',
      'workloads[0].timeoutMs=null',
      'workloads[0].propagateDeadline=true',
      'network.latency={"type":"constant","ms":5}',
      'title=Hello = world',
      'description=',
    ]) as Json;
    expect(out.nodes[0].workers).toBe(3);
    expect(out.workloads[0].timeoutMs).toBeNull();
    expect(out.workloads[0].propagateDeadline).toBe(true);
    expect(out.network.latency).toEqual({ type: 'constant', ms: 5 });
    expect(out.title).toBe('Hello = world');
    expect(out.description).toBe('');
    expectOk(validateScenario(out));
  });

  it('returns a copy and leaves its input alone', () => {
    const input = minimal();
    const before = JSON.stringify(input);
    const out = applySets(input, { 'nodes[0].serviceTime.meanMs': 5 }) as Json;
    expect(JSON.stringify(input)).toBe(before);
    expect(out.nodes[0].serviceTime.meanMs).toBe(5);
    expect(out.nodes).not.toBe(input.nodes);
  });

  it('creates missing objects, and appends to a list at its length only', () => {
    const out = applySets(minimal(), ['chaos.crash.intervalMs=1000', 'links[0].from=client']) as Json;
    expect(out.chaos).toEqual({ crash: { intervalMs: 1000 } });
    expect(out.links).toEqual([{ from: 'client' }]);
    const appended = applySets(minimal(), ['nodes[1]={"id":"b","kind":"service","serviceTime":{"type":"constant","ms":1}}']);
    expectOk(validateScenario(appended));
    expect(() => applySets(minimal(), ['nodes[2].id=x'])).toThrow(/index 2 is past the end of nodes \(length 1/);
  });

  it('throws ScenarioSetError for malformed input', () => {
    const cases: [string, RegExp][] = [
      ['workers', /expected path=value/],
      ['=3', /the path is empty/],
      ['nodes[0]..workers=1', /expected a field name at character 10/],
      ['nodes[x].workers=1', /expected an index such as \[0\]/],
      ['nodes[-1].workers=1', /expected an index/],
      ['nodes.workers=1', /nodes is a list: use an index/],
      ['title.x=1', /title is "M\/M\/1 queue", not an object/],
      ['durationMs[0]=1', /durationMs is 60000, not a list/],
      ['a.=1', /expected a field name at the end/],
    ];
    for (const [text, message] of cases) {
      expect(() => applySets(minimal(), [text]), text).toThrow(ScenarioSetError);
      expect(() => applySets(minimal(), [text]), text).toThrow(message);
    }
  });

  it('refuses __proto__, constructor and prototype anywhere in a path', () => {
    for (const path of ['__proto__.polluted', 'nodes[0].__proto__.polluted', 'constructor.prototype.polluted', 'a.prototype']) {
      expect(() => applySets(minimal(), [`${path}=1`])).toThrow(/is not allowed in a field path/);
      expect(() => applySets(minimal(), { [path]: 1 })).toThrow(ScenarioSetError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('copies an own "__proto__" key from JSON as data, never as a prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "title": "t"}');
    const out = applySets(input, ['title=u']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'title']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyVariant', () => {
  it('applies the named variant', () => {
    const out = applyVariant(rich(), 'busy') as Json;
    expect(out.workloads[0].arrival.ratePerSec).toBe(90);
    expect(out.nodes[0].workers).toBe(1);
    expect(expectOk(validateScenario(applyVariant(rich(), 'no-timeout'))).workloads[0].timeoutMs).toBeNull();
  });

  it('lists the known variants when the name is unknown', () => {
    expect(() => applyVariant(rich(), 'fast')).toThrow('unknown variant "fast" (known: "no-timeout", "busy")');
    expect(() => applyVariant(minimal(), 'fast')).toThrow(/this scenario has no variants/);
  });
});

// ---------------------------------------------------------------------------------------------
// Formatting and canonical JSON
// ---------------------------------------------------------------------------------------------

describe('formatErrors and formatPath', () => {
  it('prints one indented line per error', () => {
    expect(
      formatErrors([
        { path: 'nodes[1].serviceTime.meanMs', message: 'expected a number > 0, got -5' },
        { path: '(root)', message: 'not valid JSON: x' },
      ]),
    ).toBe('  nodes[1].serviceTime.meanMs: expected a number > 0, got -5\n  (root): not valid JSON: x');
  });

  it('writes paths the way --set reads them', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['nodes', 1, 'serviceTime', 'meanMs'])).toBe('nodes[1].serviceTime.meanMs');
    expect(formatPath(['variants', 0, 'set', 'a.b'])).toBe('variants[0].set["a.b"]');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    const a = canonicalJson({ b: 1, a: { y: [3, { d: 1, c: 2 }], x: null } });
    const b = canonicalJson({ a: { x: null, y: [3, { c: 2, d: 1 }] }, b: 1 });
    expect(a).toBe('{"a":{"x":null,"y":[3,{"c":2,"d":1}]},"b":1}');
    expect(b).toBe(a);
  });

  it('sorts integer-like keys as strings too, and follows JSON.stringify otherwise', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', z: undefined, n: NaN })).toBe('{"10":"a","9":"b","n":null}');
    expect(canonicalJson([undefined, 'é', -0])).toBe('[null,"é",0]');
  });

  it('gives equal text for equal scenarios whatever their key order', () => {
    const reversed = JSON.parse(JSON.stringify(rich()), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(canonicalJson(expectOk(validateScenario(reversed)))).toBe(canonicalJson(expectOk(validateScenario(rich()))));
  });

  it('throws on cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});

describe('scenarios/scenario.schema.json', () => {
  it('is up to date with the validator (run `npm run schema`)', () => {
    expect(readFileSync(SCENARIO_SCHEMA_FILE, 'utf8')).toBe(renderScenarioJsonSchema());
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

type Segment = string | number;
type Located = { path: Segment[]; value: unknown };

/** Every value in a JSON-like tree with its path, root first. */
function locations(value: unknown, path: Segment[] = [], out: Located[] = []): Located[] {
  out.push({ path, value });
  if (Array.isArray(value)) value.forEach((v, i) => locations(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) locations(v, [...path, k], out);
  }
  return out;
}

function parentOf(root: unknown, path: Segment[]): Json {
  return path.slice(0, -1).reduce((node: Json, seg) => node[seg], root);
}

/** Inside a variant's `set` any key may appear, so "unknown key" does not apply there. */
function insideVariantSet(path: Segment[]): boolean {
  return path[0] === 'variants' && path[2] === 'set';
}

const strangeNumbers = [-1, -1e-9, 0, 0.5, 1e300, -1e300, 2 ** 53, NaN, Infinity, -Infinity];
const strangeIds = ['', 'ghost', 'a b', 'x'.repeat(65), 'server', 'client', 'a', 'ü', '__proto__'];

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'unknownKey'; at: number; key: string }
  | { kind: 'number'; at: number; how: number; random: number }
  | { kind: 'string'; at: number; replacement: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('unknownKey' as const), at: fc.nat(), key: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), how: fc.nat(), random: fc.double() }),
  fc.record({
    kind: fc.constant('string' as const),
    at: fc.nat(),
    replacement: fc.oneof(fc.constantFrom(...strangeIds), fc.string({ maxLength: 70 })),
  }),
);

/** Applies one mutation in place; locations are picked afresh so earlier mutations count. */
function mutate(root: Record<string, unknown>, m: Mutation): void {
  const all = locations(root).slice(1); // never the root itself
  const pick = <T>(list: T[]): T | undefined => (list.length > 0 ? list[m.at % list.length] : undefined);
  switch (m.kind) {
    case 'delete': {
      const target = pick(all.filter((l) => typeof l.path[l.path.length - 1] === 'string'));
      if (target) delete parentOf(root, target.path)[target.path[target.path.length - 1]];
      return;
    }
    case 'set': {
      const target = pick(all);
      if (target) parentOf(root, target.path)[target.path[target.path.length - 1]] = m.value;
      return;
    }
    case 'unknownKey': {
      const objects = [{ path: [], value: root }, ...all].filter(
        (l) => l.value !== null && typeof l.value === 'object' && !Array.isArray(l.value),
      );
      const target = pick(objects);
      if (target) (target.value as Record<string, unknown>)[`zz${m.key}`] = 1;
      return;
    }
    case 'number': {
      const target = pick(all.filter((l) => typeof l.value === 'number'));
      if (!target) return;
      const old = target.value as number;
      const options = [...strangeNumbers, -old, old + 0.5, old * 1e12, m.random];
      parentOf(root, target.path)[target.path[target.path.length - 1]] = options[m.how % options.length];
      return;
    }
    case 'string': {
      const target = pick(all.filter((l) => typeof l.value === 'string'));
      if (target) parentOf(root, target.path)[target.path[target.path.length - 1]] = m.replacement;
    }
  }
}

describe('properties', () => {
  it('any JSON value: well-formed result, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectWellFormed(validateScenario(value));
      }),
      { numRuns: 300 },
    );
  });

  it('any JavaScript value: well-formed result, never a throw', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true }), (value) => {
        expectWellFormed(validateScenario(value));
      }),
      { numRuns: 200 },
    );
  });

  it('any text: well-formed result, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json({ maxDepth: 3 })), (text) => {
        expectWellFormed(parseScenarioText(text));
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated valid scenario: accepted (and stable) or well-formed errors', () => {
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (mutations) => {
        const input = rich();
        for (const m of mutations) mutate(input, m);
        const result = validateScenario(input);
        expectWellFormed(result);
        if (result.ok) expect(expectOk(validateScenario(result.scenario))).toEqual(result.scenario);
        // The same mutation through text (JSON turns NaN and Infinity into null).
        expectWellFormed(parseScenarioText(JSON.stringify(input)));
      }),
      { numRuns: 400 },
    );
  });

  it('an unknown key anywhere is reported at its own path', () => {
    fc.assert(
      fc.property(fc.nat(), fc.string({ minLength: 1, maxLength: 8 }), (at, key) => {
        const input = rich();
        const objects = locations(input).filter(
          (l) => l.value !== null && typeof l.value === 'object' && !Array.isArray(l.value) && !insideVariantSet(l.path),
        );
        const target = objects[at % objects.length];
        const unknown = `zz${key}`;
        (target.value as Record<string, unknown>)[unknown] = 1;
        const errors = errorsOf(input);
        const e = errorAt(errors, formatPath([...target.path, unknown]));
        expect(e.message.startsWith(`unknown key ${JSON.stringify(unknown)}`)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('--set with any text either applies or throws ScenarioSetError', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), (sets) => {
        try {
          expectWellFormed(validateScenario(applySets(rich(), sets)));
        } catch (e) {
          expect(e).toBeInstanceOf(ScenarioSetError);
        }
        expect(({} as Record<string, unknown>).zz).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('call-path references', () => {
  it('rejects a load balancer host that does not exist, naming its path', () => {
    const r = validateScenario({
      version: 1, title: 't', description: 'd', durationMs: 1000,
      nodes: [{ id: 'a', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'c', kind: 'open', target: 'a', arrival: { type: 'poisson', ratePerSec: 1 },
        callPath: [{ type: 'load-balancer', hosts: ['a', 'ghost'] }] }],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContainEqual({ path: 'workloads[0].callPath[0].hosts[1]', message: 'no node named "ghost"' });
  });
});
