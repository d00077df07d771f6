/**
 * The prebuilt command line (sim/cli/bundle.mjs, started by `npm run sim` through
 * sim/cli/launch.mjs) is the TypeScript sources bundled, nothing else: for every built-in
 * scenario its `run --json` prints exactly what the sources print — the same trace hash, the
 * same metrics and checks — and exits with the same status. And it is never stale: it is
 * keyed by the content of the sources, not their modification times.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, currentKey, ensureBundle, sourceKey } from '../sim/cli/bundle.mjs';
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

  it('the launcher leaves a code cache beside the bundle, and a start with it prints the same', () => {
    const first = fromBundle('run', 'scenarios/network/crash-restart.json', '--json');
    expect(existsSync(join(ensureBundle(ROOT).dir, 'main.v8-cache'))).toBe(true);
    const second = fromBundle('run', 'scenarios/network/crash-restart.json', '--json');
    expect(second.stdout).toBe(first.stdout);
    expect(second.code).toBe(first.code);
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

describe('the key without reading the sources', () => {
  function tree() {
    const root = mkdtempSync(join(tmpdir(), 'faultline-memo-'));
    mkdirSync(join(root, 'sim', 'engine'), { recursive: true });
    const file = join(root, 'sim', 'engine', 'clock.ts');
    writeFileSync(file, 'export const tick = 1;\n');
    return { root, file };
  }
  const later = () => Date.now() + 60_000;

  it('is the content key, remembered once the files have been still a while', () => {
    const { root } = tree();
    expect(currentKey(root)).toBe(sourceKey(root));
    // Just written: not remembered yet (file times tick too coarsely to trust at once).
    expect(existsSync(join(cacheDir(root), 'source-key.json'))).toBe(false);
    expect(currentKey(root, later())).toBe(sourceKey(root));
    const memo = JSON.parse(readFileSync(join(cacheDir(root), 'source-key.json'), 'utf8'));
    expect(memo.key).toBe(sourceKey(root));
    expect(currentKey(root, later())).toBe(memo.key);
  });

  it('sees a change that keeps the size and the modification time, after the memo was made', () => {
    const { root, file } = tree();
    const before = currentKey(root, later());
    expect(existsSync(join(cacheDir(root), 'source-key.json'))).toBe(true);
    const { atime, mtime } = statSync(file);
    writeFileSync(file, 'export const tick = 2;\n');
    utimesSync(file, atime, mtime);
    const after = currentKey(root, later());
    expect(after).not.toBe(before);
    expect(after).toBe(sourceKey(root));
  });

  it('sees a new source file', () => {
    const { root } = tree();
    const before = currentKey(root, later());
    writeFileSync(join(root, 'sim', 'engine', 'more.ts'), 'export const more = 1;\n');
    expect(currentKey(root, later())).not.toBe(before);
  });
});

describe('the code cache', () => {
  it('is written after a first start and taken by the next; a damaged one is rejected and written anew', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-cache-'));
    const file = join(dir, 'lib.cjs');
    const cache = join(dir, 'lib.v8-cache');
    writeFileSync(file, 'exports.twice = (x) => 2 * x;\nexports.dir = __dirname;\n');
    // Each start in a process of its own, as the launcher's are (V8 also caches compiled code
    // within a process, which would hide what the file cache does).
    const start = (depth = 0) => {
      const script = `import { loadWithCodeCache } from ${JSON.stringify(join(ROOT, 'sim', 'cli', 'code-cache.mjs'))};
        const l = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cache)}, ${depth});
        l.saveCache();
        console.log(JSON.stringify({ usedCache: l.usedCache, twice: l.exports.twice(21), dir: l.exports.dir }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { usedCache: boolean; twice: number; dir: string };
    };
    expect(start()).toEqual({ usedCache: false, twice: 42, dir });
    expect(existsSync(cache)).toBe(true);
    expect(start()).toEqual({ usedCache: true, twice: 42, dir });
    writeFileSync(cache, 'not a code cache');
    expect(start().usedCache).toBe(false);
    expect(start().usedCache).toBe(true);
    // A deeper start (one that runs the engine) writes it again, once.
    const written = () => statSync(cache).mtimeMs;
    const before = written();
    expect(start(1).usedCache).toBe(true);
    expect(written()).toBeGreaterThan(before);
    expect(readFileSync(`${cache}.depth`, 'utf8')).toBe('1');
    const after = written();
    start(0);
    start(1);
    expect(written()).toBe(after);
  });
});
