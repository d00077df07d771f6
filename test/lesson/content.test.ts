import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetric } from '../../sim/check/checks.ts';
import { loadTeachingText, type ScenarioLookup, type TeachingLoad } from '../../sim/lesson/load.ts';
import type { Lesson } from '../../sim/lesson/schema.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';

/**
 * The teaching content under lessons/: every file loads, every course's entries exist, and every
 * numeric prediction asks about a metric (or series) that its scenario's run really has — so a
 * renamed metric breaks this test instead of a workshop.
 */
const LESSONS = new URL('../../lessons/', import.meta.url).pathname;
const SCENARIOS = new URL('../../scenarios/', import.meta.url).pathname;

const builtIn: ScenarioLookup = (name) => {
  const file = join(SCENARIOS, `${name}.json`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

/** `<course>/<file>.json` for every JSON file one folder below lessons/ (lessons, challenges, courses). */
const files = readdirSync(LESSONS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(LESSONS, d.name)).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).map((f) => `${d.name}/${f}`));

const loads = new Map<string, TeachingLoad>(files.map((f) => [f, loadTeachingText(readFileSync(join(LESSONS, f), 'utf8'), builtIn)]));
const lessons = [...loads].flatMap(([file, r]) => (r.ok && r.kind === 'lesson' ? [{ file, lesson: r.lesson, scenario: r.played.scenario }] : []));
const courses = [...loads].flatMap(([file, r]) => (r.ok && r.kind === 'course' ? [{ file, course: r.course }] : []));

/**
 * The queueing scenarios run a million requests; which metrics and series a run has does not
 * depend on how long it runs, so those are run for a shorter time here.
 */
const MAX_RUN_MS = 300_000;

const runs = new Map<string, RunResult>();
function runOf(lesson: Lesson, scenario: Scenario): RunResult {
  const key = `${JSON.stringify(lesson.scenario)}|${lesson.variant ?? ''}|${lesson.seed ?? ''}`;
  let run = runs.get(key);
  if (run === undefined) {
    const shortened = scenario.durationMs > MAX_RUN_MS ? { ...scenario, durationMs: MAX_RUN_MS } : scenario;
    run = runScenario(shortened, lesson.seed === undefined ? {} : { seed: lesson.seed });
    runs.set(key, run);
  }
  return run;
}

describe('lesson content', () => {
  it('is there: a start-here lesson, courses, and a lesson for each pattern', () => {
    expect(loads.get('start/start-here.json')).toMatchObject({ ok: true, kind: 'lesson' });
    expect(courses.length).toBeGreaterThanOrEqual(4);
    expect(lessons.length).toBeGreaterThanOrEqual(11);
  });

  for (const file of files) {
    it(`${file} loads without errors`, () => {
      const r = loads.get(file)!;
      expect(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    });
  }

  for (const { file, course } of courses) {
    it(`${file}: every entry and the guide exist in the course's folder`, () => {
      const folder = file.split('/')[0];
      const missing = course.entries.filter((e) => !loads.has(`${folder}/${e}.json`));
      expect(missing).toEqual([]);
      if (course.guide !== undefined) expect(existsSync(join(LESSONS, folder, course.guide))).toBe(true);
    });
  }

  it('every lesson belongs to a course', () => {
    const listed = new Set(courses.flatMap(({ file, course }) => course.entries.map((e) => `${file.split('/')[0]}/${e}.json`)));
    expect(lessons.map((l) => l.file).filter((f) => !listed.has(f))).toEqual([]);
  });

  for (const { file, lesson, scenario } of lessons) {
    it(`${file}: 4–10 steps, a prediction, a reveal, and an explanation after each prediction`, () => {
      expect(lesson.steps.length).toBeGreaterThanOrEqual(4);
      expect(lesson.steps.length).toBeLessThanOrEqual(10);
      expect(lesson.steps.some((s) => s.predict !== undefined)).toBe(true);
      expect(lesson.steps.some((s) => s.reveal)).toBe(true);
      expect(lesson.steps.filter((s) => s.predict !== undefined && !s.explanation)).toEqual([]);
    });

    const measured = lesson.steps.flatMap((s, i) => (s.predict?.type === 'number' ? [{ i, answer: s.predict.answer }] : []));
    if (measured.some((m) => m.answer.value === undefined)) {
      it(`${file}: every numeric prediction reads a metric or series its scenario's run has`, { timeout: 120_000 }, () => {
        const run = runOf(lesson, scenario);
        const problems = measured.flatMap(({ i, answer }) => {
          if (answer.metric !== undefined) {
            const v = readMetric(run.metrics, answer.metric);
            return v === undefined || !Number.isFinite(v) ? [`steps[${i}]: no metric ${answer.metric}`] : [];
          }
          if (answer.rate !== undefined) return run.series[answer.rate.series] === undefined ? [`steps[${i}]: no series ${answer.rate.series}`] : [];
          return [];
        });
        expect(problems).toEqual([]);
      });
    }
  }
});
