/**
 * One run in the simulation worker without playback: nothing is recorded for the page (a record
 * budget of 0), only the result comes back. A challenge's Grade runs each seed this way, exactly
 * as the sandbox runs it, so the trace hash is the command line's.
 */
import type { RunResult } from '../../sim/scenario/run.ts';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import type { RunRequest, WorkerMessage } from '../protocol.ts';
import { loadScenarioText } from '../load.ts';

export type HeadlessRun = { ok: true; result: RunResult } | { ok: false; errors: ScenarioError[] } | { ok: false; message: string };

export function runHeadless(text: string, seed: number): { done: Promise<HeadlessRun>; stop: () => void } {
  // Validated here, as the sandbox does before a run: the worker runs the scenario as given.
  const loaded = loadScenarioText(text);
  if (!loaded.ok) return { done: Promise.resolve({ ok: false, errors: loaded.errors }), stop: () => {} };
  const worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module', name: 'faultline-grade' });
  let settle: (r: HeadlessRun) => void = () => {};
  const done = new Promise<HeadlessRun>((resolve) => {
    settle = (r) => {
      worker.terminate();
      resolve(r);
    };
  });
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const m = event.data;
    if (m.type === 'result') settle({ ok: true, result: m.result });
    else if (m.type === 'invalid') settle({ ok: false, errors: m.errors });
    else if (m.type === 'failed') settle({ ok: false, message: m.message });
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    settle({ ok: false, message: event.message || 'the simulation worker failed to start' });
  };
  // Nothing is streamed: every record is "before" streamAfterUs, so the worker's listener returns
  // at once (with -1 it would reach the record sampler, which is made after the run's first records).
  const request: RunRequest = { type: 'run', scenario: loaded.scenario, seed, interventions: [], streamAfterUs: Number.MAX_SAFE_INTEGER, strings: [''], kinds: [], recordBudget: 0, aheadRecords: Infinity };
  worker.postMessage(request);
  return { done, stop: () => settle({ ok: false, message: 'stopped' }) };
}
