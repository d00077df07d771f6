import type { Worker } from 'node:worker_threads';
import type { Scenario } from '../../scenario/schema.ts';
import type { RunSeedMessage, SeedResult, WorkerInit } from './protocol.ts';
import { startWorker, workerEntry } from './worker-entry.ts';

export interface PoolOptions {
  scenario: Scenario;
  metrics: string[];
  seeds: readonly number[];
  /** Worker threads (at most one per seed). */
  workers: number;
  /** Called as each result arrives, in order of completion. */
  onResult?: (result: SeedResult) => void;
}

/**
 * Seeds handed to a worker ahead of its results. With two, the next seed is already waiting
 * in the worker's queue when it finishes one, so it never idles while its result travels to
 * this thread and a new seed comes back — a round trip that, with every core busy running
 * workers, waits for this thread to be scheduled at all.
 */
const SEEDS_AHEAD = 2;

/**
 * Runs seeds on worker threads: each worker loads the scenario once and is handed seeds from
 * a shared queue, a new one for each result (so a slow seed never holds up the rest), its
 * results streaming back as they finish. Resolves with every result, in order of completion.
 */
export function runSeedsOnWorkers(o: PoolOptions): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  if (o.seeds.length === 0) return Promise.resolve(results);
  const count = Math.max(1, Math.min(o.workers, o.seeds.length));
  const init: WorkerInit = { scenario: o.scenario, metrics: o.metrics };
  const entry = workerEntry();
  return new Promise<SeedResult[]>((resolve, reject) => {
    const workers: Worker[] = [];
    let next = 0;
    let settled = false;
    const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      void stopAll().finally(() => reject(e instanceof Error ? e : new Error(String(e))));
    };
    const feed = (w: Worker) => {
      if (next < o.seeds.length) w.postMessage({ seed: o.seeds[next++] } satisfies RunSeedMessage);
    };
    for (let i = 0; i < count; i++) {
      const w = startWorker(entry, init);
      workers.push(w);
      w.on('message', (r: SeedResult) => {
        if (settled) return;
        results.push(r);
        o.onResult?.(r);
        if (results.length === o.seeds.length) {
          settled = true;
          void stopAll().then(() => resolve(results), reject);
        } else feed(w);
      });
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`a sweep worker stopped unexpectedly (exit code ${code})`)));
    }
    // A round at a time, so a sweep of few seeds still spreads over every worker.
    for (let round = 0; round < SEEDS_AHEAD; round++) for (const w of workers) feed(w);
  });
}
