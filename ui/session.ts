/**
 * One sandbox run of one scenario and seed: the worker that computes it, the trace recorded
 * so far, the interventions made, and the result once the run is complete. A what-if branch
 * (an intervention at the cursor) re-runs the same seed in a fresh worker with one more
 * intervention; the records up to the cursor are the same in both runs, so the page keeps
 * them and the new worker streams only what comes after.
 */
import type { FaultAction } from '../sim/faults/faults.ts';
import type { ScenarioError } from '../sim/scenario/load.ts';
import type { RunResult } from '../sim/scenario/run.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { interventionFault } from '../sim/scenario/intervention.ts';
import { whenIdle, type IdleTime } from './idle.ts';
import type { IngestedNote, InjectedFault, Intervention, RunRequest, WorkerMessage } from './protocol.ts';
import { releaseSimWorker, takeSimWorker } from './sim-worker-pool.ts';
import { IngestQueue } from './trace/ingest.ts';
import { TraceStore } from './trace/store.ts';

/** Records kept on the page (29 bytes each in the columns, plus the indexes): ~60–100 MB at most. */
export const RECORD_CAP = 2_000_000;

/** Progress notifications at most this often (wall-clock ms). */
const NOTIFY_MS = 200;

/*
 * Streaming a run into the page while it plays. The page appends records only in idle periods
 * (between frames while it plays), at most IDLE_INGEST_MS of each, and the worker streams at
 * most AHEAD_RECORDS beyond what the page has appended, then waits (worker.ts). So while the
 * page plays, the run goes at the pace the page takes its records, and the CPU the worker would
 * have spent racing ahead is left to drawing. Measured on two cores (README, "smooth while
 * computing"): frames late while computing fell from 17–42 % (outlier detection) to about 4 %,
 * with the run complete about as soon as before; while paused the page takes records in every
 * idle period, one after another.
 */
/** Records the worker may stream beyond those the page has appended: a quarter of a full batch. */
const AHEAD_RECORDS = 8192;
/** Wall-clock ms of one idle period spent appending records (the rest of a frame is the page's own). */
const IDLE_INGEST_MS = 3;
/** Records go in at least this often (ms) even when the page never idles (busy, or hidden)… */
const INGEST_FALLBACK_MS = 100;
/** …for this long (ms) then, or for longer on a hidden page, which draws no frames. */
const FALLBACK_INGEST_MS = 2;
const HIDDEN_INGEST_MS = 50;
/** Left of an idle period for the browser's own work, and the least slice taken from one (ms). */
const IDLE_MARGIN_MS = 1;
const MIN_IDLE_SLICE_MS = 0.5;

export type SessionPhase = 'running' | 'done' | 'stopped' | 'invalid' | 'failed';

declare global {
  interface Window {
    /** For tests and the curious: the last finished run. */
    __faultline?: { lastResult: RunResult | null };
  }
}

export class Session {
  phase: SessionPhase = 'running';
  store: TraceStore | null = null;
  result: RunResult | null = null;
  errors: ScenarioError[] = [];
  message = '';
  simTimeUs = 0;
  events = 0;
  interventions: Intervention[] = [];
  /** Runs started: 1, then one more per branch. */
  generation = 0;
  /** Bumped on every change, for React's useSyncExternalStore. */
  version = 0;
  /**
   * Bumped on every change but progress (phase, result, interventions): what the page around
   * the views re-renders on. Re-rendering it at each progress note cost frames while a run
   * computed (its parameter rows alone took a tenth of the main thread).
   */
  stateVersion = 0;
  private worker: Worker | null = null;
  /** Streamed batches not yet in the store. */
  private readonly incoming = new IngestQueue();
  /** The worker's result, held until every record before it is in the store. */
  private finished: RunResult | null = null;
  /** Cancels the ingestion waiting for the page to be idle (null: none waits). */
  private cancelIdle: (() => void) | null = null;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private lastNotified = -Infinity;
  private readonly listeners = new Set<() => void>();

  /** Where playback starts (a shared what-if link carries its cursor time). */
  readonly openAtUs: number;

  /** `what`: interventions to run with from the start, and the cursor time to open at (a shared what-if link). */
  constructor(
    readonly text: string,
    readonly scenario: Scenario,
    readonly seed: number,
    what: { interventions: readonly Intervention[]; cursorUs: number } = { interventions: [], cursorUs: 0 },
  ) {
    this.interventions = sortedByTime(what.interventions);
    this.openAtUs = what.cursorUs;
  }

  get endUs(): number {
    return Math.round(this.scenario.durationMs * 1000);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  getStateVersion = (): number => this.stateVersion;

  start(): void {
    this.launch(-1);
  }

  /**
   * A what-if branch: `actions` injected once the run reaches `atUs` (they land 1 µs later).
   * Interventions made later than `atUs` are kept: the list stays in time order and the run
   * re-branches at `atUs` with all of them (each can be removed on its own, see `remove`).
   */
  intervene(atUs: number, ...actions: FaultAction[]): void {
    if (actions.length === 0) return;
    const at = Math.max(0, Math.floor(atUs));
    // Several actions at once (latency on both directions of a link) make one branch.
    this.interventions = sortedByTime([...this.interventions, ...actions.map((action) => ({ atUs: at, action }))]);
    this.branchAt(at);
  }

  /** Takes out the `index`-th intervention; the run re-branches at its time (everything before it is unchanged). */
  remove(index: number): void {
    const removed = this.interventions[index];
    if (!removed) return;
    this.interventions = this.interventions.filter((_, i) => i !== index);
    this.branchAt(removed.atUs);
  }

  private branchAt(atUs: number): void {
    // The branch streams only what comes after `atUs`: whatever of the old run is still queued
    // goes in first (the part before `atUs` is the branch's too), then the old future goes.
    if (this.store) this.incoming.drainAll(this.store);
    this.store?.truncateAfter(atUs);
    this.launch(atUs);
  }

  stop(): void {
    this.end();
    if (this.phase === 'running') {
      this.phase = 'stopped';
      this.changed();
    }
  }

  dispose(): void {
    this.end();
    this.quiet();
    this.incoming.clear();
    this.cancelIngest();
    this.listeners.clear();
  }

  private launch(streamAfterUs: number): void {
    this.end();
    this.phase = 'running';
    this.result = null;
    this.finished = null;
    this.generation++;
    const worker = takeSimWorker();
    this.worker = worker;
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      if (this.worker === worker) this.receive(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      if (this.worker !== worker) return;
      event.preventDefault();
      this.fail(event.message || 'the simulation worker failed to start');
    };
    worker.onmessageerror = () => {
      if (this.worker === worker) this.fail('a message from the simulation worker could not be read');
    };
    let interventions: InjectedFault[];
    try {
      interventions = this.interventions.map((i) => ({ atUs: i.atUs, fault: interventionFault(i.action, i.atUs) }));
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return;
    }
    const store = this.store;
    const request: RunRequest = {
      type: 'run',
      scenario: this.scenario,
      seed: this.seed,
      interventions,
      streamAfterUs,
      strings: store ? store.strings : [''],
      kinds: store ? store.kinds : [],
      recordBudget: Math.max(0, RECORD_CAP - (store?.count ?? 0)),
      aheadRecords: AHEAD_RECORDS,
    };
    worker.postMessage(request);
    this.changed();
  }

  private receive(m: WorkerMessage): void {
    switch (m.type) {
      case 'start':
        if (this.store === null) {
          const kinds = new Map(this.scenario.nodes.map((n) => [n.id, n.kind]));
          this.store = new TraceStore({
            nodeNames: m.nodeNames,
            queueing: m.nodeNames.map((n) => kinds.get(n) === 'service'),
            endUs: m.endUs,
            windowUs: Math.round(this.scenario.metrics.windowMs * 1000),
          });
        }
        break;
      case 'batch':
        this.incoming.push(m.batch, m.untilUs);
        this.scheduleIngest();
        this.simTimeUs = m.simTimeUs;
        this.events = m.events;
        this.changedSoon();
        return;
      case 'progress':
        this.simTimeUs = m.simTimeUs;
        this.events = m.events;
        this.changedSoon();
        return;
      case 'sampled':
        if (this.store && this.store.sampling === null) this.store.sampling = { fromUs: m.fromUs, every: m.every };
        break;
      case 'windows':
        this.store?.appendChartWindows(m.from, m.values);
        this.changedSoon();
        return;
      case 'truncated':
        if (this.store) this.store.truncatedAtUs = m.atUs;
        break;
      case 'result':
        if (this.worker) releaseSimWorker(this.worker);
        this.worker = null;
        // Done once the page holds the whole recording, so a finished run is a complete one.
        if (this.incoming.empty) this.complete(m.result);
        else this.finished = m.result;
        return;
      case 'invalid':
        this.end();
        this.errors = m.errors;
        this.phase = 'invalid';
        break;
      case 'failed':
        this.fail(m.message);
        return;
    }
    this.changed();
  }

  private complete(result: RunResult): void {
    this.finished = null;
    this.result = result;
    this.simTimeUs = result.simTimeUs;
    this.events = result.events;
    this.phase = 'done';
    window.__faultline = { lastResult: result };
    this.changed();
  }

  /**
   * Appends queued records when the page is idle (between frames while it plays), within the
   * idle period the browser reports and at most IDLE_INGEST_MS of it, so drawing a frame never
   * waits for records; or for FALLBACK_INGEST_MS when no idle period came for INGEST_FALLBACK_MS
   * (a page too busy to idle, or hidden). A callback asked for in an idle period runs in the next
   * one, so a playing page takes IDLE_INGEST_MS a frame.
   */
  private scheduleIngest(): void {
    if (this.cancelIdle !== null) return;
    const ingest = (deadline: IdleTime) => {
      this.cancelIdle = null;
      if (!this.store) return;
      const budget = deadline.didTimeout
        ? document.hidden
          ? HIDDEN_INGEST_MS
          : FALLBACK_INGEST_MS
        : Math.min(IDLE_INGEST_MS, Math.max(MIN_IDLE_SLICE_MS, deadline.timeRemaining() - IDLE_MARGIN_MS));
      const before = this.store.count;
      const done = this.incoming.drain(this.store, budget, () => performance.now());
      this.tellIngested(this.store.count - before);
      if (!done) this.scheduleIngest();
      else if (this.finished) this.complete(this.finished);
    };
    this.cancelIdle = whenIdle(ingest, INGEST_FALLBACK_MS);
  }

  /** Lets the worker stream on (it waits once it is AHEAD_RECORDS ahead of the store). */
  private tellIngested(records: number): void {
    if (records > 0 && this.worker) this.worker.postMessage({ type: 'ingested', records } satisfies IngestedNote);
  }

  private cancelIngest(): void {
    this.cancelIdle?.();
    this.cancelIdle = null;
  }

  private fail(message: string): void {
    this.end();
    this.message = message;
    this.phase = 'failed';
    this.changed();
  }

  private end(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  /** Also stops pending notifications. */
  private quiet(): void {
    if (this.pending !== null) clearTimeout(this.pending);
    this.pending = null;
  }

  private changed(progressOnly = false): void {
    if (this.pending !== null) {
      clearTimeout(this.pending);
      this.pending = null;
    }
    this.lastNotified = performance.now();
    this.version++;
    if (!progressOnly) this.stateVersion++;
    for (const l of this.listeners) l();
  }

  /**
   * Progress is told to React at most a few times a second (the views read the store in
   * their own frame loop and see new records at once; re-rendering the page per batch would
   * only cost frames).
   */
  private changedSoon(): void {
    if (this.pending !== null) return;
    const wait = Math.max(0, NOTIFY_MS - (performance.now() - this.lastNotified));
    this.pending = setTimeout(() => {
      this.pending = null;
      this.changed(true);
    }, wait);
  }
}

/** In time order; interventions at the same time keep the order they were made in (a stable sort). */
function sortedByTime(list: readonly Intervention[]): Intervention[] {
  return [...list].sort((a, b) => a.atUs - b.atUs);
}
