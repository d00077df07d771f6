import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { Deque } from '../nodes/deque.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import { ES_ACK, ES_EVENTS, ES_SUBSCRIBE, type EventsMessage, type StoredEvent } from './event-store.ts';
import type { ProjectorSpec } from './event-store.schema.ts';
import type { NodeKind } from './node-kinds.ts';

/**
 * CQRS: the read side. A projector subscribes to an event store from its checkpoint (catch-up,
 * then live) and applies each event to its read model — here, each aggregate's latest version
 * — one at a time, in log order, taking `processMs` on average (exponentially distributed).
 * Queries read the read model: it lags the write side by the events still queued, so a read
 * soon after a write can be stale. Modelled as one server of rate μ = 1/processMs fed at the
 * append rate λ, an event's lag is Exp(μ − λ) (M/M/1 sojourn), and a read t after the write is
 * stale with probability e^(−(μ−λ)t) — the test suite measures exactly that.
 *
 * A query may carry a position (read-your-writes: the position of the session's write); it is
 * answered once the projector has applied it, or after `waitTimeoutMs` as it stands.
 *
 * `readModel: durable` keeps the model and checkpoint through a crash; `in-memory` rebuilds from
 * position 0 on restart, as does `rebuildAtMs` (a new projection replacing the old): the read
 * model is empty and catches up event by event, so reads are stale until it does.
 *
 * Metrics `<id>.*`: applied, lagMs (append → applied), lagEvents (received, not yet applied),
 * queries, queriesWaited, rebuildMs (from a rebuild's start until it has applied the log as it
 * was then and everything appended meanwhile: its queue is empty again). Records (call records, layer `projection`, call = aggregate): `applied:v<n>:p<position>`.
 * State records: `projection.lag` (events behind), `projection.rebuilding`.
 */

export const PROJECTION_LAYER = 'projection';
export const ES_QUERY = 'es.query';
export const ES_QUERY_ANSWER = 'es.query-answer';

export interface QueryRequest {
  readonly aggregate: number;
  readonly who: number;
  /** Answer only once the event at this position is applied (null: at once). */
  readonly minPosition: number | null;
}

export interface QueryAnswer {
  readonly aggregate: number;
  readonly who: number;
  readonly version: number;
}

interface ReadModel {
  /** The next position to apply (everything before is in the model). */
  checkpoint: number;
  versions: Map<number, number>;
}

interface WaitingQuery {
  readonly msg: Message;
  readonly q: QueryRequest;
  answered: boolean;
}

/** Acknowledge the position to the store every this many events. */
const ACK_EVERY = 100;

const TIMER_APPLIED = 0;
const TIMER_REBUILD = 1;
const TIMER_QUERY = 2;
const TIMER_WAIT_OVER = 3;
const TIMER_NAMES = ['applied', 'rebuild', 'query', 'wait-over'];

function projectorMetrics() {
  return {
    applied: new Counter(),
    lagMs: durationHistogram(),
    lagEvents: new Gauge(),
    queries: new Counter(),
    queriesWaited: new Counter(),
    rebuildMs: new Gauge(),
  };
}

export interface ProjectorParams {
  store: number;
  processMeanUs: number;
  durable: boolean;
  rebuildAtUs: Micros | null;
  queryUs: Micros;
  waitTimeoutUs: Micros;
}

export class ProjectorNode extends SimNode {
  private readonly m: ReturnType<typeof projectorMetrics>;
  private volatileModel: ReadModel = { checkpoint: 0, versions: new Map() };
  private queue = new Deque<StoredEvent>();
  /** Events that arrived ahead of a gap (an unordered network), by position. */
  private ahead = new Map<number, StoredEvent>();
  /** The next position expected from the store. */
  private expected = 0;
  private busy = false;
  /** Bumped by a rebuild, so an event being applied to the dropped model is discarded. */
  private generation = 0;
  private waiting: WaitingQuery[] = [];
  /** A rebuild in progress: when it started and the log position it must reach. */
  private rebuild: { startedAt: Micros; target: number } | null = null;
  private highestSeen = -1;

  constructor(world: World, index: number, name: string, readonly p: ProjectorParams) {
    super(world, index, name, 'projector');
    this.m = world.sim.metrics.group(name, projectorMetrics());
  }

  private get model(): ReadModel {
    if (!this.p.durable) return this.volatileModel;
    return ((this.durable as { model?: ReadModel }).model ??= { checkpoint: 0, versions: new Map() });
  }

  /** The version of an aggregate the read model holds (for views and tests). */
  versionOf(aggregate: number): number {
    return this.model.versions.get(aggregate) ?? 0;
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    if (!this.p.durable) this.volatileModel = { checkpoint: 0, versions: new Map() };
    this.queue = new Deque();
    this.ahead = new Map();
    this.busy = false;
    this.waiting = [];
    this.subscribeFrom(this.model.checkpoint);
    if (this.p.rebuildAtUs !== null && this.now < this.p.rebuildAtUs) this.setTimer(this.p.rebuildAtUs - this.now, TIMER_REBUILD);
  }

  override onMessage(msg: Message): void {
    if (msg.type === ES_EVENTS) this.receive((msg.payload as EventsMessage).events);
    else if (msg.type === ES_QUERY) this.setTimer(this.p.queryUs, TIMER_QUERY, msg);
  }

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case TIMER_APPLIED:
        return this.applied(data as { event: StoredEvent; generation: number });
      case TIMER_REBUILD:
        return this.startRebuild();
      case TIMER_QUERY:
        return this.query(data as Message);
      case TIMER_WAIT_OVER:
        return this.answer(data as WaitingQuery);
    }
  }

  private subscribeFrom(position: number): void {
    this.expected = position;
    this.send(this.p.store, ES_SUBSCRIBE, position);
  }

  // ---- applying events -------------------------------------------------------------------

  /** Queues events in log order: skips what it has, holds back what comes after a gap. */
  private receive(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.highestSeen = Math.max(this.highestSeen, e.position);
      if (e.position < this.expected) continue;
      if (e.position > this.expected) {
        this.ahead.set(e.position, e);
        continue;
      }
      this.queue.pushBack(e);
      this.expected++;
      for (let next = this.ahead.get(this.expected); next !== undefined; next = this.ahead.get(this.expected)) {
        this.ahead.delete(this.expected);
        this.queue.pushBack(next);
        this.expected++;
      }
    }
    this.reportLag();
    this.applyNext();
  }

  private applyNext(): void {
    if (this.busy) return;
    const event = this.queue.popFront();
    if (event === undefined) return;
    this.busy = true;
    this.setTimer(Math.round(this.rng.exponential(this.p.processMeanUs)), TIMER_APPLIED, { event, generation: this.generation });
  }

  private applied({ event, generation }: { event: StoredEvent; generation: number }): void {
    this.busy = false;
    if (generation === this.generation) {
      const model = this.model;
      model.versions.set(event.aggregate, event.version);
      model.checkpoint = event.position + 1;
      this.m.applied.add();
      this.m.lagMs.record(this.now - event.appendedAt);
      this.callEvent(event.aggregate, PROJECTION_LAYER, `applied:v${event.version}:p${event.position}`);
      if (model.checkpoint % ACK_EVERY === 0 || this.queue.length === 0) this.send(this.p.store, ES_ACK, model.checkpoint);
      this.answerWaiting();
      this.rebuildProgress();
      this.reportLag();
    }
    this.applyNext();
  }

  private reportLag(): void {
    const behind = this.queue.length + (this.busy ? 1 : 0);
    this.m.lagEvents.set(this.now, behind);
    this.state('projection.lag', behind);
  }

  // ---- rebuilding ------------------------------------------------------------------------

  /** Drops the read model and replays the log from position 0. */
  private startRebuild(): void {
    this.generation++;
    const model = this.model;
    model.versions = new Map();
    model.checkpoint = 0;
    this.queue = new Deque();
    this.ahead = new Map();
    this.rebuild = { startedAt: this.now, target: this.highestSeen + 1 };
    this.state('projection.rebuilding', 'yes');
    this.subscribeFrom(0);
  }

  /** A rebuild is over once it has replayed the old log and drained what came in meanwhile. */
  private rebuildProgress(): void {
    if (this.rebuild === null || this.model.checkpoint < this.rebuild.target || this.queue.length > 0) return;
    this.m.rebuildMs.set(this.now, (this.now - this.rebuild.startedAt) / 1000);
    this.rebuild = null;
    this.state('projection.rebuilding', 'no');
  }

  // ---- queries ---------------------------------------------------------------------------

  private query(msg: Message): void {
    const q = msg.payload as QueryRequest;
    this.m.queries.add();
    const w: WaitingQuery = { msg, q, answered: false };
    if (q.minPosition === null || this.model.checkpoint > q.minPosition) return this.answer(w);
    this.m.queriesWaited.add();
    this.waiting.push(w);
    this.setTimer(this.p.waitTimeoutUs, TIMER_WAIT_OVER, w);
  }

  private answerWaiting(): void {
    if (this.waiting.length === 0) return;
    const checkpoint = this.model.checkpoint;
    const ready = this.waiting.filter((w) => (w.q.minPosition ?? -1) < checkpoint);
    if (ready.length === 0) return;
    this.waiting = this.waiting.filter((w) => (w.q.minPosition ?? -1) >= checkpoint);
    for (const w of ready) this.answer(w);
  }

  private answer(w: WaitingQuery): void {
    if (w.answered) return;
    w.answered = true;
    const a: QueryAnswer = { aggregate: w.q.aggregate, who: w.q.who, version: this.versionOf(w.q.aggregate) };
    this.send(w.msg.from, ES_QUERY_ANSWER, a, w.msg.id);
  }
}

export const PROJECTOR_KIND: NodeKind<ProjectorSpec> = {
  create: (world, index, spec, resolve) =>
    new ProjectorNode(world, index, spec.id, {
      store: resolve(spec.store),
      processMeanUs: msToUs(spec.processMs),
      durable: spec.readModel === 'durable',
      rebuildAtUs: spec.rebuildAtMs === null ? null : msToUs(spec.rebuildAtMs),
      queryUs: msToUs(spec.queryMs),
      waitTimeoutUs: msToUs(spec.waitTimeoutMs),
    }),
};
