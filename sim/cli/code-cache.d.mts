// Types of code-cache.mjs (plain JavaScript, so that Node runs it without tsx).
export function loadWithCodeCache(file: string, cacheFile: string, depth?: number): { exports: Record<string, unknown>; usedCache: boolean; saveCache: () => void };
