/**
 * The sandbox's parameter sliders (ui/params/parameters.ts): which numbers a scenario offers,
 * their ranges from the schema's bounds, and how a change becomes a validated scenario text
 * that the command line's `--set` would make too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applySets, applyVariant, readScenarioJson } from '../../sim/scenario/load.ts';
import type { ScenarioSource } from '../../ui/gallery.ts';
import { loadScenarioText, loadScenarioValue } from '../../ui/load.ts';
import {
  applyParameters,
  baseSource,
  changeOf,
  changePath,
  findParameters,
  isEdited,
  pendingChanges,
  previewParameters,
  setArguments,
  sliderRange,
  unitOf,
  variantOf,
  withChange,
  withVariant,
  type Parameter,
} from '../../ui/params/parameters.ts';

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
    expect(storm.get('workloads[0].callPath[0].capMs')?.value).toBe(1000);
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
    expect([...saga.values()].some((p) => p.label === 'stepTimeoutMs' && p.kind === 'number' && p.value > 0)).toBe(true);
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
        if (p.kind !== 'number') continue;
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

/** The retry-storm scenario with its client's retry policy replaced by `retry`. */
function stormWithRetry(retry: Record<string, unknown>): ScenarioSource {
  const storm = builtIn('resilience/retry-storm');
  return { ...storm, loaded: loadScenarioValue(applySets(readJson(storm.text), { 'workloads[0].callPath[0]': { type: 'retry', ...retry } })) };
}

function retryFields(source: ScenarioSource): string[] {
  return [...byPath(source).keys()].filter((p) => p.startsWith('workloads[0].callPath[0].')).map((p) => p.slice('workloads[0].callPath[0].'.length));
}

describe('only the settings the configured policy reads', () => {
  it('offers each backoff kind exactly the fields backoffMs reads', () => {
    // backoffMs in sim/patterns/retry.ts: constant waits baseMs; the jittered and decorrelated
    // kinds cap base · 2^n at capMs (no multiplier); exponential multiplies; randomized spreads.
    const fields = (backoff: string) => retryFields(stormWithRetry({ backoff })).filter((f) => /^(baseMs|multiplier|capMs|randomizationFactor)$/.test(f));
    expect(fields('constant')).toEqual(['baseMs']);
    for (const jittered of ['full-jitter', 'equal-jitter', 'decorrelated']) expect(fields(jittered), jittered).toEqual(['baseMs', 'capMs']);
    expect(fields('exponential')).toEqual(['baseMs', 'multiplier', 'capMs']);
    expect(fields('randomized')).toEqual(['baseMs', 'multiplier', 'capMs', 'randomizationFactor']);
    // retry-storm's own full-jitter retry: no multiplier, which full jitter ignores.
    expect(retryFields(builtIn('resilience/retry-storm'))).not.toContain('multiplier');
  });

  it('reads the backoff a preset sets when the file leaves it out', () => {
    expect(retryFields(stormWithRetry({ preset: 'temporal' }))).toContain('multiplier'); // temporal: exponential
    expect(retryFields(stormWithRetry({ preset: 'aws' }))).not.toContain('multiplier'); // aws: full jitter
  });

  it('drops the rate rule and its window from a breaker that counts consecutive failures', () => {
    const breaker = (extra: Record<string, unknown>) =>
      [...byPath({ ...cascading, loaded: loadScenarioValue(applySets(readJson(cascading.text), { 'nodes[0].calls[0].callPath[1]': { type: 'circuit-breaker', ...extra } })) }).keys()]
        .filter((p) => p.startsWith('nodes[0].calls[0].callPath[1].'))
        .map((p) => p.slice('nodes[0].calls[0].callPath[1].'.length));
    const byRate = breaker({});
    expect(byRate).toEqual(expect.arrayContaining(['failureRateThreshold', 'minimumNumberOfCalls', 'slidingWindowSize', 'consecutiveFailures', 'waitDurationInOpenStateMs']));
    const consecutive = breaker({ consecutiveFailures: 5 });
    expect(consecutive).toEqual(expect.arrayContaining(['consecutiveFailures', 'waitDurationInOpenStateMs', 'permittedNumberOfCallsInHalfOpenState']));
    expect(consecutive.filter((f) => /failureRate|slowCall|minimumNumberOfCalls|slidingWindow/.test(f))).toEqual([]);
  });

  it('offers least request its choice count only, and hides a fallback answer that is only shown', () => {
    const lb = builtIn('resilience/load-balancing');
    const algorithm = byPath(lb).get('workloads[0].callPath[0].algorithm');
    expect(algorithm).toMatchObject({ kind: 'choice', value: 'least-request', options: expect.arrayContaining(['round-robin', 'bounded-load']) });
    expect(byPath(lb).has('workloads[0].callPath[0].choiceCount')).toBe(true);
    const roundRobin = applyParameters(lb, { 'workloads[0].callPath[0].algorithm': 'round-robin' });
    if (!roundRobin.ok) throw new Error(JSON.stringify(roundRobin.errors));
    expect([...byPath(roundRobin.source).keys()].filter((p) => /choiceCount|activeRequestBias|hashBalanceFactor/.test(p))).toEqual([]);
    expect([...byPath(cascading).keys()].some((p) => p === 'nodes[0].calls[0].callPath[0].value')).toBe(false);
  });

  it('gives every setting of every built-in scenario its unit and the schema’s description', () => {
    for (const id of ['resilience/retry-storm', 'resilience/cascading-failure', 'resilience/outlier-detection', 'network/crash-restart', 'transactions/saga-payment-fails']) {
      for (const p of byPath(builtIn(id)).values()) expect(p.help, `${id} ${p.path}`).not.toBe('');
    }
    const storm = byPath(builtIn('resilience/retry-storm'));
    expect(storm.get('workloads[0].callPath[0].baseMs')).toMatchObject({ unit: 'ms', help: expect.stringMatching(/first wait/) });
    expect(storm.get('workloads[0].arrival.ratePerSec')?.unit).toBe('/s');
    expect(byPath(cascading).get('nodes[0].calls[0].callPath[1].failureRateThreshold')?.unit).toBe('%');
    expect([unitOf('errorProbability'), unitOf('slowdownFactor'), unitOf('workers'), unitOf('ms')]).toEqual(['0–1', '×', '', 'ms']);
  });
});

describe('choices and switches', () => {
  const storm = builtIn('resilience/retry-storm');
  const retry = 'workloads[0].callPath[0]';

  it('offers the backoff kind, a budget on or off and the budget’s kind, beside the numbers', () => {
    const params = byPath(storm);
    expect(params.get(`${retry}.backoff`)).toMatchObject({ kind: 'choice', value: 'full-jitter', options: ['constant', 'exponential', 'full-jitter', 'equal-jitter', 'decorrelated', 'randomized'] });
    expect(params.get(`${retry}.budget`)).toMatchObject({ kind: 'toggle', value: true, on: '{"type":"ratio"}' });
    expect(params.get(`${retry}.budget.type`)).toMatchObject({ kind: 'choice', value: 'ratio', options: ['ratio', 'concurrent', 'token-bucket'], replaces: 'type' });
    expect(params.get('nodes[0].dropExpired')).toMatchObject({ kind: 'toggle', value: true, on: null });
  });

  it('applies a choice as the command line’s --set would', () => {
    const backoff = byPath(storm).get(`${retry}.backoff`)!;
    const result = applyParameters(storm, { [changePath(backoff)]: changeOf(backoff, 'exponential') });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.source.sets).toEqual([`${retry}.backoff=exponential`]);
    expect(result.source.loaded).toEqual(loadScenarioValue(applySets(readJson(storm.text), [`${retry}.backoff=exponential`])));
    // Exponential reads the multiplier: it is offered now, at its default.
    expect(byPath(result.source).get(`${retry}.multiplier`)).toMatchObject({ kind: 'number', value: 1.5 });
  });

  it('turns a budget off with a --set of the policy without it, and on again with its defaults', () => {
    const toggle = byPath(storm).get(`${retry}.budget`)!;
    const off = applyParameters(storm, { [changePath(toggle)]: changeOf(toggle, false) });
    if (!off.ok) throw new Error(JSON.stringify(off.errors));
    const policy = JSON.parse(off.source.text).workloads[0].callPath[0];
    expect(policy).toEqual({ type: 'retry', maxAttempts: 4, backoff: 'full-jitter', baseMs: 50, capMs: 1000 });
    expect(off.source.sets).toEqual([`${retry}=${JSON.stringify(policy)}`]);
    expect(off.source.loaded).toEqual(loadScenarioValue(applySets(readJson(storm.text), off.source.sets)));
    expect(byPath(off.source).get(`${retry}.budget`)).toMatchObject({ kind: 'toggle', value: false });
    expect(byPath(off.source).has(`${retry}.budget.ratio`)).toBe(false);

    const on = applyParameters(off.source, { [`${retry}.budget`]: changeOf(byPath(off.source).get(`${retry}.budget`)!, true) });
    if (!on.ok) throw new Error(JSON.stringify(on.errors));
    expect(byPath(on.source).get(`${retry}.budget.ratio`)?.value).toBe(0.1);
    expect(byPath(on.source).get(`${retry}.budget.windowMs`)?.value).toBe(60_000);
  });

  it('switches a budget’s kind by replacing it, the new kind starting from its defaults', () => {
    const kind = byPath(storm).get(`${retry}.budget.type`)!;
    expect(changePath(kind)).toBe(`${retry}.budget`);
    const result = applyParameters(storm, { [changePath(kind)]: changeOf(kind, 'token-bucket') });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.source.sets).toEqual([`${retry}.budget={"type":"token-bucket"}`]);
    expect(byPath(result.source).get(`${retry}.budget.maxTokens`)?.value).toBe(10);
  });

  it('previews the fields a pending choice brings up, and drops changes to fields it hides', () => {
    const scenario = scenarioOf(storm);
    const exponential = { [`${retry}.backoff`]: 'exponential' };
    const shown = previewParameters(storm, scenario, exponential, new Set());
    expect(shown.flatMap((g) => g.parameters.map((p) => p.path))).toContain(`${retry}.multiplier`);
    // A number being typed that is not valid yet: the choice still shows its fields.
    const typing = { ...exponential, [`${retry}.baseMs`]: '-' };
    expect(previewParameters(storm, scenario, typing, new Set([`${retry}.baseMs`])).flatMap((g) => g.parameters.map((p) => p.path))).toContain(`${retry}.multiplier`);
    // Back to full jitter: the multiplier typed meanwhile no longer matters.
    const back = { [`${retry}.backoff`]: 'constant', [`${retry}.multiplier`]: '3' };
    expect(pendingChanges(previewParameters(storm, scenario, back, new Set([`${retry}.multiplier`])), back)).toEqual({ [`${retry}.backoff`]: 'constant' });
  });

  it('lets a change to an object replace earlier changes inside it', () => {
    expect(withChange({ [`${retry}.budget.ratio`]: '0.2', 'nodes[0].workers': '3' }, `${retry}.budget`, null)).toEqual({ 'nodes[0].workers': '3', [`${retry}.budget`]: null });
    const first = applyParameters(storm, { [`${retry}.budget.ratio`]: '0.2' });
    if (!first.ok) throw new Error(JSON.stringify(first.errors));
    const second = applyParameters(first.source, { [`${retry}.budget`]: '{"type":"concurrent"}' });
    if (!second.ok) throw new Error(JSON.stringify(second.errors));
    expect(second.source.sets).toEqual([`${retry}.budget={"type":"concurrent"}`]);
  });
});

describe('variants', () => {
  it('run a variant as --variant does, and name it in the replay arguments', () => {
    const made = withVariant(cascading, 'no-protection');
    if (!made.ok) throw new Error(JSON.stringify(made.errors));
    expect(made.source.loaded).toEqual(loadScenarioValue(applyVariant(readJson(cascading.text), 'no-protection')));
    expect(variantOf(made.source)).toBe('no-protection');
    expect(baseSource(made.source)).toBe(cascading);
    expect(setArguments(made.source)).toBe(' --variant no-protection');
    // Sliders on a variant: the variant first, then the sets, as the command line applies them.
    const tuned = applyParameters(made.source, { 'nodes[0].workers': '4' });
    if (!tuned.ok) throw new Error(JSON.stringify(tuned.errors));
    expect(setArguments(tuned.source)).toBe(' --variant no-protection --set nodes[0].workers=4');
    expect(tuned.source.loaded).toEqual(loadScenarioValue(applySets(applyVariant(readJson(cascading.text), 'no-protection'), ['nodes[0].workers=4'])));
    // Back to the file as written.
    const back = withVariant(tuned.source, null);
    expect(back.ok && back.source).toBe(cascading);
    expect(withVariant(cascading, 'nope')).toMatchObject({ ok: false, errors: [{ path: '(variant)', message: expect.stringContaining('unknown variant "nope"') }] });
  });
});

function readJson(text: string): unknown {
  const read = readScenarioJson(text);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return read.value;
}
