// Types of bundle.mjs (plain JavaScript, so that Node runs it without tsx).
export function cacheDir(root: string): string;
export function sourceKey(root: string): string;
export function currentKey(root: string, nowMs?: number): string;
export function ensureBundle(root: string): { dir: string; cli: URL; main: string; sweepWorker: URL; built: boolean };
