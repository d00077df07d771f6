/**
 * Every built-in scenario, run at its own seed, gives the trace hash listed in
 * test/fixtures/trace-hashes.json — so any change to what a scenario does (or to the order
 * events happen in) is seen, including changes meant only to make the engine faster.
 *
 * To update the list deliberately (after a behaviour change you intend, and say which
 * scenarios changed and why in the commit message):
 *
 *   UPDATE_TRACE_HASHES=1 npx vitest run test/trace-hashes.test.ts
 *
 * rewrites the fixture from the current code; review the diff of the JSON before committing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtInScenarios } from '../sim/cli/common.ts';
import { ROOT } from '../sim/cli/paths.ts';
import { loadScenarioFile } from '../sim/cli/scenario-file.ts';
import { runScenario } from '../sim/scenario/run.ts';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'trace-hashes.json');
const updating = process.env.UPDATE_TRACE_HASHES === '1';
const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, string>;
const scenarios = builtInScenarios();
const seen: Record<string, string> = {};

describe('trace hash of every built-in scenario at its own seed', () => {
  it('the list names exactly the built-in scenarios', () => {
    const names = scenarios.map((s) => `${s.folder}/${s.name}`);
    expect(names.length).toBeGreaterThan(20);
    if (!updating) expect(Object.keys(pinned).sort()).toEqual([...names].sort());
  });

  for (const s of scenarios) {
    const name = `${s.folder}/${s.name}`;
    it(name, { timeout: 300_000 }, () => {
      const hash = runScenario(loadScenarioFile(join(ROOT, 'scenarios', s.folder, `${s.name}.json`))).traceHash;
      seen[name] = hash;
      if (!updating) expect(hash).toBe(pinned[name]);
    });
  }

  afterAll(() => {
    if (!updating) return;
    const sorted = Object.fromEntries(Object.keys(seen).sort().map((k) => [k, seen[k]]));
    writeFileSync(FIXTURE, `${JSON.stringify(sorted, null, 2)}\n`);
  });
});
