/**
 * The built-in courses, lessons and challenges (lessons/<course>/*.json), bundled as text into
 * Learn mode's own chunk and loaded with sim/lesson/load.ts against the bundled scenarios, as
 * the command line loads them against scenarios/.
 */
import { loadTeachingText, type TeachingLoad } from '../../sim/lesson/load.ts';
import type { Course } from '../../sim/lesson/schema.ts';
import { BUILT_IN_SOURCES } from '../built-in-texts.ts';

const files = import.meta.glob<string>('../../lessons/*/*.json', { eager: true, query: '?raw', import: 'default' });

/** A built-in scenario's text by name, for lessons that name one. */
export function lookupScenario(name: string): string | undefined {
  return BUILT_IN_SOURCES.find((s) => s.id === name)?.text;
}

export function loadTeaching(text: string): TeachingLoad {
  return loadTeachingText(text, lookupScenario);
}

/** `course/name` → the file's text. */
const TEXTS = new Map<string, string>(
  Object.entries(files).map(([path, text]) => {
    const [course, file] = path.split('/').slice(-2);
    return [`${course}/${file.replace(/\.json$/, '')}`, text] as const;
  }),
);

export function entryText(name: string): string | undefined {
  return TEXTS.get(name);
}

export interface CourseEntry {
  /** `course/name`. */
  name: string;
  loaded: TeachingLoad;
}

export interface LoadedCourse {
  folder: string;
  course: Course;
  entries: CourseEntry[];
}

/** Every course with its entries loaded, in `order` then title; a course file that does not load is left out. */
export function loadCourses(): LoadedCourse[] {
  const courses: LoadedCourse[] = [];
  for (const [name, text] of TEXTS) {
    const [folder, file] = name.split('/');
    if (file !== 'course') continue;
    const loaded = loadTeaching(text);
    if (!loaded.ok || loaded.kind !== 'course') continue;
    const entries = loaded.course.entries.map((entry) => {
      const entryName = `${folder}/${entry}`;
      const entryTextFound = TEXTS.get(entryName);
      const entryLoad: TeachingLoad = entryTextFound === undefined ? { ok: false, errors: [{ path: 'entries', message: `there is no lessons/${entryName}.json` }] } : loadTeaching(entryTextFound);
      return { name: entryName, loaded: entryLoad };
    });
    courses.push({ folder, course: loaded.course, entries });
  }
  return courses.sort((a, b) => a.course.order - b.course.order || a.course.title.localeCompare(b.course.title));
}
