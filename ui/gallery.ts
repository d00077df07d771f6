/**
 * The built-in scenarios: listed by title and description, their text (`?raw`) fetched when
 * one is opened and loaded with the same code as a file opened from disk. They are data:
 * nothing in them is ever evaluated.
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

/** A built-in scenario as the gallery lists it, before its file is loaded. */
export interface BuiltInEntry {
  /** `network/crash-restart`. */
  id: string;
  folder: string;
  title: string;
  description: string;
}

// Titles and descriptions come with the page (Vite's JSON plugin exports each top-level key,
// and the rest of the file is tree-shaken away); a file's text is fetched when it is opened,
// so the first load does not grow with the catalogue.
const titles = import.meta.glob<string>('../scenarios/*/*.json', { eager: true, import: 'title' });
const descriptions = import.meta.glob<string>('../scenarios/*/*.json', { eager: true, import: 'description' });
const texts = import.meta.glob<string>('../scenarios/*/*.json', { query: '?raw', import: 'default' });

const PATH_OF = new Map<string, string>();

/** Every built-in scenario, by id. */
export const BUILT_IN: BuiltInEntry[] = Object.keys(texts)
  .sort()
  .map((path) => {
    const [folder, file] = path.split('/').slice(-2);
    const id = `${folder}/${file.replace(/\.json$/, '')}`;
    PATH_OF.set(id, path);
    return { id, folder, title: textOr(titles[path], id), description: textOr(descriptions[path], '') };
  });

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

const loadedBuiltIns = new Map<string, Promise<ScenarioSource>>();

/** A built-in's file, fetched once; null for an id that is not a built-in. */
export function loadBuiltIn(id: string): Promise<ScenarioSource> | null {
  const path = PATH_OF.get(id);
  if (path === undefined) return null;
  let source = loadedBuiltIns.get(id);
  if (source === undefined) {
    source = texts[path]().then((text) => builtIn(id, id.split('/')[0], text));
    loadedBuiltIns.set(id, source);
  }
  return source;
}

/** A built-in scenario, validated the first time someone looks at it (not when it is fetched). */
export function builtIn(id: string, folder: string, text: string): ScenarioSource {
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
export function headline(source: ScenarioSource | BuiltInEntry): { title: string; description: string; invalid: boolean } {
  if (!('text' in source)) return { title: source.title, description: source.description, invalid: false };
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
export function byFolder<S extends { folder: string | null }>(sources: S[]): [string, S[]][] {
  const groups = new Map<string, S[]>();
  for (const s of sources) {
    const key = s.folder ?? '';
    const list = groups.get(key) ?? [];
    list.push(s);
    groups.set(key, list);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}
