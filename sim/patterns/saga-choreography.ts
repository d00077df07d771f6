import { SagaFlowInvariant, SagaLedgerInvariant, SagaLiveness, type SagaStepDef } from '../check/saga-checks.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import { NO_PARENT, type Message } from '../net/message.ts';
import {
  DataServiceNode,
  dataServiceParams,
  stepKey,
  type DataResult,
  type DataServiceParams,
} from '../nodes/data-service.ts';
import type { DataServiceSpec, StepType } from '../nodes/data-service.schema.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { SagaStarterSpec } from './saga-choreography.schema.ts';
import { ArrivalDriver, drawOrder, sagaArrivals, sagaMetrics, type ArrivalLog, type SagaArrivals, type SagaMetrics } from './saga-orchestrator.ts';


/**
 * Saga, choreographed: no coordinator. Each data service reacts to the previous service's
 * event and emits its own (Richardson, "Microservices Patterns" §4.2.1):
 *
 *   starter ──do T1──▶ orders ──do T2──▶ payments ──do T3──▶ inventory ──do T4──▶ shipping
 *   (order placed)     (OrderCreated)    (PaymentCharged)    (StockReserved)
 *
 * The chain is configured on the services (`choreography.next` / `previous`): a service knows
 * only its neighbours. On success a service emits "do" to `next`; the last one records the saga
 * `completed`, tells the starter, and a "settle" event travels back along `previous` (each
 * service releases its PENDING mark; the first approves the order). On a NO, or when a
 * compensatable step is refused transiently more than `stepRetries` times (it then compensates
 * itself first, leaving a tombstone), an "undo" event travels back along `previous`: each
 * service compensates (retrying until it succeeds) and passes it on; the first records the
 * saga `compensated` and tells the starter. Steps after the pivot are retried until they
 * succeed.
 *
 * Reliability under loss and crashes comes from an inbox and an outbox on each service's disk:
 * an event is stored in the inbox (and acknowledged) before it is processed, so a crash
 * resumes it; the event a local transaction emits is stored in the outbox in the same
 * transaction and sent again every `retransmitMs` until the receiver acknowledges it. Events
 * carry keys (`<saga>/T<k>`, `<saga>/C<k>`, `<saga>/S<k>`): a duplicate is acknowledged and
 * ignored, and the local transaction is idempotent on the same key.
 *
 * The saga's records (`saga.<id>` = `T<k>:started`, … `completed`/`compensated`) come from the
 * service that runs each step, so the same checkers as the orchestrated saga apply.
 *
 * The `saga-starter` node places orders (sagas): it draws each order's lines (what each service
 * takes) like the orchestrator draws its steps' amounts, so the same inputs give the same
 * sagas either way. It measures what the orchestrator measures (`<id>.sagas.*`, `pendingMs`,
 * `compensationsPerSaga`) from the services' final "done" events.
 */

export const SAGA_EVENT = 'saga.event';
export const SAGA_ACK = 'saga.ack';
export const SAGA_DONE = 'saga.done';

/** What a saga asks of each service, by service id. */
export type OrderContents = Record<string, { amount: number; pick: number }>;

export interface SagaEvent {
  /** `<saga>/T<k>` (do step k), `<saga>/C<k>` (undo step k), `<saga>/S<k>` (settle step k). */
  readonly key: string;
  readonly saga: string;
  readonly op: 'do' | 'undo' | 'settle';
  /** The receiver's step, from 1. */
  readonly step: number;
  readonly order: OrderContents;
  readonly lock: boolean;
  /** The starter's node index: where the saga's end is reported. */
  readonly origin: number;
  /** Compensations run so far (undo events). */
  readonly compensations: number;
}

export interface SagaDone {
  readonly key: string;
  readonly saga: string;
  readonly outcome: 'completed' | 'compensated';
  readonly compensations: number;
}

// ---------------------------------------------------------------------------------------------
// Outbox: events sent until acknowledged
// ---------------------------------------------------------------------------------------------

interface OutboxEntry {
  to: number;
  type: string;
  payload: unknown;
  /** The message that led to this one (for the space-time diagram). */
  parent: number;
}

class Outbox {
  private armed = false;

  constructor(
    private readonly node: SimNode,
    private readonly entries: () => Record<string, OutboxEntry>,
    private readonly intervalUs: Micros,
    private readonly tag: number,
  ) {}

  put(key: string, to: number, type: string, payload: { key: string }, parent: number): void {
    const entries = this.entries();
    if (entries[key] !== undefined) return;
    entries[key] = { to, type, payload, parent };
    this.node.send(to, type, payload, parent);
    this.arm();
  }

  ack(key: string): void {
    delete this.entries()[key];
  }

  /** From the node's `start`: timers died with the crash; send what is still unacknowledged. */
  start(): void {
    this.armed = false;
    this.resend();
  }

  onTimer(tag: number): boolean {
    if (tag !== this.tag) return false;
    this.armed = false;
    this.resend();
    return true;
  }

  private resend(): void {
    const entries = Object.values(this.entries());
    if (entries.length === 0) return;
    for (const e of entries) this.node.send(e.to, e.type, e.payload, e.parent);
    this.arm();
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.node.setTimer(this.intervalUs, this.tag);
  }
}

// ---------------------------------------------------------------------------------------------
// A data service in a choreography
// ---------------------------------------------------------------------------------------------

export interface ChoreographyParams {
  type: StepType;
  next: number | null;
  previous: number | null;
  stepRetries: number;
  retryBackoffUs: Micros;
  maxBackoffUs: Micros;
  retransmitUs: Micros;
}

interface InboxItem {
  ev: SagaEvent;
  /** The message that delivered it (what the events it leads to were caused by). */
  cause: number;
  done: boolean;
  /** Times processing began (the first is `started`/`compensating`, later ones `retry`). */
  tries: number;
}

interface ChoreographyStore {
  inbox: Record<string, InboxItem>;
  outbox: Record<string, OutboxEntry>;
}

const TIMER_OUTBOX = 1;

export class ChoreographedDataService extends DataServiceNode {
  private readonly outbox: Outbox;

  constructor(world: World, index: number, name: string, params: DataServiceParams, readonly chor: ChoreographyParams) {
    super(world, index, name, params);
    this.durable.choreography = { inbox: {}, outbox: {} } satisfies ChoreographyStore;
    this.outbox = new Outbox(this, () => this.chorStore.outbox, chor.retransmitUs, TIMER_OUTBOX);
  }

  private get chorStore(): ChoreographyStore {
    return this.durable.choreography as ChoreographyStore;
  }

  override start(): void {
    super.start();
    this.outbox.start();
    // Resume what the inbox holds and was not finished when the node went down.
    for (const item of Object.values(this.chorStore.inbox)) if (!item.done) this.process(item);
  }

  override onTimer(tag: number, data: unknown): void {
    if (!this.outbox.onTimer(tag)) super.onTimer(tag, data);
  }

  override onMessage(msg: Message): void {
    if (msg.type === SAGA_EVENT) {
      const ev = msg.payload as SagaEvent;
      this.receive(ev, msg.id);
      this.send(msg.from, SAGA_ACK, { key: ev.key }, msg.id);
    } else if (msg.type === SAGA_ACK) {
      this.outbox.ack((msg.payload as { key: string }).key);
    } else {
      super.onMessage(msg);
    }
  }

  /** Stores an event in the inbox (once per key) and processes it. */
  private receive(ev: SagaEvent, cause: number): void {
    const inbox = this.chorStore.inbox;
    if (inbox[ev.key] !== undefined) return; // a duplicate: already stored
    const item: InboxItem = { ev, cause, done: false, tries: 0 };
    inbox[ev.key] = item;
    this.process(item);
  }

  private process(item: InboxItem): void {
    const ev = item.ev;
    item.tries++;
    if (ev.op === 'do') this.record(ev, item.tries === 1 ? `T${ev.step}:started` : `T${ev.step}:retry`);
    else if (ev.op === 'undo') this.record(ev, item.tries === 1 ? `C${ev.step}:compensating` : `C${ev.step}:retry`);
    const line = ev.order[this.name] ?? { amount: 0, pick: 0 };
    this.transact(
      { key: ev.key, saga: ev.saga, step: ev.step, op: ev.op, amount: line.amount, pick: line.pick, lock: ev.lock, retriable: this.chor.type === 'retriable' },
      (r) => this.onResult(item, r),
    );
  }

  private onResult(item: InboxItem, r: DataResult): void {
    if (item.done) return;
    const ev = item.ev;
    const k = ev.step;
    const c = this.chor;
    const definite = r.outcome === 'ok' || (r.outcome === 'no' && ev.op === 'do' && c.type !== 'retriable');
    if (!definite) {
      if (ev.op === 'do' && c.type === 'compensatable' && item.tries > c.stepRetries) {
        // Gave up without a definite answer: compensate this step too (a no-op or a tombstone).
        this.record(ev, `T${k}:timed-out`);
        item.done = true;
        this.receive({ ...ev, key: stepKey(ev.saga, 'C', k), op: 'undo', compensations: 0 }, item.cause);
        return;
      }
      const backoff = Math.min(c.maxBackoffUs, c.retryBackoffUs * 2 ** Math.min(30, item.tries - 1));
      this.after(backoff, () => this.process(item));
      return;
    }
    item.done = true;
    if (ev.op === 'do') {
      if (r.outcome === 'no') {
        this.record(ev, `T${k}:failed`);
        this.compensatePrevious(item, 0);
      } else {
        this.record(ev, `T${k}:succeeded`);
        if (c.next !== null) {
          this.emit(c.next, { ...ev, key: stepKey(ev.saga, 'T', k + 1), step: k + 1 }, item.cause);
        } else {
          this.record(ev, 'completed');
          this.finish(item, 'completed', 0);
          this.receive({ ...ev, key: stepKey(ev.saga, 'S', k), op: 'settle' }, item.cause);
        }
      }
    } else if (ev.op === 'undo') {
      this.record(ev, `C${k}:compensated`);
      this.compensatePrevious(item, ev.compensations + 1);
    } else if (c.previous !== null) {
      this.emit(c.previous, { ...ev, key: stepKey(ev.saga, 'S', k - 1), step: k - 1 }, item.cause);
    } else {
      this.record(ev, 'settled');
    }
  }

  private compensatePrevious(item: InboxItem, compensations: number): void {
    const ev = item.ev;
    const prev = this.chor.previous;
    if (prev !== null) {
      this.emit(prev, { ...ev, key: stepKey(ev.saga, 'C', ev.step - 1), op: 'undo', step: ev.step - 1, compensations }, item.cause);
    } else {
      this.record(ev, 'compensated');
      this.finish(item, 'compensated', compensations);
    }
  }

  /** Tells the starter how the saga ended. */
  private finish(item: InboxItem, outcome: SagaDone['outcome'], compensations: number): void {
    const saga = item.ev.saga;
    const done: SagaDone = { key: `${saga}/done`, saga, outcome, compensations };
    this.outbox.put(done.key, item.ev.origin, SAGA_DONE, done, item.cause);
  }

  private emit(to: number, ev: SagaEvent, cause: number): void {
    this.outbox.put(ev.key, to, SAGA_EVENT, ev, cause);
  }

  private record(ev: SagaEvent, value: string): void {
    this.state(`saga.${ev.saga}`, value);
  }
}

// ---------------------------------------------------------------------------------------------
// The starter
// ---------------------------------------------------------------------------------------------

export interface SagaStarterParams {
  first: number;
  order: readonly { service: string; amount: number; amountMax?: number }[];
  arrivals: SagaArrivals;
  semanticLock: boolean;
  retransmitUs: Micros;
}

interface StarterLog extends ArrivalLog {
  sagas: Record<string, { startedAt: Micros }>;
  outbox: Record<string, OutboxEntry>;
}

const STARTER_LIST = 0;
const STARTER_POISSON = 1;
const STARTER_OUTBOX = 2;

export class SagaStarter extends SimNode {
  readonly metrics: SagaMetrics;
  private readonly arrivals: ArrivalDriver;
  private readonly outbox: Outbox;

  constructor(world: World, index: number, name: string, readonly params: SagaStarterParams) {
    super(world, index, name, 'saga-starter');
    this.metrics = world.sim.metrics.group(name, sagaMetrics());
    this.durable.starter = { nextId: 1, nextStart: 0, started: 0, sagas: {}, outbox: {} } satisfies StarterLog;
    this.arrivals = new ArrivalDriver(this, params.arrivals, () => this.log, STARTER_LIST, STARTER_POISSON, () => this.begin(), this.metrics['sagas.missedStarts']);
    this.outbox = new Outbox(this, () => this.log.outbox, params.retransmitUs, STARTER_OUTBOX);
  }

  private get log(): StarterLog {
    return this.durable.starter as StarterLog;
  }

  override start(): void {
    this.metrics['sagas.running'].set(this.now, Object.keys(this.log.sagas).length);
    this.outbox.start();
    this.arrivals.start();
  }

  override onTimer(tag: number): void {
    if (!this.arrivals.onTimer(tag)) this.outbox.onTimer(tag);
  }

  override onMessage(msg: Message): void {
    if (msg.type === SAGA_ACK) {
      this.outbox.ack((msg.payload as { key: string }).key);
    } else if (msg.type === SAGA_DONE) {
      const done = msg.payload as SagaDone;
      this.send(msg.from, SAGA_ACK, { key: done.key }, msg.id);
      const saga = this.log.sagas[done.saga];
      if (saga === undefined) return; // a duplicate
      delete this.log.sagas[done.saga];
      this.metrics[done.outcome === 'completed' ? 'sagas.completed' : 'sagas.compensated'].add();
      this.metrics['sagas.running'].add(this.now, -1);
      this.metrics.pendingMs.record(this.now - saga.startedAt);
      this.metrics.compensationsPerSaga.record(done.compensations);
      this.metrics.compensations.add(done.compensations);
    }
  }

  private begin(): void {
    const log = this.log;
    const id = `${this.name}-${log.nextId++}`;
    const { amounts, picks } = drawOrder(this.rng, this.params.order);
    const order: OrderContents = {};
    this.params.order.forEach((line, i) => (order[line.service] = { amount: amounts[i], pick: picks[i] }));
    log.sagas[id] = { startedAt: this.now };
    this.metrics['sagas.started'].add();
    this.metrics['sagas.running'].add(this.now, 1);
    const ev: SagaEvent = { key: stepKey(id, 'T', 1), saga: id, op: 'do', step: 1, order, lock: this.params.semanticLock, origin: this.index, compensations: 0 };
    this.outbox.put(ev.key, this.params.first, SAGA_EVENT, ev, NO_PARENT);
  }
}

// ---------------------------------------------------------------------------------------------
// Node kinds
// ---------------------------------------------------------------------------------------------

/** Walks the chain from `first` along `choreography.next`; returns its steps or what is wrong. */
export function choreographyChain(first: string, nodes: readonly { id: string; kind: string }[]): { steps: SagaStepDef[]; problem: string | null } {
  const steps: SagaStepDef[] = [];
  const seen = new Set<string>();
  let prev: string | null = null;
  let id: string | null = first;
  while (id !== null) {
    const node = nodes.find((n) => n.id === id);
    if (node === undefined || node.kind !== 'data-service') return { steps, problem: `${id} is not a data-service node` };
    const chor = (node as DataServiceSpec).choreography;
    if (chor === undefined) return { steps, problem: `${id} has no "choreography" options` };
    if (seen.has(id)) return { steps, problem: `the chain loops back to ${id}` };
    if (chor.previous !== prev) return { steps, problem: `${id}.choreography.previous is ${JSON.stringify(chor.previous)}, expected ${JSON.stringify(prev)}` };
    const last = steps[steps.length - 1];
    const rank = (t: StepType) => ['compensatable', 'pivot', 'retriable'].indexOf(t);
    if (last !== undefined && (rank(chor.type) < rank(last.type) || (chor.type === 'pivot' && last.type === 'pivot'))) {
      return { steps, problem: `${id} is a ${chor.type} step after a ${last.type} one (expected compensatable steps, at most one pivot, then retriable steps)` };
    }
    seen.add(id);
    steps.push({ service: id, type: chor.type });
    prev = id;
    id = chor.next;
  }
  return { steps, problem: null };
}

export const SAGA_STARTER_KIND: NodeKind<SagaStarterSpec> = {
  create: (world, index, spec, resolve) =>
    new SagaStarter(world, index, spec.id, {
      first: resolve(spec.first),
      order: spec.order,
      arrivals: sagaArrivals(spec),
      semanticLock: spec.semanticLock,
      retransmitUs: msToUs(spec.retransmitMs),
    }),
  invariants: (spec, nodes) => {
    const chain = choreographyChain(spec.first, nodes);
    const flow = new SagaFlowInvariant(spec.id, chain.steps, chain.problem === null ? null : `the choreography from ${spec.first} is broken: ${chain.problem}`);
    const out: { name: string; invariant: SagaFlowInvariant | SagaLiveness }[] = [{ name: flow.describe(), invariant: flow }];
    if (spec.livenessBoundMs !== null) {
      const liveness = new SagaLiveness(spec.id, msToUs(spec.livenessBoundMs));
      out.push({ name: liveness.describe(), invariant: liveness });
    }
    return out;
  },
};

export const DATA_SERVICE_KIND: NodeKind<DataServiceSpec> = {
  create: (world, index, spec, resolve) => {
    const params = dataServiceParams(spec);
    const c = spec.choreography;
    if (c === undefined) return new DataServiceNode(world, index, spec.id, params);
    return new ChoreographedDataService(world, index, spec.id, params, {
      type: c.type,
      next: c.next === null ? null : resolve(c.next),
      previous: c.previous === null ? null : resolve(c.previous),
      stepRetries: c.stepRetries,
      retryBackoffUs: msToUs(c.retryBackoffMs),
      maxBackoffUs: msToUs(c.maxBackoffMs),
      retransmitUs: msToUs(c.retransmitMs),
    });
  },
  invariants: (spec) => {
    const ledger = new SagaLedgerInvariant(spec.id, spec.operation, spec.resources);
    return [{ name: ledger.describe(), invariant: ledger }];
  },
};

