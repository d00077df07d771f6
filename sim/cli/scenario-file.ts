import { readFileSync, statSync } from 'node:fs';
import { applySets, applyVariant, formatErrors, MAX_SCENARIO_BYTES, readScenarioJson, validateScenario, type ScenarioError } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { chartErrors } from '../scenario/chart-metrics.ts';

/**
 * Reading a scenario file for the command line: the size first (a huge file is refused before
 * it is read), then JSON, then `--variant` and `--set` changes, then validation. Every
 * problem becomes a `BadInput` whose message names the file and the field path.
 */
export class BadInput extends Error {}

export function loadScenarioFile(file: string, sets: string[] = [], variant?: string): Scenario {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new BadInput(`${file}: no such file`);
  }
  if (size > MAX_SCENARIO_BYTES) {
    throw new BadInput(invalidMessage(file, [{ path: '(root)', message: `the file is ${(size / 1024 / 1024).toFixed(1)} MB, more than the limit of ${MAX_SCENARIO_BYTES / 1024 / 1024} MB` }]));
  }
  const json = readScenarioJson(readFileSync(file, 'utf8'));
  if (!json.ok) throw new BadInput(invalidMessage(file, json.errors));
  let raw = json.value;
  try {
    if (variant !== undefined) raw = applyVariant(raw, variant);
    if (sets.length > 0) raw = applySets(raw, sets);
  } catch (e) {
    throw new BadInput(`${file}: ${(e as Error).message}`);
  }
  const result = validateScenario(raw);
  if (!result.ok) throw new BadInput(invalidMessage(file, result.errors));
  const charts = chartErrors(result.scenario, { allowMissing: variant !== undefined || sets.length > 0 });
  if (charts.length > 0) throw new BadInput(invalidMessage(file, charts));
  return result.scenario;
}

export function invalidMessage(file: string, errors: ScenarioError[]): string {
  return `${file}: invalid scenario (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatErrors(errors)}`;
}
