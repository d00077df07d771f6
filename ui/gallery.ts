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
    const text = files[path];
    return { id: `${folder}/${file.replace(/\.json$/, '')}`, folder, text, loaded: loadScenarioText(text) };
  });

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
