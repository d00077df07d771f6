import { describe, expect, it } from 'vitest';
import { designHints } from '../../sim/design/hints.ts';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import { startHistory, textOf } from '../../ui/editor/model.ts';
import { TEMPLATES } from '../../ui/editor/templates.ts';

describe('editor templates', () => {
  it.each(TEMPLATES.filter((t) => t.id !== 'blank').map((t) => [t.id, t] as const))('%s is a valid scenario that runs and serves its clients', (_id, t) => {
    const started = startHistory(textOf(t.design));
    expect(started.ok, started.ok ? '' : JSON.stringify(started.errors)).toBe(true);
    if (!started.ok) return;
    const scenario = started.history.present.scenario;
    const result = new ScenarioRun(scenario).finish();
    const client = scenario.workloads[0].id;
    const ok = result.metrics[`${client}.ok`];
    expect(typeof ok === 'number' && ok).toBeGreaterThan(0);
    // A realistic starting point: no call without a timeout, nothing offered more than it serves.
    const hints = designHints(scenario).map((h) => h.kind);
    expect(hints).not.toContain('no-timeout');
    expect(hints).not.toContain('overloaded');
  });
});
