import { EventStreams } from '../check/event-checks.ts';
import { Counter, durationHistogram } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { EventStoreSpec } from './event-store.schema.ts';

/**
 * Event sourcing: the write side of a system whose state is the fold of its events. Each
 * aggregate (a request's key) has a stream of events, versions 1, 2, 3…; the store keeps every
 * stream in one log with a global position (0, 1, 2…), as EventStoreDB's $all.
 *
 * A command (a request to the store, or `es.command` from a cqrs-client) loads its aggregate —
 * from memory, or by replaying its stream from the latest snapshot (`replayEventMs` per event:
 * replay grows with the stream unless snapshots bound it) — decides an event (`commandMs`; the
 * event adds a random amount to the aggregate's total), and appends it expecting the version it
 * loaded (`appendMs`). If another command appended in between, the append fails: a conflict,
 * answered as an error with reason `conflict` that the caller's policies see (a retry reloads).
 * Every `snapshotEvery` events the aggregate's state is saved beside its stream.
 *
 * The log, the snapshots and the subscriptions are on disk; loaded aggregates are in memory
 * and a crash loses them, so after a restart each aggregate's first command replays.
 *
 * Subscriptions (a projector): `es.subscribe {from}` sends the events from that position in
 * batches (catch-up), then every new event as it is appended (live). Subscribers acknowledge
 * positions (`es.ack`); the store remembers each subscription on disk and after its own restart
 * sends again from the acknowledged position (subscribers skip what they have).
 *
 * Records (call records, layer `es`, call = aggregate): `history:v<n>:<total>` (a stream that
 * exists at time 0), `loaded:v<n>:<total>:r<events replayed>`, `appended:v<n>:p<position>:+<amount>`,
 * `conflict:v<expected>≠v<current>`, `snapshot:v<n>:<total>`. The check (event-checks.ts)
 * rebuilds every stream from them: versions and positions gapless, a conflict only on a stale
 * version, and every load and snapshot equal to the fold of the stream up to its version.
 * State records `es.events` (the log's length), `es.conflicts`, `es.snapshots` (written since time 0).
 */

export const ES_LAYER = 'es';
export const ES_COMMAND = 'es.command';
export const ES_COMMAND_ANSWER = 'es.command-answer';
export const ES_READ = 'es.read';
export const ES_READ_ANSWER = 'es.read-answer';
export const ES_SUBSCRIBE = 'es.subscribe';
export const ES_EVENTS = 'es.events';
export const ES_ACK = 'es.ack';

export const RESPONSE_CONFLICT: ResponsePayload = Object.freeze({ outcome: 'error', reason: 'conflict' });

/** Events per catch-up message. */
const CATCH_UP_BATCH = 500;

export interface StoredEvent {
  readonly position: number;
  readonly aggregate: number;
  readonly version: number;
  readonly amount: number;
  readonly appendedAt: Micros;
}

/** An aggregate's state: the fold of its events. */
export interface AggregateState {
  readonly version: number;
  readonly total: number;
}

export const EMPTY_AGGREGATE: AggregateState = Object.freeze({ version: 0, total: 0 });

/** Applies events in version order to a state (a snapshot, or the empty aggregate). */
export function fold(state: AggregateState, events: Iterable<StoredEvent>): AggregateState {
  let { version, total } = state;
  for (const e of events) {
    if (e.version !== version + 1) throw new Error(`event version ${e.version} after ${version}: a stream must be folded in order`);
    version = e.version;
    total += e.amount;
  }
  return { version, total };
}

export interface CommandRequest {
  readonly aggregate: number;
  /** Echoed in the answer. */
  readonly who: number;
}

export interface CommandAnswer {
  readonly ok: boolean;
  readonly aggregate: number;
  readonly who: number;
  /** The aggregate's version after the append (or the current one, after a conflict). */
  readonly version: number;
  /** The event's position in the log (-1 after a conflict). */
  readonly position: number;
}

export interface ReadAnswer {
  readonly aggregate: number;
  readonly who: number;
  readonly version: number;
}

export interface EventsMessage {
  readonly events: readonly StoredEvent[];
}

interface Disk {
  log: StoredEvent[];
  /** Each aggregate's events, in version order (index = version − 1). */
  streams: Map<number, StoredEvent[]>;
  snapshots: Map<number, AggregateState>;
  /** Subscriber node → the position it acknowledged (it has everything before). */
  subscriptions: Map<number, number>;
}

interface Command {
  readonly msg: Message;
  readonly aggregate: number;
  loaded: AggregateState;
  amount: number;
}

const TIMER_LOADED = 0;
const TIMER_DECIDED = 1;
const TIMER_APPEND = 2;
const TIMER_NAMES = ['loaded', 'decided', 'append'];

function storeMetrics() {
  return {
    commands: new Counter(),
    appended: new Counter(),
    conflicts: new Counter(),
    snapshots: new Counter(),
    /** Loads that replayed (not found in memory), and the events they replayed. */
    replays: new Counter(),
    replayedEvents: new Counter(),
    /** Time to load an aggregate that was not in memory. */
    loadMs: durationHistogram(),
  };
}

export interface EventStoreParams {
  commandUs: Micros;
  appendUs: Micros;
  replayEventUs: number;
  snapshotEvery: number;
  cacheAggregates: boolean;
  initialAggregates: number;
  initialEventsPerAggregate: number;
}

export class EventStoreNode extends SimNode {
  private readonly m: ReturnType<typeof storeMetrics>;
  private cache = new Map<number, AggregateState>();
  /** Loads in progress, by aggregate: the callbacks waiting for it (one replay serves all). */
  private loading = new Map<number, ((s: AggregateState) => void)[]>();
  private conflictsTotal = 0;
  private snapshotsTotal = 0;

  constructor(world: World, index: number, name: string, readonly p: EventStoreParams) {
    super(world, index, name, 'event-store');
    this.m = world.sim.metrics.group(name, storeMetrics());
  }

  get disk(): Disk {
    return ((this.durable as { es?: Disk }).es ??= { log: [], streams: new Map(), snapshots: new Map(), subscriptions: new Map() });
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    this.cache = new Map();
    this.loading = new Map();
    if (this.disk.log.length === 0 && this.p.initialAggregates > 0) this.writeHistory();
    for (const [subscriber, from] of this.disk.subscriptions) this.catchUp(subscriber, from);
    this.state('es.events', this.disk.log.length);
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case REQUEST:
        return this.command(msg, requestKey(msg.payload, 0));
      case ES_COMMAND:
        return this.command(msg, (msg.payload as CommandRequest).aggregate);
      case ES_READ:
        return this.read(msg);
      case ES_SUBSCRIBE:
        return this.subscribe(msg.from, msg.payload as number);
      case ES_ACK:
        if (this.disk.subscriptions.has(msg.from)) this.disk.subscriptions.set(msg.from, msg.payload as number);
        return;
    }
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_LOADED) {
      const { aggregate, state } = data as { aggregate: number; state: AggregateState };
      return this.loaded(aggregate, state);
    }
    const c = data as Command;
    if (tag === TIMER_DECIDED) this.decided(c);
    else if (tag === TIMER_APPEND) this.append(c);
  }

  // ---- loading an aggregate -------------------------------------------------------------

  /** Calls `then` with the aggregate's state: at once from memory, else after a replay. */
  private load(aggregate: number, then: (s: AggregateState) => void): void {
    const cached = this.cache.get(aggregate);
    if (cached !== undefined) return then(cached);
    const waiting = this.loading.get(aggregate);
    if (waiting !== undefined) return void waiting.push(then);
    this.loading.set(aggregate, [then]);
    const snapshot = this.snapshotOf(aggregate);
    const stream = this.disk.streams.get(aggregate) ?? [];
    const tail = stream.slice(snapshot.version);
    const state = fold(snapshot, tail);
    this.m.replays.add();
    this.m.replayedEvents.add(tail.length);
    const replayUs = Math.round(tail.length * this.p.replayEventUs);
    this.m.loadMs.record(replayUs);
    this.callEvent(aggregate, ES_LAYER, `loaded:v${state.version}:${state.total}:r${tail.length}`);
    this.setTimer(replayUs, TIMER_LOADED, { aggregate, state });
  }

  /** The latest snapshot of an aggregate (the empty aggregate if none). A test may plant a bug here. */
  protected snapshotOf(aggregate: number): AggregateState {
    return this.disk.snapshots.get(aggregate) ?? EMPTY_AGGREGATE;
  }

  private loaded(aggregate: number, state: AggregateState): void {
    const waiting = this.loading.get(aggregate) ?? [];
    this.loading.delete(aggregate);
    // An append may have landed during the replay: memory keeps the newer state.
    const current = this.cache.get(aggregate);
    const fresh = current !== undefined && current.version > state.version ? current : state;
    if (this.p.cacheAggregates) this.cache.set(aggregate, fresh);
    for (const then of waiting) then(state);
  }

  // ---- commands ---------------------------------------------------------------------------

  private command(msg: Message, aggregate: number): void {
    this.m.commands.add();
    this.load(aggregate, (loaded) => {
      const c: Command = { msg, aggregate, loaded, amount: 0 };
      this.setTimer(this.p.commandUs, TIMER_DECIDED, c);
    });
  }

  private decided(c: Command): void {
    c.amount = 1 + this.rng.int(100);
    this.setTimer(this.p.appendUs, TIMER_APPEND, c);
  }

  /** Appends the command's event if its aggregate is still at the version the command loaded. */
  private append(c: Command): void {
    const stream = this.streamOf(c.aggregate);
    const current = stream.length;
    if (c.loaded.version !== current) return this.conflict(c, current);
    const event: StoredEvent = { position: this.disk.log.length, aggregate: c.aggregate, version: current + 1, amount: c.amount, appendedAt: this.now };
    this.disk.log.push(event);
    stream.push(event);
    const state: AggregateState = { version: event.version, total: c.loaded.total + event.amount };
    if (this.p.cacheAggregates) this.cache.set(c.aggregate, state);
    this.m.appended.add();
    this.callEvent(c.aggregate, ES_LAYER, `appended:v${event.version}:p${event.position}:+${event.amount}`);
    this.state('es.events', this.disk.log.length);
    if (this.p.snapshotEvery > 0 && event.version % this.p.snapshotEvery === 0) this.snapshot(c.aggregate, state);
    for (const subscriber of this.disk.subscriptions.keys()) this.send(subscriber, ES_EVENTS, { events: [event] } satisfies EventsMessage);
    this.answer(c, { ok: true, aggregate: c.aggregate, who: this.whoOf(c.msg), version: event.version, position: event.position });
  }

  private conflict(c: Command, current: number): void {
    this.m.conflicts.add();
    this.state('es.conflicts', ++this.conflictsTotal);
    this.callEvent(c.aggregate, ES_LAYER, `conflict:v${c.loaded.version}≠v${current}`);
    this.answer(c, { ok: false, aggregate: c.aggregate, who: this.whoOf(c.msg), version: current, position: -1 });
  }

  private snapshot(aggregate: number, state: AggregateState): void {
    this.disk.snapshots.set(aggregate, state);
    this.m.snapshots.add();
    this.state('es.snapshots', ++this.snapshotsTotal);
    this.callEvent(aggregate, ES_LAYER, `snapshot:v${state.version}:${state.total}`);
  }

  private answer(c: Command, a: CommandAnswer): void {
    if (c.msg.type === ES_COMMAND) this.send(c.msg.from, ES_COMMAND_ANSWER, a, c.msg.id);
    else this.send(c.msg.from, RESPONSE, a.ok ? RESPONSE_OK : RESPONSE_CONFLICT, c.msg.id);
  }

  private whoOf(msg: Message): number {
    return msg.type === ES_COMMAND ? (msg.payload as CommandRequest).who : -1;
  }

  private streamOf(aggregate: number): StoredEvent[] {
    let s = this.disk.streams.get(aggregate);
    if (s === undefined) this.disk.streams.set(aggregate, (s = []));
    return s;
  }

  // ---- reads and subscriptions ---------------------------------------------------------------

  /** A read of the write side (read-your-writes): the aggregate's version, loaded as a command would. */
  private read(msg: Message): void {
    const r = msg.payload as CommandRequest;
    this.load(r.aggregate, (s) => this.send(msg.from, ES_READ_ANSWER, { aggregate: r.aggregate, who: r.who, version: s.version } satisfies ReadAnswer, msg.id));
  }

  private subscribe(subscriber: number, from: number): void {
    this.disk.subscriptions.set(subscriber, from);
    this.catchUp(subscriber, from);
  }

  /** Sends the log from `from` to its end, in batches; live events follow as they are appended. */
  private catchUp(subscriber: number, from: number): void {
    const log = this.disk.log;
    for (let i = from; i < log.length; i += CATCH_UP_BATCH) {
      this.send(subscriber, ES_EVENTS, { events: log.slice(i, i + CATCH_UP_BATCH) } satisfies EventsMessage);
    }
  }

  /** Streams that exist at time 0: `initialEventsPerAggregate` events for each of aggregates 1…initialAggregates. */
  private writeHistory(): void {
    const { initialAggregates, initialEventsPerAggregate: n, snapshotEvery } = this.p;
    for (let aggregate = 1; aggregate <= initialAggregates; aggregate++) {
      const stream = this.streamOf(aggregate);
      let state = EMPTY_AGGREGATE;
      for (let v = 1; v <= n; v++) {
        const event: StoredEvent = { position: this.disk.log.length, aggregate, version: v, amount: 1 + this.rng.int(100), appendedAt: 0 };
        this.disk.log.push(event);
        stream.push(event);
        state = { version: v, total: state.total + event.amount };
        if (snapshotEvery > 0 && v % snapshotEvery === 0) this.disk.snapshots.set(aggregate, state);
      }
      this.callEvent(aggregate, ES_LAYER, `history:v${state.version}:${state.total}`);
    }
  }
}

export const EVENT_STORE_KIND: NodeKind<EventStoreSpec> = {
  create: (world, index, spec) =>
    new EventStoreNode(world, index, spec.id, {
      commandUs: msToUs(spec.commandMs),
      appendUs: msToUs(spec.appendMs),
      replayEventUs: spec.replayEventMs * 1000,
      snapshotEvery: spec.snapshotEvery,
      cacheAggregates: spec.cacheAggregates,
      initialAggregates: spec.initialAggregates,
      initialEventsPerAggregate: spec.initialEventsPerAggregate,
    }),
  invariants: (spec) => {
    const check = new EventStreams(spec.id);
    return [{ name: check.describe(), invariant: check }];
  },
};
