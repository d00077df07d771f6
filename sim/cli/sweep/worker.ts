/**
 * A sweep worker thread: it gets the (validated) scenario once, then runs each seed the main
 * thread hands it and posts the result back. Started through worker-boot.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RunSeedMessage, WorkerInit } from './protocol.ts';
import { runSeed } from './run-seed.ts';

const port = parentPort;
if (port === null) throw new Error('sweep worker: not started as a worker thread');
const init = workerData as WorkerInit;
port.on('message', (m: RunSeedMessage) => {
  port.postMessage(runSeed(init.scenario, m.seed, init.metrics));
});
