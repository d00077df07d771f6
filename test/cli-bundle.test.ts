/**
 * The prebuilt command line (sim/cli/bundle.mjs, started by `npm run sim` through
 * sim/cli/launch.mjs) is the TypeScript sources bundled, nothing else: for every built-in
 * scenario its `run --json` prints exactly what the sources print — the same trace hash, the
 * same metrics and checks — and exits with the same status. And it is never stale: it is
 * keyed by the content of the sources, not their modification times.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBundle, sourceKey } from '../sim/cli/bundle.mjs';
import { builtInScenarios } from '../sim/cli/common.ts';
import { main } from '../sim/cli/main.ts';
import { ROOT } from '../sim/cli/paths.ts';

async function fromSources(...argv: string[]) {
  let stdout = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: () => {} });
  return { code, stdout };
}

function fromBundle(...argv: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'sim', 'cli', 'launch.mjs'), ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled command line gives what the sources give, for every built-in scenario', () => {
  const scenarios = builtInScenarios();
  it('there are built-in scenarios to compare, and the launcher runs the bundle of the current sources', () => {
    expect(scenarios.length).toBeGreaterThan(20);
    expect(ensureBundle(ROOT).dir.endsWith(sourceKey(ROOT))).toBe(true);
  });

  for (const s of scenarios) {
    it(`${s.folder}/${s.name}`, { timeout: 300_000 }, async () => {
      const bundled = fromBundle('run', s.file, '--json');
      expect(bundled.stderr).toBe('');
      const sources = await fromSources('run', s.file, '--json');
      expect(JSON.parse(bundled.stdout).traceHash).toBe(JSON.parse(sources.stdout).traceHash);
      expect(bundled.stdout).toBe(sources.stdout);
      expect(bundled.code).toBe(sources.code);
    });
  }
});

describe('the bundle is keyed by the content of the sources', () => {
  it('a change that keeps the size and the modification time still makes a new key', () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-key-'));
    mkdirSync(join(root, 'sim', 'engine'), { recursive: true });
    const file = join(root, 'sim', 'engine', 'clock.ts');
    writeFileSync(file, 'export const tick = 1;\n');
    const before = sourceKey(root);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, 'export const tick = 2;\n');
    utimesSync(file, atime, mtime);
    expect(sourceKey(root)).not.toBe(before);
    writeFileSync(file, 'export const tick = 1;\n');
    expect(sourceKey(root)).toBe(before);
  });
});
