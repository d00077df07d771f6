// The prebuilt command line. `npm run sim` (launch.mjs) and the sweep's worker threads run
// JavaScript that esbuild (tsx's own dependency) bundles from sim/ — the command line and the
// sweep worker, sharing one chunk — instead of compiling the TypeScript module by module on
// every start. Bundles are cached in node_modules/.cache/faultline/<key>/, where the key is a
// hash of the content of every source file under sim/ and of the bundled packages' versions:
// a bundle is never older than its sources, whatever their modification times say. `npm
// install` builds it (the `prepare` script runs this file); otherwise the first command after
// a change does. Plain JavaScript, so Node runs it without tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The entry points, by the name of their output file (`<name>.mjs`). */
const ENTRIES = { cli: 'sim/cli.ts', 'sweep-worker': 'sim/cli/sweep/worker.ts' };

/**
 * Bumped when the build options below change (they shape the output as much as the sources).
 */
const BUILD_VERSION = 'faultline-bundle-1';

export function cacheDir(root) {
  return join(root, 'node_modules', '.cache', 'faultline');
}

/**
 * The key of the sources under `root`: a hash of every .ts/.mjs/.js/.json file under sim/ (its
 * path and content), of the versions of esbuild and of the packages the bundle holds, and of
 * the root itself (the bundle has it written in, see `define` below).
 */
export function sourceKey(root) {
  root = resolve(root);
  const h = createHash('sha256');
  h.update(`${BUILD_VERSION}\0${root}\0`);
  for (const pkg of ['esbuild', 'zod', 'commander', 'seedrandom']) h.update(`${pkg}@${installedVersion(root, pkg)}\0`);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name)) {
        const content = readFileSync(path);
        h.update(`${relative(root, path).split(sep).join('/')}\0${content.length}\0`);
        h.update(content);
      }
    }
  };
  walk(join(root, 'sim'));
  return h.digest('hex').slice(0, 16);
}

function installedVersion(root, pkg) {
  const file = pkg === 'esbuild' ? esbuildPackageJson() : join(root, 'node_modules', pkg, 'package.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'none';
  }
}

/** esbuild as tsx resolves it: the copy that tsx (and so the TypeScript sources) runs with. */
function requireEsbuild() {
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  return createRequire(tsx);
}

function esbuildPackageJson() {
  try {
    return requireEsbuild().resolve('esbuild/package.json');
  } catch {
    return '';
  }
}

/**
 * The bundle of the sources under `root`, built first if there is none for their key. Throws
 * if it cannot be built (no esbuild, a syntax error); callers fall back to tsx.
 * @returns {{ dir: string, cli: URL, sweepWorker: URL, built: boolean }}
 */
export function ensureBundle(root) {
  root = resolve(root);
  const key = sourceKey(root);
  const dir = join(cacheDir(root), key);
  const built = !existsSync(join(dir, 'cli.mjs'));
  if (built) build(root, key, dir);
  return { dir, cli: pathToFileURL(join(dir, 'cli.mjs')), sweepWorker: pathToFileURL(join(dir, 'sweep-worker.mjs')), built };
}

function build(root, key, dir) {
  const esbuild = requireEsbuild()('esbuild');
  // Built beside its final place and renamed into it, so a process never sees half a bundle;
  // when two build at once, the first rename wins and the other's copy goes.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  esbuild.buildSync({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: 'shared-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // zod and commander go into the bundle: as packages they are dozens of modules, each
    // resolved and compiled apart at every start. seedrandom (CommonJS) stays an import,
    // resolved from node_modules above the cache. commander is CommonJS too and requires
    // Node's modules, which an ES module can only do through createRequire.
    external: ['seedrandom'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // In the bundle, import.meta.url is the bundle's file in the cache: sim/cli/paths.ts
    // reads the repository's root from here instead.
    define: { FAULTLINE_BUNDLED_FROM: JSON.stringify(root) },
    logLevel: 'silent',
  });
  mkdirSync(cacheDir(root), { recursive: true });
  // Bundles of older sources go (and the single-file worker bundles of earlier versions).
  for (const old of readdirSync(cacheDir(root))) {
    if (old !== key && !old.endsWith('.tmp')) rmSync(join(cacheDir(root), old), { recursive: true, force: true });
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'cli.mjs'))) throw e;
  }
}

// `node sim/cli/bundle.mjs` (the `prepare` script): build now. An install must not fail for
// it: without a bundle, the command line runs the TypeScript through tsx.
// (Not in the bundle itself, which holds this file too: there `define` makes the test false.)
if (typeof FAULTLINE_BUNDLED_FROM === 'undefined' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  try {
    const { dir, built } = ensureBundle(root);
    console.log(`faultline: command-line bundle ${built ? 'built' : 'up to date'}: ${relative(root, dir)}`);
  } catch (e) {
    console.warn(`faultline: could not build the command-line bundle (${e instanceof Error ? e.message : e}); npm run sim will run the TypeScript through tsx`);
  }
}
