import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The lint rule that keeps sim/ deterministic must fire on every ambient source of time or chance. */
const eslint = new ESLint();

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('determinism lint rule', () => {
  const planted: [string, string][] = [
    ['Math.random', 'export const x = Math.random();'],
    ['Date.now', 'export const x = Date.now();'],
    ['new Date', 'export const x = new Date();'],
    ['performance.now', 'export const x = performance.now();'],
    ['setTimeout', 'setTimeout(() => 1, 1);'],
    ['setInterval', 'setInterval(() => 1, 1);'],
    ['crypto', 'export const x = crypto.getRandomValues(new Uint8Array(1));'],
    ['async function', 'export async function f(): Promise<number> { return 1; }'],
    ['Promise', 'export const p = Promise.resolve(1);'],
    ['a Node module', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;"],
  ];
  for (const [what, code] of planted) {
    it(`rejects ${what} inside sim/`, async () => {
      expect((await ruleIds(code, 'sim/engine/planted.ts')).length).toBeGreaterThan(0);
    });
  }

  it('allows them in the command line and in tests', async () => {
    expect(await ruleIds('export const x = Date.now();', 'sim/cli/planted.ts')).toEqual([]);
    expect(await ruleIds('export const x = Math.random();', 'test/planted.ts')).toEqual([]);
  });
});
