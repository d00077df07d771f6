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
import type { Intervention, RunRequest, WorkerMessage } from './protocol.ts';
import { TraceStore } from './trace/store.ts';

/** Records kept on the page (29 bytes each in the columns, plus the indexes): ~60–100 MB at most. */
export const RECORD_CAP = 2_000_000;

/** Progress notifications at most this often (wall-clock ms). */
const NOTIFY_MS = 200;

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
  private worker: Worker | null = null;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private lastNotified = -Infinity;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly text: string,
    readonly scenario: Scenario,
    readonly seed: number,
  ) {}

  get endUs(): number {
    return Math.round(this.scenario.durationMs * 1000);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  start(): void {
    this.launch(-1);
  }

  /**
   * A what-if branch: `actions` injected once the run reaches `atUs` (they land 1 µs later).
   * Interventions made later than `atUs` in the current branch are dropped (they belonged to
   * the future this one replaces).
   */
  intervene(atUs: number, ...actions: FaultAction[]): void {
    if (actions.length === 0) return;
    const at = Math.max(0, Math.floor(atUs));
    // Several actions at once (latency on both directions of a link) make one branch.
    this.interventions = [...this.interventions.filter((i) => i.atUs <= at), ...actions.map((action) => ({ atUs: at, action }))];
    this.store?.truncateAfter(at);
    this.launch(at);
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
    this.listeners.clear();
  }

  private launch(streamAfterUs: number): void {
    this.end();
    this.phase = 'running';
    this.result = null;
    this.generation++;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'faultline-sim' });
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
    const store = this.store;
    const request: RunRequest = {
      type: 'run',
      text: this.text,
      seed: this.seed,
      interventions: this.interventions,
      streamAfterUs,
      strings: store ? store.strings : [''],
      kinds: store ? store.kinds : [],
      recordBudget: Math.max(0, RECORD_CAP - (store?.count ?? 0)),
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
        this.store?.append(m.batch, m.untilUs);
        this.simTimeUs = m.simTimeUs;
        this.events = m.events;
        this.changedSoon();
        return;
      case 'progress':
        this.simTimeUs = m.simTimeUs;
        this.events = m.events;
        this.changedSoon();
        return;
      case 'windows':
        this.store?.appendChartWindows(m.from, m.values);
        this.changedSoon();
        return;
      case 'truncated':
        if (this.store) this.store.truncatedAtUs = m.atUs;
        break;
      case 'result':
        this.end();
        this.result = m.result;
        this.simTimeUs = m.result.simTimeUs;
        this.events = m.result.events;
        this.phase = 'done';
        window.__faultline = { lastResult: m.result };
        break;
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

  private changed(): void {
    if (this.pending !== null) {
      clearTimeout(this.pending);
      this.pending = null;
    }
    this.lastNotified = performance.now();
    this.version++;
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
      this.changed();
    }, wait);
  }
}
