/**
 * Scenario text → validated scenario, for the page and the worker alike (and for the
 * end-to-end test, which must load a file exactly as the browser does). No DOM, no Vite.
 */
import type { FaultAction } from '../sim/faults/faults.ts';
import { readScenarioJson, validateScenario, type LoadResult, type ScenarioError } from '../sim/scenario/load.ts';

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

/**
 * An intervention as the fault the exported scenario will hold, read back through the
 * validator: with the defaults it fills in (a crash's `restartAfterMs: null, bootMs: 0`…), in
 * its field order, without `atMs`. Injecting exactly this makes the live run's fault record
 * the same as the replay's, so both runs hash alike.
 */
export function normalizeAction(text: string, action: FaultAction, atMs: number): { ok: true; action: FaultAction } | { ok: false; errors: ScenarioError[] } {
  const read = readScenarioJson(text);
  if (!read.ok) return read;
  const value = read.value as Record<string, unknown>;
  const faults = Array.isArray(value.faults) ? value.faults : [];
  const loaded = loadScenarioValue({ ...value, faults: [...faults, { ...action, atMs }] });
  if (!loaded.ok) return loaded;
  const { atMs: _at, ...normalized } = loaded.scenario.faults[loaded.scenario.faults.length - 1];
  return { ok: true, action: normalized as FaultAction };
}
