import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ensureBundle } from '../bundle.mjs';
import { IN_BUNDLE, ROOT } from '../paths.ts';

/**
 * The script a sweep worker thread starts from. Worker threads do not inherit tsx from the
 * main thread, so there are two ways to run the TypeScript worker:
 *
 * - bundled (the default): the worker and the simulator it imports (with zod), in the
 *   prebuilt bundle of the command line (bundle.mjs), cached in node_modules/.cache/faultline/
 *   under a hash of the sources. A worker then starts in a fraction of the time tsx needs to
 *   compile its modules one by one.
 * - through tsx (`worker-boot.mjs`): the fallback if bundling is impossible, or when
 *   FAULTLINE_SWEEP_WORKER=tsx.
 */
const BOOT = pathToFileURL(join(ROOT, 'sim', 'cli', 'sweep', 'worker-boot.mjs'));

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
  // Running from the bundle already: its worker is beside it, built from the same sources.
  if (IN_BUNDLE) return new URL('./sweep-worker.mjs', import.meta.url);
  if (bundled !== null) return bundled;
  try {
    bundled = ensureBundle(ROOT).sweepWorker;
  } catch {
    return BOOT;
  }
  return bundled;
}
