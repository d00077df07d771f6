/**
 * What the sandbox ships: builds the production bundle and measures, gzip-compressed, the
 * JavaScript a first visit loads (the entry script and the chunks it imports statically), the
 * simulation worker (loaded when the first run starts) and the views loaded on demand.
 *
 *   npx tsx test/bench/bundle-size.ts
 *
 * The test suite holds the first load + worker to the issue's budget (test/bundle-size.test.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The issue's budget for JavaScript on first load, gzip. */
export const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

export interface BundleSizes {
  /** gzip bytes of the entry script and its static imports. */
  firstLoad: number;
  firstLoadFiles: string[];
  /** gzip bytes of the simulation worker. */
  worker: number;
  /** gzip bytes of every other JS chunk (views loaded on demand), by file. */
  lazy: Record<string, number>;
  /** The source modules (paths from the project root) with code in the first-load chunks. */
  firstLoadModules: string[];
}

/** Builds into a temporary folder and measures it. */
export async function measureBundle(): Promise<BundleSizes> {
  const outDir = mkdtempSync(join(tmpdir(), 'faultline-bundle-'));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production'; // vitest sets "test", which would bundle React's development build
  try {
    const output = await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const sizes = sizesOf(outDir);
    return { ...sizes, firstLoadModules: modulesOf(output, sizes.firstLoadFiles) };
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The project modules whose code made it into `files` (chunk file names), from Rollup's output. */
function modulesOf(output: Awaited<ReturnType<typeof build>>, files: string[]): string[] {
  const outputs = (Array.isArray(output) ? output : [output]) as { output?: { type: string; fileName: string; modules?: Record<string, { renderedLength: number }> }[] }[];
  const wanted = new Set(files.map((f) => `assets/${f}`));
  const modules = new Set<string>();
  for (const o of outputs) {
    for (const chunk of o.output ?? []) {
      if (chunk.type !== 'chunk' || !wanted.has(chunk.fileName)) continue;
      for (const [id, m] of Object.entries(chunk.modules ?? {})) if (m.renderedLength > 0 && id.startsWith(ROOT)) modules.add(withoutQuery(id.slice(ROOT.length)));
    }
  }
  return [...modules].sort();
}

/** A module's path without Vite's query, except `?raw` (a file's text, which matters to the budget). */
function withoutQuery(path: string): string {
  const [file, query] = path.split('?');
  return query === 'raw' ? path : file;
}

function sizesOf(outDir: string): Omit<BundleSizes, 'firstLoadModules'> {
  const gz = (file: string) => gzipSync(readFileSync(join(outDir, 'assets', file))).length;
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+src="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]);
  // The entry's static imports, transitively (`import … from "./chunk.js"` at the top level).
  const firstLoadFiles = new Set<string>();
  const visit = (file: string) => {
    if (firstLoadFiles.has(file)) return;
    firstLoadFiles.add(file);
    const code = readFileSync(join(outDir, 'assets', file), 'utf8');
    for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) visit(m[1]);
  };
  entries.forEach(visit);
  const all = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
  const worker = all.filter((f) => f.startsWith('worker-'));
  const lazy: Record<string, number> = {};
  for (const f of all) if (!firstLoadFiles.has(f) && !worker.includes(f)) lazy[f] = gz(f);
  return {
    firstLoad: [...firstLoadFiles].reduce((n, f) => n + gz(f), 0),
    firstLoadFiles: [...firstLoadFiles],
    worker: worker.reduce((n, f) => n + gz(f), 0),
    lazy,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = await measureBundle();
  console.log('Sandbox bundle (gzip):');
  console.log(`  first load: ${kb(s.firstLoad)} (${s.firstLoadFiles.join(', ')})`);
  console.log(`  worker (loaded by the first run): ${kb(s.worker)}`);
  console.log(`  first load + worker: ${kb(s.firstLoad + s.worker)}; budget ${kb(FIRST_LOAD_BUDGET_BYTES)}`);
  console.log(`  on demand: ${Object.entries(s.lazy).map(([f, n]) => `${f.replace(/-[\w-]{8}\.js$/, '')} ${kb(n)}`).join(', ')}`);
}
