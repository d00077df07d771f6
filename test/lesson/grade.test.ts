import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareSubmission, summarizeGrade, valuesAt, matches } from '../../sim/lesson/grade.ts';
import { loadTeachingValue } from '../../sim/lesson/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const text = (name: string) => readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');

/** A short challenge on the cascading-failure scenario without protection: make the API survive. */
const CHALLENGE = {
  kind: 'challenge',
  version: 1,
  title: 'Contain the slow dependency',
  summary: 's',
  brief: 'Protect the API.',
  scenario: 'resilience/cascading-failure',
  variant: 'no-protection',
  seeds: [1, 2],
  allow: [
    { path: 'nodes[0].workers', min: 1, max: 32, integer: true },
    { path: 'nodes[0].calls[*].callPath', policies: ['timeout', 'circuit-breaker', 'fallback'] },
  ],
  budgets: [{ name: 'API workers', sum: ['nodes[0].workers'], max: 24 }],
  goals: [{ name: 'few timeouts', type: 'metric', metric: 'client.timeout', op: '<', value: 100 }],
  cost: [{ path: 'nodes[0].workers', weight: 1 }],
};

function loaded() {
  const r = loadTeachingValue(CHALLENGE, (n) => text(n));
  if (!r.ok || r.kind !== 'challenge') throw new Error(JSON.stringify(r));
  return r;
}

/** The variant's scenario as a learner would export it, with `edit` applied to its JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the scenario JSON is edited freely here
function submission(edit: (s: any) => void): string {
  const s = JSON.parse(text('resilience/cascading-failure'));
  s.nodes[0].calls[0].callPath = [];
  edit(s);
  return JSON.stringify(s);
}

describe('challenge grading', () => {
  it('matches [*] against any index and nothing else', () => {
    expect(matches('nodes[*].workers', ['nodes', 3, 'workers'])).toBe(true);
    expect(matches('nodes[*].workers', ['nodes', 3, 'queueCapacity'])).toBe(false);
    expect(matches('nodes[0].workers', ['nodes', 0, 'workers'])).toBe(true);
    expect(matches('nodes[0].workers', ['nodes', 1, 'workers'])).toBe(false);
    expect(valuesAt({ nodes: [{ workers: 2 }, { workers: 5 }, {}] }, 'nodes[*].workers')).toEqual([2, 5]);
  });

  it('refuses a change outside the allowed fields, naming its path', () => {
    const { challenge, played } = loaded();
    const p = prepareSubmission(challenge, played.scenario, submission((s) => (s.nodes[1].workers = 80)));
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.errors).toEqual([expect.objectContaining({ path: 'nodes[1].workers', message: expect.stringContaining('does not allow') })]);
    const faults = prepareSubmission(challenge, played.scenario, submission((s) => (s.faults = [])));
    expect(faults.ok || faults.errors[0].path).toBe('faults');
  });

  it('refuses values outside a rule and a blown budget', () => {
    const { challenge, played } = loaded();
    const p = prepareSubmission(challenge, played.scenario, submission((s) => {
      s.nodes[0].workers = 28;
      s.nodes[0].calls[0].callPath = [{ type: 'retry', maxAttempts: 3 }];
    }));
    expect(p.ok).toBe(false);
    if (p.ok) return;
    expect(p.errors.map((e) => e.path)).toEqual(['nodes[0].calls[0].callPath', 'nodes[0].workers']);
    expect(p.errors[0].message).toContain('not retry');
    expect(p.errors[1].message).toContain('at most 24');
  });

  it('passes a design that meets the goals on every seed and fails one that does not, with the same runs', () => {
    const { challenge, played } = loaded();
    const grade = (sub: string) => {
      const p = prepareSubmission(challenge, played.scenario, sub);
      if (!p.ok) throw new Error(JSON.stringify(p.errors));
      const runs = p.seeds.map((seed) => runScenario(p.scenario, { seed }));
      return summarizeGrade(p, runs);
    };
    const good = grade(submission((s) => {
      s.nodes[0].workers = 12;
      s.nodes[0].calls[0].callPath = [
        { type: 'fallback', on: ['timeout', 'rejected'], value: 'default' },
        { type: 'circuit-breaker', slidingWindowSize: 20, minimumNumberOfCalls: 10, waitDurationInOpenStateMs: 2000 },
        { type: 'timeout', timeoutMs: 200 },
      ];
    }));
    expect(good.passed).toBe(true);
    expect(good.cost).toBe(12);
    expect(good.seeds.map((s) => s.seed)).toEqual([1, 2]);
    const bad = grade(submission((s) => (s.nodes[0].workers = 20)));
    expect(bad.passed).toBe(false);
    expect(bad.seeds[0].failed.map((c) => c.name)).toContain('few timeouts');
    expect(bad.goals.find((g) => g.name === 'few timeouts')).toEqual({ name: 'few timeouts', held: 0, of: 2 });
  });
});
