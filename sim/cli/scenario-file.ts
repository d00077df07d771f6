import { readFileSync, statSync } from 'node:fs';
import { applySets, applyVariant, formatErrors, MAX_SCENARIO_BYTES, ScenarioSetError, validateScenario, type ScenarioError } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';

/**
 * Reading a scenario file for the command line: size first (a huge file is refused before it
 * is read), then JSON, then `--variant` and `--set` changes, then validation.
 */
export class BadInput extends Error {}

export interface LoadedFile {
  scenario: Scenario;
  /** The raw JSON after variant and --set changes (what was validated). */
  raw: unknown;
}

export function loadScenarioFile(file: string, sets: string[] = [], variant?: string): LoadedFile {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new BadInput(`${file}: no such file`);
  }
  if (size > MAX_SCENARIO_BYTES) {
    throw new BadInput(`${file}: (root): the file is ${formatBytes(size)}; a scenario may be at most ${formatBytes(MAX_SCENARIO_BYTES)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BadInput(`${file}: (root): not valid JSON: ${(e as Error).message}`);
  }
  try {
    if (variant !== undefined) raw = applyVariant(raw, variant);
    if (sets.length > 0) raw = applySets(raw, sets);
  } catch (e) {
    if (e instanceof ScenarioSetError || e instanceof Error) throw new BadInput(`${file}: ${e.message}`);
    throw e;
  }
  const result = validateScenario(raw);
  if (!result.ok) throw new BadInput(invalidMessage(file, result.errors));
  return { scenario: result.scenario, raw };
}

export function invalidMessage(file: string, errors: ScenarioError[]): string {
  return `${file}: invalid scenario (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatErrors(errors)}`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}
