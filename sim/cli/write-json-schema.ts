/**
 * Writes scenarios/scenario.schema.json (and lessons/{lesson,challenge,course}.schema.json) from
 * the validators, so editors can complete and check scenario and teaching files. Run with `npm run schema` after changing sim/scenario/schema.ts; a test
 * fails while the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ScenarioSchema } from '../scenario/schema.ts';
import { ChallengeSchema, CourseSchema, LessonSchema } from '../lesson/schema.ts';

export const SCENARIO_SCHEMA_ID = 'urn:faultline:scenario:1';
export const SCENARIO_SCHEMA_FILE = fileURLToPath(new URL('../../scenarios/scenario.schema.json', import.meta.url));

/** The JSON Schema text: the input side (defaulted fields optional), pretty-printed. */
export function renderScenarioJsonSchema(): string {
  const generated = z.toJSONSchema(ScenarioSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = generated;
  // $schema, then our id, then the title and description from the schema's metadata.
  const schema = { $schema, $id: SCENARIO_SCHEMA_ID, ...rest };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The teaching files' schemas (lessons/FORMAT.md), written beside them in lessons/. */
export const TEACHING_SCHEMAS = [
  { file: fileURLToPath(new URL('../../lessons/lesson.schema.json', import.meta.url)), id: 'urn:faultline:lesson:1', schema: LessonSchema },
  { file: fileURLToPath(new URL('../../lessons/challenge.schema.json', import.meta.url)), id: 'urn:faultline:challenge:1', schema: ChallengeSchema },
  { file: fileURLToPath(new URL('../../lessons/course.schema.json', import.meta.url)), id: 'urn:faultline:course:1', schema: CourseSchema },
] as const;

/** A lesson, challenge or course schema's text, made like the scenario's. */
export function renderTeachingJsonSchema(which: (typeof TEACHING_SCHEMAS)[number]): string {
  const { $schema, ...rest } = z.toJSONSchema(which.schema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ $schema, $id: which.id, ...rest }, null, 2)}\n`;
}

function main(): void {
  writeFileSync(SCENARIO_SCHEMA_FILE, renderScenarioJsonSchema());
  console.log(`wrote ${SCENARIO_SCHEMA_FILE}`);
  for (const which of TEACHING_SCHEMAS) {
    writeFileSync(which.file, renderTeachingJsonSchema(which));
    console.log(`wrote ${which.file}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
