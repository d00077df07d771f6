import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTeachingJsonSchema, TEACHING_SCHEMAS } from '../../sim/cli/write-json-schema.ts';

describe('lessons/*.schema.json', () => {
  for (const which of TEACHING_SCHEMAS) {
    it(`${which.file.split('/').pop()} is up to date with the validator (run \`npm run schema\`)`, () => {
      expect(readFileSync(which.file, 'utf8')).toBe(renderTeachingJsonSchema(which));
    });
  }
});
