// Loads a CommonJS file with a V8 code cache beside it, as Node's own loader would run it but
// without compiling it again on every start: the command line's bundle is 1.7 MB, and compiling
// it was a quarter of `npm run sim`'s start-up. The cache is written once the command has run,
// so it holds the functions the command compiled as well as the file's top level; V8 rejects a
// cache made by another version or with other flags, and then it is written anew.
//
// What a cache holds depends on the command that wrote it (`--help` compiles no engine). Each
// cache keeps the `depth` of the start that wrote it, and a deeper start writes it again: the
// launcher counts a command that runs the engine deeper than one that does not.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * Runs `file` (CommonJS) with the code cache at `cacheFile` if there is a usable one.
 * @param {string} file
 * @param {string} cacheFile
 * @param {number} [depth] how much of the file this start will compile (see above)
 * @returns {{ exports: any, usedCache: boolean, saveCache: () => void }} `usedCache`: V8 took the
 *   cache; `saveCache` writes it if there was none, V8 rejected it or this start is deeper than
 *   the one that wrote it (call it once the work is done, so the cache holds what the work compiled).
 */
export function loadWithCodeCache(file, cacheFile, depth = 0) {
  const source = readFileSync(file, 'utf8');
  let cachedData;
  let cachedDepth = -1;
  try {
    cachedData = readFileSync(cacheFile);
    cachedDepth = Number(readFileSync(`${cacheFile}.depth`, 'utf8'));
  } catch {
    // no cache (or no depth beside it: written again)
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const usedCache = cachedData !== undefined && script.cachedDataRejected !== true;
  return {
    exports: module.exports,
    usedCache,
    saveCache: () => {
      if (usedCache && !(depth > cachedDepth)) return;
      // Written beside and renamed, so a process never reads half a cache.
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
        writeFileSync(`${cacheFile}.depth`, String(depth));
      } catch {
        // A read-only cache folder: the next start compiles again, nothing else is lost.
      }
    },
  };
}
