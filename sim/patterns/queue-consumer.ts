import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Micros } from '../engine/time.ts';
import { NO_DEADLINE, type Message } from '../net/message.ts';
import type { Call } from '../nodes/call.ts';
import type { SimNode } from '../nodes/node.ts';
import type { ConsumerHost, NodeConsumer } from '../nodes/service.ts';
import {
  MQ_DELETE,
  MQ_MESSAGES,
  MQ_RECEIVE,
  MQ_VISIBILITY,
  QueueNode,
  type DeleteRequest,
  type Delivery,
  type ReceiveReply,
  type ReceiveRequest,
  type VisibilityRequest,
} from './message-queue.ts';

/**
 * A service consuming from a queue (the `consume` option of a service; message-queue.ts has the
 * queue's side). `receivers` loops run at once, as a consumer's threads: each receives a batch
 * (long-polled), processes its messages one after another — the service's own service time
 * (slowed by a slow-node fault), its error probability (and a brownout's), then its calls
 * through their call paths like any request — and deletes each message that succeeded. A
 * failure leaves the message to reappear after its visibility timeout, or nacks it (visibility
 * 0). With `extendVisibility` a heartbeat extends the timeout every half timeout while the
 * message is processed, so slow work is not handed to a second consumer.
 *
 * An idempotent consumer keeps an inbox of processed ids (in memory, or on disk so it survives
 * a crash) and skips (deletes without processing) a message it has processed before. Without
 * one, a redelivered message that was processed already is processed again: counted as a
 * duplicate.
 *
 * A receive whose reply does not come within its wait time plus `RECEIVE_REPLY_MARGIN_US` (a
 * lost request or reply, a crashed queue) is given up and sent again: the messages of a lost
 * reply are in flight at the queue and come back after their visibility timeout, as with SQS.
 * A crash loses the work in progress (the messages come back the same way) and a volatile
 * inbox.
 *
 * Records (call records, call = message id, layer `consume:<queue>`): processing, processed,
 * failed, duplicate-skipped; and work records (start, then done or error, msg = the message
 * id) as a service's requests have, so views count busy receivers. Metrics
 * `<service>.consumer.*`.
 */
export interface ConsumerParams {
  queue: number;
  queueName: string;
  receivers: number;
  batchSize: number;
  waitUs: Micros;
  pollIntervalUs: Micros;
  /** The visibility timeout in force (asked for, or the queue's). */
  visibilityUs: Micros;
  /** Ask for `visibilityUs` at each receive (false: the queue's default applies). */
  askVisibility: boolean;
  extendVisibility: boolean;
  onFailure: 'leave' | 'nack';
  inbox: 'none' | 'volatile' | 'durable';
  /** The inbox keys on the message id, or on its content (an event id published more than once). */
  dedupBy: 'message-id' | 'key';
  poisonFraction: number;
  /** Messages received and not yet finished, at most (RabbitMQ prefetch); null: no limit beyond the receivers' batches. */
  prefetch: number | null;
}

/** A lost receive is given up after its wait time and this margin (an SDK's socket timeout). */
export const RECEIVE_REPLY_MARGIN_US = 5_000_000;

export const CONSUMER_TIMER_FIRST = 10;
const TIMER_RECEIVE_TIMEOUT = CONSUMER_TIMER_FIRST;
const TIMER_POLL_AGAIN = CONSUMER_TIMER_FIRST + 1;
const TIMER_PROCESSED = CONSUMER_TIMER_FIRST + 2;
const TIMER_HEARTBEAT = CONSUMER_TIMER_FIRST + 3;

interface Receiver {
  readonly index: number;
  /** The receive this loop waits for (-1: none). */
  awaiting: number;
  batch: readonly Delivery[];
  pos: number;
  /** The message being processed (its heartbeat runs while it is), or null. */
  current: Delivery | null;
  /** How many messages the outstanding receive asked for. */
  asked: number;
  /** Bumped whenever the loop moves on, so a stale timer is recognised. */
  token: number;
}

interface ReceiverTimer {
  readonly receiver: Receiver;
  readonly token: number;
}

interface HeartbeatTimer {
  readonly receiver: Receiver;
  readonly delivery: Delivery;
}

function consumerMetrics() {
  return {
    received: new Counter(),
    processed: new Counter(),
    failed: new Counter(),
    /** Messages processed again after an earlier successful processing. */
    duplicatesProcessed: new Counter(),
    /**
     * Messages whose content (key) some consumer of the queue had processed before: an event
     * published twice (an outbox relay's crash) applied twice, whatever the inbox keys on.
     */
    keysProcessedAgain: new Counter(),
    /** Redeliveries the inbox recognised and skipped. */
    duplicatesSuppressed: new Counter(),
    /** From publish to processed. */
    endToEndMs: durationHistogram(),
    receiveTimeouts: new Counter(),
    /** Receivers processing a message (time-weighted: its mean over receivers is their utilisation). */
    busy: new Gauge(),
  };
}

export class QueueConsumer implements NodeConsumer {
  private receivers: Receiver[] = [];
  private nextSeq = 0;
  /** Prefetch accounting: messages received and not finished, and those receives outstanding may still bring. */
  private unacked = 0;
  private reserved = 0;
  /** Receivers waiting for the prefetch window to open. */
  private parked: Receiver[] = [];
  private volatileInbox = new Set<number>();
  private readonly m: ReturnType<typeof consumerMetrics>;
  readonly layer: string;

  constructor(
    private readonly host: ConsumerHost,
    private readonly p: ConsumerParams,
  ) {
    this.m = host.node.world.sim.metrics.group(`${host.node.name}.consumer`, consumerMetrics());
    this.layer = `consume:${p.queueName}`;
  }

  start(): void {
    this.receivers = [];
    this.unacked = 0;
    this.reserved = 0;
    this.parked = [];
    for (let i = 0; i < this.p.receivers; i++) {
      const r: Receiver = { index: i, awaiting: -1, batch: [], pos: 0, current: null, asked: 0, token: 0 };
      this.receivers.push(r);
      this.receive(r);
    }
  }

  onCrash(): void {
    this.receivers = [];
    this.m.busy.set(this.node.now, 0);
    this.volatileInbox = new Set();
  }

  /** True if the message was the consumer's. */
  onMessage(msg: Message): boolean {
    if (msg.type !== MQ_MESSAGES) return false;
    const reply = msg.payload as ReceiveReply;
    const r = this.receivers[reply.receiver];
    if (r === undefined || r.awaiting !== reply.seq) return true;
    r.awaiting = -1;
    r.token++;
    this.reserved -= r.asked;
    this.unacked += reply.messages.length;
    if (reply.messages.length === 0) {
      if (this.p.waitUs > 0) this.receive(r);
      else this.node.setTimer(this.p.pollIntervalUs, TIMER_POLL_AGAIN, { receiver: r, token: r.token });
      return true;
    }
    this.m.received.add(reply.messages.length);
    r.batch = reply.messages;
    r.pos = 0;
    this.processNext(r);
    return true;
  }

  /** True if the timer was the consumer's. */
  onTimer(tag: number, data: unknown): boolean {
    if (tag < CONSUMER_TIMER_FIRST || tag > TIMER_HEARTBEAT) return false;
    if (tag === TIMER_HEARTBEAT) {
      const h = data as HeartbeatTimer;
      if (this.receivers[h.receiver.index] === h.receiver && h.receiver.current === h.delivery) this.heartbeat(h.receiver, h.delivery);
      return true;
    }
    const t = data as ReceiverTimer;
    if (this.receivers[t.receiver.index] !== t.receiver || t.receiver.token !== t.token) return true;
    if (tag === TIMER_RECEIVE_TIMEOUT) {
      this.m.receiveTimeouts.add();
      this.reserved -= t.receiver.asked;
      this.receive(t.receiver);
    } else if (tag === TIMER_POLL_AGAIN) this.receive(t.receiver);
    else this.ownWorkDone(t.receiver);
    return true;
  }

  private get node(): SimNode {
    return this.host.node;
  }

  private receive(r: Receiver): void {
    const p = this.p;
    const max = p.prefetch === null ? p.batchSize : Math.min(p.batchSize, p.prefetch - this.unacked - this.reserved);
    if (max <= 0) {
      this.parked.push(r);
      return;
    }
    r.asked = max;
    this.reserved += max;
    r.awaiting = this.nextSeq++;
    r.token++;
    const request: ReceiveRequest = { receiver: r.index, seq: r.awaiting, max, waitUs: p.waitUs, visibilityUs: p.askVisibility ? p.visibilityUs : null };
    this.node.send(p.queue, MQ_RECEIVE, request);
    this.node.setTimer(p.waitUs + RECEIVE_REPLY_MARGIN_US, TIMER_RECEIVE_TIMEOUT, { receiver: r, token: r.token });
  }

  /** The next message of the batch, or the next receive. */
  private processNext(r: Receiver): void {
    while (r.pos < r.batch.length) {
      const d = r.batch[r.pos];
      if (!this.inbox()?.has(this.identity(d))) {
        this.record(d.id, 'processing');
        this.work(d.id, 'start', +1);
        r.token++;
        r.current = d;
        this.node.setTimer(this.host.processingTime(), TIMER_PROCESSED, { receiver: r, token: r.token });
        if (this.p.extendVisibility && this.p.visibilityUs > 0) this.node.setTimer(Math.floor(this.p.visibilityUs / 2), TIMER_HEARTBEAT, { receiver: r, delivery: d });
        return;
      }
      this.m.duplicatesSuppressed.add();
      this.record(d.id, 'duplicate-skipped');
      this.deleteMessage(d);
      this.settled();
      r.pos++;
    }
    this.receive(r);
  }

  private skipDuplicate(r: Receiver, d: Delivery): void {
    this.m.duplicatesSuppressed.add();
    this.record(d.id, 'duplicate-skipped');
    this.deleteMessage(d);
    this.next(r);
  }

  private ownWorkDone(r: Receiver): void {
    const d = r.batch[r.pos];
    if (isPoison(d.id, this.p.poisonFraction) || this.host.failsNow()) return this.failed(r, d);
    if (!this.host.hasDependencies()) return this.succeeded(r, d);
    const token = ++r.token;
    const makeCall = (): Call => ({ id: d.id, attempt: 1, startedAt: this.node.now, deadline: NO_DEADLINE, key: d.key, host: -1, parent: -1 });
    this.host.callDependencies(makeCall, (response) => {
      if (this.receivers[r.index] !== r || r.token !== token) return;
      if (response.outcome === 'ok') this.succeeded(r, d);
      else this.failed(r, d);
    });
  }

  private succeeded(r: Receiver, d: Delivery): void {
    // The inbox insert commits with the work (a unique key on the message id): a copy that
    // another receiver finished first is rolled back here, not applied twice.
    if (this.inbox()?.has(this.identity(d))) {
      this.work(d.id, 'done', -1);
      return this.skipDuplicate(r, d);
    }
    this.m.processed.add();
    this.m.endToEndMs.record(this.node.now - d.publishedAt);
    this.record(d.id, 'processed');
    this.work(d.id, 'done', -1);
    if (this.queueNode().noteProcessed(d.id, 'message-id') && this.p.dedupBy === 'message-id') this.m.duplicatesProcessed.add();
    if (this.queueNode().noteProcessed(d.key, 'key')) {
      this.m.keysProcessedAgain.add();
      if (this.p.dedupBy === 'key') this.m.duplicatesProcessed.add();
    }
    this.inbox()?.add(this.identity(d));
    this.deleteMessage(d);
    this.next(r);
  }

  private failed(r: Receiver, d: Delivery): void {
    this.m.failed.add();
    this.record(d.id, 'failed');
    this.work(d.id, 'error', -1);
    if (this.p.onFailure === 'nack') {
      const nack: VisibilityRequest = { id: d.id, receipt: d.receipt, timeoutUs: 0 };
      this.node.send(this.p.queue, MQ_VISIBILITY, nack);
    }
    this.next(r);
  }

  private next(r: Receiver): void {
    this.settled();
    r.pos++;
    r.token++;
    r.current = null;
    this.processNext(r);
  }

  /** A message is finished (deleted, nacked or left): the prefetch window opens by one. */
  private settled(): void {
    this.unacked--;
    const waiting = this.parked.shift();
    if (waiting !== undefined && this.receivers[waiting.index] === waiting) this.receive(waiting);
  }

  /** While a message is processed: extend its visibility, and again in half a timeout. */
  private heartbeat(r: Receiver, d: Delivery): void {
    const extend: VisibilityRequest = { id: d.id, receipt: d.receipt, timeoutUs: this.p.visibilityUs };
    this.node.send(this.p.queue, MQ_VISIBILITY, extend);
    this.node.setTimer(Math.floor(this.p.visibilityUs / 2), TIMER_HEARTBEAT, { receiver: r, delivery: d });
  }

  private deleteMessage(d: Delivery): void {
    const request: DeleteRequest = { id: d.id, receipt: d.receipt };
    this.node.send(this.p.queue, MQ_DELETE, request);
  }

  /** What makes two deliveries the same work: the message, or its content. */
  private identity(d: Delivery): number {
    return this.p.dedupBy === 'key' ? d.key : d.id;
  }

  private inbox(): Set<number> | null {
    if (this.p.inbox === 'none') return null;
    if (this.p.inbox === 'volatile') return this.volatileInbox;
    return ((this.node.durable as { inbox?: Set<number> }).inbox ??= new Set());
  }

  /** The queue node, for measurement only (duplicate counting); its behaviour is reached by messages. */
  private queueNode(): QueueNode {
    return this.node.world.nodes[this.p.queue] as QueueNode;
  }

  /** A work record, as a service's own requests have: the sandbox counts busy receivers from them. */
  private work(id: number, phase: 'start' | 'done' | 'error', busy: 1 | -1): void {
    const sim = this.node.world.sim;
    sim.trace.emit(TraceKind.work, sim.now, this.node.index, id, phase);
    this.m.busy.add(sim.now, busy);
  }

  private record(id: number, event: string): void {
    this.node.callEvent(id, this.layer, event);
  }
}

/**
 * Whether message `id` is poison: a fixed pseudo-random choice by id (a 32-bit integer mix), so
 * every receive and every consumer agrees, and no random stream is drawn for it.
 */
export function isPoison(id: number, fraction: number): boolean {
  if (fraction <= 0) return false;
  let h = id | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32 < fraction;
}
