/**
 * Writes scenarios/scenario.schema.json from the validator, so editors can complete and check
 * scenario files. Run with `npm run schema` after changing sim/scenario/schema.ts; a test
 * fails while the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ScenarioSchema } from '../scenario/schema.ts';

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

function main(): void {
  writeFileSync(SCENARIO_SCHEMA_FILE, renderScenarioJsonSchema());
  console.log(`wrote ${SCENARIO_SCHEMA_FILE}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
