import { StoreVersions } from '../check/data-checks.ts';
import { Counter } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, requestKey, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { StoreSpec } from './versioned-store.schema.ts';


/**
 * A versioned key-value store: each key has a value and a version (0 until first written).
 * A read answers the key's current version; a conditional write — compare-and-set on the
 * version — succeeds only if the version the writer read is still the current one, and then
 * bumps it; otherwise it fails with a conflict and changes nothing (optimistic concurrency,
 * as DynamoDB's condition expressions or a SQL `UPDATE … WHERE version = ?`). A plain request
 * (a service's call) is an unconditional write — or, with `requests: read-modify-write`, a read,
 * `modifyMs` of work, and a write conditional on the version read, a conflict answered as an
 * error with reason `conflict` for the caller's retry policy. Optional asynchronous read
 * replicas apply each write in order, an exponential `replicationLagMs` later; a reader that
 * asks a replica may get an old version. Reads and writes take `readMs` and `writeMs`;
 * a write's check and effect happen at its end, atomically. The data is on disk: a crash loses
 * only the operations in progress.
 *
 * Records (call records at the store, layer `store`, call = the key): `read:v<version>`,
 * `write:v<new version>` (unconditional), `cas:v<expected>→v<new version>` (a conditional write
 * that succeeded), `conflict:v<expected>≠v<current>`, `replica-read:v<version>:r<replica>`; for a shard's key moving to another store
 * (sim/patterns/shard-router.ts), `export:v<version>` at the old store and `import:v<version>`
 * at the new one, and `moved` for a request that reached the old store after the export (it is
 * refused with reason `moved`, so the router sends it on). The check (data-checks.ts)
 * rebuilds every key's version from them: each write moves it up by exactly one, a conditional
 * write fails only when its expected version is stale, a read answers the current version.
 */

export const STORE_READ = 'store.read';
export const STORE_VALUE = 'store.value';
export const STORE_WRITE = 'store.write';
export const STORE_WRITTEN = 'store.written';
export const STORE_LAYER = 'store';
/** A shard router asks the store to hand a key over to another store (`ExportRequest`). */
export const STORE_EXPORT = 'store.export';
/** The old store hands the key's version to the new one (`ImportRequest`). */
export const STORE_IMPORT = 'store.import';
/** The new store tells the router the key is now its (`ImportRequest`). */
export const STORE_IMPORTED = 'store.imported';
/** The answer to a read or write of a key this store handed over: ask its new owner. */
export const RESPONSE_MOVED: ResponsePayload = Object.freeze({ outcome: 'rejected', reason: 'moved' });

export interface ExportRequest {
  readonly key: number;
  /** The store (node index) that takes the key over. */
  readonly to: number;
}

export interface ImportRequest {
  readonly key: number;
  readonly version: number;
  /** The router (node index) that asked for the move, told when it is done. */
  readonly router: number;
}

export interface ReadRequest {
  readonly key: number;
  /** Echoed in the answer (which of the caller's contenders asked). */
  readonly who: number;
  /** Read from a replica (may be behind the primary). */
  readonly fromReplica?: boolean;
}

export interface ReadAnswer {
  readonly key: number;
  readonly who: number;
  readonly version: number;
}

export interface WriteRequest {
  readonly key: number;
  readonly who: number;
  /** The version the writer read; null: an unconditional write. */
  readonly expected: number | null;
}

export interface WriteAnswer {
  readonly key: number;
  readonly who: number;
  readonly ok: boolean;
  readonly version: number;
}

interface Pending {
  readonly msg: Message;
  /** Read-modify-write: the version the request read. */
  readonly read?: number;
}

export const RESPONSE_CONFLICT_STORE: ResponsePayload = Object.freeze({ outcome: 'error', reason: 'conflict' });

const TIMER_READ_DONE = 0;
const TIMER_WRITE_DONE = 1;
const TIMER_MODIFIED = 2;
const TIMER_REPLICATED = 3;
const TIMER_RESYNC = 4;
const TIMER_NAMES = ['read', 'write', 'modified', 'replicated', 'resync'];

export interface StoreParams {
  readUs: Micros;
  writeUs: Micros;
  requests: StoreSpec['requests'];
  modifyUs: Micros;
  replicas: number;
  replicationLagUs: number;
}

interface Replica {
  readonly versions: Map<number, number>;
  /** When its last scheduled write applies: replication applies in order. */
  appliesUntil: Micros;
}

function storeMetrics() {
  return { reads: new Counter(), writes: new Counter(), conflicts: new Counter(), replicaReads: new Counter(), staleReplicaReads: new Counter() };
}

export class StoreNode extends SimNode {
  private readonly m: ReturnType<typeof storeMetrics>;
  /** Since time 0: what the sandbox's badges count. */
  private totals = { writes: 0, conflicts: 0 };

  private replicas: Replica[] = [];
  private nextReplica = 0;

  constructor(world: World, index: number, name: string, readonly p: StoreParams) {
    super(world, index, name, 'store');
    this.m = world.sim.metrics.group(name, storeMetrics());
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    // Replicas are other machines, but the replication stream is the primary's: after its
    // crash they catch up with a copy of its data, one lag later.
    const disks = ((this.durable as { replicas?: Map<number, number>[] }).replicas ??= Array.from({ length: this.p.replicas }, () => new Map()));
    this.replicas = disks.map((versions) => ({ versions, appliesUntil: 0 }));
    for (let r = 0; r < this.replicas.length; r++) this.setTimer(this.replicationLag(), TIMER_RESYNC, r);
  }

  /** A key's current version (for views and tests). */
  version(key: number): number {
    return this.versions.get(key) ?? 0;
  }

  override onMessage(msg: Message): void {
    if (msg.type === STORE_EXPORT) this.exportKey(msg);
    else if (msg.type === STORE_IMPORT) this.importKey(msg.payload as ImportRequest);
    else if (msg.type === STORE_READ) this.setTimer(this.p.readUs, TIMER_READ_DONE, { msg } satisfies Pending);
    else if (msg.type === REQUEST && this.p.requests === 'read-modify-write') this.setTimer(this.p.readUs, TIMER_READ_DONE, { msg } satisfies Pending);
    else if (msg.type === STORE_WRITE || msg.type === REQUEST) this.setTimer(this.p.writeUs, TIMER_WRITE_DONE, { msg } satisfies Pending);
  }

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case TIMER_READ_DONE: {
        const { msg } = data as Pending;
        return msg.type === REQUEST ? this.readForUpdate(msg) : this.read(msg);
      }
      case TIMER_WRITE_DONE:
        return this.write(data as Pending);
      case TIMER_MODIFIED:
        return this.setTimer(this.p.writeUs, TIMER_WRITE_DONE, data);
      case TIMER_REPLICATED: {
        const { replica, key, version } = data as { replica: number; key: number; version: number };
        return void this.replicas[replica].versions.set(key, Math.max(version, this.replicas[replica].versions.get(key) ?? 0));
      }
      case TIMER_RESYNC:
        for (const [key, version] of this.versions) this.replicas[data as number].versions.set(key, Math.max(version, this.replicas[data as number].versions.get(key) ?? 0));
        return;
    }
  }

  private read(msg: Message): void {
    const r = msg.payload as ReadRequest;
    if (this.handedOver(r.key, msg)) return;
    this.m.reads.add();
    const version = r.fromReplica === true && this.replicas.length > 0 ? this.replicaRead(r.key) : this.version(r.key);
    if (r.fromReplica !== true || this.replicas.length === 0) this.callEvent(r.key, STORE_LAYER, `read:v${version}`);
    this.send(msg.from, STORE_VALUE, { key: r.key, who: r.who, version } satisfies ReadAnswer, msg.id);
  }

  /** A read at the next replica (round robin): what it has applied so far. */
  private replicaRead(key: number): number {
    const i = this.nextReplica;
    this.nextReplica = (i + 1) % this.replicas.length;
    const version = this.replicas[i].versions.get(key) ?? 0;
    this.m.replicaReads.add();
    if (version < this.version(key)) this.m.staleReplicaReads.add();
    this.callEvent(key, STORE_LAYER, `replica-read:v${version}:r${i}`);
    return version;
  }

  /** Read-modify-write: the read; the conditional write follows `modifyMs` later. */
  private readForUpdate(msg: Message): void {
    const key = requestKey(msg.payload, 0);
    if (this.handedOver(key, msg)) return;
    const version = this.version(key);
    this.m.reads.add();
    this.callEvent(key, STORE_LAYER, `read:v${version}`);
    this.setTimer(this.p.modifyUs, TIMER_MODIFIED, { msg, read: version } satisfies Pending);
  }

  private write({ msg, read }: Pending): void {
    const plain = msg.type === REQUEST;
    const key = requestKey(msg.payload, 0);
    const w: WriteRequest = plain ? { key, who: -1, expected: read ?? null } : (msg.payload as WriteRequest);
    if (this.handedOver(w.key, msg)) return;
    const current = this.version(w.key);
    const ok = this.accepts(w, current);
    if (ok) {
      this.versions.set(w.key, current + 1);
      this.replicate(w.key, current + 1);
      this.m.writes.add();
      this.state('store.writes', ++this.totals.writes);
      this.callEvent(w.key, STORE_LAYER, w.expected === null ? `write:v${current + 1}` : `cas:v${w.expected}→v${current + 1}`);
    } else {
      this.m.conflicts.add();
      this.state('store.conflicts', ++this.totals.conflicts);
      this.callEvent(w.key, STORE_LAYER, `conflict:v${w.expected}≠v${current}`);
    }
    if (plain) this.send(msg.from, RESPONSE, ok ? RESPONSE_OK : RESPONSE_CONFLICT_STORE, msg.id);
    else this.send(msg.from, STORE_WRITTEN, { key: w.key, who: w.who, ok, version: ok ? current + 1 : current } satisfies WriteAnswer, msg.id);
  }

  /** Each replica applies the write one lag later, after the writes before it (in order). */
  private replicate(key: number, version: number): void {
    for (let r = 0; r < this.replicas.length; r++) {
      const replica = this.replicas[r];
      replica.appliesUntil = Math.max(replica.appliesUntil, this.now + this.replicationLag());
      this.setTimer(replica.appliesUntil - this.now, TIMER_REPLICATED, { replica: r, key, version });
    }
  }

  private replicationLag(): Micros {
    return Math.round(this.rng.exponential(this.p.replicationLagUs));
  }

  /**
   * Hands a key over, atomically at this instant: its version goes to the new store, and from
   * now on this store refuses the key (`moved`) — a write finishing here after the export would
   * be acknowledged and then lost with the old copy.
   */
  private exportKey(msg: Message): void {
    const e = msg.payload as ExportRequest;
    const version = this.version(e.key);
    this.movedOut.add(e.key);
    this.callEvent(e.key, STORE_LAYER, `export:v${version}`);
    this.send(e.to, STORE_IMPORT, { key: e.key, version, router: msg.from } satisfies ImportRequest, msg.id);
  }

  private importKey(i: ImportRequest): void {
    this.versions.set(i.key, i.version);
    this.movedOut.delete(i.key);
    this.callEvent(i.key, STORE_LAYER, `import:v${i.version}`);
    this.send(i.router, STORE_IMPORTED, i);
  }

  /** Refuses (and answers `moved`) a request for a key this store handed over. */
  private handedOver(key: number, msg: Message): boolean {
    if (!this.movedOut.has(key)) return false;
    this.callEvent(key, STORE_LAYER, 'moved');
    this.send(msg.from, RESPONSE, RESPONSE_MOVED, msg.id);
    return true;
  }

  /** The version check: an unconditional write always passes; a conditional one only on the current version. */
  private accepts(w: WriteRequest, current: number): boolean {
    return w.expected === null || w.expected === current;
  }

  /** Keys handed over to another store (on disk, like the data). */
  private get movedOut(): Set<number> {
    return ((this.durable as { movedOut?: Set<number> }).movedOut ??= new Set());
  }

  private get versions(): Map<number, number> {
    return ((this.durable as { versions?: Map<number, number> }).versions ??= new Map());
  }
}

export const STORE_KIND: NodeKind<StoreSpec> = {
  create: (world, index, spec) =>
    new StoreNode(world, index, spec.id, {
      readUs: msToUs(spec.readMs),
      writeUs: msToUs(spec.writeMs),
      requests: spec.requests,
      modifyUs: msToUs(spec.modifyMs),
      replicas: spec.replicas,
      replicationLagUs: msToUs(spec.replicationLagMs),
    }),
  invariants: (spec) => {
    const check = new StoreVersions(spec.id);
    return [{ name: check.describe(), invariant: check }];
  },
};
