/**
 * Every built-in scenario's text at once, for code that looks scenarios up by name as it
 * loads lessons (Learn mode, which loads on demand) and for tests. The page's first load uses
 * gallery.ts, which fetches one file when it is opened.
 */
import { builtIn, type ScenarioSource } from './gallery.ts';

const files = import.meta.glob<string>('../scenarios/*/*.json', { eager: true, query: '?raw', import: 'default' });

export const BUILT_IN_SOURCES: ScenarioSource[] = Object.keys(files)
  .sort()
  .map((path) => {
    const [folder, file] = path.split('/').slice(-2);
    return builtIn(`${folder}/${file.replace(/\.json$/, '')}`, folder, files[path]);
  });
