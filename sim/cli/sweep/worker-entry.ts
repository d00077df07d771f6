import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The script a sweep worker thread starts from. Worker threads do not inherit tsx from the
 * main thread, so there are two ways to run the TypeScript worker:
 *
 * - bundled (the default): the worker and the simulator it imports (with zod), bundled into
 *   one ES module by esbuild (tsx's own dependency) and cached in node_modules/.cache/faultline/
 *   under a key of the sources' paths, sizes and modification times. A worker then starts
 *   in a fraction of the time tsx needs to compile its modules one by one.
 * - through tsx (`worker-boot.mjs`): the fallback if bundling is impossible, or when
 *   FAULTLINE_SWEEP_WORKER=tsx.
 */
const SIM_DIR = fileURLToPath(new URL('../../', import.meta.url));
const WORKER_TS = fileURLToPath(new URL('./worker.ts', import.meta.url));
const BOOT = new URL('./worker-boot.mjs', import.meta.url);
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
const CACHE_DIR = join(NODE_MODULES, '.cache', 'faultline');
const PREFIX = 'sweep-worker-';

let bundled: URL | null = null;

/**
 * Starts a sweep worker on `entry` (see `workerEntry`). A worker inherits the main thread's
 * Node options, among them tsx's `--require …` and `--import …` when the command runs
 * through tsx. The bundle is plain JavaScript, and tsx's hooks would only slow its start
 * (every module resolved through them, source maps looked up: about 0.13 s of CPU per
 * worker), so a worker on the bundle starts without them.
 */
export function startWorker(entry: URL, workerData: unknown): Worker {
  const execArgv = entry.href === BOOT.href ? null : withoutTsx(process.execArgv);
  if (execArgv !== null) {
    try {
      return new Worker(entry, { workerData, execArgv });
    } catch (e) {
      // Options a worker may inherit but not be given (V8 flags such as --max-old-space-size):
      // inherit them all then, tsx included.
      if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    }
  }
  return new Worker(entry, { workerData });
}

/** `args` less tsx's loader options; null when there are none (nothing to change). */
function withoutTsx(args: readonly string[]): string[] | null {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if ((arg === '--require' || arg === '--import' || arg === '-r') && value !== undefined && isTsx(value)) i++;
    else if (!(/^--(require|import)=/.test(arg) && isTsx(arg.slice(arg.indexOf('=') + 1)))) kept.push(arg);
  }
  return kept.length === args.length ? null : kept;
}

function isTsx(specifier: string): boolean {
  return specifier === 'tsx' || specifier.startsWith('tsx/') || /[/\\]node_modules[/\\]tsx[/\\]/.test(specifier);
}

export function workerEntry(): URL {
  if (process.env.FAULTLINE_SWEEP_WORKER === 'tsx') return BOOT;
  if (bundled !== null) return bundled;
  try {
    bundled = bundleWorker();
  } catch {
    return BOOT;
  }
  return bundled;
}

function bundleWorker(): URL {
  if (!existsSync(NODE_MODULES)) throw new Error('no node_modules next to sim/');
  const key = sourceKey();
  const file = join(CACHE_DIR, `${PREFIX}${key}.mjs`);
  if (!existsSync(file)) {
    const requireHere = createRequire(import.meta.url);
    const esbuild = createRequire(requireHere.resolve('tsx/package.json'))('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({
      entryPoints: [WORKER_TS],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // zod goes into the bundle: imported as a package it is some fifty modules, each one
      // resolved and compiled apart, which cost every worker about 70 ms of CPU at start.
      // seedrandom (CommonJS) stays an import, resolved from node_modules above the cache.
      external: ['seedrandom'],
      write: false,
      logLevel: 'silent',
    });
    mkdirSync(CACHE_DIR, { recursive: true });
    // Bundles of older sources go; a bundle of these sources (another sweep just made it) stays.
    for (const old of readdirSync(CACHE_DIR)) if (old.startsWith(PREFIX) && !old.startsWith(`${PREFIX}${key}`)) rmSync(join(CACHE_DIR, old), { force: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, out.outputFiles[0].text);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}

/** Identifies the sources: every file under sim/ by path, size and modification time. */
function sourceKey(): string {
  const h = createHash('sha256');
  h.update(`${process.version}\n`);
  // The bundle holds zod too: a new version of it makes a new bundle.
  h.update(`${readFileSync(join(NODE_MODULES, 'zod', 'package.json'), 'utf8')}\n`);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name)) {
        const s = statSync(path);
        h.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(SIM_DIR);
  return h.digest('hex').slice(0, 16);
}
