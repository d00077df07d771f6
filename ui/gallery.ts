/**
 * The built-in scenarios, bundled as text (`?raw`) and loaded with the same code as a file
 * opened from disk. They are data: nothing in them is ever evaluated.
 */
import type { LoadResult } from '../sim/scenario/load.ts';
import { loadScenarioText } from './load.ts';

export interface ScenarioSource {
  /** `network/crash-restart`, or the file name of a scenario opened from disk. */
  id: string;
  /** The topic folder (`network`), or null for an opened file. */
  folder: string | null;
  text: string;
  loaded: LoadResult;
}

const files = import.meta.glob<string>('../scenarios/*/*.json', { eager: true, query: '?raw', import: 'default' });

export const BUILT_IN: ScenarioSource[] = Object.keys(files)
  .sort()
  .map((path) => {
    const [folder, file] = path.split('/').slice(-2);
    return builtIn(`${folder}/${file.replace(/\.json$/, '')}`, folder, files[path]);
  });

/** A built-in scenario, validated the first time someone looks at it (not all of them at start-up). */
function builtIn(id: string, folder: string, text: string): ScenarioSource {
  let loaded: LoadResult | null = null;
  return {
    id,
    folder,
    text,
    get loaded() {
      loaded ??= loadScenarioText(text);
      return loaded;
    },
  };
}

/**
 * The title and description the gallery lists, read from the JSON without validating it: the
 * built-ins are validated when opened (and by the test suite), so start-up parses ~30 small
 * files instead of validating them. A source that is not a built-in shows its validation.
 */
export function headline(source: ScenarioSource): { title: string; description: string; invalid: boolean } {
  if (source.folder !== null) {
    const json = parseObject(source.text);
    const text = (key: string) => (typeof json?.[key] === 'string' ? (json[key] as string) : null);
    const title = text('title');
    if (title !== null) return { title, description: text('description') ?? '', invalid: false };
  }
  const { loaded } = source;
  if (loaded.ok) return { title: loaded.scenario.title, description: loaded.scenario.description, invalid: false };
  return { title: source.id, description: `Not a valid scenario (${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'})`, invalid: true };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Built-in scenarios by folder, folders in alphabetical order. */
export function byFolder(sources: ScenarioSource[]): [string, ScenarioSource[]][] {
  const groups = new Map<string, ScenarioSource[]>();
  for (const s of sources) {
    const key = s.folder ?? '';
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}
