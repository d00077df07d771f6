import { TopicDeliveries } from '../check/messaging-checks.ts';
import { Counter, durationHistogram, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { isResponsePayload, REQUEST, requestKey, RESPONSE, RESPONSE_OK } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { TopicSpec } from './topic.schema.ts';


/**
 * A pub/sub topic with Amazon SNS semantics: every message published to it is delivered to
 * each subscription, independently. A publish is an ordinary request, answered ok once the
 * topic has stored the message; then the topic delivers a copy to each subscriber as a request
 * of its own — to a queue node that is a publish (SNS → SQS fan-out), to a service a push (an
 * HTTP endpoint). A delivery that fails (an error, a rejection such as a full queue, or no
 * answer within `deliveryTimeoutMs`) is tried again `retries` times, `retryDelayMs` apart;
 * then the message goes to the subscription's dead-letter queue (sent until that queue
 * accepts it), or is dropped and counted. One slow or failing subscriber never holds up the
 * others: each subscription has its own deliveries, retries and backlog.
 *
 * A durable topic keeps undelivered messages through a crash and resumes their deliveries
 * (a delivery whose answer was lost is sent again: at-least-once, so subscribers see
 * duplicates); an in-memory one loses them, each recorded as lost.
 *
 * Records (call records at the topic, layer `topic`, call = the published message's id):
 * `published`, `retry:<subscriber>`, `delivered:<subscriber>`, `dead-lettered:<subscriber>`,
 * `dropped:<subscriber>`, `lost:broker-crash`. State: `topic.pending` (deliveries not yet
 * finished), `topic.dropped`, `topic.deadLettered`. The check (messaging-checks.ts) rebuilds
 * every message's deliveries from them: each ends exactly once, in a way the configuration
 * allows, and the topic's reported pending count matches.
 */

export const TOPIC_LAYER = 'topic';

export interface SubscriptionParams {
  to: number;
  name: string;
  retries: number;
  retryDelayUs: Micros;
  deliveryTimeoutUs: Micros;
  deadLetterQueue: number | null;
}

export interface TopicParams {
  subscriptions: SubscriptionParams[];
  durable: boolean;
}

/** A message waiting to be delivered to some of the subscriptions. */
interface Held {
  readonly id: number;
  readonly key: number;
  readonly publishedAt: Micros;
  /** Per subscription: attempts made so far, or DONE once finished. */
  readonly attempts: number[];
  /** Per subscription: true while its copy is on the way to the dead-letter queue. */
  readonly toDeadLetter: boolean[];
}

const DONE = -1;
/** A move to a dead-letter queue is sent again this often until the queue accepts it. */
const DEAD_LETTER_RESEND_US = 1_000_000;

const TIMER_DELIVERY_TIMEOUT = 0;
const TIMER_RETRY = 1;

/** One delivery attempt: the message, the subscription, which attempt, and the request carrying it (-1: not sent yet). */
interface Attempt {
  readonly id: number;
  readonly sub: number;
  readonly attempt: number;
  readonly request: number;
}

function topicMetrics() {
  return {
    published: new Counter(),
    /** Delivery attempts, retries included. */
    deliveries: new Counter(),
    delivered: new Counter(),
    retries: new Counter(),
    deadLettered: new Counter(),
    dropped: new Counter(),
    lostInCrash: new Counter(),
    /** Deliveries not yet finished (copies waiting, in flight or between retries). */
    pending: new Gauge(),
    /** From publish to a subscriber's acceptance. */
    deliveryMs: durationHistogram(),
  };
}

function subscriptionMetrics() {
  return { delivered: new Counter(), retries: new Counter(), pending: new Gauge() };
}

export class TopicNode extends SimNode {
  private readonly m: ReturnType<typeof topicMetrics>;
  private readonly perSub: ReturnType<typeof subscriptionMetrics>[];
  private volatileStore = new Map<number, Held>();
  /** Attempts waiting for an answer, by request id. */
  private inFlight = new Map<number, Attempt>();
  private pendingCount = 0;
  private reportedPending = -1;
  private totals = { dropped: 0, deadLettered: 0 };

  constructor(world: World, index: number, name: string, readonly params: TopicParams) {
    super(world, index, name, 'topic');
    this.m = world.sim.metrics.group(name, topicMetrics());
    this.perSub = params.subscriptions.map((s) => world.sim.metrics.group(`${name}.to.${s.name}`, subscriptionMetrics()));
  }

  override start(): void {
    this.inFlight = new Map();
    this.pendingCount = 0;
    for (const held of this.store.values()) {
      held.attempts.forEach((a, sub) => {
        if (a === DONE) return;
        this.pendingCount++;
        this.perSub[sub].pending.add(this.now, 1);
        this.deliver(held, sub);
      });
    }
    this.report();
  }

  override onCrash(): void {
    this.inFlight = new Map();
    if (this.params.durable) return;
    for (const held of this.store.values()) this.record(held.id, 'lost:broker-crash');
    this.m.lostInCrash.add(this.store.size);
    this.volatileStore = new Map();
    this.pendingCount = 0;
    for (const s of this.perSub) s.pending.set(this.now, 0);
    this.report();
  }

  override onMessage(msg: Message): void {
    if (msg.type === REQUEST) this.publish(msg);
    else if (msg.type === RESPONSE) this.answered(msg);
  }

  override onTimer(tag: number, data: unknown): void {
    const a = data as Attempt;
    const held = this.store.get(a.id);
    if (held === undefined || held.attempts[a.sub] !== a.attempt) return;
    if (tag === TIMER_RETRY) this.deliver(held, a.sub);
    else if (tag === TIMER_DELIVERY_TIMEOUT && this.inFlight.delete(a.request)) this.failed(held, a.sub);
  }

  private publish(msg: Message): void {
    const key = requestKey(msg.payload, msg.id);
    const subs = this.params.subscriptions.length;
    const held: Held = { id: msg.id, key, publishedAt: this.now, attempts: new Array<number>(subs).fill(0), toDeadLetter: new Array<boolean>(subs).fill(false) };
    this.store.set(msg.id, held);
    this.m.published.add();
    this.record(msg.id, 'published');
    this.send(msg.from, RESPONSE, RESPONSE_OK, msg.id);
    this.pendingCount += subs;
    for (let sub = 0; sub < subs; sub++) {
      this.perSub[sub].pending.add(this.now, 1);
      this.deliver(held, sub);
    }
    this.report();
  }

  /** Sends the copy for `sub` (to its subscriber, or to its dead-letter queue). */
  private deliver(held: Held, sub: number): void {
    const s = this.params.subscriptions[sub];
    const attempt = ++held.attempts[sub];
    const toDlq = held.toDeadLetter[sub];
    this.m.deliveries.add();
    const request = this.send(toDlq ? s.deadLetterQueue! : s.to, REQUEST, held.key, held.id);
    const a: Attempt = { id: held.id, sub, attempt, request: request.id };
    this.inFlight.set(request.id, a);
    this.setTimer(toDlq ? DEAD_LETTER_RESEND_US : s.deliveryTimeoutUs, TIMER_DELIVERY_TIMEOUT, a);
  }

  private answered(msg: Message): void {
    const a = this.inFlight.get(msg.parent);
    if (a === undefined) return; // answered after its timeout, or before a crash
    this.inFlight.delete(msg.parent);
    const held = this.store.get(a.id);
    if (held === undefined || held.attempts[a.sub] !== a.attempt) return;
    const ok = isResponsePayload(msg.payload) && msg.payload.outcome === 'ok';
    if (ok) this.finish(held, a.sub, held.toDeadLetter[a.sub] ? 'dead-lettered' : 'delivered');
    else this.failed(held, a.sub);
  }

  private failed(held: Held, sub: number): void {
    const s = this.params.subscriptions[sub];
    if (held.toDeadLetter[sub]) {
      // The dead-letter queue refused or did not answer: keep trying it.
      this.setTimer(DEAD_LETTER_RESEND_US, TIMER_RETRY, { id: held.id, sub, attempt: held.attempts[sub], request: -1 });
      return;
    }
    if (held.attempts[sub] <= s.retries) {
      this.m.retries.add();
      this.perSub[sub].retries.add();
      this.record(held.id, `retry:${s.name}`);
      this.setTimer(s.retryDelayUs, TIMER_RETRY, { id: held.id, sub, attempt: held.attempts[sub], request: -1 });
      return;
    }
    if (s.deadLetterQueue === null) return this.finish(held, sub, 'dropped');
    held.toDeadLetter[sub] = true;
    this.deliver(held, sub);
  }

  private finish(held: Held, sub: number, how: 'delivered' | 'dead-lettered' | 'dropped'): void {
    const s = this.params.subscriptions[sub];
    held.attempts[sub] = DONE;
    this.record(held.id, `${how}:${s.name}`);
    if (how === 'delivered') {
      this.m.delivered.add();
      this.perSub[sub].delivered.add();
      this.m.deliveryMs.record(this.now - held.publishedAt);
    } else if (how === 'dead-lettered') {
      this.m.deadLettered.add();
      this.state('topic.deadLettered', ++this.totals.deadLettered);
    } else {
      this.m.dropped.add();
      this.state('topic.dropped', ++this.totals.dropped);
    }
    this.pendingCount--;
    this.perSub[sub].pending.add(this.now, -1);
    if (held.attempts.every((a) => a === DONE)) this.store.delete(held.id);
    this.report();
  }

  private get store(): Map<number, Held> {
    if (!this.params.durable) return this.volatileStore;
    return ((this.durable as { held?: Map<number, Held> }).held ??= new Map());
  }

  private report(): void {
    this.m.pending.set(this.now, this.pendingCount);
    if (this.pendingCount !== this.reportedPending) this.state('topic.pending', (this.reportedPending = this.pendingCount));
  }

  private record(id: number, event: string): void {
    this.callEvent(id, TOPIC_LAYER, event);
  }
}

export function topicParams(spec: TopicSpec, resolve: (id: string) => number): TopicParams {
  return {
    durable: spec.durable,
    subscriptions: spec.subscriptions.map((s) => ({
      to: resolve(s.to),
      name: s.to,
      retries: s.retries,
      retryDelayUs: msToUs(s.retryDelayMs),
      deliveryTimeoutUs: msToUs(s.deliveryTimeoutMs),
      deadLetterQueue: s.deadLetterQueue === null ? null : resolve(s.deadLetterQueue),
    })),
  };
}

export const TOPIC_KIND: NodeKind<TopicSpec> = {
  create: (world, index, spec, resolve) => new TopicNode(world, index, spec.id, topicParams(spec, resolve)),
  invariants: (spec) => {
    const check = new TopicDeliveries(spec.id, spec.subscriptions.map((s) => ({ ...s, name: s.to })), spec.durable);
    return [{ name: check.describe(), invariant: check }];
  },
};
