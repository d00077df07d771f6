// Starts a sweep worker thread through tsx (the fallback of worker-entry.ts, which normally
// starts a cached bundle). The command line runs under tsx, but a worker thread does not
// inherit the main thread's module loader (Node 20), and `execArgv: ['--import', 'tsx']` is
// not honoured for workers either, so the worker registers tsx itself and then loads the
// TypeScript worker. Works the same under `npm run sim` and under vitest.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
