/** The sandbox's JavaScript stays within the first-load budget (sizes, not timings). */
import { describe, expect, it } from 'vitest';
import { FIRST_LOAD_BUDGET_BYTES, measureBundle } from './bench/bundle-size.ts';
import { isSchemaModule } from './schema-vocabulary.ts';

describe('the sandbox bundle', () => {
  it('ships at most 300 KB gzip of JavaScript for the first visit and first run, and loads views on demand', async () => {
    const s = await measureBundle();
    expect(s.firstLoadFiles.length).toBeGreaterThan(0);
    expect(s.worker).toBeGreaterThan(10_000);
    expect(s.firstLoad + s.worker).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_BYTES);
    // The views, compare mode, Learn mode and the lesson builder are their own chunks, not part of the first load.
    const lazy = Object.keys(s.lazy).join(' ');
    for (const view of ['SpaceTimeView', 'EventLogView', 'TransactionsView', 'InspectorView', 'CompareView', 'LearnMode', 'LessonBuilder']) expect(lazy).toContain(view);
    // The page validates scenarios on first load, with the schemas only: no engine, no pattern behaviour.
    const simModules = s.firstLoadModules.filter((m) => m.startsWith('sim/'));
    expect(simModules).toContain('sim/scenario/schema.ts');
    expect(simModules.filter((m) => !isSchemaModule(m))).toEqual([]);
    // Built-in scenarios come as titles and descriptions; a file's text is fetched when it is opened.
    expect(s.firstLoadModules.filter((m) => m.startsWith('scenarios/') && m.endsWith('.json')).length).toBeGreaterThan(20);
    expect(s.firstLoadModules.filter((m) => m.startsWith('scenarios/') && m.endsWith('.json?raw'))).toEqual([]);
    expect(s.firstLoadModules).not.toContain('ui/built-in-texts.ts');
  });
});
