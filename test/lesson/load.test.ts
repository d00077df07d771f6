import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTeachingValue, type ScenarioLookup } from '../../sim/lesson/load.ts';
import { conditionHolds } from '../../ui/teach/judge.ts';

const builtIn: ScenarioLookup = (name) => {
  try {
    return readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
};

const lesson = (overrides: Record<string, unknown> = {}) => ({
  kind: 'lesson',
  version: 1,
  title: 'Timeouts',
  summary: 'Why a call needs a timeout.',
  scenario: 'resilience/cascading-failure',
  steps: [
    { narration: 'Clients call the **API**.', highlight: [{ node: 'api' }, { link: { from: 'api', to: 'payments' } }] },
    {
      narration: 'Payments slows down.',
      pauseAtMs: 25000,
      predict: { type: 'number', question: 'How many time out?', unit: 'requests', answer: { metric: 'client.timeout' }, tolerancePct: 50 },
      action: { instruction: 'Run the variant without protection.', until: { type: 'variant', name: 'no-protection' } },
    },
  ],
  ...overrides,
});

describe('lesson files', () => {
  it('loads a lesson with the built-in scenario it names, defaults filled', () => {
    const r = loadTeachingValue(lesson(), builtIn);
    expect(r.ok).toBe(true);
    if (!r.ok || r.kind !== 'lesson') return;
    expect(r.played.name).toBe('resilience/cascading-failure');
    expect(r.played.scenario.nodes.map((n) => n.id)).toContain('payments');
    expect(r.lesson.steps[0].reveal).toBe(false);
    expect(r.lesson.steps[1].highlight).toEqual([]);
  });

  it('names the field path of every problem', () => {
    const bad = lesson({
      steps: [
        { narration: '', highlight: [{ node: 'api', chart: 'x' }] },
        { narration: 'x', predict: { type: 'choice', question: 'q', choices: ['a', 'b'], correct: 2 }, extra: 1 },
      ],
    });
    const r = loadTeachingValue(bad, builtIn);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toContain('steps[0].narration');
    expect(paths).toContain('steps[0].highlight[0]');
    expect(paths).toContain('steps[1].predict.correct');
    expect(paths).toContain('steps[1].extra');
  });

  it('checks references against the scenario: nodes, variants, pause times', () => {
    const r = loadTeachingValue(
      lesson({
        steps: [
          { narration: 'a', highlight: [{ node: 'nope' }], pauseAtMs: 1e9 },
          { narration: 'b', action: { instruction: 'x', until: { type: 'variant', name: 'nope' } } },
        ],
      }),
      builtIn,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'steps[0].highlight[0].node', message: expect.stringContaining('no node "nope"') }),
        expect.objectContaining({ path: 'steps[0].pauseAtMs' }),
        expect.objectContaining({ path: 'steps[1].action.until.name', message: expect.stringContaining('no-protection') }),
      ]),
    );
  });

  it('accepts "the scenario as written" (a variant condition named null) and tells it from any variant', () => {
    const asWritten = { narration: 'Now the original.', action: { instruction: 'Run it as written.', until: { type: 'variant', name: null } } };
    const r = loadTeachingValue(lesson({ steps: [...lesson().steps, asWritten] }), builtIn);
    expect(r.ok).toBe(true);
    if (!r.ok || r.kind !== 'lesson') return;
    const until = r.lesson.steps[2].action!.until;
    const runs = (...variants: (string | null)[]) => ({ interventions: [], runs: variants.map((variant) => ({ variant })), scenario: r.played.scenario, result: null });
    expect(conditionHolds(until, runs('no-protection'))).toBe(false);
    expect(conditionHolds(until, runs('no-protection', null))).toBe(true);
    expect(conditionHolds(r.lesson.steps[1].action!.until, runs(null))).toBe(false);
    // A name that is neither a variant nor null is still an error with its path.
    const empty = loadTeachingValue(lesson({ steps: [{ ...asWritten, action: { ...asWritten.action, until: { type: 'variant', name: '' } } }] }), builtIn);
    expect(empty.ok || empty.errors.map((e) => e.path)).toEqual(['steps[0].action.until.name']);
  });

  it('reports a missing built-in and an invalid inline scenario under "scenario"', () => {
    const missing = loadTeachingValue(lesson({ scenario: 'resilience/nope' }), builtIn);
    expect(missing.ok || missing.errors).toEqual([{ path: 'scenario', message: 'there is no built-in scenario "resilience/nope"' }]);
    const inline = loadTeachingValue(lesson({ scenario: { version: 1, title: 't', description: '', durationMs: -1, nodes: [], workloads: [] } }), builtIn);
    expect(inline.ok).toBe(false);
    if (!inline.ok) expect(inline.errors.map((e) => e.path)).toContain('scenario.durationMs');
  });

  it('refuses a file whose kind is not a teaching kind', () => {
    const r = loadTeachingValue({ kind: 'scenario' }, builtIn);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toEqual({ path: 'kind', message: 'expected one of "lesson", "challenge", "course", got "scenario"' });
  });
});
