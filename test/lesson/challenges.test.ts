/**
 * The built-in challenges (lessons/challenges/) graded as a teacher grades them: each one's
 * reference submission passes, its wrong one fails with the goal it misses named, a tampered
 * one (an undeclared field changed) is refused with that field's path, and the scenario as
 * the challenge hands it out fails — so no goal is met without doing the exercise.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gradeFile } from '../../sim/cli/commands/grade.ts';
import { builtInTeachingEntries, loadTeachingFile, readCourse } from '../../sim/cli/teaching-files.ts';

const FIXTURES = 'test/fixtures/challenges';

/** Per challenge: a goal its wrong submission misses, and the field its tampered one changed. */
const EXPECTED: Record<string, { wrongFails: string; tamperedPath: string }> = {
  'contain-slow-dependency': { wrongFails: 'fewer than 100 client timeouts', tamperedPath: 'nodes[1].workers' },
  'retry-budget': { wrongFails: 'recovered: full goodput from 30 s on', tamperedPath: 'workloads[0].arrival.ratePerSec' },
  'throttle-burst': { wrongFails: 'at most 110 admitted between 0.9 s and 1.1 s', tamperedPath: 'nodes[0].queueCapacity' },
  'size-bulkhead': { wrongFails: 'orders keep flowing while analytics is slow', tamperedPath: 'faults' },
  'balance-heterogeneous': { wrongFails: 'p99 latency under 300 ms', tamperedPath: 'nodes[3].slowdownFactor' },
  'eject-flaky-host': { wrongFails: 'one flaky host: errors under 10/s', tamperedPath: 'workloads[0].arrival.ratePerSec' },
  'size-mmc-p99': { wrongFails: 'p99 latency under 5 s', tamperedPath: 'nodes[0].serviceTime.meanMs' },
  'saga-pending-bound': { wrongFails: 'every saga ends within 500 ms', tamperedPath: 'nodes[3].failProbability' },
};

function challenge(name: string) {
  const loaded = loadTeachingFile(`lessons/challenges/${name}.json`);
  if (!loaded.ok || loaded.kind !== 'challenge') throw new Error(`${name}: ${JSON.stringify(loaded)}`);
  return loaded;
}

function grade(name: string, which: 'right' | 'wrong' | 'tampered') {
  const { challenge: c, played } = challenge(name);
  const file = `${FIXTURES}/${name}.${which}.json`;
  return gradeFile(c, played.scenario, file, readFileSync(file, 'utf8'));
}

describe('the built-in challenges', () => {
  it('are at least 8, all in the Challenges course, in its order', () => {
    const names = builtInTeachingEntries().filter((e) => e.name.startsWith('challenges/')).map((e) => e.name.slice('challenges/'.length));
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(new Set(readCourse('challenges')?.course.entries)).toEqual(new Set(names));
    expect(Object.keys(EXPECTED).sort()).toEqual([...names].sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    describe(name, () => {
      it('passes the reference submission on every seed', () => {
        const g = grade(name, 'right');
        expect(g.status === 'refused' ? g.errors : g.seeds.filter((s) => !s.passed)).toEqual([]);
        expect(g.passed).toBe(true);
      });

      it(`fails the wrong one: "${expected.wrongFails}" does not hold`, () => {
        const g = grade(name, 'wrong');
        expect(g.status).toBe('failed');
        if (g.status === 'refused') return;
        expect(g.seeds.some((s) => s.failed.some((c) => c.name === expected.wrongFails))).toBe(true);
      });

      it(`refuses the tampered one, naming ${expected.tamperedPath}`, () => {
        const g = grade(name, 'tampered');
        expect(g.status).toBe('refused');
        if (g.status !== 'refused') return;
        expect(g.errors).toEqual([expect.objectContaining({ path: expected.tamperedPath, message: expect.stringContaining('does not allow') })]);
      });

      it('fails the scenario as handed out (nothing changed)', () => {
        const { challenge: c, played } = challenge(name);
        const g = gradeFile(c, played.scenario, 'unchanged', JSON.stringify(played.scenario));
        expect(g.status).toBe('failed');
      });
    });
  }
});
