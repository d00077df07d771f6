/**
 * Compare mode's pure parts (ui/compare): which sides a scenario offers, how a side becomes the
 * scenario text and seed a worker runs (a variant side must load to exactly the scenario the
 * command line's --variant loads), and the rows of the metrics delta table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../sim/cli/scenario-file.ts';
import { runScenario, scenarioHash, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { change, deltaRows, formatChange, formatRelative, metricDirection, verdictOf, type DeltaRow } from '../../ui/compare/delta.ts';
import { choiceKey, defaultSides, describeSide, nextSeed, resolveSide, sideChoices, sideSeed, sideText, type Side } from '../../ui/compare/sides.ts';
import { loadScenarioText } from '../../ui/load.ts';

const file = (id: string) => new URL(`../../scenarios/${id}.json`, import.meta.url).pathname;
const textOf = (id: string) => readFileSync(file(id), 'utf8');

function load(id: string): Scenario {
  const loaded = loadScenarioText(textOf(id));
  if (!loaded.ok) throw new Error(`${id}: ${JSON.stringify(loaded.errors)}`);
  return loaded.scenario;
}

describe('the sides a scenario offers', () => {
  it('are as written, each variant, and as written under another seed', () => {
    const s = load('resilience/burst-throttling');
    const choices = sideChoices(s, 7);
    expect(choices).toEqual([
      { kind: 'as-written' },
      ...s.variants.map((v) => ({ kind: 'variant', name: v.name })),
      { kind: 'seed', seed: 8 },
    ]);
    expect(new Set(choices.map(choiceKey)).size).toBe(choices.length);
  });

  it('default to the scenario as written against its first variant', () => {
    const s = load('resilience/cascading-failure');
    expect(defaultSides(s, 5)).toEqual([{ kind: 'as-written' }, { kind: 'variant', name: 'no-protection' }]);
  });

  it('without variants, default to the seed box against the next seed', () => {
    const s = load('network/crash-restart');
    expect(s.variants).toEqual([]);
    expect(defaultSides(s, 41)).toEqual([{ kind: 'as-written' }, { kind: 'seed', seed: 42 }]);
    // No valid seed in the box: the scenario's own.
    expect(defaultSides(s, null)[1]).toEqual({ kind: 'seed', seed: s.seed + 1 });
    expect(nextSeed(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('are described in words', () => {
    expect(describeSide({ kind: 'as-written' })).toBe('as written');
    expect(describeSide({ kind: 'variant', name: 'no-retry' })).toBe('variant no-retry');
    expect(describeSide({ kind: 'seed', seed: 9 })).toBe('as written, seed 9');
  });
});

describe('a side as the text and seed a worker runs', () => {
  it('a variant side loads to exactly the scenario the command line loads with --variant', () => {
    for (const [id, variant] of [
      ['resilience/cascading-failure', 'no-protection'],
      ['resilience/retry-storm', 'naive-retries'],
    ] as const) {
      const text = sideText(textOf(id), { kind: 'variant', name: variant });
      const loaded = loadScenarioText(text);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      const cli = loadScenarioFile(file(id), [], variant);
      expect(loaded.scenario).toEqual(cli);
      expect(scenarioHash(loaded.scenario)).toBe(scenarioHash(cli));
      // …and differs from the scenario as written.
      expect(scenarioHash(loaded.scenario)).not.toBe(scenarioHash(load(id)));
    }
  });

  it('as written, and under a seed of its own, run the text unchanged', () => {
    const text = textOf('resilience/cascading-failure');
    expect(sideText(text, { kind: 'as-written' })).toBe(text);
    expect(sideText(text, { kind: 'seed', seed: 3 })).toBe(text);
  });

  it('takes the seed box’s seed unless it has its own', () => {
    expect(sideSeed({ kind: 'as-written' }, 12)).toBe(12);
    expect(sideSeed({ kind: 'variant', name: 'x' }, 12)).toBe(12);
    expect(sideSeed({ kind: 'seed', seed: 99 }, 12)).toBe(99);
  });

  it('resolves to text, scenario, seed and label', () => {
    const r = resolveSide(textOf('resilience/cascading-failure'), { kind: 'variant', name: 'no-protection' }, 4);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.resolved.seed).toBe(4);
    expect(r.resolved.label).toBe('variant no-protection');
    expect(r.resolved.scenario.nodes[0].kind === 'service' && r.resolved.scenario.nodes[0].calls[0].callPath).toEqual([]);
  });

  it('an unknown variant is explained, naming the known ones', () => {
    const side: Side = { kind: 'variant', name: 'no-such' };
    const r = resolveSide(textOf('resilience/cascading-failure'), side, 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toBe('unknown variant "no-such" (known: "no-protection")');
  });

  it('text that is not JSON is explained', () => {
    const r = resolveSide('{ not json', { kind: 'variant', name: 'x' }, 1);
    expect(r.ok).toBe(false);
  });
});

describe('the delta table', () => {
  const base = load('resilience/cascading-failure');
  const variantText = sideText(textOf('resilience/cascading-failure'), { kind: 'variant', name: 'no-protection' });
  const variantLoaded = loadScenarioText(variantText);
  if (!variantLoaded.ok) throw new Error('variant does not load');
  const variant = variantLoaded.scenario;

  const result = (metrics: RunResult['metrics']) => ({ metrics, simTimeUs: 10_000_000 });
  const row = (rows: DeltaRow[], metric: string) => {
    const r = rows.find((x) => x.metric === metric);
    if (!r) throw new Error(`no row ${metric} in ${rows.map((x) => x.metric).join(', ')}`);
    return r;
  };

  it('has the command line’s key metrics of both sides, with B − A, the relative change and a verdict', () => {
    const a = result({ 'client.requests': 1000, 'client.ok': 900, 'client.fallback': 80, 'client.timeout': 20, 'client.latencyMs': { p50: 12, p99: 80 }, 'api.rejected': 0, 'api->payments.breaker.opened': 2 });
    const b = result({ 'client.requests': 1000, 'client.ok': 450, 'client.fallback': 0, 'client.timeout': 500, 'client.latencyMs': { p50: 12, p99: 1000 }, 'api.rejected': 1200 });
    const rows = deltaRows({ scenario: base, result: a }, { scenario: variant, result: b });
    // Workload metrics first, then what either side's checks name (the variant's client.rejected too).
    expect(rows.map((r) => r.metric)).toEqual([
      'client.requests',
      'client.ok',
      'client.fallback',
      'client.error',
      'client.timeout',
      'client.rejected',
      'client.latencyMs.p50',
      'client.latencyMs.p99',
      'client.throughputPerSec',
      'api->payments.breaker.opened',
      'api.rejected',
    ]);
    expect(row(rows, 'client.ok')).toEqual({ metric: 'client.ok', a: 900, b: 450, change: -450, relative: -0.5, direction: 'up', verdict: 'worse' });
    expect(row(rows, 'client.timeout')).toMatchObject({ change: 480, relative: 24, verdict: 'worse' });
    expect(row(rows, 'client.latencyMs.p50')).toMatchObject({ change: 0, relative: 0, verdict: 'same' });
    // B answers half as many requests ok: its latency is over other requests, so it is not judged.
    expect(row(rows, 'client.latencyMs.p99')).toMatchObject({ change: 920, direction: 'down', verdict: 'conditional' });
    // (ok + fallback) per simulated second: 98/s against 45/s.
    expect(row(rows, 'client.throughputPerSec')).toMatchObject({ a: 98, b: 45, change: -53, verdict: 'worse' });
    // Fallbacks have no good direction: fewer of them may mean more failures.
    expect(row(rows, 'client.fallback')).toMatchObject({ change: -80, relative: -1, direction: null, verdict: null });
    // From zero: no relative change ("new").
    expect(row(rows, 'api.rejected')).toMatchObject({ a: 0, b: 1200, change: 1200, relative: null, verdict: 'worse' });
    // A metric only one side has: no change at all.
    expect(row(rows, 'api->payments.breaker.opened')).toMatchObject({ a: 2, b: null, change: null, relative: null, verdict: null });
    expect(row(rows, 'client.error')).toMatchObject({ a: null, b: null, change: null });
  });

  it('colours a change by the metric’s direction, where one is known', () => {
    expect(metricDirection('client.ok')).toBe('up');
    expect(metricDirection('client.throughputPerSec')).toBe('up');
    expect(metricDirection('client.timeout')).toBe('down');
    expect(metricDirection('api.rejected')).toBe('down');
    expect(metricDirection('client.latencyMs.p99')).toBe('down');
    expect(metricDirection('client.requests')).toBe(null);
    expect(metricDirection('client.fallback')).toBe(null);
    expect(metricDirection('client.retry.retries')).toBe(null);
    expect(metricDirection('api->payments.breaker.opened')).toBe(null);
    // A quantile of something other than latency says nothing by itself.
    expect(metricDirection('api.queueDepth.p99')).toBe(null);
    expect(verdictOf(5, 'up')).toBe('better');
    expect(verdictOf(-5, 'up')).toBe('worse');
    expect(verdictOf(-5, 'down')).toBe('better');
    expect(verdictOf(0, null)).toBe('same');
    expect(verdictOf(3, null)).toBe(null);
    expect(verdictOf(null, 'up')).toBe(null);
  });

  it('relative change is against |A|', () => {
    expect(change(-10, -5)).toEqual({ change: 5, relative: 0.5 });
    expect(change(0, 0)).toEqual({ change: 0, relative: 0 });
    expect(change(0, 3)).toEqual({ change: 3, relative: null });
    expect(change(null, 3)).toEqual({ change: null, relative: null });
  });

  it('formats changes with their sign', () => {
    expect(formatChange(1234)).toBe('+1,234');
    expect(formatChange(-12.5)).toBe('−12.5');
    expect(formatChange(0)).toBe('0');
    expect(formatChange(null)).toBe('—');
    expect(formatRelative({ change: 5, relative: 0.125 })).toBe('+12.5%');
    expect(formatRelative({ change: -450, relative: -0.5 })).toBe('−50.0%');
    expect(formatRelative({ change: 480, relative: 24 })).toBe('+2400%');
    expect(formatRelative({ change: 3, relative: null })).toBe('new');
    expect(formatRelative({ change: 0, relative: 0 })).toBe('0%');
    expect(formatRelative({ change: null, relative: null })).toBe('—');
  });

  it('on real runs: without protection, clients time out far more and get fewer answers', () => {
    const seed = base.seed;
    const a = runScenario(base, { seed });
    const b = runScenario(variant, { seed });
    const rows = deltaRows({ scenario: base, result: a }, { scenario: variant, result: b });
    const timeout = row(rows, 'client.timeout');
    expect(timeout.change).toBeGreaterThan(100);
    expect(timeout.verdict).toBe('worse');
    expect(row(rows, 'client.throughputPerSec').verdict).toBe('worse');
    expect(row(rows, 'client.ok').b).toBeLessThan(row(rows, 'client.ok').a!);
  });
});

describe('compare colours tell the truth (issue 10, item 9)', () => {
  const base = load('resilience/cascading-failure');
  const result = (metrics: RunResult['metrics']) => ({ metrics, simTimeUs: 10_000_000 });
  const latencyRow = (a: RunResult['metrics'], b: RunResult['metrics'], q: 'p50' | 'p99') => {
    const r = deltaRows({ scenario: base, result: result(a) }, { scenario: base, result: result(b) }).find((x) => x.metric === `client.latencyMs.${q}`);
    if (!r) throw new Error('no latency row');
    return r;
  };

  it('a latency drop while far fewer requests succeed is not coloured better, and says why', () => {
    // B answers 30% of what A does, and those few fast: the survivors, not an improvement.
    const row = latencyRow({ 'client.ok': 1000, 'client.latencyMs': { p50: 40, p99: 400 } }, { 'client.ok': 300, 'client.latencyMs': { p50: 5, p99: 20 } }, 'p99');
    expect(row.change).toBe(-380);
    expect(row.verdict).toBe('conditional');
    expect(row.note).toMatch(/^not judged: B answered 70% fewer requests ok per second \(A 100\/s, B 30\/s\)/);
  });

  it('the same rule keeps a latency rise from being called worse when the other side lost its successes', () => {
    const row = latencyRow({ 'client.ok': 200, 'client.latencyMs': { p50: 5, p99: 20 } }, { 'client.ok': 1000, 'client.latencyMs': { p50: 40, p99: 400 } }, 'p50');
    expect(row.verdict).toBe('conditional');
    expect(row.note).toMatch(/A answered 80% fewer/);
  });

  it('with comparable goodput (within 10%) latency is coloured by its direction', () => {
    const better = latencyRow({ 'client.ok': 1000, 'client.latencyMs': { p50: 40, p99: 400 } }, { 'client.ok': 950, 'client.latencyMs': { p50: 30, p99: 100 } }, 'p99');
    expect(better).toMatchObject({ verdict: 'better' });
    expect(better.note).toBeUndefined();
    const worse = latencyRow({ 'client.ok': 1000, 'client.latencyMs': { p50: 40, p99: 400 } }, { 'client.ok': 1050, 'client.latencyMs': { p50: 50, p99: 500 } }, 'p99');
    expect(worse).toMatchObject({ verdict: 'worse' });
    // Exactly at the tolerance still counts as comparable.
    expect(latencyRow({ 'client.ok': 1000, 'client.latencyMs': { p99: 400 } }, { 'client.ok': 900, 'client.latencyMs': { p99: 100 } }, 'p99').verdict).toBe('better');
  });

  it('other metrics keep their colours whatever goodput does', () => {
    const rows = deltaRows({ scenario: base, result: result({ 'client.ok': 1000, 'client.timeout': 0 }) }, { scenario: base, result: result({ 'client.ok': 100, 'client.timeout': 900 }) });
    expect(rows.find((r) => r.metric === 'client.ok')).toMatchObject({ verdict: 'worse' });
    expect(rows.find((r) => r.metric === 'client.timeout')).toMatchObject({ verdict: 'worse' });
  });
});
