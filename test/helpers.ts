import { readFileSync } from 'node:fs';
import { validateScenario } from '../sim/scenario/load.ts';
import type { Scenario } from '../sim/scenario/schema.ts';

/** Validates a scenario written in a test; fails the test with the validator's errors. */
export function scenario(input: Record<string, unknown>): Scenario {
  const r = validateScenario({ version: 1, title: 'test', description: 'test', ...input });
  if (!r.ok) throw new Error(`invalid test scenario:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`);
  return r.scenario;
}

/** Loads a built-in scenario file, with optional changes to its fields. */
export function builtIn(path: string, changes: Record<string, unknown> = {}): Scenario {
  const raw = JSON.parse(readFileSync(new URL(`../scenarios/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  return scenario({ ...raw, ...changes });
}
