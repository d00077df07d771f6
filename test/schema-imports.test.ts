/**
 * The scenario schema stands apart from the patterns' behaviour: validating a scenario (the
 * page does it on first load) imports only schema modules. Followed here over the source's
 * value imports (`import type` brings no code), so a schema that starts importing a pattern's
 * behaviour — and with it the engine — fails at once, whatever the bundler would shake out.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICIES } from '../sim/patterns/registry.ts';
import { PolicySchema } from '../sim/patterns/policy-schemas.ts';
import { isSchemaModule } from './schema-vocabulary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The project modules reachable from `entry` through value imports, as paths from the root. */
function valueImportClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = readFileSync(join(ROOT, path), 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm)) {
      if (m[1]) continue; // import type: erased
      visit(relative(ROOT, join(ROOT, dirname(path), m[2])));
    }
  };
  visit(entry);
  return seen;
}

describe('the scenario schema imports no behaviour', () => {
  it('validating a scenario reaches only schema modules', () => {
    const reached = [...valueImportClosure('sim/scenario/load.ts')];
    expect(reached).toContain('sim/patterns/policy-schemas.ts');
    expect(reached).toContain('sim/patterns/circuit-breaker.schema.ts');
    expect(reached.filter((p) => !isSchemaModule(p))).toEqual([]);
  });

  it('every policy the format accepts can be built, and every buildable policy is in the format', () => {
    const types = PolicySchema.options.map((o) => o.shape.type.value).sort();
    expect(types).toEqual(Object.keys(POLICIES).sort());
  });

  it('sees through re-exports: a behaviour module is caught', () => {
    // The closure from a behaviour file reaches the engine: the walk above would report it.
    const reached = [...valueImportClosure('sim/patterns/circuit-breaker.ts')];
    expect(reached.filter((p) => !isSchemaModule(p))).toEqual(expect.arrayContaining(['sim/patterns/circuit-breaker.ts', 'sim/engine/time.ts']));
  });
});

describe('the engine imports no schema', () => {
  /** Modules whose source imports zod. */
  const usesZod = (path: string) => /from ['"]zod['"]/.test(readFileSync(join(ROOT, path), 'utf8'));

  it('the simulation worker reaches no module that builds a zod schema: it runs the scenario the page validated', () => {
    const reached = [...valueImportClosure('ui/worker.ts')];
    expect(reached).toContain('sim/scenario/run.ts');
    expect(reached).toContain('sim/patterns/message-queue.ts');
    expect(reached.filter(usesZod)).toEqual([]);
  });

  it('sees zod where it is: the validator reaches it', () => {
    expect([...valueImportClosure('sim/scenario/load.ts')].filter(usesZod)).toContain('sim/scenario/schema.ts');
  });
});
