import { applySets, applyVariant, formatErrors, MAX_SCENARIO_BYTES, readScenarioJson, validateScenario, type ScenarioError } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { BadInput } from './bad-input.ts';
import { readTextFile } from './input-file.ts';

export { BadInput } from './bad-input.ts';
import { chartErrors } from '../scenario/chart-metrics.ts';

/**
 * Reading a scenario file for the command line: what the file is and its size first (a
 * directory, device or FIFO, or a huge file, is refused before it is read), then UTF-8, then
 * JSON, then `--variant` and `--set` changes, then validation. Every problem becomes a
 * `BadInput` whose message names the file and the field path.
 */
export function loadScenarioFile(file: string, sets: string[] = [], variant?: string): Scenario {
  const json = readScenarioJson(readScenarioText(file));
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

/** The text of a scenario file; `BadInput` if it is not a regular UTF-8 file within the size limit. */
export function readScenarioText(file: string): string {
  return readTextFile(file, {
    maxBytes: MAX_SCENARIO_BYTES,
    tooLarge: (size) => invalidMessage(file, [{ path: '(root)', message: `the file is ${(size / 1024 / 1024).toFixed(1)} MB, more than the limit of ${MAX_SCENARIO_BYTES / 1024 / 1024} MB` }]),
  });
}

export function invalidMessage(file: string, errors: ScenarioError[]): string {
  return `${file}: invalid scenario (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatErrors(errors)}`;
}
