/**
 * Every messaging, data and topology scenario and each of its variants passes its checks (the
 * lesson it states, and the checks every queue, topic, log, store and gateway brings) over seeds 1–10.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyVariant } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';
import { scenario } from './helpers.ts';

const ROOT = new URL('../scenarios/', import.meta.url);
const FILES = ['messaging', 'data', 'topology'].flatMap((folder) =>
  readdirSync(new URL(`${folder}/`, ROOT))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `${folder}/${f}`),
);
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const raw = (file: string) => JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as { variants?: { name: string }[] };

describe('messaging, data and topology scenarios over seeds 1–10', () => {
  const cases = FILES.flatMap((file) => [null, ...(raw(file).variants ?? []).map((v) => v.name)].map((variant) => [file, variant] as const));
  it.each(cases)('%s %s', (file, variant) => {
    const json = raw(file);
    const s = scenario((variant === null ? json : applyVariant(json, variant)) as Record<string, unknown>);
    for (const seed of SEEDS) {
      const failed = runScenario(s, { seed }).checks.filter((c) => !c.ok);
      expect(failed, `seed ${seed}`).toEqual([]);
    }
  });
});
