import { OutboxDelivery } from '../check/data-checks.ts';
import { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { Deque } from '../nodes/deque.ts';
import { SimNode } from '../nodes/node.ts';
import { isResponsePayload, REQUEST, requestKey, RESPONSE, RESPONSE_ERROR, RESPONSE_OK } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { OutboxServiceSpec } from './outbox.schema.ts';

/**
 * A service that changes its data and tells the world with an event — the problem the
 * transactional outbox solves (Richardson, microservices.io; Debezium's outbox event router).
 * Each request is a change to one aggregate (the request's key) made in a local transaction
 * of `transactionMs`; it commits unless it fails (`commitFailureProbability`) or the service
 * crashes first. Each change has an event (its id numbered by the service from 1) that must
 * reach the broker (a queue, topic or log) once it commits, and never if it does not.
 *
 * - `outbox`: the business row and an outbox row commit in the same transaction, so the event
 *   exists exactly when the change does. A relay in the service publishes outbox rows in
 *   commit order, up to `maxInFlight` unacknowledged at once but never two of one aggregate
 *   (so each aggregate's events reach the broker in commit order). Polling: every `pollIntervalMs` take up to
 *   `batchSize` unsent rows, publish them, then mark them sent (`markMs`); a crash between a
 *   publish and the mark publishes the batch again on restart. Log tailing (Debezium): each
 *   committed row reaches the relay `tailLagMs` after its commit; the relay saves its position
 *   every `offsetFlushIntervalMs` and restarts from the saved one. Either way delivery is at
 *   least once, and consumers deduplicate by event id (a queue consumer with an inbox keyed on
 *   the message content, `consume.dedupBy: "key"`).
 * - `commit-then-publish` (dual write): commit, answer, and hand the event to an in-memory
 *   publisher (an after-commit listener), which publishes in order, one at a time. A crash
 *   loses the events it had not yet sent (counted in `eventsLost`): the more the broker lags,
 *   the more are lost.
 * - `publish-then-commit` (dual write): publish, then run the transaction; if it fails or the
 *   service crashes before it commits, the world has heard of a change that never happened
 *   (`phantomEvents`).
 *
 * The table (the business rows' events and the outbox) and the relay's saved position are on
 * disk; transactions in progress, publishes awaiting acknowledgement and the relay's place are
 * not. A publish the broker does not acknowledge within `publishTimeoutMs` is sent again.
 *
 * Records (call records, layer `outbox`, call = event id): `begin:<aggregate>` (a transaction
 * starts; for publish-then-commit once the broker acknowledged the publish),
 * `committed:<aggregate>`, `aborted`, `sent:<message id>` (a publish handed to the network: the
 * check then follows that message to the broker's own record of accepting it), `published`
 * (the broker acknowledged it). State records: `outbox.backlog`
 * (committed, not yet published by the relay), `outbox.lost`, `outbox.phantom`. The check
 * (data-checks.ts, OutboxDelivery) rebuilds every event's life from these and the node's
 * crashes.
 */

export const OUTBOX_LAYER = 'outbox';

interface Row {
  readonly eventId: number;
  readonly aggregate: number;
  readonly committedAt: Micros;
}

interface Transaction {
  readonly eventId: number;
  readonly aggregate: number;
  /** The client's request, answered at the end. */
  readonly request: Message;
}

/** A publish waiting for the broker's acknowledgement. */
interface Publish {
  readonly eventId: number;
  /** The id of the last message sent for it (an older copy's answer is also good). */
  sentIds: number[];
  readonly onAck: () => void;
}

/** What survives a crash: the table and the relay's saved position. */
interface Disk {
  /** Committed changes in commit order (their outbox rows, or the database log). */
  table: Row[];
  /** The relay's saved position: rows before it are marked sent (polling) or flushed (tailing). */
  savedPosition: number;
  nextEventId: number;
}

const TIMER_COMMIT = 0;
const TIMER_PUBLISH_TIMEOUT = 1;
const TIMER_POLL = 2;
const TIMER_MARKED = 3;
const TIMER_TAIL = 4;
const TIMER_FLUSH = 5;
const TIMER_NAMES = ['commit', 'publish-timeout', 'poll', 'marked', 'tail', 'flush-offset'];

function outboxMetrics() {
  return {
    committed: new Counter(),
    aborted: new Counter(),
    /** Publishes acknowledged by the broker (copies included). */
    published: new Counter(),
    /** Publishes of an event the broker had acknowledged before (a relay crash's repeats). */
    republished: new Counter(),
    eventsLost: new Counter(),
    phantomEvents: new Counter(),
    backlog: new Gauge(),
  };
}

export interface OutboxParams {
  broker: number;
  mode: OutboxServiceSpec['mode'];
  transactionUs: Micros;
  commitFailureProbability: number;
  publishTimeoutUs: Micros;
  relay: {
    type: 'polling' | 'log-tailing';
    pollIntervalUs: Micros;
    batchSize: number;
    maxInFlight: number;
    markUs: Micros;
    tailLagUs: Micros;
    offsetFlushIntervalUs: Micros;
  };
}

export class OutboxServiceNode extends SimNode {
  private readonly m: ReturnType<typeof outboxMetrics>;
  /** Broker answers awaited, by the id of the message sent. */
  private awaiting = new Map<number, Publish>();
  /** publish-then-commit: events sent whose transaction has not committed (phantoms if it never does). */
  private uncommitted = new Set<number>();
  /** commit-then-publish: committed events the in-memory publisher has not sent yet. */
  private unsent = new Deque<Row>();
  private publisherBusy = false;
  /** Relay: rows before `position` are acknowledged; `next` is the next row to send. */
  private position = 0;
  private next = 0;
  /** Rows sent and not yet acknowledged, and their aggregates. */
  private sending = new Set<number>();
  private aggregatesInFlight = new Set<number>();
  /** Acknowledged rows beyond `position` (an earlier one is still in flight). */
  private acknowledged = new Set<number>();
  /** Polling: the end of the batch being published (null between batches). */
  private batchEnd: number | null = null;
  private tailWakeSet = false;
  /** Events the broker has acknowledged, by id (a god's-eye view for the `republished` count). */
  private readonly everPublished = new Set<number>();
  private totals = { lost: 0, phantom: 0 };

  constructor(world: World, index: number, name: string, readonly p: OutboxParams) {
    super(world, index, name, 'outbox-service');
    this.m = world.sim.metrics.group(name, outboxMetrics());
  }

  private get disk(): Disk {
    return ((this.durable as { outbox?: Disk }).outbox ??= { table: [], savedPosition: 0, nextEventId: 1 });
  }

  override start(): void {
    this.awaiting = new Map();
    this.uncommitted = new Set();
    this.unsent = new Deque();
    this.publisherBusy = false;
    this.position = this.next = this.disk.savedPosition;
    this.sending = new Set();
    this.aggregatesInFlight = new Set();
    this.acknowledged = new Set();
    this.batchEnd = null;
    this.tailWakeSet = false;
    if (this.p.mode !== 'outbox') return;
    if (this.p.relay.type === 'polling') this.setTimer(this.p.relay.pollIntervalUs, TIMER_POLL);
    else {
      this.setTimer(this.p.relay.offsetFlushIntervalUs, TIMER_FLUSH);
      this.tail();
    }
    this.reportBacklog();
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override onCrash(): void {
    // What was only in memory is gone: a dual write's committed events not yet sent are lost,
    // its sent-but-uncommitted ones are phantoms (the transaction rolls back).
    if (this.p.mode === 'commit-then-publish') this.count('lost', this.unsent.length);
    if (this.p.mode === 'publish-then-commit') this.count('phantom', this.uncommitted.size);
  }

  override onMessage(msg: Message): void {
    if (msg.type === REQUEST) this.onRequest(msg);
    else if (msg.type === RESPONSE) this.onBrokerAnswer(msg);
  }

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case TIMER_COMMIT:
        return this.finishTransaction(data as Transaction);
      case TIMER_PUBLISH_TIMEOUT:
        return this.publishTimedOut(data as Publish);
      case TIMER_POLL:
        return this.poll();
      case TIMER_MARKED:
        return this.marked(data as number);
      case TIMER_TAIL:
        this.tailWakeSet = false;
        return this.tail();
      case TIMER_FLUSH:
        this.disk.savedPosition = this.position;
        return this.setTimer(this.p.relay.offsetFlushIntervalUs, TIMER_FLUSH);
    }
  }

  // ---- the change ---------------------------------------------------------------------------

  private onRequest(request: Message): void {
    const tx: Transaction = { eventId: this.disk.nextEventId++, aggregate: requestKey(request.payload, request.id), request };
    if (this.p.mode === 'publish-then-commit') {
      this.uncommitted.add(tx.eventId); // once sent, the world hears of it: a phantom unless it commits
      this.publish(tx.eventId, request.id, () => this.beginTransaction(tx));
    } else this.beginTransaction(tx);
  }

  private beginTransaction(tx: Transaction): void {
    this.callEvent(tx.eventId, OUTBOX_LAYER, `begin:${tx.aggregate}`);
    this.setTimer(this.p.transactionUs, TIMER_COMMIT, tx);
  }

  private finishTransaction(tx: Transaction): void {
    if (this.rng.bernoulli(this.p.commitFailureProbability)) return this.abort(tx);
    const row: Row = { eventId: tx.eventId, aggregate: tx.aggregate, committedAt: this.now };
    this.disk.table.push(row);
    this.m.committed.add();
    this.callEvent(tx.eventId, OUTBOX_LAYER, `committed:${tx.aggregate}`);
    switch (this.p.mode) {
      case 'outbox':
        this.answer(tx.request, true);
        this.reportBacklog();
        if (this.p.relay.type === 'log-tailing') this.tail();
        return;
      case 'commit-then-publish':
        this.answer(tx.request, true);
        this.unsent.pushBack(row);
        return this.publishFromMemory();
      case 'publish-then-commit':
        this.uncommitted.delete(tx.eventId);
        return this.answer(tx.request, true);
    }
  }

  private abort(tx: Transaction): void {
    this.m.aborted.add();
    this.callEvent(tx.eventId, OUTBOX_LAYER, 'aborted');
    if (this.uncommitted.delete(tx.eventId)) this.count('phantom', 1);
    this.answer(tx.request, false);
  }

  private answer(request: Message, ok: boolean): void {
    this.send(request.from, RESPONSE, ok ? RESPONSE_OK : RESPONSE_ERROR, request.id);
  }

  // ---- publishing ---------------------------------------------------------------------------

  private publish(eventId: number, parent: number, onAck: () => void): void {
    const pub: Publish = { eventId, sentIds: [], onAck };
    this.sendPublish(pub, parent);
  }

  private sendPublish(pub: Publish, parent: number): void {
    const sent = this.send(this.p.broker, REQUEST, pub.eventId, parent);
    this.callEvent(pub.eventId, OUTBOX_LAYER, `sent:${sent.id}`);
    pub.sentIds.push(sent.id);
    this.awaiting.set(sent.id, pub);
    this.setTimer(this.p.publishTimeoutUs, TIMER_PUBLISH_TIMEOUT, pub);
  }

  private onBrokerAnswer(msg: Message): void {
    const pub = this.awaiting.get(msg.parent);
    if (pub === undefined) return;
    // A rejection (a full queue) is no acknowledgement: the timeout sends it again.
    if (isResponsePayload(msg.payload) && msg.payload.outcome !== 'ok') return;
    for (const id of pub.sentIds) this.awaiting.delete(id);
    pub.sentIds = [];
    this.m.published.add();
    if (this.everPublished.has(pub.eventId)) this.m.republished.add();
    this.everPublished.add(pub.eventId);
    this.callEvent(pub.eventId, OUTBOX_LAYER, 'published');
    pub.onAck();
  }

  private publishTimedOut(pub: Publish): void {
    if (pub.sentIds.length === 0) return; // acknowledged meanwhile
    this.sendPublish(pub, pub.sentIds[pub.sentIds.length - 1]);
  }

  /** commit-then-publish: the after-commit publisher sends its events in order, one at a time. */
  private publishFromMemory(): void {
    const row = this.unsent.peekFront();
    if (this.publisherBusy || row === undefined) return;
    this.publisherBusy = true;
    this.unsent.popFront(); // sent now: no longer the crash's to lose
    this.publish(row.eventId, -1, () => {
      this.publisherBusy = false;
      this.publishFromMemory();
    });
  }

  // ---- the relay ----------------------------------------------------------------------------

  private poll(): void {
    if (this.batchEnd !== null) return;
    const end = Math.min(this.disk.table.length, this.position + this.p.relay.batchSize);
    if (end === this.position) return this.setTimer(this.p.relay.pollIntervalUs, TIMER_POLL);
    this.startBatch(end);
  }

  /** Polling: publish the rows up to `end`; `marked` follows once all are acknowledged. */
  protected startBatch(end: number): void {
    this.batchEnd = end;
    this.launch(end);
  }

  /** Polling: the batch is published; the UPDATE that marks it sent has committed. */
  private marked(end: number): void {
    this.disk.savedPosition = end;
    this.batchEnd = null;
    this.setTimer(this.p.relay.pollIntervalUs, TIMER_POLL);
  }

  /** Log tailing: everything that has reached the relay is up for publishing. */
  private tail(): void {
    if (this.status !== 'up') return;
    const table = this.disk.table;
    let end = this.next;
    while (end < table.length && table[end].committedAt + this.p.relay.tailLagUs <= this.now) end++;
    this.launch(end);
    const waiting = table[end] as Row | undefined;
    if (waiting !== undefined && !this.tailWakeSet) {
      this.tailWakeSet = true;
      this.setTimer(waiting.committedAt + this.p.relay.tailLagUs - this.now, TIMER_TAIL);
    }
  }

  /**
   * Sends rows up to `end`, keeping at most `maxInFlight` publishes unacknowledged (a Kafka
   * producer's max.in.flight.requests.per.connection) and never two of one aggregate, so each
   * aggregate's events reach the broker in commit order. A row whose aggregate is in flight
   * holds back the rows after it.
   */
  private launch(end: number): void {
    const table = this.disk.table;
    while (this.next < end && this.sending.size < this.p.relay.maxInFlight) {
      const index = this.next;
      const row = table[index];
      if (this.holdsBack(row)) return;
      this.aggregatesInFlight.add(row.aggregate);
      this.sending.add(index);
      this.next++;
      this.publish(row.eventId, -1, () => this.rowAcknowledged(index, row));
    }
  }

  /** A row waits while an earlier event of its aggregate is unacknowledged (per-aggregate order). */
  protected holdsBack(row: Row): boolean {
    return this.aggregatesInFlight.has(row.aggregate);
  }

  private rowAcknowledged(index: number, row: Row): void {
    this.sending.delete(index);
    this.aggregatesInFlight.delete(row.aggregate);
    this.acknowledged.add(index);
    while (this.acknowledged.delete(this.position)) this.position++;
    this.reportBacklog();
    if (this.p.relay.type === 'log-tailing') return this.tail();
    if (this.batchEnd === null) return;
    if (this.position >= this.batchEnd) this.setTimer(this.p.relay.markUs, TIMER_MARKED, this.batchEnd);
    else this.launch(this.batchEnd);
  }

  private reportBacklog(): void {
    const backlog = this.disk.table.length - this.position;
    this.m.backlog.set(this.now, backlog);
    this.state('outbox.backlog', backlog);
  }

  private count(what: 'lost' | 'phantom', n: number): void {
    if (n === 0) return;
    (what === 'lost' ? this.m.eventsLost : this.m.phantomEvents).add(n);
    this.totals[what] += n;
    this.state(`outbox.${what}`, this.totals[what]);
  }
}

export const OUTBOX_SERVICE_KIND: NodeKind<OutboxServiceSpec> = {
  create: (world, index, spec, resolve) =>
    new OutboxServiceNode(world, index, spec.id, {
      broker: resolve(spec.broker),
      mode: spec.mode,
      transactionUs: msToUs(spec.transactionMs),
      commitFailureProbability: spec.commitFailureProbability,
      publishTimeoutUs: msToUs(spec.publishTimeoutMs),
      relay: {
        type: spec.relay.type,
        pollIntervalUs: msToUs(spec.relay.pollIntervalMs),
        batchSize: spec.relay.batchSize,
        maxInFlight: spec.relay.maxInFlight,
        markUs: msToUs(spec.relay.markMs),
        tailLagUs: msToUs(spec.relay.tailLagMs),
        offsetFlushIntervalUs: msToUs(spec.relay.offsetFlushIntervalMs),
      },
    }),
  invariants: (spec) => {
    const check = new OutboxDelivery(spec.id, spec.broker, msToUs(spec.livenessBoundMs));
    return [{ name: check.describe(), invariant: check }];
  },
};
