/**
 * The simulation worker: runs the scenario the page validated a few thousand events at a time and
 * streams the trace records to the page in compact batches (see trace/codec.ts), so the page
 * plays the recording back on its own clock while the engine runs ahead. Interventions (the
 * page's what-if clicks) are injected when the run reaches their time. Running in steps gives
 * exactly the run a single call gives (Sim.run), so the trace hash matches the command line's.
 * A worker serves one run at a time and may serve several in turn (sim-worker-pool.ts); the page
 * stops a run by terminating the worker.
 *
 * The worker streams at most `aheadRecords` records beyond those the page has ingested, then
 * waits for the page (backpressure). The page appends records only in its idle time, between
 * frames; a worker racing ahead took the CPU the page needed to draw them (on two cores, frames
 * were missed while a run computed) and filled the page's queue with batches it could not yet
 * take. Waiting costs the run nothing: it is complete only once the page holds every record.
 */
import { chartMetricProblems } from '../sim/scenario/chart-metrics.ts';
import { ScenarioRun } from '../sim/scenario/run.ts';
import type { TraceRecord } from '../sim/engine/trace.ts';
import { msToUs } from '../sim/engine/time.ts';
import type { PageMessage, RunRequest, WorkerMessage } from './protocol.ts';
import { TraceEncoder } from './trace/codec.ts';
import { RecordSampler } from './trace/sampling.ts';
import { StreamPacer } from './stream-pacer.ts';

/** Events per engine call between checks of the wall clock. */
const STEP_EVENTS = 4096;
/** Post a batch at least this often (wall-clock ms) while records come… */
const FLUSH_MS = 30;
/** …or when it holds this many records. */
const FLUSH_RECORDS = 32_768;

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

/** The current run's pace: how far it has streamed ahead of the page. */
let currentPacer = new StreamPacer(Infinity);

scope.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  if (message?.type === 'ingested') {
    currentPacer.ingested(message.records);
    return;
  }
  if (message?.type !== 'run') return;
  currentPacer = new StreamPacer(message.aheadRecords);
  run(message, currentPacer).catch((e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }));
};

async function run(request: RunRequest, pacer: StreamPacer): Promise<void> {
  const loaded = { scenario: request.scenario };
  const encoder = new TraceEncoder(request.strings, request.kinds);
  let recording = true;
  let recorded = 0;
  let lastT = -1;
  let truncatedAt = Infinity;
  let sampledFrom: number | null = null;
  // Made before the run: the run's constructor already emits its start records to the listener.
  const sampler = new RecordSampler(request.recordBudget, msToUs(loaded.scenario.durationMs), Math.max(0, request.streamAfterUs));
  const listener = (r: TraceRecord) => {
    if (!recording || r.t <= request.streamAfterUs) return;
    if (!sampler.keep(r)) return;
    if (sampledFrom === null && sampler.sampling !== null) {
      sampledFrom = sampler.sampling.fromUs;
      post({ type: 'sampled', fromUs: sampledFrom, every: sampler.sampling.every });
    }
    if (recorded >= request.recordBudget && r.t > lastT) {
      // Stop at a time boundary, so the record is complete up to lastT.
      recording = false;
      truncatedAt = lastT;
      flush();
      post({ type: 'truncated', atUs: truncatedAt });
      return;
    }
    encoder.add(r);
    recorded++;
    lastT = r.t;
  };

  const sim = new ScenarioRun(loaded.scenario, { seed: request.seed, listeners: [listener] });
  const engine = sim.built.sim;
  // A chart of a metric this run lacks (a variant without the pattern) draws nothing; a
  // counter shown as a level, or a gauge as a rate, is a mistake in the file.
  const chartProblems = chartMetricProblems(loaded.scenario.charts, engine.metrics, { allowMissing: true });
  if (chartProblems.length > 0) {
    post({ type: 'invalid', errors: chartProblems });
    return;
  }
  post({ type: 'start', nodeNames: sim.built.nodeNames, endUs: engine.endUs });

  let windowsSent = 0;
  /** Sends the metric windows closed since the last call. */
  function sendWindows(): void {
    const values = engine.windows?.values;
    const closed = values?.[0]?.length ?? 0;
    if (!values || closed <= windowsSent) return;
    post({ type: 'windows', from: windowsSent, values: values.map((list) => list.slice(windowsSent, closed)) });
    windowsSent = closed;
  }

  let lastFlush = performance.now();
  function flush(): void {
    // Records at the engine's current time may still come, unless the run is over.
    const complete = sim.done ? Math.max(engine.now, engine.endUs) : engine.now - 1;
    const untilUs = Math.min(complete, truncatedAt);
    lastFlush = performance.now();
    sendWindows();
    if (encoder.size === 0) {
      if (recording) post({ type: 'batch', batch: encoder.take(), untilUs, simTimeUs: engine.now, events: engine.events });
      else post({ type: 'progress', simTimeUs: engine.now, events: engine.events });
      return;
    }
    const batch = encoder.take();
    pacer.sent(batch.count);
    post({ type: 'batch', batch, untilUs, simTimeUs: engine.now, events: engine.events }, TraceEncoder.transferables(batch));
  }

  /** Runs to `limitUs` (inclusive), flushing as it goes and waiting whenever the page is far behind. */
  async function advance(limitUs: number): Promise<void> {
    while (!engine.stopped) {
      const n = engine.run(limitUs, STEP_EVENTS);
      if (encoder.size >= FLUSH_RECORDS || performance.now() - lastFlush >= FLUSH_MS) {
        flush();
        if (pacer.behind) {
          await pacer.caughtUp();
          lastFlush = performance.now();
        }
      }
      if (n < STEP_EVENTS) return;
    }
  }

  for (const intervention of request.interventions) {
    await advance(intervention.atUs);
    if (engine.stopped || engine.now !== intervention.atUs) break;
    // It lands 1 µs after the instant it is made, normalised by the page like a timeline
    // fault (an unknown node throws, and the run fails with the reason).
    sim.inject(intervention.fault);
  }
  await advance(engine.endUs);
  const result = sim.finish();
  flush();
  post({ type: 'result', result });
}
