/**
 * The simulation worker: loads the scenario text, runs it in slices of simulated time
 * (posting progress after each), then posts the RunResult. Running in slices gives exactly
 * the run a single call gives (see Sim.run), so the trace hash matches the command line's.
 * One worker serves one run; the page stops a run by terminating the worker.
 */
import { ScenarioRun } from '../sim/scenario/run.ts';
import { loadScenarioText } from './load.ts';
import type { RunRequest, WorkerMessage } from './protocol.ts';

/** Progress messages at most this often (wall-clock ms), so long runs don't flood the page. */
const PROGRESS_INTERVAL_MS = 50;
/** The run is cut into this many slices of simulated time. */
const SLICES = 400;

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: WorkerMessage): void {
  scope.postMessage(message);
}

scope.onmessage = (event: MessageEvent<RunRequest>) => {
  const request = event.data;
  if (request?.type !== 'run') return;
  try {
    run(request);
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
};

function run({ text, seed }: RunRequest): void {
  const loaded = loadScenarioText(text);
  if (!loaded.ok) {
    post({ type: 'invalid', errors: loaded.errors });
    return;
  }
  const sim = new ScenarioRun(loaded.scenario, { seed });
  const endUs = sim.built.sim.endUs;
  const sliceUs = Math.max(1, Math.ceil(endUs / SLICES));
  let cursor = 0;
  let lastPost = -Infinity;
  while (!sim.done && cursor < endUs) {
    cursor = Math.min(endUs, cursor + sliceUs);
    sim.runUntil(cursor);
    const now = performance.now();
    if (now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      post({ type: 'progress', fraction: cursor / endUs, simTimeUs: sim.now, events: sim.built.sim.events });
    }
  }
  const result = sim.finish();
  post({ type: 'progress', fraction: 1, simTimeUs: result.simTimeUs, events: result.events });
  post({ type: 'result', result });
}
