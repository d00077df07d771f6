import { MessageConservation, FifoGroupOrder } from '../check/messaging-checks.ts';
import { Counter, Gauge } from '../engine/metrics.ts';
import { Histogram } from '../engine/histogram.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { Deque } from '../nodes/deque.ts';
import { MinHeap } from '../nodes/min-heap.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, RESPONSE, RESPONSE_OK, RESPONSE_QUEUE_FULL } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { QueueSpec } from './message-queue.schema.ts';


/**
 * A message queue with Amazon SQS semantics (and RabbitMQ's delivery limit as a preset).
 *
 *   publish ──▶ AVAILABLE ──receive──▶ IN FLIGHT (receive count + 1) ──delete──▶ gone
 *                  ▲                        │
 *                  └── visibility timeout ──┘   (or a nack: visibility 0)
 *
 * A publish is an ordinary request (any workload or service can send one; the answer is ok, or
 * rejected "queue-full" past `maxDepth`); a message's id is the id of the request that
 * published it, so a publisher's retry after a lost answer makes a second message, as SQS's
 * standard queues do. A receive (long-polled up to its wait time) makes up to `max` messages
 * invisible for the visibility timeout and hands each a fresh receipt; a delete with that
 * receipt removes it (a stale receipt deletes nothing); when the timeout expires the message
 * is available again. A receive that finds a message already received `maxReceiveCount` times
 * moves it to the dead-letter queue instead (another queue node; the move is resent until the
 * dead-letter queue acknowledges it, which deduplicates) — or drops it when there is none
 * (RabbitMQ's quorum queue without a dead-letter exchange). Retention deletes messages older
 * than `retentionMs`; `deliveryDelayMs` holds new ones back.
 *
 * FIFO queues: a message's group is its key modulo `messageGroups`; a group hands out one
 * message at a time, in publish order, and not the next until that one is deleted (or moved
 * or expired) — so a failing message blocks its group, as in SQS FIFO. A publish whose content
 * (its key) matches one accepted within the deduplication window is answered ok and dropped.
 *
 * Durable queues keep their messages on disk through a crash (in-flight ones stay in flight
 * until their visibility timeout); in-memory queues lose them all, each recorded as lost.
 *
 * Every step of a message's life is a trace record at the queue (layer `mq`, call = message
 * id): published, received:N, visible, deleted, dead-letter, moved, dead-lettered (at the
 * dead-letter queue), dropped:delivery-limit, expired, lost:broker-crash — from which the
 * conservation check rebuilds every message's fate without trusting the queue.
 *
 * Invariants (messaging-checks.ts): every message published ends processed, available, in
 * flight, dead-lettered, or gone for a reason the configuration allows; the queue's reported
 * depth matches the records; FIFO groups are received in order, one at a time.
 */

export const MQ_LAYER = 'mq';

/** RabbitMQ quorum queues' default `delivery-limit` (since 4.0). */
export const QUORUM_DELIVERY_LIMIT = 20;

/** The receive limit in force: the queue's own, else its preset's (null: none). */
export function deliveryLimit(spec: Pick<QueueSpec, 'maxReceiveCount' | 'preset'>): number | null {
  return spec.maxReceiveCount ?? (spec.preset === 'rabbitmq-quorum' ? QUORUM_DELIVERY_LIMIT : null);
}

export const MQ_RECEIVE = 'mq.receive';
export const MQ_MESSAGES = 'mq.messages';
export const MQ_DELETE = 'mq.delete';
export const MQ_VISIBILITY = 'mq.visibility';
export const MQ_DEAD_LETTER = 'mq.dead-letter';
export const MQ_DEAD_LETTER_ACK = 'mq.dead-letter-ack';

export interface ReceiveRequest {
  /** The consumer's receiver loop, echoed in the reply. */
  readonly receiver: number;
  /** The consumer's sequence number of this receive, echoed (a late reply is recognised). */
  readonly seq: number;
  readonly max: number;
  readonly waitUs: Micros;
  /** null: the queue's visibility timeout. */
  readonly visibilityUs: Micros | null;
}

/** A received message, as the consumer sees it. */
export interface Delivery {
  readonly id: number;
  readonly key: number;
  readonly publishedAt: Micros;
  readonly receiveCount: number;
  readonly receipt: number;
}

export interface ReceiveReply {
  readonly receiver: number;
  readonly seq: number;
  readonly messages: readonly Delivery[];
}

export interface DeleteRequest {
  readonly id: number;
  readonly receipt: number;
}

export interface VisibilityRequest {
  readonly id: number;
  readonly receipt: number;
  readonly timeoutUs: Micros;
}

interface DeadLetter {
  readonly id: number;
  readonly key: number;
  readonly publishedAt: Micros;
}

type MessageState = 'delayed' | 'available' | 'inflight' | 'moving';

/** A message the queue holds. */
interface Stored {
  readonly id: number;
  readonly key: number;
  readonly group: number;
  readonly publishedAt: Micros;
  receives: number;
  /** The latest receive's receipt (0: never received). */
  receipt: number;
  state: MessageState;
  /** In flight: when it becomes visible again. */
  visibleAt: Micros;
  /** Bumped at every state change: heap entries of an older version are stale. */
  version: number;
}

/** What a queue keeps: on disk when durable, in memory otherwise. */
interface Store {
  readonly messages: Map<number, Stored>;
  nextReceipt: number;
  /** FIFO: content (key) → until when a publish of it is a duplicate. */
  readonly dedupUntil: Map<number, Micros>;
  /** Dead letters already taken (the move is resent until acknowledged). */
  readonly deadLettersTaken: Set<number>;
}

export interface QueueParams {
  fifo: boolean;
  visibilityUs: Micros;
  /** Receives after which the next receive moves (or drops) the message; null: none. */
  deliveryLimit: number | null;
  deadLetterQueue: number | null;
  retentionUs: Micros;
  delayUs: Micros;
  maxDepth: number | null;
  durable: boolean;
  messageGroups: number;
  dedupWindowUs: Micros;
}

export function queueParams(spec: QueueSpec, resolve: (id: string) => number): QueueParams {
  return {
    fifo: spec.type === 'fifo',
    visibilityUs: msToUs(spec.visibilityTimeoutMs),
    deliveryLimit: deliveryLimit(spec),
    deadLetterQueue: spec.deadLetterQueue === null ? null : resolve(spec.deadLetterQueue),
    retentionUs: msToUs(spec.retentionMs),
    delayUs: msToUs(spec.deliveryDelayMs),
    maxDepth: spec.maxDepth,
    durable: spec.durable,
    messageGroups: spec.messageGroups,
    dedupWindowUs: msToUs(spec.deduplicationWindowMs),
  };
}

/** What a queue measures; reported as `<queue>.<field>`. */
function queueMetrics() {
  return {
    published: new Counter(),
    /** Publishes refused at maxDepth (backpressure). */
    rejected: new Counter(),
    /** FIFO publishes dropped as duplicates within the deduplication window. */
    deduplicated: new Counter(),
    receives: new Counter(),
    /** Receives that returned no message (after their long poll). */
    emptyReceives: new Counter(),
    /** Receives of a message received before. */
    redeliveries: new Counter(),
    deleted: new Counter(),
    /** Deletes with an outdated receipt (the message was received again meanwhile): nothing deleted. */
    staleDeletes: new Counter(),
    /** Messages moved out to the dead-letter queue. */
    deadLettered: new Counter(),
    /** Messages that arrived here as someone's dead-letter queue. */
    deadLetterArrivals: new Counter(),
    /** Messages dropped at the delivery limit (no dead-letter queue). */
    droppedAtLimit: new Counter(),
    expired: new Counter(),
    lostInCrash: new Counter(),
    /** Available messages (SQS ApproximateNumberOfMessagesVisible). */
    depth: new Gauge(),
    inFlight: new Gauge(),
    delayed: new Gauge(),
    /** Age of the oldest available message, in ms, as of the last change. */
    oldestAgeMs: new Gauge(),
    /** Receives a deleted message took (1 = processed the first time). */
    receivesPerMessage: new Histogram(),
  };
}

const TIMER_VISIBLE = 0;
const TIMER_DELAY_OVER = 1;
const TIMER_POLL_EXPIRED = 2;
const TIMER_RESEND_DEAD_LETTER = 3;
const TIMER_SWEEP = 4;
const TIMER_NAMES = ['', '', '', '', 'retention-sweep'] as const;
/** How often an unacknowledged dead-letter move is sent again. */
const DEAD_LETTER_RESEND_US = 1_000_000;
/** How often retention is enforced (at most; a shorter retention sweeps as often as it lasts). */
const SWEEP_EVERY_US = 60_000_000;

interface WaitingPoll {
  readonly from: number;
  readonly requestId: number;
  readonly request: ReceiveRequest;
  answered: boolean;
}

interface HeapEntry {
  readonly m: Stored;
  readonly version: number;
}

export class QueueNode extends SimNode {
  private readonly m: ReturnType<typeof queueMetrics>;
  private volatileStore: Store = emptyStore();
  /** Available messages, oldest first (entries go stale when their message changes state). */
  private available = new MinHeap<HeapEntry>(olderFirst);
  /** FIFO: each group's messages in publish order; the head is the one that may be handed out. */
  private groups = new Map<number, Deque<Stored>>();
  /** FIFO: groups whose head is available, in the order they became so. */
  private readyGroups = new Deque<number>();
  private waitingPolls = new Deque<WaitingPoll>();
  private counts = { available: 0, inflight: 0, delayed: 0, moving: 0 };
  private reported = { depth: -1, inFlight: -1 };
  /** Since time 0 (warm-up does not reset them): what the sandbox's badges count. */
  private totals = { deadLettered: 0, deadLetterArrivals: 0 };
  /** Measurement only (not behaviour): ids some consumer processed, so duplicates can be counted. */
  private readonly processedIds = new Set<number>();
  /** Contents (keys) consumers processed, for consumers that deduplicate by content. */
  private readonly processedKeys = new Set<number>();

  constructor(world: World, index: number, name: string, readonly params: QueueParams) {
    super(world, index, name, 'queue');
    this.m = world.sim.metrics.group(name, queueMetrics());
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  /** Consumers report each processing here (by message id or by content); true if it was processed before (a duplicate). */
  noteProcessed(identity: number, by: 'message-id' | 'key'): boolean {
    const seen = by === 'key' ? this.processedKeys : this.processedIds;
    if (seen.has(identity)) return true;
    seen.add(identity);
    return false;
  }

  /** Messages held, by state (for views and tests). */
  get held(): Readonly<{ available: number; inflight: number; delayed: number; moving: number }> {
    return this.counts;
  }

  override start(): void {
    this.available = new MinHeap<HeapEntry>(olderFirst);
    this.groups = new Map();
    this.readyGroups = new Deque();
    this.waitingPolls = new Deque();
    this.counts = { available: 0, inflight: 0, delayed: 0, moving: 0 };
    for (const m of this.store.messages.values()) this.restore(m);
    if (this.params.fifo) this.refreshReady();
    if (this.params.retentionUs < this.world.sim.endUs) this.setTimer(Math.min(this.params.retentionUs, SWEEP_EVERY_US), TIMER_SWEEP);
    this.report();
  }

  /** A durable queue's messages wait on disk (its counts stand); an in-memory queue loses them all. */
  override onCrash(): void {
    this.waitingPolls = new Deque();
    if (this.params.durable) return;
    for (const m of this.store.messages.values()) this.record(m.id, 'lost:broker-crash');
    this.m.lostInCrash.add(this.store.messages.size);
    this.volatileStore = emptyStore();
    this.counts = { available: 0, inflight: 0, delayed: 0, moving: 0 };
    this.report();
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case REQUEST:
        return this.publish(msg);
      case MQ_RECEIVE:
        return this.receive(msg);
      case MQ_DELETE:
        return this.delete(msg.payload as DeleteRequest);
      case MQ_VISIBILITY:
        return this.changeVisibility(msg.payload as VisibilityRequest);
      case MQ_DEAD_LETTER:
        return this.takeDeadLetter(msg);
      case MQ_DEAD_LETTER_ACK:
        return this.deadLetterTaken(msg.payload as number);
      case RESPONSE:
        return;
    }
  }

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case TIMER_VISIBLE:
        return this.visibilityExpired(data as HeapEntry);
      case TIMER_DELAY_OVER:
        return this.delayOver(data as HeapEntry);
      case TIMER_POLL_EXPIRED:
        return this.answerPoll(data as WaitingPoll, []);
      case TIMER_RESEND_DEAD_LETTER:
        return this.resendDeadLetter(data as number);
      case TIMER_SWEEP:
        this.sweep();
        this.setTimer(Math.min(this.params.retentionUs, SWEEP_EVERY_US), TIMER_SWEEP);
        return;
    }
  }

  // ---- publish ------------------------------------------------------------------------------

  private publish(msg: Message): void {
    const p = this.params;
    const key = requestKey(msg.payload, msg.id);
    if (p.fifo && this.isDuplicate(key)) {
      this.m.deduplicated.add();
      this.record(msg.id, 'deduplicated');
      this.send(msg.from, RESPONSE, RESPONSE_OK, msg.id);
      return;
    }
    if (p.maxDepth !== null && this.store.messages.size >= p.maxDepth) {
      this.m.rejected.add();
      this.record(msg.id, 'rejected:queue-full');
      this.send(msg.from, RESPONSE, RESPONSE_QUEUE_FULL, msg.id);
      return;
    }
    const group = p.fifo ? key % p.messageGroups : 0;
    this.m.published.add();
    this.record(msg.id, p.fifo ? `published:${group}` : 'published');
    this.accept({ id: msg.id, key, group, publishedAt: this.now, receives: 0, receipt: 0, state: 'delayed', visibleAt: 0, version: 0 }, p.delayUs);
    this.send(msg.from, RESPONSE, RESPONSE_OK, msg.id);
  }

  private isDuplicate(key: number): boolean {
    const dedup = this.store.dedupUntil;
    const until = dedup.get(key);
    if (until !== undefined && this.now < until) return true;
    dedup.set(key, this.now + this.params.dedupWindowUs);
    return false;
  }

  /** A new message (published, or a dead letter arriving): held, then available after `delayUs`. */
  private accept(m: Stored, delayUs: Micros): void {
    this.store.messages.set(m.id, m);
    if (this.params.fifo) this.groupOf(m.group).pushBack(m);
    if (delayUs > 0) {
      this.setState(m, 'delayed');
      this.setTimer(delayUs, TIMER_DELAY_OVER, { m, version: m.version });
      this.report();
    } else this.makeAvailable(m);
  }

  // ---- receive ------------------------------------------------------------------------------

  private receive(msg: Message): void {
    const request = msg.payload as ReceiveRequest;
    const taken = this.take(request);
    if (taken.length > 0 || request.waitUs <= 0) {
      this.reply(msg.from, msg.id, request, taken);
      return;
    }
    const poll: WaitingPoll = { from: msg.from, requestId: msg.id, request, answered: false };
    this.waitingPolls.pushBack(poll);
    this.setTimer(request.waitUs, TIMER_POLL_EXPIRED, poll);
  }

  /** Hands out up to `request.max` messages: each one in flight, with a new receipt. */
  private take(request: ReceiveRequest): Delivery[] {
    const out: Delivery[] = [];
    while (out.length < request.max) {
      const m = this.nextAvailable();
      if (m === undefined) break;
      if (this.now - m.publishedAt >= this.params.retentionUs) {
        this.expire(m);
        continue;
      }
      const limit = this.params.deliveryLimit;
      if (limit !== null && m.receives >= limit) {
        this.deadLetter(m);
        continue;
      }
      out.push(this.handOut(m, request.visibilityUs ?? this.params.visibilityUs));
    }
    this.report();
    return out;
  }

  private handOut(m: Stored, visibilityUs: Micros): Delivery {
    m.receives++;
    m.receipt = ++this.store.nextReceipt;
    m.visibleAt = this.now + visibilityUs;
    this.setState(m, 'inflight');
    this.setTimer(visibilityUs, TIMER_VISIBLE, { m, version: m.version });
    this.m.receives.add();
    if (m.receives > 1) this.m.redeliveries.add();
    this.record(m.id, `received:${m.receives}`);
    return { id: m.id, key: m.key, publishedAt: m.publishedAt, receiveCount: m.receives, receipt: m.receipt };
  }

  /** The next message to hand out, or undefined: the oldest (standard) or a ready group's head (FIFO). */
  private nextAvailable(): Stored | undefined {
    if (!this.params.fifo) {
      this.dropStaleTop();
      return this.available.pop()?.m;
    }
    while (this.readyGroups.length > 0) {
      const group = this.readyGroups.popFront()!;
      const head = this.groups.get(group)?.peekFront();
      if (head !== undefined && head.state === 'available') return head;
    }
    return undefined;
  }

  private reply(to: number, requestId: number, request: ReceiveRequest, messages: Delivery[]): void {
    if (messages.length === 0) this.m.emptyReceives.add();
    const reply: ReceiveReply = { receiver: request.receiver, seq: request.seq, messages };
    this.send(to, MQ_MESSAGES, reply, requestId);
  }

  private answerPoll(poll: WaitingPoll, messages: Delivery[]): void {
    if (poll.answered) return;
    poll.answered = true;
    this.reply(poll.from, poll.requestId, poll.request, messages);
  }

  /** Messages became available: long polls waiting get them first. */
  private serveWaitingPolls(): void {
    while (this.waitingPolls.length > 0 && this.counts.available > 0) {
      const poll = this.waitingPolls.popFront()!;
      if (poll.answered) continue;
      const taken = this.take(poll.request);
      if (taken.length === 0) {
        this.waitingPolls.pushFront(poll);
        return;
      }
      this.answerPoll(poll, taken);
    }
  }

  // ---- delete, visibility -------------------------------------------------------------------

  private delete(request: DeleteRequest): void {
    const m = this.store.messages.get(request.id);
    if (m === undefined || m.state !== 'inflight' || m.receipt !== request.receipt) {
      this.m.staleDeletes.add();
      this.record(request.id, 'stale-delete');
      return;
    }
    this.m.deleted.add();
    this.m.receivesPerMessage.record(m.receives);
    this.record(m.id, 'deleted');
    this.remove(m);
    this.report();
  }

  private changeVisibility(request: VisibilityRequest): void {
    const m = this.store.messages.get(request.id);
    if (m === undefined || m.state !== 'inflight' || m.receipt !== request.receipt) return;
    if (request.timeoutUs <= 0) {
      this.record(m.id, 'nacked');
      this.makeAvailable(m);
      return;
    }
    m.visibleAt = this.now + request.timeoutUs;
    m.version++;
    this.record(m.id, `extended:${Math.round(request.timeoutUs / 1000)}ms`);
    this.setTimer(request.timeoutUs, TIMER_VISIBLE, { m, version: m.version });
  }

  private visibilityExpired(entry: HeapEntry): void {
    const m = entry.m;
    if (m.version !== entry.version || m.state !== 'inflight' || this.store.messages.get(m.id) !== m) return;
    this.record(m.id, 'visible');
    this.makeAvailable(m);
  }

  private delayOver(entry: HeapEntry): void {
    const m = entry.m;
    if (m.version !== entry.version || m.state !== 'delayed' || this.store.messages.get(m.id) !== m) return;
    this.record(m.id, 'available');
    this.makeAvailable(m);
  }

  // ---- dead letters, expiry -----------------------------------------------------------------

  private deadLetter(m: Stored): void {
    const dlq = this.params.deadLetterQueue;
    if (dlq === null) {
      this.m.droppedAtLimit.add();
      this.record(m.id, 'dropped:delivery-limit');
      this.remove(m);
      return;
    }
    this.m.deadLettered.add();
    this.record(m.id, 'dead-letter');
    this.state('mq.deadLettered', ++this.totals.deadLettered);
    this.setState(m, 'moving');
    this.sendDeadLetter(m);
  }

  private sendDeadLetter(m: Stored): void {
    const letter: DeadLetter = { id: m.id, key: m.key, publishedAt: m.publishedAt };
    this.send(this.params.deadLetterQueue!, MQ_DEAD_LETTER, letter);
    this.setTimer(DEAD_LETTER_RESEND_US, TIMER_RESEND_DEAD_LETTER, m.id);
  }

  private resendDeadLetter(id: number): void {
    const m = this.store.messages.get(id);
    if (m !== undefined && m.state === 'moving') this.sendDeadLetter(m);
  }

  private deadLetterTaken(id: number): void {
    const m = this.store.messages.get(id);
    if (m === undefined || m.state !== 'moving') return;
    this.record(id, 'moved');
    this.remove(m);
    this.report();
  }

  /** This queue is another's dead-letter queue: keep the message (once), and say so. */
  private takeDeadLetter(msg: Message): void {
    const letter = msg.payload as DeadLetter;
    const store = this.store;
    if (!store.deadLettersTaken.has(letter.id)) {
      store.deadLettersTaken.add(letter.id);
      this.m.deadLetterArrivals.add();
      this.record(letter.id, 'dead-lettered');
      this.state('mq.deadLetters', ++this.totals.deadLetterArrivals);
      const group = this.params.fifo ? letter.key % this.params.messageGroups : 0;
      this.accept({ id: letter.id, key: letter.key, group, publishedAt: letter.publishedAt, receives: 0, receipt: 0, state: 'delayed', visibleAt: 0, version: 0 }, 0);
    }
    this.send(msg.from, MQ_DEAD_LETTER_ACK, letter.id, msg.id);
  }

  private expire(m: Stored): void {
    this.m.expired.add();
    this.record(m.id, 'expired');
    this.remove(m);
  }

  /** Retention: drop what waited too long (in flight ones are checked when they come back). */
  private sweep(): void {
    let expired = false;
    for (const m of [...this.store.messages.values()]) {
      if ((m.state === 'available' || m.state === 'delayed') && this.now - m.publishedAt >= this.params.retentionUs) {
        this.expire(m);
        expired = true;
      }
    }
    if (expired) this.report();
  }

  // ---- state bookkeeping --------------------------------------------------------------------

  private get store(): Store {
    if (!this.params.durable) return this.volatileStore;
    return ((this.durable as { store?: Store }).store ??= emptyStore());
  }

  private makeAvailable(m: Stored): void {
    this.setState(m, 'available');
    this.available.push({ m, version: m.version });
    if (this.params.fifo && this.groups.get(m.group)?.peekFront() === m) this.readyGroups.pushBack(m.group);
    this.serveWaitingPolls();
    this.report();
  }

  /** Moves a held message to `state`; a fresh one (version 0) is not counted yet. */
  private setState(m: Stored, state: MessageState): void {
    if (m.version > 0) this.counts[m.state]--;
    m.state = state;
    m.version++;
    this.counts[state]++;
  }

  /** The message leaves this queue (deleted, moved, dropped, expired). */
  private remove(m: Stored): void {
    this.counts[m.state]--;
    m.version++;
    this.store.messages.delete(m.id);
    if (!this.params.fifo) return;
    const group = this.groups.get(m.group)!;
    if (group.peekFront() === m) {
      group.popFront();
      const next = group.peekFront();
      if (next === undefined) this.groups.delete(m.group);
      else if (next.state === 'available') this.readyGroups.pushBack(m.group);
    } else {
      this.groups.set(m.group, group.without(m));
    }
  }

  /** After a restart: put a durable message back where it was. */
  private restore(m: Stored): void {
    if (this.params.fifo) this.groupOf(m.group).pushBack(m);
    const state = m.state;
    m.version = 0;
    if (state === 'inflight') {
      this.setState(m, 'inflight');
      this.setTimer(Math.max(0, m.visibleAt - this.now), TIMER_VISIBLE, { m, version: m.version });
    } else if (state === 'moving') {
      this.setState(m, 'moving');
      this.sendDeadLetter(m);
    } else if (state === 'delayed' && this.now < m.publishedAt + this.params.delayUs) {
      this.setState(m, 'delayed');
      this.setTimer(m.publishedAt + this.params.delayUs - this.now, TIMER_DELAY_OVER, { m, version: m.version });
    } else {
      if (state === 'delayed') this.record(m.id, 'available');
      this.setState(m, 'available');
      this.available.push({ m, version: m.version });
    }
  }

  private refreshReady(): void {
    this.readyGroups = new Deque();
    for (const [group, members] of this.groups) if (members.peekFront()?.state === 'available') this.readyGroups.pushBack(group);
  }

  private groupOf(group: number): Deque<Stored> {
    let d = this.groups.get(group);
    if (d === undefined) this.groups.set(group, (d = new Deque()));
    return d;
  }

  private dropStaleTop(): void {
    for (let top = this.available.peek(); top !== undefined && (top.version !== top.m.version || top.m.state !== 'available'); top = this.available.peek()) this.available.pop();
  }

  /** Gauges, and state records for the sandbox when a drawn number changed. */
  private report(): void {
    const now = this.now;
    const c = this.counts;
    this.m.depth.set(now, c.available);
    this.m.inFlight.set(now, c.inflight);
    this.m.delayed.set(now, c.delayed);
    this.dropStaleTop();
    const oldest = this.available.peek()?.m;
    this.m.oldestAgeMs.set(now, oldest === undefined ? 0 : (now - oldest.publishedAt) / 1000);
    if (c.available !== this.reported.depth) this.state('mq.depth', (this.reported.depth = c.available));
    if (c.inflight !== this.reported.inFlight) this.state('mq.inFlight', (this.reported.inFlight = c.inflight));
  }

  private record(id: number, event: string): void {
    this.callEvent(id, MQ_LAYER, event);
  }
}

function emptyStore(): Store {
  return { messages: new Map(), nextReceipt: 0, dedupUntil: new Map(), deadLettersTaken: new Set() };
}

function olderFirst(a: HeapEntry, b: HeapEntry): boolean {
  return a.m.publishedAt < b.m.publishedAt || (a.m.publishedAt === b.m.publishedAt && a.m.id < b.m.id);
}

export const MESSAGE_QUEUE_KIND: NodeKind<QueueSpec> = {
  create: (world, index, spec, resolve) => new QueueNode(world, index, spec.id, queueParams(spec, resolve)),
  invariants: (spec, nodes) => {
    const consumers = nodes.filter((n) => (n as { consume?: { from: string } }).consume?.from === spec.id);
    const claims = consumers.filter((n) => (n as { consume?: { claimsExactlyOnce: boolean } }).consume?.claimsExactlyOnce).map((n) => n.id);
    const conservation = new MessageConservation(spec.id, {
      durable: spec.durable,
      deadLetterQueue: spec.deadLetterQueue,
      consumers: consumers.map((n) => n.id),
      exactlyOnceConsumers: claims,
      delays: spec.deliveryDelayMs > 0,
    });
    const out: { name: string; invariant: MessageConservation | FifoGroupOrder }[] = [{ name: conservation.describe(), invariant: conservation }];
    if (spec.type === 'fifo') {
      const order = new FifoGroupOrder(spec.id);
      out.push({ name: order.describe(), invariant: order });
    }
    return out;
  },
};
