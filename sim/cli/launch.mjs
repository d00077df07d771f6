#!/usr/bin/env node
// `npm run sim -- <command>`: runs the prebuilt command line (see bundle.mjs), rebuilding it
// first when a source under sim/ has changed since it was built, and compiling it with a V8
// code cache (code-cache.mjs). Should it fail to build, the TypeScript runs through tsx
// instead — slower to start, the same results.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBundle } from './bundle.mjs';
import { loadWithCodeCache } from './code-cache.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Commands that run the engine: their code cache holds it too (see code-cache.mjs). */
const ENGINE_COMMANDS = new Set(['run', 'compare', 'grade', 'report', 'trace', 'diagram', 'sweep']);
const argv = process.argv.slice(2);
let bundle = null;
try {
  bundle = ensureBundle(root);
} catch (e) {
  process.stderr.write(`faultline: could not build the command-line bundle (${e instanceof Error ? e.message.split('\n')[0] : e}); running the TypeScript through tsx\n`);
}
if (bundle) {
  const depth = ENGINE_COMMANDS.has(argv[0]) ? 1 : 0;
  const { exports, saveCache } = loadWithCodeCache(bundle.main, join(bundle.dir, 'main.v8-cache'), depth);
  process.exitCode = await exports.main(argv);
  saveCache();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  // sim/cli.ts: runs the command in process.argv and sets the exit status.
  await import(new URL('../cli.ts', import.meta.url).href);
}
