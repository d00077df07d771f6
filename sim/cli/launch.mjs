#!/usr/bin/env node
// `npm run sim -- <command>`: runs the prebuilt command line (see bundle.mjs), rebuilding it
// first when a source under sim/ has changed since it was built. Should it fail to build, the
// TypeScript runs through tsx instead — slower to start, the same results.
import { fileURLToPath } from 'node:url';
import { ensureBundle } from './bundle.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
let entry;
try {
  entry = ensureBundle(root).cli;
} catch (e) {
  process.stderr.write(`faultline: could not build the command-line bundle (${e instanceof Error ? e.message.split('\n')[0] : e}); running the TypeScript through tsx\n`);
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../cli.ts', import.meta.url);
}
// sim/cli.ts: runs the command in process.argv and sets the exit status.
await import(entry.href);
