import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCheck, readMetric } from '../../sim/check/checks.ts';
import { loadTeachingText, type ScenarioLookup, type TeachingLoad } from '../../sim/lesson/load.ts';
import type { Lesson } from '../../sim/lesson/schema.ts';
import { applyVariant, validateScenario } from '../../sim/scenario/load.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';

/**
 * The teaching content under lessons/: every file loads, every course's entries exist, and every
 * metric a lesson asks about or shows (predictions, highlights, action conditions), every series
 * and every check it names really exists in its scenario — so a renamed metric or check breaks
 * this test instead of a workshop.
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

/** The names of the checks of a lesson's scenario as written and of each of its variants. */
function checkNames(lesson: Lesson): Set<string> {
  const raw: unknown = typeof lesson.scenario === 'string' ? JSON.parse(builtIn(lesson.scenario)!) : lesson.scenario;
  const variants = ((raw as { variants?: { name: string }[] }).variants ?? []).map((v) => v.name);
  const names = new Set<string>();
  for (const input of [raw, ...variants.map((v) => applyVariant(raw, v))]) {
    const loaded = validateScenario(input);
    if (loaded.ok) for (const c of loaded.scenario.checks) names.add(c.name ?? describeCheck(c));
  }
  return names;
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
    it(`${file}: 4–10 steps, a prediction, a reveal, an explanation after each prediction, pauses in time order`, () => {
      expect(lesson.steps.length).toBeGreaterThanOrEqual(4);
      expect(lesson.steps.length).toBeLessThanOrEqual(10);
      expect(lesson.steps.some((s) => s.predict !== undefined)).toBe(true);
      expect(lesson.steps.some((s) => s.reveal)).toBe(true);
      expect(lesson.steps.filter((s) => s.predict !== undefined && !s.explanation)).toEqual([]);
      // Next plays the run forward to the step's pause; a pause earlier than the last would mean going back.
      const pauses = lesson.steps.flatMap((s) => (s.pauseAtMs === undefined ? [] : [s.pauseAtMs]));
      expect(pauses).toEqual([...pauses].sort((a, b) => a - b));
    });

    it(`${file}: every metric, series and check it names exists in its scenario's run`, { timeout: 120_000 }, () => {
      const run = runOf(lesson, scenario);
      const missingMetric = (at: string, name: string) => {
        const v = readMetric(run.metrics, name);
        return v === undefined || !Number.isFinite(v) ? [`${at}: no metric ${name}`] : [];
      };
      const checks = checkNames(lesson);
      const problems = lesson.steps.flatMap((step, i) => {
        const at = `steps[${i}]`;
        const answer = step.predict?.type === 'number' ? step.predict.answer : undefined;
        const until = step.action?.until;
        return [
          ...(answer?.metric !== undefined ? missingMetric(`${at}.predict`, answer.metric) : []),
          ...(answer?.rate !== undefined && run.series[answer.rate.series] === undefined ? [`${at}.predict: no series ${answer.rate.series}`] : []),
          ...step.highlight.flatMap((h) => (h.metric !== undefined ? missingMetric(`${at}.highlight`, h.metric) : [])),
          ...(until?.type === 'metric' ? missingMetric(`${at}.action`, until.metric) : []),
          ...(until?.type === 'check' && !checks.has(until.name) ? [`${at}.action: no check ${JSON.stringify(until.name)}`] : []),
        ];
      });
      expect(problems).toEqual([]);
    });
  }
});
