/**
 * One warm simulation worker kept between runs. A worker that has run a scenario has the
 * engine's code compiled and optimised; a fresh one compiles it all again while the page plays,
 * and on a machine with few cores that compiling took the time frames needed. A worker whose run
 * ended normally is kept for the next run; one stopped mid-run is terminated (that is how a run
 * is stopped). The engine keeps no state between runs (each run builds its own), so a reused
 * worker gives the same trace as a fresh one (the browser determinism test runs twice in one).
 */
let spare: Worker | null = null;

/** A worker for a run: the spare one if there is one, else a new one. */
export function takeSimWorker(): Worker {
  const worker = spare ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'faultline-sim' });
  spare = null;
  return worker;
}

/** Keeps a worker whose run has ended for the next run (one is kept; any other is terminated). */
export function releaseSimWorker(worker: Worker): void {
  worker.onmessage = null;
  worker.onerror = null;
  worker.onmessageerror = null;
  if (spare === null) spare = worker;
  else worker.terminate();
}
