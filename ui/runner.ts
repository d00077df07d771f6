/** Starts one run in a fresh module Worker; `stop()` ends it at once (the worker is terminated). */
import type { RunRequest, WorkerMessage } from './protocol.ts';

export interface RunHandle {
  stop(): void;
}

export function startRun(request: Omit<RunRequest, 'type'>, onMessage: (m: WorkerMessage) => void): RunHandle {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'faultline-sim' });
  let finished = false;
  const end = () => {
    if (!finished) {
      finished = true;
      worker.terminate();
    }
  };
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    if (finished) return;
    const message = event.data;
    if (message.type !== 'progress') end();
    onMessage(message);
  };
  worker.onerror = (event: ErrorEvent) => {
    if (finished) return;
    end();
    event.preventDefault();
    onMessage({ type: 'failed', message: event.message || 'the simulation worker failed to start' });
  };
  worker.onmessageerror = () => {
    if (finished) return;
    end();
    onMessage({ type: 'failed', message: 'a message from the simulation worker could not be read' });
  };
  const message: RunRequest = { type: 'run', ...request };
  worker.postMessage(message);
  return { stop: end };
}
