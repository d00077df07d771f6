import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyVariant, validateScenario } from '../sim/scenario/load.ts';
import { runScenario } from '../sim/scenario/run.ts';

/**
 * Every built-in scenario, and every variant of it, passes its own checks over several seeds:
 * the checks state what the lesson expects, so a correct run passes. (The queueing scenarios
 * are a million requests each; test/sim/queueing-theory.test.ts runs them over five seeds.)
 */
const ROOT = new URL('../scenarios/', import.meta.url).pathname;
const SEEDS = [1, 2, 3];
const HEAVY = new Set(['queueing']);

const files = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(ROOT, d.name)).filter((f) => f.endsWith('.json')).map((f) => `${d.name}/${f}`));

describe('built-in scenarios', () => {
  it('are found', () => expect(files.length).toBeGreaterThanOrEqual(6));

  for (const file of files) {
    const raw = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { variants?: { name: string }[] };
    const variants = [undefined, ...(raw.variants ?? []).map((v) => v.name)];
    for (const variant of variants) {
      it(`${file}${variant ? ` --variant ${variant}` : ''} is valid, has a title, description and checks, and passes them`, () => {
        const r = validateScenario(variant ? applyVariant(raw, variant) : raw);
        if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
        expect(r.scenario.title.length).toBeGreaterThan(0);
        expect(r.scenario.description.length).toBeGreaterThan(50);
        expect(r.scenario.checks.length).toBeGreaterThan(0);
        if (HEAVY.has(file.split('/')[0])) return;
        for (const seed of SEEDS) {
          const result = runScenario(r.scenario, { seed });
          const failed = result.checks.filter((c) => !c.ok);
          expect(failed, `seed ${seed}`).toEqual([]);
        }
      });
    }
  }
});

describe('the retry storm is metastable: the trigger matters', () => {
  it('naive retries are harmless without the capacity dip', () => {
    const raw = JSON.parse(readFileSync(join(ROOT, 'resilience/retry-storm.json'), 'utf8')) as Record<string, unknown>;
    const r = validateScenario({ ...(applyVariant(raw, 'naive-retries') as object), faults: [] });
    if (!r.ok) throw new Error('invalid');
    const result = runScenario(r.scenario);
    expect(result.metrics['client.ok'] as number).toBeGreaterThan(0.99 * (result.metrics['client.requests'] as number));
  });
});
