import { MetricWindows } from './metric-windows.ts';
import { Metrics } from './metrics.ts';
import { EventQueue } from './queue.ts';
import { RandomStreams } from './rng.ts';
import type { Micros } from './time.ts';
import { Trace, TraceKind } from './trace.ts';

/**
 * The engine: a clock, the event queue, the handlers that give events meaning, seeded random
 * streams, the trace and the metrics. It knows nothing of networks or nodes; those register
 * handlers for their event kinds. Handlers are registered once, so dispatching an event is an
 * array index and a call — no closure is made per event.
 */

/** Handles one event: `target` is usually a node index, `gen` a generation/incarnation. */
export type EventHandler = (target: number, gen: number, num: number, obj: unknown) => void;

export interface EngineLimits {
  maxEvents: number;
  maxPendingEvents: number;
  /**
   * Requests waiting in queues across all nodes at once (a service's queue, a paused node's
   * backlog): the state that grows without bound when a queue is overloaded for long, and that
   * no event limit catches in time (each queued request holds a message, a job and the
   * caller's pending call, a few hundred bytes, long after its events have run).
   */
  maxQueuedRequests: number;
  /**
   * Records the run keeps to its end whose number the format does not bound by itself: a
   * chart window's latencies, once there are many, become a histogram of a few KB, and enough
   * series × windows × samples would fill the heap.
   */
  maxKeptRecords: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = { maxEvents: 50_000_000, maxPendingEvents: 5_000_000, maxQueuedRequests: 1_000_000, maxKeptRecords: 100_000 };

/** How a run ended: it covered its whole duration, or a limit stopped it (and which). */
export type Outcome = { status: 'completed' } | { status: 'limit'; reason: string };

export class Sim {
  /** Current simulated time. */
  now: Micros = 0;
  /** Events processed so far. */
  events = 0;
  /** Requests waiting in queues across all nodes now (see `EngineLimits.maxQueuedRequests`). */
  queuedRequests = 0;
  /** Records kept to the end of the run so far (see `EngineLimits.maxKeptRecords`). */
  keptRecords = 0;
  readonly limits: EngineLimits;
  readonly queue = new EventQueue();
  readonly rng: RandomStreams;
  readonly trace: Trace;
  readonly metrics: Metrics;
  private readonly handlers: EventHandler[] = [];
  private readonly handlerNames: string[] = [];
  private stopReason: string | null = null;
  /** Per-window values of the metrics charts name (see recordWindows); null: none asked for. */
  windows: MetricWindows | null = null;
  /** When the next metric window ends (Infinity when none are recorded): one comparison per event. */
  private nextWindowEndUs = Infinity;

  constructor(
    readonly seed: number,
    readonly endUs: Micros,
    nodeNames: readonly string[],
    limits: Partial<EngineLimits> = {},
    windowUs: Micros = Math.max(1000, Math.floor(endUs / 200)),
  ) {
    this.limits = { ...DEFAULT_ENGINE_LIMITS, ...limits };
    this.rng = new RandomStreams(seed);
    this.trace = new Trace(nodeNames);
    this.metrics = new Metrics(windowUs, () => this.kept());
  }

  /** Registers a handler and returns the event kind to schedule it with. */
  on(name: string, handler: EventHandler): number {
    this.handlerNames.push(name);
    return this.handlers.push(handler) - 1;
  }

  /**
   * Records per-window values of these counters and gauges from now on (call it before the
   * run starts). Not part of the trace: it changes no trace hash.
   */
  recordWindows(names: readonly string[]): MetricWindows {
    this.windows = new MetricWindows(this.metrics, names, this.metrics.windowUs);
    this.nextWindowEndUs = this.windows.nextEndUs;
    return this.windows;
  }

  /** Closes the last metric window at the end of the run (see MetricWindows.finish). */
  finishWindows(): void {
    this.windows?.finish(this.now);
    this.nextWindowEndUs = Infinity;
  }

  /**
   * Schedules an event at absolute time `at` (never in the past). Once a limit has stopped the
   * run nothing more will run, so nothing more is scheduled: a start-up that would schedule
   * more than `maxPendingEvents` (a billion users thinking) stops at the limit instead of
   * filling the heap.
   */
  at(at: Micros, kind: number, target = -1, gen = 0, num = 0, obj: unknown = undefined): void {
    if (this.stopReason !== null) return;
    this.queue.push(at < this.now ? this.now : at, kind, target, gen, num, obj);
    if (this.queue.size > this.limits.maxPendingEvents) this.stop('maxPendingEvents');
  }

  /** Schedules an event `delay` µs from now. */
  after(delay: Micros, kind: number, target = -1, gen = 0, num = 0, obj: unknown = undefined): void {
    this.at(this.now + delay, kind, target, gen, num, obj);
  }

  /** Schedules an event that runs before every ordinary event at the same time (faults). */
  atFirst(at: Micros, kind: number, target = -1, gen = 0, num = 0, obj: unknown = undefined): void {
    this.queue.pushFirst(at < this.now ? this.now : at, kind, target, gen, num, obj);
  }

  /** `n` requests join some node's queue; past `maxQueuedRequests` in all, the run ends. */
  enqueued(n = 1): void {
    this.queuedRequests += n;
    if (this.queuedRequests > this.limits.maxQueuedRequests) this.stop('maxQueuedRequests');
  }

  /** `n` requests leave a queue (served, dropped, or lost in a crash). */
  dequeued(n = 1): void {
    this.queuedRequests -= n;
  }

  /** One more record is kept to the end of the run; past `maxKeptRecords`, the run ends. */
  kept(): void {
    if (++this.keptRecords > this.limits.maxKeptRecords) this.stop('maxKeptRecords');
  }

  /** Ends the run after the current event, reporting `reason` (a limit's name). */
  stop(reason: string): void {
    if (this.stopReason === null) {
      this.stopReason = reason;
      this.trace.emit(TraceKind.limit, this.now, -1, reason);
    }
  }

  get stopped(): boolean {
    return this.stopReason !== null;
  }

  get finished(): boolean {
    return this.stopReason !== null || this.queue.peekTime() > this.endUs;
  }

  outcome(): Outcome {
    return this.stopReason === null ? { status: 'completed' } : { status: 'limit', reason: this.stopReason };
  }

  /**
   * Processes events up to and including time `untilUs` (default: the end of the run) and
   * at most `maxSteps` events. Returns the number processed. Calling it repeatedly with
   * small steps gives exactly the run one call gives.
   */
  run(untilUs: Micros = this.endUs, maxSteps = Infinity): number {
    const queue = this.queue;
    const handlers = this.handlers;
    const limit = Math.min(untilUs, this.endUs);
    const maxEvents = this.limits.maxEvents;
    let done = 0;
    while (done < maxSteps && this.stopReason === null) {
      const t = queue.peekTime();
      if (t > limit) break;
      if (this.events >= maxEvents) {
        this.stop('maxEvents');
        break;
      }
      if (t >= this.nextWindowEndUs) {
        // Every event before t has run, none at t yet: the windows ending by t are complete.
        this.windows!.closeUntil(t);
        this.nextWindowEndUs = this.windows!.nextEndUs;
      }
      const slot = queue.popSlot();
      const kind = queue.kind[slot];
      const target = queue.target[slot];
      const gen = queue.gen[slot];
      const num = queue.num[slot];
      const obj = queue.obj[slot];
      queue.release(slot);
      this.now = t;
      this.events++;
      done++;
      handlers[kind](target, gen, num, obj);
    }
    // Time advances to the bound even when no event falls on it, so a run covers its duration.
    if (this.stopReason === null && done < maxSteps && untilUs !== Infinity && queue.peekTime() > limit) {
      this.now = Math.max(this.now, limit);
    }
    return done;
  }

  /** Processes at most `n` events. */
  step(n = 1): number {
    return this.run(this.endUs, n);
  }
}
