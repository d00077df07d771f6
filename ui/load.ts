/**
 * Scenario text → validated scenario, for the page and the worker alike (and for the
 * end-to-end test, which must load a file exactly as the browser does). No DOM, no Vite.
 */
import { readScenarioJson, validateScenario, type LoadResult } from '../sim/scenario/load.ts';

/** The editor hint at the top of the built-in files (`"$schema": "../scenario.schema.json"`). */
const SCHEMA_KEY = '$schema';

/**
 * Parses and validates scenario text. If the validator rejects only because of a top-level
 * `$schema` key (an editor hint, not scenario data), the key is dropped and the scenario
 * validated again; a validator that accepts the key is used as it is, so the page always
 * hashes the same scenario the command line does.
 */
export function loadScenarioText(text: string): LoadResult {
  const read = readScenarioJson(text);
  if (!read.ok) return read;
  return loadScenarioValue(read.value);
}

/** As loadScenarioText, for a parsed JSON value. */
export function loadScenarioValue(value: unknown): LoadResult {
  const first = validateScenario(value);
  if (first.ok || !first.errors.some((e) => e.path === SCHEMA_KEY)) return first;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return first;
  const { [SCHEMA_KEY]: _schema, ...rest } = value as Record<string, unknown>;
  return validateScenario(rest);
}
