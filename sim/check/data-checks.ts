import type { TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Data-store checkers, rebuilt from trace records alone (never from the store's own state).
 *
 * `StoreVersions` (one per versioned store, sim/patterns/versioned-store.ts): per key, every
 * successful write moves the version up by exactly one; a conditional write fails (a conflict)
 * only when the version it expected is not the current one; a read answers the current one; a
 * read replica answers a version no newer than the primary's and never older than it answered
 * before.
 * So the store is a linearizable compare-and-set register per key, and a lost update — two
 * writers both succeeding from the same version — cannot hide.
 *
 * Records (call records at the store, layer `store`, call = key): `read:v<n>`, `write:v<n>`,
 * `cas:v<expected>→v<n>`, `conflict:v<expected>≠v<current>`, and a shard's handover:
 * `export:v<n>` (the current version), `import:v<n>` (the key's version from now on).
 */
export class StoreVersions implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call'] as const;
  readonly scope: TraceScope;
  readonly unit = 'reads and writes';
  private readonly versions = new Map<number, number>();
  /** `<replica>/<key>` → the last version that replica answered (never goes back). */
  private readonly replicaVersions = new Map<string, number>();

  constructor(private readonly store: string) {
    this.scope = { nodes: [store], layer: 'store' };
  }

  describe(): string {
    return `${this.store} moves each key's version up by one per write, and refuses only stale conditional writes`;
  }

  onRecord(r: TraceRecord): void {
    if (this.violation !== null) return;
    const key = r.call as number;
    const event = r.event as string;
    const current = this.versions.get(key) ?? 0;
    this.examined++;
    if (event.startsWith('read:v')) {
      const v = Number(event.slice('read:v'.length));
      if (v !== current) this.fail(r, `a read of key ${key} answered version ${v}, but the writes leave ${current}`);
    } else if (event.startsWith('write:v')) {
      const v = Number(event.slice('write:v'.length));
      if (v !== current + 1) this.fail(r, `a write of key ${key} made version ${v} from ${current}: an update was lost or invented`);
      this.versions.set(key, v);
    } else if (event.startsWith('cas:v')) {
      const [expected, v] = event.slice('cas:v'.length).split('→v').map(Number);
      if (expected !== current) this.fail(r, `a conditional write of key ${key} expecting version ${expected} succeeded at version ${current}: a lost update`);
      else if (v !== current + 1) this.fail(r, `a write of key ${key} made version ${v} from ${current}: an update was lost or invented`);
      this.versions.set(key, v);
    } else if (event.startsWith('replica-read:v')) {
      const [v, replica] = event.slice('replica-read:v'.length).split(':r').map(Number);
      const seen = this.replicaVersions.get(`${replica}/${key}`) ?? 0;
      if (v > current) this.fail(r, `replica ${replica} answered version ${v} of key ${key}, ahead of the primary's ${current}`);
      else if (v < seen) this.fail(r, `replica ${replica} answered version ${v} of key ${key} after answering ${seen}: it went back in time`);
      this.replicaVersions.set(`${replica}/${key}`, v);
    } else if (event.startsWith('export:v')) {
      const v = Number(event.slice('export:v'.length));
      if (v !== current) this.fail(r, `key ${key} was handed over at version ${v}, but the writes leave ${current}`);
    } else if (event.startsWith('import:v')) {
      // A key taken over from another store starts from the version it had there (the shard
      // checks, shard-checks.ts, hold that it is the version the old store exported).
      this.versions.set(key, Number(event.slice('import:v'.length)));
    } else if (event.startsWith('conflict:v')) {
      const [expected, actual] = event.slice('conflict:v'.length).split('≠v').map(Number);
      if (actual !== current) this.fail(r, `a conflict on key ${key} says the version is ${actual}, but the writes leave ${current}`);
      else if (expected === current) this.fail(r, `a conditional write of key ${key} expecting version ${expected} was refused, though that is the current version`);
    }
  }

  private fail(r: TraceRecord, detail: string): void {
    this.violation ??= { t: r.t, node: r.node, detail };
  }
}

interface OutboxEvent {
  aggregate: number;
  state: 'announced' | 'open' | 'committed' | 'aborted';
  committedAt: number;
  /** Its place among its aggregate's committed changes (from 1). */
  commitSeq: number;
  published: boolean;
}

/**
 * `OutboxDelivery` (one per outbox-service, sim/patterns/outbox.ts): every committed change is
 * published at least once, within `boundUs` of its commit (a liveness bound: changes committed
 * in the run's last `boundUs` are not judged); no event is published for a change that did not commit (a phantom); each aggregate's
 * changes are first published in commit order. Republishing is allowed (at-least-once).
 * Unlike the other checks it counts every failure before judging, so a dual write's verdict
 * says how many events it lost or invented.
 *
 * An event is published when the broker records accepting a message that carries it — not
 * when the service hears back, since an acknowledgement lost in a crash does not unpublish it.
 *
 * Records: at the service (call records, layer `outbox`, call = event id) `begin:<aggregate>`,
 * `committed:<aggregate>`, `aborted`, `sent:<message id>`, and its `status` state records (a
 * crash rolls back every transaction in progress); at the broker (call = message id) a queue's
 * or topic's `published…` or `deduplicated` (FIFO: the same content was accepted already), a
 * log's `appended:…`.
 */
export class OutboxDelivery implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['call', 'state'] as const;
  readonly scope: TraceScope;
  readonly unit = 'events';
  private readonly events = new Map<number, OutboxEvent>();
  private readonly commitsPerAggregate = new Map<number, number>();
  private readonly lastPublishedPerAggregate = new Map<number, number>();
  /** Messages the service sent, to the event each carries, until the broker accepts them. */
  private readonly sentMessages = new Map<number, number>();
  private phantoms: { n: number; first: TraceRecord | null } = { n: 0, first: null };
  private overtaken: { n: number; first: TraceRecord | null } = { n: 0, first: null };
  private lost = 0;

  constructor(
    private readonly service: string,
    private readonly broker: string,
    private readonly boundUs: number,
  ) {
    this.scope = { nodes: [service, broker] };
  }

  describe(): string {
    return `${this.service} publishes every committed change at least once, in order per aggregate, and nothing else`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node === this.broker) return this.onBrokerRecord(r);
    if (r.k === 'state') {
      if (r.key === 'status') this.onStatus(r);
      return;
    }
    if (r.layer !== 'outbox') return;
    this.examined++;
    const id = r.call as number;
    const event = r.event as string;
    if (event.startsWith('sent:')) this.sentMessages.set(Number(event.slice('sent:'.length)), id);
    else if (event.startsWith('begin:')) this.eventOf(id, Number(event.slice('begin:'.length))).state = 'open';
    else if (event.startsWith('committed:')) this.onCommitted(r, this.eventOf(id, Number(event.slice('committed:'.length))));
    else if (event === 'aborted') this.onAborted(r, this.eventOf(id, -1));
  }

  /** The broker accepting a message the service sent publishes the event it carries. */
  private onBrokerRecord(r: TraceRecord): void {
    if (r.k !== 'call') return;
    const eventId = this.sentMessages.get(r.call as number);
    if (eventId === undefined) return;
    const event = r.event as string;
    if (!event.startsWith('published') && !event.startsWith('appended:') && event !== 'deduplicated') return;
    this.sentMessages.delete(r.call as number);
    this.onPublished(r, this.eventOf(eventId, -1));
  }

  finish(endUs: number): void {
    let firstLost: { id: number; e: OutboxEvent } | null = null;
    for (const [id, e] of this.events) {
      if (e.state !== 'committed' || e.published || endUs - e.committedAt < this.boundUs) continue;
      this.lost++;
      if (firstLost === null || e.committedAt < firstLost.e.committedAt) firstLost = { id, e };
    }
    this.judge(firstLost);
  }

  private eventOf(id: number, aggregate: number): OutboxEvent {
    let e = this.events.get(id);
    if (e === undefined) this.events.set(id, (e = { aggregate, state: 'announced', committedAt: 0, commitSeq: 0, published: false }));
    if (aggregate >= 0) e.aggregate = aggregate;
    return e;
  }

  private onStatus(r: TraceRecord): void {
    if (r.value !== 'crashed') return;
    // A crash rolls back every transaction in progress.
    for (const e of this.events.values()) if (e.state === 'open' || (e.state === 'announced' && e.published)) this.abort(r, e);
  }

  private onCommitted(r: TraceRecord, e: OutboxEvent): void {
    e.state = 'committed';
    e.committedAt = r.t;
    e.commitSeq = (this.commitsPerAggregate.get(e.aggregate) ?? 0) + 1;
    this.commitsPerAggregate.set(e.aggregate, e.commitSeq);
  }

  private onAborted(r: TraceRecord, e: OutboxEvent): void {
    this.abort(r, e);
  }

  private abort(r: TraceRecord, e: OutboxEvent): void {
    e.state = 'aborted';
    if (e.published) this.notePhantom(r);
  }

  private onPublished(r: TraceRecord, e: OutboxEvent): void {
    const first = !e.published;
    e.published = true;
    if (e.state === 'aborted') return this.notePhantom(r);
    if (!first || e.state !== 'committed') return;
    const last = this.lastPublishedPerAggregate.get(e.aggregate) ?? 0;
    if (e.commitSeq < last) {
      this.overtaken.n++;
      this.overtaken.first ??= r;
    } else this.lastPublishedPerAggregate.set(e.aggregate, e.commitSeq);
  }

  private notePhantom(r: TraceRecord): void {
    this.phantoms.n++;
    this.phantoms.first ??= r;
  }

  /** One verdict for everything counted: how many events were lost, invented and overtaken. */
  private judge(firstLost: { id: number; e: OutboxEvent } | null): void {
    const parts: string[] = [];
    let first: { t: number } | null = null;
    const earliest = (t: number) => (first === null || t < first.t ? { t } : first);
    if (this.lost > 0 && firstLost !== null) {
      parts.push(`${this.lost} committed change${this.lost === 1 ? ' was' : 's were'} never published (first: event ${firstLost.id} of aggregate ${firstLost.e.aggregate}, committed at ${firstLost.e.committedAt / 1000} ms)`);
      first = earliest(firstLost.e.committedAt);
    }
    if (this.phantoms.first !== null) {
      parts.push(`${this.phantoms.n} event${this.phantoms.n === 1 ? ' was' : 's were'} published for a change that never committed (first: event ${this.phantoms.first.call})`);
      first = earliest(this.phantoms.first.t);
    }
    if (this.overtaken.first !== null) {
      parts.push(`${this.overtaken.n} event${this.overtaken.n === 1 ? ' was' : 's were'} first published after a later change to the same aggregate (first: event ${this.overtaken.first.call})`);
      first = earliest(this.overtaken.first.t);
    }
    if (first !== null) this.violation = { t: (first as { t: number }).t, node: this.service, detail: parts.join('; ') };
  }
}
