// The prebuilt command line. `npm run sim` (launch.mjs) and the sweep's worker threads run
// JavaScript that esbuild (tsx's own dependency) bundles from sim/ — the command line and the
// sweep worker, sharing one chunk — instead of compiling the TypeScript module by module on
// every start. Bundles are cached in node_modules/.cache/faultline/<key>/, where the key is a
// hash of the content of every source file under sim/ and of the bundled packages' versions:
// a bundle is never older than its sources, whatever their modification times say. `npm
// install` builds it (the `prepare` script runs this file); otherwise the first command after
// a change does. Plain JavaScript, so Node runs it without tsx.
//
// `npm run sim` itself starts `main.cjs`: the same command line as one CommonJS file, which
// launch.mjs compiles with a V8 code cache kept beside it (code-cache.mjs). Compiling the
// bundle (1.7 MB, most of it zod) was a quarter of the command line's start-up; Node 20 keeps no
// code cache for ES modules, so that one file is CommonJS.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The entry points, by the name of their output file (`<name>.mjs`). */
const ENTRIES = { cli: 'sim/cli.ts', 'sweep-worker': 'sim/cli/sweep/worker.ts' };

/**
 * Bumped when the build options below change (they shape the output as much as the sources).
 */
const BUILD_VERSION = 'faultline-bundle-3';

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
  for (const path of sourceFiles(root)) {
    const content = readFileSync(path);
    h.update(`${relative(root, path).split(sep).join('/')}\0${content.length}\0`);
    h.update(content);
  }
  return h.digest('hex').slice(0, 16);
}

/** Files that count toward a key: sim/'s sources, in a stable order. */
function sourceFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(root, 'sim'));
  return files;
}

/** A file is trusted unchanged by its times only once it has been still this long (ms). */
const SETTLED_MS = 2000;

/**
 * The key of the sources under `root` (sourceKey), without reading them when none has changed
 * since it was last worked out: hashing every source took ~30 ms of each start. A memo in the
 * cache keeps the key beside the files' sizes and change times (ctime, which every write moves
 * and no tool can set back). File times tick coarsely (a few ms), so the memo is written only
 * when every file has been still for SETTLED_MS: a later write then always shows as a new time.
 * `nowMs`: the wall clock (tests move it on instead of waiting).
 */
export function currentKey(root, nowMs = Date.now()) {
  root = resolve(root);
  const memoFile = join(cacheDir(root), 'source-key.json');
  let memo = null;
  try {
    memo = JSON.parse(readFileSync(memoFile, 'utf8'));
  } catch {
    // no memo yet, or an unreadable one
  }
  // Where tsx's esbuild is, as the memo found it (resolving it costs as much as the rest).
  const esbuildFile = typeof memo?.esbuild === 'string' && existsSync(memo.esbuild) ? memo.esbuild : esbuildPackageJson();
  let newestChangeMs = 0;
  const packageFiles = ['zod', 'commander', 'seedrandom'].map((pkg) => join(root, 'node_modules', pkg, 'package.json'));
  const parts = [BUILD_VERSION, root];
  for (const path of [esbuildFile, ...packageFiles, ...sourceFiles(root)]) {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (st) newestChangeMs = Math.max(newestChangeMs, Number(st.ctimeMs), Number(st.mtimeMs));
    parts.push(`${path} ${st ? `${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino}` : 'none'}`);
  }
  const signature = parts.join('\n');
  if (memo?.signature === signature && typeof memo.key === 'string') return memo.key;
  const key = sourceKey(root);
  if (nowMs - newestChangeMs > SETTLED_MS) {
    try {
      mkdirSync(cacheDir(root), { recursive: true });
      const tmp = `${memoFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ signature, key, esbuild: esbuildFile }));
      renameSync(tmp, memoFile);
    } catch {
      // a read-only cache: the key is worked out at every start, as before
    }
  }
  return key;
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
 * @returns {{ dir: string, cli: URL, main: string, sweepWorker: URL, built: boolean }}
 */
export function ensureBundle(root) {
  root = resolve(root);
  const key = currentKey(root);
  const dir = join(cacheDir(root), key);
  const built = !existsSync(join(dir, 'cli.mjs'));
  if (built) build(root, key, dir);
  return { dir, cli: pathToFileURL(join(dir, 'cli.mjs')), main: join(dir, 'main.cjs'), sweepWorker: pathToFileURL(join(dir, 'sweep-worker.mjs')), built };
}

function build(root, key, dir) {
  const esbuild = requireEsbuild()('esbuild');
  // Built beside its final place and renamed into it, so a process never sees half a bundle;
  // when two build at once, the first rename wins and the other's copy goes.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    // zod and commander go into the bundle: as packages they are dozens of modules, each
    // resolved and compiled apart at every start. seedrandom (CommonJS) stays an import,
    // resolved from node_modules above the cache.
    external: ['seedrandom'],
    logLevel: 'silent',
  };
  // In a bundle, import.meta.url is the bundle's file in the cache: sim/cli/paths.ts reads the
  // repository's root from FAULTLINE_BUNDLED_FROM instead.
  const bundledFrom = JSON.stringify(root);
  esbuild.buildSync({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)])),
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'shared-[hash]',
    format: 'esm',
    // commander is CommonJS and requires Node's modules, which an ES module can only do
    // through createRequire.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    define: { FAULTLINE_BUNDLED_FROM: bundledFrom },
  });
  // The command line as one CommonJS file exporting main(), for launch.mjs (see above).
  esbuild.buildSync({
    ...common,
    entryPoints: [join(root, 'sim/cli/main.ts')],
    outfile: join(tmp, 'main.cjs'),
    format: 'cjs',
    // Smaller to read and to keep compiled; names stay (stack traces and zod's messages read them).
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: "const __faultline_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    define: { FAULTLINE_BUNDLED_FROM: bundledFrom, 'import.meta.url': '__faultline_import_meta_url' },
  });
  mkdirSync(cacheDir(root), { recursive: true });
  // Bundles of older sources go (and the single-file worker bundles of earlier versions).
  for (const old of readdirSync(cacheDir(root))) {
    if (old !== key && old !== 'source-key.json' && !old.endsWith('.tmp')) rmSync(join(cacheDir(root), old), { recursive: true, force: true });
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
