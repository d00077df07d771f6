/**
 * The sandbox's parameter sliders (ui/params/parameters.ts): which numbers a scenario offers,
 * their ranges from the schema's bounds, and how a change becomes a validated scenario text
 * that the command line's `--set` would make too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applySets, readScenarioJson } from '../../sim/scenario/load.ts';
import type { ScenarioSource } from '../../ui/gallery.ts';
import { loadScenarioText, loadScenarioValue } from '../../ui/load.ts';
import { applyParameters, baseSource, findParameters, isEdited, setArguments, sliderRange, type Parameter } from '../../ui/params/parameters.ts';

function builtIn(id: string): ScenarioSource {
  const text = readFileSync(new URL(`../../scenarios/${id}.json`, import.meta.url), 'utf8');
  return { id, folder: id.split('/')[0], text, loaded: loadScenarioText(text) };
}

function scenarioOf(source: ScenarioSource) {
  if (!source.loaded.ok) throw new Error(`${source.id} does not load: ${JSON.stringify(source.loaded.errors)}`);
  return source.loaded.scenario;
}

function byPath(source: ScenarioSource): Map<string, Parameter & { group: string }> {
  return new Map(findParameters(scenarioOf(source)).flatMap((g) => g.parameters.map((p) => [p.path, { ...p, group: g.title }] as const)));
}

const cascading = builtIn('resilience/cascading-failure');

describe('finding parameters', () => {
  it('offers the arrival rate, workers, service times and the call path’s policy numbers, grouped by owner', () => {
    const groups = findParameters(scenarioOf(cascading));
    expect(groups.map((g) => g.title)).toEqual(['workload client', 'service api', 'api → payments call path', 'service payments']);
    const params = byPath(cascading);
    expect(params.get('workloads[0].arrival.ratePerSec')).toMatchObject({ label: 'arrival.ratePerSec', value: 400, integer: false, group: 'workload client' });
    expect(params.get('nodes[0].workers')).toMatchObject({ value: 16, integer: true, min: 1, step: 1 });
    expect(params.get('nodes[1].serviceTime.meanMs')).toMatchObject({ label: 'serviceTime.meanMs', value: 10 });
    expect(params.get('nodes[0].calls[0].callPath[1].failureRateThreshold')).toMatchObject({ label: 'breaker.failureRateThreshold', value: 50 });
    expect(params.get('nodes[0].calls[0].callPath[2].timeoutMs')).toMatchObject({ label: 'timeout.timeoutMs', value: 200 });
    expect(params.get('workloads[0].timeoutMs')?.value).toBe(1000);
  });

  it('shows a policy field the file leaves unset at its effective value (defaults, then preset)', () => {
    const params = byPath(cascading);
    // Not in the file: Resilience4j's defaults.
    expect(params.get('nodes[0].calls[0].callPath[1].slowCallDurationThresholdMs')?.value).toBe(60_000);
    const storm = byPath(builtIn('resilience/retry-storm'));
    expect(storm.get('workloads[0].callPath[0].maxAttempts')?.value).toBe(4);
    expect(storm.get('workloads[0].callPath[0].multiplier')?.value).toBe(1.5); // retry DEFAULTS
    expect(storm.get('workloads[0].callPath[0].budget.ratio')).toMatchObject({ label: 'retry.budget.ratio', value: 0.1 });
    const preset: ScenarioSource = {
      ...cascading,
      loaded: loadScenarioValue(applySets(readJson(cascading.text), { 'nodes[0].calls[0].callPath[1]': { type: 'circuit-breaker', preset: 'polly' } })),
    };
    expect(byPath(preset).get('nodes[0].calls[0].callPath[1].failureRateThreshold')?.value).toBe(10); // Polly's
  });

  it('leaves out layout, start/stop times, and fields the setting of another field makes moot', () => {
    const paths = [...byPath(builtIn('resilience/load-balancing')).keys()];
    expect(paths.some((p) => /position|startMs|stopMs|keySpace|adaptiveLifoThreshold|maglevTableSize/.test(p))).toBe(false);
    expect(paths.length).toBeGreaterThan(0);
  });

  it('finds the numbers of other node kinds too', () => {
    const saga = byPath(builtIn('transactions/saga-completes'));
    expect([...saga.values()].some((p) => p.label === 'stepTimeoutMs' && p.value > 0)).toBe(true);
  });
});

describe('slider ranges', () => {
  it('span 0…4× the value up to a round number, inside the schema bounds', () => {
    expect(sliderRange(400, { min: 0, minExclusive: true, max: Infinity, integer: false })).toEqual({ min: 10, max: 2000, step: 10 });
    expect(sliderRange(16, { min: 1, minExclusive: false, max: 1e6, integer: true })).toEqual({ min: 1, max: 100, step: 1 });
    // A percentage: 4× would pass the schema's 100.
    expect(sliderRange(50, { min: 0, minExclusive: true, max: 100, integer: false }).max).toBe(100);
    // A probability uses its whole range.
    expect(sliderRange(0, { min: 0, minExclusive: false, max: 1, integer: false })).toEqual({ min: 0, max: 1, step: 0.005 });
    // A value at 0 still gets a span to slide over.
    expect(sliderRange(0, { min: 0, minExclusive: false, max: 1e6, integer: true })).toEqual({ min: 0, max: 10, step: 1 });
  });

  it('always contain the current value', () => {
    for (const id of ['resilience/cascading-failure', 'resilience/retry-storm', 'resilience/bulkhead', 'resilience/burst-throttling', 'queueing/mmc', 'transactions/2pc-commit']) {
      for (const p of byPath(builtIn(id)).values()) {
        expect(p.min, `${id} ${p.path}`).toBeLessThanOrEqual(p.value);
        expect(p.max, `${id} ${p.path}`).toBeGreaterThanOrEqual(p.value);
        expect(p.step, `${id} ${p.path}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('applying changes', () => {
  it('makes the scenario `--set` makes, and keeps the file’s other content', () => {
    const result = applyParameters(cascading, { 'workloads[0].arrival.ratePerSec': '200', 'nodes[0].calls[0].callPath[1].minimumNumberOfCalls': ' 5 ' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const edited = result.source;
    const json = JSON.parse(edited.text) as { workloads: { arrival: { ratePerSec: number } }[]; $schema: string; nodes: { calls: { callPath: Record<string, unknown>[] }[] }[] };
    expect(json.workloads[0].arrival.ratePerSec).toBe(200);
    expect(json.nodes[0].calls[0].callPath[1].minimumNumberOfCalls).toBe(5);
    expect(json.$schema).toBe('../scenario.schema.json');
    // What `npm run sim -- run … --set …` validates and runs.
    const viaSet = loadScenarioValue(applySets(readJson(cascading.text), ['workloads[0].arrival.ratePerSec=200', 'nodes[0].calls[0].callPath[1].minimumNumberOfCalls=5']));
    expect(viaSet.ok).toBe(true);
    expect(edited.loaded).toEqual(viaSet);
    expect(edited).toMatchObject({ id: cascading.id, folder: null, sets: ['workloads[0].arrival.ratePerSec=200', 'nodes[0].calls[0].callPath[1].minimumNumberOfCalls=5'] });
    expect(baseSource(edited)).toBe(cascading);
    expect(setArguments(edited)).toBe(' --set workloads[0].arrival.ratePerSec=200 --set nodes[0].calls[0].callPath[1].minimumNumberOfCalls=5');
    expect(setArguments(cascading)).toBe('');
  });

  it('writes an unset policy field, and a later change to the same path replaces the earlier set', () => {
    const first = applyParameters(cascading, { 'nodes[0].calls[0].callPath[1].slowCallDurationThresholdMs': '500' });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    const second = applyParameters(first.source, { 'nodes[0].calls[0].callPath[1].slowCallDurationThresholdMs': '700', 'nodes[1].workers': '4' });
    if (!second.ok) throw new Error(JSON.stringify(second.errors));
    expect(second.source.sets).toEqual(['nodes[0].calls[0].callPath[1].slowCallDurationThresholdMs=700', 'nodes[1].workers=4']);
    expect(second.source.base).toBe(cascading);
    expect(byPath(second.source).get('nodes[0].calls[0].callPath[1].slowCallDurationThresholdMs')?.value).toBe(700);
    expect(byPath(second.source).get('nodes[1].workers')?.value).toBe(4);
    expect(isEdited(second.source) && !isEdited(cascading)).toBe(true);
  });

  it('explains an invalid value with its field path, as validating a file would', () => {
    expect(applyParameters(cascading, { 'workloads[0].arrival.ratePerSec': '0' })).toEqual({
      ok: false,
      errors: [{ path: 'workloads[0].arrival.ratePerSec', message: 'expected a number > 0, got 0' }],
    });
    const fraction = applyParameters(cascading, { 'nodes[0].workers': '2.5' });
    expect(fraction.ok ? [] : fraction.errors.map((e) => e.path)).toEqual(['nodes[0].workers']);
    const empty = applyParameters(cascading, { 'nodes[0].workers': '' });
    expect(empty.ok ? '' : empty.errors[0].message).toMatch(/expected .*number.*got ""/);
  });

  it('names a path that cannot be set, and refuses an empty change', () => {
    const result = applyParameters(cascading, { 'nodes[7].workers': '3' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toMatchObject({ path: 'nodes[7].workers', message: expect.stringContaining('past the end') });
    expect(applyParameters(cascading, {}).ok).toBe(false);
  });
});

function readJson(text: string): unknown {
  const read = readScenarioJson(text);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return read.value;
}
