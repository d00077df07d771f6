import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Messaging checkers, rebuilt from trace records alone (never from the broker's own state):
 *
 * - `MessageConservation` (one per queue): every message published (or arriving as a dead
 *   letter) is at every moment in exactly one place — waiting (delayed or available), in
 *   flight, moving to the dead-letter queue — or has left for a reason: deleted after a
 *   consumer processed it, arrived at the dead-letter queue, expired by retention, dropped at
 *   the delivery limit (only without a dead-letter queue), or lost in a crash (only of an
 *   in-memory queue). Transitions follow the state machine (a receive only of a waiting
 *   message, and with a receive count one higher than the last; a delete only of a message in
 *   flight that a consumer processed; a move only into the dead-letter queue that recorded the
 *   arrival). The queue's own reported depth and in-flight count must match the rebuilt ones,
 *   so a queue that loses messages silently is caught at its next report. Duplicates (a
 *   message processed more than once) are counted, and are violations only for consumers that
 *   claim exactly-once processing.
 * - `FifoGroupOrder` (one per FIFO queue): a group's messages are received in publish order,
 *   one at a time — never a message while an earlier one of its group is still held.
 *
 * Record vocabulary (call records, call = message id): at the queue, layer `mq`: `published`
 * (FIFO: `published:<group>`), `available` (a delayed message's delay ended), `received:<n>`,
 * `visible`, `nacked`, `extended:<ms>`, `deleted`, `stale-delete`, `dead-letter`, `moved`,
 * `dead-lettered` (the message arrived here from another queue), `dropped:delivery-limit`,
 * `expired`, `lost:broker-crash`, `deduplicated` and `rejected:<why>` (no message was made);
 * at a consumer, layer `consume:<queue>`: `processing`, `processed`, `failed`,
 * `duplicate-skipped` (its inbox knew the id). State records at the queue: `mq.depth`,
 * `mq.inFlight`.
 */

type Place = 'delayed' | 'available' | 'inflight' | 'moving';
type Gone = 'deleted' | 'dead-lettered' | 'expired' | 'dropped' | 'lost';

interface Track {
  place: Place | Gone;
  receives: number;
  /** Times a consumer finished processing it (or skipped it as already processed). */
  processed: number;
}

export interface ConservationOptions {
  durable: boolean;
  deadLetterQueue: string | null;
  /** Consumer service ids (their processing records count). */
  consumers: readonly string[];
  /** Consumers whose design claims exactly-once processing. */
  exactlyOnceConsumers: readonly string[];
  /** The queue delays new messages (they wait `delayed` until an `available` record). */
  delays: boolean;
}

export class MessageConservation implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call', 'state'] as const;
  readonly scope: TraceScope;
  private readonly messages = new Map<number, Track>();
  private readonly count: Record<Place, number> = { delayed: 0, available: 0, inflight: 0, moving: 0 };
  private readonly gone: Record<Gone, number> = { deleted: 0, 'dead-lettered': 0, expired: 0, dropped: 0, lost: 0 };
  private readonly arrivedAtDlq = new Set<number>();
  private readonly consumeLayer: string;
  private readonly exactlyOnce: Set<string>;
  duplicates = 0;

  constructor(
    private readonly queue: string,
    private readonly options: ConservationOptions,
  ) {
    this.consumeLayer = `consume:${queue}`;
    this.exactlyOnce = new Set(options.exactlyOnceConsumers);
    const nodes = [queue, ...options.consumers];
    if (options.deadLetterQueue !== null) nodes.push(options.deadLetterQueue);
    this.scope = { nodes };
  }

  describe(): string {
    return `every message sent to ${this.queue} is processed, waiting, in flight, dead-lettered or gone for an allowed reason`;
  }

  /** The verdict's "held over …": what became of the messages. */
  get unit(): string {
    const c = this.count;
    const g = this.gone;
    const parts = [
      `${g.deleted} processed and deleted`,
      `${c.available + c.delayed} waiting`,
      `${c.inflight} in flight`,
      `${g['dead-lettered'] + c.moving} dead-lettered`,
    ];
    if (g.expired > 0) parts.push(`${g.expired} expired`);
    if (g.dropped > 0) parts.push(`${g.dropped} dropped at the delivery limit`);
    if (g.lost > 0) parts.push(`${g.lost} lost in a broker crash`);
    parts.push(`${this.duplicates} duplicates processed`);
    return `messages (${parts.join(', ')})`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    if (r.k === 'state') {
      if (r.node === this.queue) this.compareReport(r);
      return;
    }
    const layer = r.layer as string;
    const id = r.call as number;
    const event = r.event as string;
    if (r.node === this.queue && layer === 'mq') this.onQueueEvent(r, id, event);
    else if (layer === 'mq' && r.node === this.options.deadLetterQueue && event === 'dead-lettered') this.arrivedAtDlq.add(id);
    else if (layer === this.consumeLayer) this.onConsumerEvent(r, id, event);
  }

  private onQueueEvent(r: TraceRecord, id: number, event: string): void {
    const colon = event.indexOf(':');
    const verb = colon < 0 ? event : event.slice(0, colon);
    switch (verb) {
      case 'published':
      case 'dead-lettered':
        if (this.messages.has(id)) return this.fail(r, `message ${id} ${verb} twice`);
        this.examined++;
        this.messages.set(id, { place: 'delayed', receives: 0, processed: 0 });
        this.count.delayed++;
        if (verb === 'dead-lettered' || !this.options.delays) this.move(id, 'available');
        return;
      case 'available':
        return this.expectThen(r, id, 'delayed', 'available');
      case 'received': {
        const m = this.expect(r, id, 'available', event);
        if (m === null) return;
        const n = Number(event.slice(colon + 1));
        if (n !== m.receives + 1) return this.fail(r, `message ${id} received with count ${n}, but it had been received ${m.receives} times`);
        m.receives = n;
        return this.move(id, 'inflight');
      }
      case 'visible':
      case 'nacked':
        return this.expectThen(r, id, 'inflight', 'available');
      case 'extended':
        this.expect(r, id, 'inflight', event);
        return;
      case 'deleted': {
        const m = this.expect(r, id, 'inflight', event);
        if (m === null) return;
        if (m.processed === 0) return this.fail(r, `message ${id} deleted, but no consumer had processed it: it is lost`);
        return this.leave(id, 'deleted');
      }
      case 'dead-letter':
        return this.expectThen(r, id, 'available', 'moving');
      case 'moved':
        if (this.expect(r, id, 'moving', event) === null) return;
        if (!this.arrivedAtDlq.has(id)) return this.fail(r, `message ${id} left for the dead-letter queue, which never recorded it`);
        return this.leave(id, 'dead-lettered');
      case 'dropped':
        if (this.options.deadLetterQueue !== null) return this.fail(r, `message ${id} dropped at the delivery limit, though ${this.options.deadLetterQueue} should take it`);
        if (this.expect(r, id, 'available', event) === null) return;
        return this.leave(id, 'dropped');
      case 'expired': {
        const m = this.messages.get(id);
        if (m === undefined || (m.place !== 'available' && m.place !== 'delayed')) return this.fail(r, `message ${id} expired while ${m?.place ?? 'unknown'}`);
        return this.leave(id, 'expired');
      }
      case 'lost': {
        if (this.options.durable) return this.fail(r, `message ${id} lost in a crash, but ${this.queue} is durable`);
        const m = this.messages.get(id);
        if (m === undefined || isGone(m.place)) return this.fail(r, `message ${id} lost, but it was not held`);
        return this.leave(id, m.place === 'moving' && this.arrivedAtDlq.has(id) ? 'dead-lettered' : 'lost');
      }
      default:
        return;
    }
  }

  private onConsumerEvent(r: TraceRecord, id: number, event: string): void {
    if (event !== 'processed' && event !== 'duplicate-skipped') return;
    const m = this.messages.get(id);
    if (m === undefined) return this.fail(r, `message ${id} processed, but it was never published to ${this.queue}`);
    // A consumer may finish a copy whose visibility ran out, even after another one deleted
    // it (at-least-once); it can never finish one the queue never handed out.
    if (m.receives === 0) return this.fail(r, `message ${id} processed, but ${this.queue} never handed it out`);
    m.processed++;
    if (event === 'processed' && m.processed > 1) {
      this.duplicates++;
      if (this.exactlyOnce.has(r.node)) this.fail(r, `message ${id} processed a second time, but ${r.node} claims exactly-once processing`);
    }
  }

  /** The queue's reported depth and in-flight count must be the rebuilt ones. */
  private compareReport(r: TraceRecord): void {
    const key = r.key as string;
    const value = Number(r.value);
    if (key === 'mq.depth' && value !== this.count.available) {
      this.fail(r, `${this.queue} reports ${value} messages available, but the records leave ${this.count.available}`);
    } else if (key === 'mq.inFlight' && value !== this.count.inflight) {
      this.fail(r, `${this.queue} reports ${value} messages in flight, but the records leave ${this.count.inflight}`);
    }
  }

  private expect(r: TraceRecord, id: number, place: Place, event: string): Track | null {
    const m = this.messages.get(id);
    if (m === undefined) {
      this.fail(r, `message ${id}: ${event}, but it was never published`);
      return null;
    }
    if (m.place !== place) {
      this.fail(r, `message ${id}: ${event} while ${m.place} (expected ${place})`);
      return null;
    }
    return m;
  }

  private expectThen(r: TraceRecord, id: number, from: Place, to: Place): void {
    if (this.expect(r, id, from, r.event as string) !== null) this.move(id, to);
  }

  private move(id: number, to: Place): void {
    const m = this.messages.get(id)!;
    this.count[m.place as Place]--;
    this.count[to]++;
    m.place = to;
  }

  private leave(id: number, why: Gone): void {
    const m = this.messages.get(id)!;
    this.count[m.place as Place]--;
    this.gone[why]++;
    m.place = why;
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}

function isGone(place: Place | Gone): place is Gone {
  return place !== 'delayed' && place !== 'available' && place !== 'inflight' && place !== 'moving';
}

/** FIFO: each group's messages are received in publish order, one at a time. */
export class FifoGroupOrder implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  readonly unit = 'receives';
  /** Per group, its messages in publish order from `head` on (those that left are in `left`). */
  private readonly groups = new Map<number, { ids: number[]; head: number }>();
  private readonly left = new Set<number>();
  private readonly groupOf = new Map<number, number>();
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly queue: string) {
    this.scope = { nodes: [queue], layer: 'mq' };
  }

  describe(): string {
    return `${this.queue} hands out each FIFO group's messages in order, one at a time`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    const id = r.call as number;
    const event = r.event as string;
    if (event.startsWith('published:') || event === 'dead-lettered') {
      const group = event === 'dead-lettered' ? -1 : Number(event.slice('published:'.length));
      this.groupOf.set(id, group);
      let members = this.groups.get(group);
      if (members === undefined) this.groups.set(group, (members = { ids: [], head: 0 }));
      members.ids.push(id);
    } else if (event.startsWith('received:')) {
      this.onReceive(r, id);
    } else if (event === 'visible' || event === 'nacked') {
      this.inFlight.delete(this.groupOf.get(id) ?? -1);
    } else if (event === 'deleted' || event === 'moved' || event === 'expired' || event.startsWith('dropped') || event.startsWith('lost')) {
      this.leave(id);
    }
  }

  private onReceive(r: TraceRecord, id: number): void {
    const group = this.groupOf.get(id);
    if (group === undefined || group < 0) return;
    this.examined++;
    const holder = this.inFlight.get(group);
    if (holder !== undefined && holder !== id) {
      this.violation = { t: r.t, node: r.node, detail: `message ${id} of group ${group} handed out while message ${holder} of the same group is in flight` };
      return;
    }
    const first = this.firstHeld(group);
    if (first !== id) {
      this.violation = { t: r.t, node: r.node, detail: `message ${id} of group ${group} handed out before the earlier message ${first}` };
      return;
    }
    this.inFlight.set(group, id);
  }

  private leave(id: number): void {
    const group = this.groupOf.get(id);
    if (group === undefined) return;
    this.groupOf.delete(id);
    this.left.add(id);
    if (this.inFlight.get(group) === id) this.inFlight.delete(group);
  }

  /** The group's earliest message still held (amortised O(1): the head only moves forward). */
  private firstHeld(group: number): number | undefined {
    const members = this.groups.get(group)!;
    while (members.head < members.ids.length && this.left.has(members.ids[members.head])) this.left.delete(members.ids[members.head++]);
    if (members.head > 1024 && members.head * 2 > members.ids.length) {
      members.ids = members.ids.slice(members.head);
      members.head = 0;
    }
    return members.ids[members.head];
  }
}

/**
 * A topic's deliveries (one per topic): every published message's copy for each subscription
 * ends exactly once — delivered, dead-lettered (only where the subscription has a dead-letter
 * queue), dropped (only where it has none), or lost in a crash (only of an in-memory topic) —
 * and none ends before it was published. The topic's reported pending count (`topic.pending`)
 * must match the copies the records leave unfinished.
 *
 * Records (call records at the topic, layer `topic`, call = message id): `published`,
 * `retry:<sub>`, `delivered:<sub>`, `dead-lettered:<sub>`, `dropped:<sub>`,
 * `lost:broker-crash`.
 */
export class TopicDeliveries implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call', 'state'] as const;
  readonly scope: TraceScope;
  /** Per message, the subscriptions still to finish. */
  private readonly open = new Map<number, Set<string>>();
  private readonly publishedAt = new Map<number, number>();
  /** Time the topic has been down (crashed or restarting) so far, and since when it is down (-1: up). */
  private downUs = 0;
  private downSince = -1;
  /** Down time so far, as of each message's publish. */
  private readonly downAtPublish = new Map<number, number>();
  private readonly boundUs = new Map<string, number>();
  private pending = 0;
  private readonly ended = { delivered: 0, 'dead-lettered': 0, dropped: 0, lost: 0 };
  private readonly withDlq: Set<string>;
  private readonly names: string[];

  constructor(
    private readonly topic: string,
    subscriptions: readonly { name: string; deadLetterQueue: string | null; retries: number; retryDelayMs: number; deliveryTimeoutMs: number }[],
    private readonly durable: boolean,
  ) {
    this.scope = { nodes: [topic] };
    // The longest a copy can take while the topic is up: every attempt times out, every retry
    // waits; a second more for the last answer to travel. (A dead-letter move has no bound.)
    for (const s of subscriptions) {
      if (s.deadLetterQueue === null) this.boundUs.set(s.name, ((s.retries + 1) * s.deliveryTimeoutMs + s.retries * s.retryDelayMs + 1000) * 1000);
    }
    this.names = subscriptions.map((s) => s.name);
    this.withDlq = new Set(subscriptions.filter((s) => s.deadLetterQueue !== null).map((s) => s.name));
  }

  describe(): string {
    return `every message published to ${this.topic} reaches each subscription once, or is dead-lettered or dropped as configured`;
  }

  get unit(): string {
    const e = this.ended;
    return `messages (deliveries: ${e.delivered} delivered, ${this.pending} pending, ${e['dead-lettered']} dead-lettered, ${e.dropped} dropped, ${e.lost} lost in a crash)`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    if (r.k === 'state') {
      if (r.key === 'status') this.onStatus(r);
      if (r.key === 'topic.pending' && Number(r.value) !== this.pending) this.fail(r, `${this.topic} reports ${r.value} deliveries pending, but the records leave ${this.pending}`);
      return;
    }
    if (r.layer !== 'topic') return;
    const id = r.call as number;
    const event = r.event as string;
    const colon = event.indexOf(':');
    const verb = colon < 0 ? event : event.slice(0, colon);
    const sub = colon < 0 ? '' : event.slice(colon + 1);
    if (verb === 'published') {
      if (this.open.has(id)) return this.fail(r, `message ${id} published twice`);
      this.examined++;
      this.open.set(id, new Set(this.names));
      this.publishedAt.set(id, r.t);
      this.downAtPublish.set(id, this.downUs);
      this.pending += this.names.length;
      return;
    }
    const open = this.open.get(id);
    if (verb === 'lost') {
      if (this.durable) return this.fail(r, `message ${id} lost in a crash, but ${this.topic} is durable`);
      if (open === undefined) return this.fail(r, `message ${id} lost, but the topic did not hold it`);
      this.ended.lost += open.size;
      this.pending -= open.size;
      this.forget(id);
      return;
    }
    if (verb === 'retry') {
      if (!open?.has(sub)) this.fail(r, `message ${id} retried for ${sub}, which it had no delivery pending for`);
      return;
    }
    if (verb !== 'delivered' && verb !== 'dead-lettered' && verb !== 'dropped') return;
    if (!open?.has(sub)) return this.fail(r, `message ${id} ${verb} for ${sub}, which it had no delivery pending for`);
    if (verb === 'dead-lettered' && !this.withDlq.has(sub)) return this.fail(r, `message ${id} dead-lettered for ${sub}, which has no dead-letter queue`);
    if (verb === 'dropped' && this.withDlq.has(sub)) return this.fail(r, `message ${id} dropped for ${sub}, though its dead-letter queue should take it`);
    open.delete(sub);
    if (open.size === 0) this.forget(id);
    this.pending--;
    this.ended[verb]++;
  }

  /** Liveness: a copy with no dead-letter queue must end within its bound, plus the topic's down time meanwhile. */
  finish(endUs: number): void {
    if (this.violation !== null) return;
    const downUs = this.downUs + (this.downSince >= 0 ? endUs - this.downSince : 0);
    for (const [id, open] of this.open) {
      for (const sub of open) {
        const bound = this.boundUs.get(sub);
        if (bound === undefined) continue;
        const publishedAt = this.publishedAt.get(id)!;
        if (endUs - publishedAt > bound + downUs - this.downAtPublish.get(id)!) {
          this.violation = { t: publishedAt, node: this.topic, detail: `message ${id}'s copy for ${sub} never ended: not delivered, retried, dropped or dead-lettered within ${bound / 1e6} s` };
          return;
        }
      }
    }
  }

  private onStatus(r: TraceRecord): void {
    const down = r.value === 'crashed' || r.value === 'restarting';
    if (down && this.downSince < 0) this.downSince = r.t;
    else if (!down && this.downSince >= 0) {
      this.downUs += r.t - this.downSince;
      this.downSince = -1;
    }
  }

  private forget(id: number): void {
    this.open.delete(id);
    this.publishedAt.delete(id);
    this.downAtPublish.delete(id);
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}

/**
 * A partitioned log's consumption (one per log): rebuilt from the log's records (appended,
 * committed, reset, expired) and its consumers' (assigned, processed), for each consumer group:
 *
 * - a member processes the record that is at that offset, and processes each partition in
 *   offset order between two assignments;
 * - a group commits offset o of a partition only once every record below it (from where the
 *   group started, and above what retention deleted) was processed — unless it commits before
 *   processing (`commit: "before"`, at-most-once), whose records below the commit that were
 *   never processed are counted as lost, a reason that mode allows.
 *
 * The verdict counts, per group, what became of the records: processed, waiting (lag),
 * lost to an at-most-once commit, skipped by auto.offset.reset, deleted by retention, and the
 * duplicates processed — a violation only for a group whose design claims exactly-once.
 */
export class LogConsumption implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  /** Per partition, the record id at each offset. */
  private readonly ids: number[][] = [];
  private readonly expiredBelow: number[] = [];
  private readonly groups = new Map<string, GroupTrack>();
  /** Per member and partition, the last offset it processed since its last assignment. */
  private readonly lastProcessed = new Map<string, Map<number, number>>();
  private readonly layer: string;

  constructor(
    private readonly log: string,
    consumers: readonly { node: string; group: string; commit: 'after' | 'before' | 'auto'; claimsExactlyOnce?: boolean }[],
  ) {
    this.scope = { nodes: [log, ...consumers.map((c) => c.node)] };
    this.layer = `log:${log}`;
    for (const c of consumers) {
      const g = this.groupTrack(c.group);
      if (c.commit === 'before') g.atMostOnce = true;
      if (c.claimsExactlyOnce) g.exactlyOnce = true;
    }
  }

  describe(): string {
    return `every record appended to ${this.log} is processed by each group, waiting, or gone for an allowed reason, in order per partition`;
  }

  get unit(): string {
    const appended = this.ids.reduce((n, p) => n + p.length, 0);
    const groups = [...this.groups.entries()].map(([name, g]) => {
      const t = this.tally(g);
      return `${name}: ${t.processed} processed, ${t.waiting} waiting, ${t.lost} lost to commit-before, ${t.skipped} skipped by offset reset, ${t.expired} expired, ${g.duplicates} duplicates`;
    });
    return `records (${appended} appended; ${groups.join('; ') || 'no consumer group'})`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    const event = r.event as string;
    const parts = event.split(':');
    if (r.node === this.log && r.layer === 'log') this.onLogEvent(r, parts);
    else if (r.layer === this.layer) this.onMemberEvent(r, parts);
  }

  private onLogEvent(r: TraceRecord, parts: string[]): void {
    switch (parts[0]) {
      case 'appended': {
        const p = partitionOf(parts[1]);
        const offset = Number(parts[2]);
        const ids = (this.ids[p] ??= []);
        if (offset !== ids.length) return this.fail(r, `record ${r.call} appended at offset ${offset} of p${p}, whose next offset is ${ids.length}`);
        ids.push(r.call as number);
        this.examined++;
        return;
      }
      case 'expired':
        this.expiredBelow[partitionOf(parts[1])] = Number(parts[2]);
        return;
      case 'reset': {
        const g = this.groupTrack(parts[1]);
        const p = partitionOf(parts[2]);
        g.startAt[p] = Number(parts[3]);
        g.committed[p] = Number(parts[3]);
        return;
      }
      case 'committed':
        return this.onCommit(r, this.groupTrack(parts[1]), partitionOf(parts[2]), Number(parts[3]));
    }
  }

  private onCommit(r: TraceRecord, g: GroupTrack, p: number, offset: number): void {
    const from = Math.max(g.committed[p] ?? 0, this.expiredBelow[p] ?? 0);
    if (!g.atMostOnce) {
      const done = g.processed[p] ?? [];
      for (let o = from; o < offset; o++) {
        if ((done[o] ?? 0) === 0 && o >= (this.expiredBelow[p] ?? 0)) {
          return this.fail(r, `group ${g.name} committed p${p} at ${offset}, but the record at offset ${o} was never processed: it is lost`);
        }
      }
    }
    g.committed[p] = Math.max(g.committed[p] ?? 0, offset);
  }

  private onMemberEvent(r: TraceRecord, parts: string[]): void {
    if (parts[0] === 'assigned') {
      this.lastProcessed.set(r.node, new Map());
      return;
    }
    if (parts[0] !== 'processed') return;
    const g = this.groupTrack(parts[1]);
    const p = partitionOf(parts[2]);
    const offset = Number(parts[3]);
    if (this.ids[p]?.[offset] !== r.call) return this.fail(r, `${r.node} processed record ${r.call} as p${p} offset ${offset}, where the log holds ${this.ids[p]?.[offset] ?? 'nothing'}`);
    const last = this.lastProcessed.get(r.node) ?? new Map<number, number>();
    this.lastProcessed.set(r.node, last);
    if (offset <= (last.get(p) ?? -1)) return this.fail(r, `${r.node} processed p${p} offset ${offset} after offset ${last.get(p)}: out of order`);
    last.set(p, offset);
    const done = (g.processed[p] ??= []);
    done[offset] = (done[offset] ?? 0) + 1;
    if (done[offset] > 1) {
      g.duplicates++;
      if (g.exactlyOnce) this.fail(r, `${r.node} processed p${p} offset ${offset} a second time, but group ${g.name} claims exactly-once processing`);
    }
  }

  private tally(g: GroupTrack): { processed: number; waiting: number; lost: number; skipped: number; expired: number } {
    const t = { processed: 0, waiting: 0, lost: 0, skipped: 0, expired: 0 };
    this.ids.forEach((ids, p) => {
      const start = g.startAt[p] ?? 0;
      const committed = g.committed[p] ?? 0;
      const expired = this.expiredBelow[p] ?? 0;
      const done = g.processed[p] ?? [];
      for (let o = 0; o < ids.length; o++) {
        if ((done[o] ?? 0) > 0) t.processed++;
        else if (o < start) t.skipped++;
        else if (o < expired) t.expired++;
        else if (o < committed) t.lost++;
        else t.waiting++;
      }
    });
    return t;
  }

  private groupTrack(name: string): GroupTrack {
    let g = this.groups.get(name);
    if (g === undefined) this.groups.set(name, (g = { name, atMostOnce: false, exactlyOnce: false, committed: [], startAt: [], processed: [], duplicates: 0 }));
    return g;
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}

interface GroupTrack {
  readonly name: string;
  /** Some member commits before processing: records below a commit may be lost. */
  atMostOnce: boolean;
  /** The group's design claims exactly-once processing: a duplicate is a violation. */
  exactlyOnce: boolean;
  readonly committed: number[];
  readonly startAt: number[];
  /** Per partition, how many times each offset was processed. */
  readonly processed: number[][];
  duplicates: number;
}

/** `p3` → 3. */
function partitionOf(text: string): number {
  return Number(text.slice(1));
}
