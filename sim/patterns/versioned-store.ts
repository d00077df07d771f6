import { StoreVersions } from '../check/data-checks.ts';
import { Counter } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { REQUEST, RESPONSE, RESPONSE_OK, type ResponsePayload } from '../nodes/protocol.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { StoreSpec } from './versioned-store.schema.ts';


/**
 * A versioned key-value store: each key has a value and a version (0 until first written).
 * A read answers the key's current version; a conditional write — compare-and-set on the
 * version — succeeds only if the version the writer read is still the current one, and then
 * bumps it; otherwise it fails with a conflict and changes nothing (optimistic concurrency,
 * as DynamoDB's condition expressions or a SQL `UPDATE … WHERE version = ?`). A plain request
 * (a service's call) is an unconditional write. Reads and writes take `readMs` and `writeMs`;
 * a write's check and effect happen at its end, atomically. The data is on disk: a crash loses
 * only the operations in progress.
 *
 * Records (call records at the store, layer `store`, call = the key): `read:v<version>`,
 * `write:v<new version>` (unconditional), `cas:v<expected>→v<new version>` (a conditional write
 * that succeeded), `conflict:v<expected>≠v<current>`; for a shard's key moving to another store
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
}

const TIMER_READ_DONE = 0;
const TIMER_WRITE_DONE = 1;

function storeMetrics() {
  return { reads: new Counter(), writes: new Counter(), conflicts: new Counter() };
}

export class StoreNode extends SimNode {
  private readonly m: ReturnType<typeof storeMetrics>;
  /** Since time 0: what the sandbox's badges count. */
  private totals = { writes: 0, conflicts: 0 };

  constructor(world: World, index: number, name: string, readonly readUs: Micros, readonly writeUs: Micros) {
    super(world, index, name, 'store');
    this.m = world.sim.metrics.group(name, storeMetrics());
  }

  /** A key's current version (for views and tests). */
  version(key: number): number {
    return this.versions.get(key) ?? 0;
  }

  override onMessage(msg: Message): void {
    if (msg.type === STORE_EXPORT) this.exportKey(msg);
    else if (msg.type === STORE_IMPORT) this.importKey(msg.payload as ImportRequest);
    else if (msg.type === STORE_READ) this.setTimer(this.readUs, TIMER_READ_DONE, { msg } satisfies Pending);
    else if (msg.type === STORE_WRITE || msg.type === REQUEST) this.setTimer(this.writeUs, TIMER_WRITE_DONE, { msg } satisfies Pending);
  }

  override onTimer(tag: number, data: unknown): void {
    const { msg } = data as Pending;
    if (tag === TIMER_READ_DONE) this.read(msg);
    else if (tag === TIMER_WRITE_DONE) this.write(msg);
  }

  private read(msg: Message): void {
    const r = msg.payload as ReadRequest;
    if (this.handedOver(r.key, msg)) return;
    const version = this.version(r.key);
    this.m.reads.add();
    this.callEvent(r.key, STORE_LAYER, `read:v${version}`);
    this.send(msg.from, STORE_VALUE, { key: r.key, who: r.who, version } satisfies ReadAnswer, msg.id);
  }

  private write(msg: Message): void {
    const plain = msg.type === REQUEST;
    const w: WriteRequest = plain ? { key: typeof msg.payload === 'number' ? msg.payload : 0, who: -1, expected: null } : (msg.payload as WriteRequest);
    if (this.handedOver(w.key, msg)) return;
    const current = this.version(w.key);
    const ok = this.accepts(w, current);
    if (ok) {
      this.versions.set(w.key, current + 1);
      this.m.writes.add();
      this.state('store.writes', ++this.totals.writes);
      this.callEvent(w.key, STORE_LAYER, w.expected === null ? `write:v${current + 1}` : `cas:v${w.expected}→v${current + 1}`);
    } else {
      this.m.conflicts.add();
      this.state('store.conflicts', ++this.totals.conflicts);
      this.callEvent(w.key, STORE_LAYER, `conflict:v${w.expected}≠v${current}`);
    }
    if (plain) this.send(msg.from, RESPONSE, RESPONSE_OK, msg.id);
    else this.send(msg.from, STORE_WRITTEN, { key: w.key, who: w.who, ok, version: ok ? current + 1 : current } satisfies WriteAnswer, msg.id);
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
  create: (world, index, spec) => new StoreNode(world, index, spec.id, msToUs(spec.readMs), msToUs(spec.writeMs)),
  invariants: (spec) => {
    const check = new StoreVersions(spec.id);
    return [{ name: check.describe(), invariant: check }];
  },
};
