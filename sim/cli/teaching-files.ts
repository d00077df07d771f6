import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatErrors, MAX_SCENARIO_BYTES, type ScenarioError } from '../scenario/load.ts';
import { loadTeachingText, type ScenarioLookup, type TeachingLoad } from '../lesson/load.ts';
import { CourseSchema, SCENARIO_NAME_PATTERN, type Course } from '../lesson/schema.ts';
import { builtInScenarios, displayPath, PROGRAM, SCENARIOS_DIR } from './common.ts';
import { BadInput } from './bad-input.ts';
import { readTextFile } from './input-file.ts';
import { ROOT } from './paths.ts';

/**
 * Lessons, challenges and courses for the command line: the built-in ones under lessons/
 * (`lessons/<course>/<name>.json`, named `<course>/<name>`), reading one with the same file
 * rules as a scenario, and the lookup that finds the built-in scenario a lesson names.
 */
export const LESSONS_DIR = join(ROOT, 'lessons');

/** A built-in scenario's text by its `folder/name`, read from scenarios/. */
export const builtInScenarioLookup: ScenarioLookup = (name) => {
  if (!SCENARIO_NAME_PATTERN.test(name)) return undefined;
  const found = builtInScenarios().find((b) => `${b.folder}/${b.name}` === name);
  return found === undefined ? undefined : readFileSync(join(SCENARIOS_DIR, found.folder, `${found.name}.json`), 'utf8');
};

/** The text of a lesson, challenge or course file, refused (BadInput) as a scenario file would be. */
export function readTeachingText(file: string): string {
  return readTextFile(file, {
    maxBytes: MAX_SCENARIO_BYTES,
    tooLarge: (size) => `${file}: the file is ${(size / 1024 / 1024).toFixed(1)} MB, more than the limit of ${MAX_SCENARIO_BYTES / 1024 / 1024} MB`,
  });
}

/** Reads and validates a teaching file; never throws for a bad file's content (only for an unreadable file). */
export function loadTeachingFile(file: string): TeachingLoad {
  return loadTeachingText(readTeachingText(file), builtInScenarioLookup);
}

export function teachingErrorsMessage(file: string, what: string, errors: ScenarioError[]): string {
  return `${file}: invalid ${what} (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatErrors(errors)}`;
}

/** One lesson or challenge file under lessons/<course>/. */
export interface TeachingEntry {
  /** `<course>/<name>`, as `grade` and `list` name it. */
  name: string;
  file: string;
}

/** Every lesson and challenge file under lessons/ (course.json excluded), sorted by name. */
export function builtInTeachingEntries(): TeachingEntry[] {
  const out: TeachingEntry[] = [];
  for (const course of courseFolders()) {
    for (const f of readdirSync(join(LESSONS_DIR, course)).sort()) {
      if (f.endsWith('.json') && f !== 'course.json' && !f.endsWith('.schema.json')) {
        out.push({ name: `${course}/${f.slice(0, -'.json'.length)}`, file: displayPath(join(LESSONS_DIR, course, f)) });
      }
    }
  }
  return out;
}

/** The folders of lessons/ (each one a course when it has a course.json). */
export function courseFolders(): string[] {
  if (!existsSync(LESSONS_DIR)) return [];
  return readdirSync(LESSONS_DIR)
    .sort()
    .filter((f) => statSync(join(LESSONS_DIR, f)).isDirectory());
}

/** A course's course.json, validated; null when the folder has none or it is invalid. */
export function readCourse(folder: string): { course: Course; file: string } | null {
  const path = join(LESSONS_DIR, folder, 'course.json');
  if (!existsSync(path)) return null;
  try {
    const parsed = CourseSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? { course: parsed.data, file: displayPath(path) } : null;
  } catch {
    return null;
  }
}

/**
 * A lesson or challenge argument: a file, or a built-in name (`challenges/retry-budget`, or
 * just `retry-budget` when only one course has it).
 */
export function resolveTeachingFile(arg: string): string {
  if (existsSync(arg)) return arg;
  const name = arg.replace(/^lessons\//, '').replace(/\.json$/, '');
  if (/^[\w.-]+(\/[\w.-]+)?$/.test(name)) {
    const matches = builtInTeachingEntries().filter((e) => (name.includes('/') ? e.name === name : e.name.endsWith(`/${name}`)));
    if (matches.length === 1) return matches[0].file;
    if (matches.length > 1) throw new BadInput(`${arg}: more than one built-in lesson or challenge has that name: ${matches.map((m) => m.name).join(', ')}`);
  }
  throw new BadInput(`${arg}: no such file, and no built-in lesson or challenge of that name (${PROGRAM} list shows them)`);
}

/** Problems a course file's references have: entries and guide must be files of its folder. */
export function courseReferenceErrors(course: Course, folder: string): ScenarioError[] {
  const errors: ScenarioError[] = [];
  course.entries.forEach((entry, i) => {
    if (!existsSync(join(folder, `${entry}.json`))) errors.push({ path: `entries[${i}]`, message: `there is no ${entry}.json in ${displayPath(folder)}` });
  });
  if (course.guide !== undefined && !existsSync(join(folder, course.guide))) errors.push({ path: 'guide', message: `there is no ${course.guide} in ${displayPath(folder)}` });
  return errors;
}
