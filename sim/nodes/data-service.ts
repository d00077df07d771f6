import { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from './node.ts';
import type { World } from './world.ts';
import type { DataServiceSpec } from './data-service.schema.ts';


/**
 * A data-owning service (orders, payments, inventory, shipping): it owns its data, changes it
 * only by local transactions, and keeps it on "disk" (`durable`), so a crash loses nothing
 * that was committed.
 *
 * Two operations, one per service:
 * - `record`: each saga step creates a record (an order, a shipment). Undo cancels it.
 * - `debit`: each saga step takes `amount` from one of the service's `resources` (a customer's
 *   balance, an item's stock) and holds it for the saga (charged / reserved). Undo puts the
 *   held amount back (refund / release). The step's `pick` (a number in [0, 1) the saga drew)
 *   chooses the resource: `resources` in the order written, index ⌊pick · n⌋.
 *
 * A request is a local transaction, committed atomically `serviceTimeMs` after it arrives (a
 * crash before that loses it: nothing is half-applied). Every request carries an idempotency
 * key — `<saga>/T<k>` (do step k), `<saga>/C<k>` (undo step k), `<saga>/S<k>` (settle step
 * k) — and the first result under a key is stored in the same transaction: a repeated request
 * (a retry, a duplicate on the network) gets the stored result and changes nothing.
 *
 * - do: a debit that would overdraw is refused (`no`, "insufficient"), and with
 *   `failProbability` any step is refused ("declined") — a business NO, stored. A step marked
 *   retriable is never refused for good: its refusals are transient (`busy`, not stored), so
 *   a retry may succeed.
 * - undo of a step that was applied puts it back; of a step that was refused, does nothing;
 *   of a step never seen, leaves a tombstone (the step's key is stored as refused,
 *   "cancelled"), so the step, if it arrives late, is refused instead of applied after its own
 *   compensation. With `compensationFailProbability` an undo fails transiently (`busy`): the
 *   caller retries.
 * - settle: the saga completed; its held amount or record stops being PENDING.
 *
 * Isolation: a saga's applied steps are visible before the saga ends. A reporting job on the
 * service (`readsPerSec`, Poisson) reads a random resource; a read that sees a value including
 * a step of an unfinished saga is an isolation anomaly (a dirty read), counted in
 * `<id>.isolationAnomalies`. With a semantic lock (the saga's requests say `lock`), a held
 * amount is marked PENDING: readers see PENDING instead of the intermediate value, and another
 * saga's debit of that resource is refused transiently ("locked") until the holder settles or
 * is compensated.
 *
 * Trace: every committed transaction is a state record `tx` = `<key> <op> …` (see `TxOp`), so
 * checkers (sim/check/saga-checks.ts) rebuild balances from the trace alone; reads are state
 * records `read` = `<resource>=<level>` / `=<level> dirty` / `=PENDING`.
 */

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

export const DATA_REQUEST = 'data.request';
export const DATA_RESULT = 'data.result';

export type DataOp = 'do' | 'undo' | 'settle';

export interface DataRequest {
  /** Idempotency key: `<saga>/T<k>`, `<saga>/C<k>` or `<saga>/S<k>`. */
  readonly key: string;
  readonly saga: string;
  /** The step this service runs in the saga, from 1. */
  readonly step: number;
  readonly op: DataOp;
  /** What a debit takes (price, quantity); records ignore it. */
  readonly amount: number;
  /** Chooses the resource of a debit: index ⌊pick · n⌋ of `resources`. */
  readonly pick: number;
  /** Semantic lock: hold the amount as PENDING until the saga settles. */
  readonly lock: boolean;
  /** A step after the pivot: never refused for good (refusals are transient). */
  readonly retriable: boolean;
}

/** ok: done (or was done); no: refused for good (stored); busy: not now, try again (not stored). */
export type DataOutcome = 'ok' | 'no' | 'busy';

export interface DataResult {
  readonly key: string;
  readonly outcome: DataOutcome;
  readonly detail: string;
}

/** Transaction kinds in `tx` records. */
export type TxOp = 'apply' | 'refuse' | 'undo' | 'tombstone' | 'noop' | 'settle' | 'replay' | 'busy';

/** The idempotency key of step `step` of `saga`: T (do), C (undo) or S (settle). */
export function stepKey(saga: string, letter: 'T' | 'C' | 'S', step: number): string {
  return `${saga}/${letter}${step}`;
}

/** Splits `<saga>/<T|C|S><k>` into its parts, or null. */
export function parseStepKey(key: string): { saga: string; letter: 'T' | 'C' | 'S'; step: number } | null {
  const slash = key.lastIndexOf('/');
  if (slash <= 0) return null;
  const letter = key[slash + 1];
  const step = Number(key.slice(slash + 2));
  if ((letter !== 'T' && letter !== 'C' && letter !== 'S') || !Number.isInteger(step) || step < 1) return null;
  return { saga: key.slice(0, slash), letter, step };
}

// ---------------------------------------------------------------------------------------------
// The node
// ---------------------------------------------------------------------------------------------

export interface DataServiceParams {
  operation: 'record' | 'debit';
  resources: Record<string, number>;
  serviceTimeUs: Micros;
  failProbability: number;
  compensationFailProbability: number;
  readsPerSec: number;
}

export function dataServiceParams(spec: DataServiceSpec): DataServiceParams {
  return {
    operation: spec.operation,
    resources: spec.resources,
    serviceTimeUs: msToUs(spec.serviceTimeMs),
    failProbability: spec.failProbability,
    compensationFailProbability: spec.compensationFailProbability,
    readsPerSec: spec.readsPerSec,
  };
}

/**
 * A step applied here whose saga has not ended: the held amount (or the record, e.g. an order
 * still PENDING). Settling the step (the saga completed) or undoing it (compensated) removes it.
 */
export interface Hold {
  saga: string;
  /** The resource ('' for a record). */
  res: string;
  amount: number;
  /** Semantic lock: readers see PENDING, other sagas' debits wait. */
  lock: boolean;
}

/** What the service keeps on disk. */
export interface DataStore {
  levels: Record<string, number>;
  /** Idempotency store: the first result under each key. */
  results: Record<string, { outcome: DataOutcome; detail: string }>;
  /** Applied steps not yet settled or undone, by their do key. */
  holds: Record<string, Hold>;
  /**
   * The same holds indexed by resource, kept with them in one transaction, so a request or a
   * read looks at its own resource instead of scanning every hold (thousands of sagas in flight).
   */
  byResource: Map<string, ResourceHolds>;
}

/** The holds on one resource: how many, and the sagas holding a semantic lock on it (how many locks each). */
export interface ResourceHolds {
  held: number;
  lockers: Map<string, number>;
}

const TIMER_READ = 0;

/** What a data service measures; reported as `<id>.<field>`. */
function dataServiceMetrics() {
  return {
    applied: new Counter(),
    refused: new Counter(),
    compensated: new Counter(),
    tombstones: new Counter(),
    settled: new Counter(),
    /** Repeated requests answered from the idempotency store. */
    duplicates: new Counter(),
    /** Transient refusals (locked, compensation failures, brownouts). */
    busy: new Counter(),
    reads: new Counter(),
    /** Reads that found a semantic lock and saw PENDING. */
    readsPending: new Counter(),
    /** Reads that saw a value including a step of an unfinished saga (dirty reads). */
    isolationAnomalies: new Counter(),
    /** Sum of all resource levels. */
    level: new Gauge(),
  };
}

export class DataServiceNode extends SimNode {
  protected readonly metrics: ReturnType<typeof dataServiceMetrics>;
  private readonly resourceNames: string[];
  private readonly readGapUs: number;

  constructor(world: World, index: number, name: string, readonly params: DataServiceParams, kind = 'data-service') {
    super(world, index, name, kind);
    this.resourceNames = Object.keys(params.resources);
    // The disk, formatted with the initial levels before the run begins.
    const store: DataStore = { levels: { ...params.resources }, results: {}, holds: {}, byResource: new Map() };
    this.durable.store = store;
    this.readGapUs = params.readsPerSec > 0 ? 1e6 / params.readsPerSec : 0;
    this.metrics = dataServiceMetrics();
    this.metrics.level.set(0, this.total());
    // A record service has no levels to read: report only what applies to it.
    const { level: _level, reads: _reads, readsPending: _pending, isolationAnomalies: _anomalies, ...common } = this.metrics;
    world.sim.metrics.group(name, params.operation === 'debit' ? this.metrics : common);
  }

  protected get store(): DataStore {
    return this.durable.store as DataStore;
  }

  override start(): void {
    if (this.readGapUs > 0 && this.resourceNames.length > 0) this.scheduleRead();
  }

  override onMessage(msg: Message): void {
    if (msg.type !== DATA_REQUEST) return;
    const req = msg.payload as DataRequest;
    this.transact(req, (result) => this.send(msg.from, DATA_RESULT, result, msg.id));
  }

  override onTimer(tag: number, _data?: unknown): void {
    if (tag === TIMER_READ) {
      this.read();
      this.scheduleRead();
    }
  }

  /** Runs `req` as a local transaction; `done` gets its result when it commits (not if the node crashes first). */
  transact(req: DataRequest, done: (result: DataResult) => void): void {
    this.after(this.params.serviceTimeUs, () => done(this.commit(req)));
  }

  /** The stored result under `key` (the idempotency check). A test overrides it to plant a bug. */
  protected storedResult(key: string): { outcome: DataOutcome; detail: string } | undefined {
    return this.store.results[key];
  }

  /** Commits one transaction, atomically: the state change, its stored result and its trace record. */
  protected commit(req: DataRequest): DataResult {
    const stored = this.storedResult(req.key);
    if (stored !== undefined) {
      this.metrics.duplicates.add();
      this.tx(req.key, 'replay', stored.outcome);
      return { key: req.key, ...stored };
    }
    if (this.brownoutErrorProbability > 0 && this.rng.bernoulli(this.brownoutErrorProbability)) return this.busy(req, 'error');
    switch (req.op) {
      case 'do':
        return this.commitDo(req);
      case 'undo':
        return this.commitUndo(req);
      case 'settle':
        return this.commitSettle(req);
    }
  }

  private commitDo(req: DataRequest): DataResult {
    const s = this.store;
    let res = '';
    let amount = 0;
    if (this.params.operation === 'debit') {
      res = this.resourceFor(req.pick);
      amount = req.amount;
      if (this.lockedByOther(res, req.saga)) return this.busy(req, 'locked');
      if (s.levels[res] < amount) return this.refuse(req, 'insufficient');
    }
    if (this.params.failProbability > 0 && this.rng.bernoulli(this.params.failProbability)) return this.refuse(req, 'declined');
    this.addHold(req.key, { saga: req.saga, res, amount, lock: req.lock });
    s.results[req.key] = { outcome: 'ok', detail: '' };
    this.metrics.applied.add();
    if (this.params.operation === 'debit') {
      s.levels[res] -= amount;
      this.metrics.level.set(this.now, this.total());
      this.tx(req.key, 'apply', `${res} -${amount} =${s.levels[res]}`);
    } else {
      this.tx(req.key, 'apply');
    }
    return { key: req.key, outcome: 'ok', detail: '' };
  }

  private commitUndo(req: DataRequest): DataResult {
    const p = this.params;
    if (p.compensationFailProbability > 0 && this.rng.bernoulli(p.compensationFailProbability)) return this.busy(req, 'transient');
    const s = this.store;
    const doKey = stepKey(req.saga, 'T', req.step);
    const hold = s.holds[doKey];
    if (hold !== undefined) {
      this.removeHold(doKey, hold);
      this.metrics.compensated.add();
      if (p.operation === 'debit') {
        s.levels[hold.res] += hold.amount;
        this.metrics.level.set(this.now, this.total());
        this.tx(req.key, 'undo', `${hold.res} +${hold.amount} =${s.levels[hold.res]}`);
      } else {
        this.tx(req.key, 'undo');
      }
    } else if (this.storedResult(doKey) !== undefined) {
      // The step was refused (or its saga settled, which a correct coordinator never
      // compensates): nothing to put back.
      this.tx(req.key, 'noop');
    } else {
      // The step never arrived (yet): refuse it for good, so a late copy cannot apply it.
      s.results[doKey] = { outcome: 'no', detail: 'cancelled' };
      this.metrics.tombstones.add();
      this.tx(req.key, 'tombstone');
    }
    s.results[req.key] = { outcome: 'ok', detail: '' };
    return { key: req.key, outcome: 'ok', detail: '' };
  }

  private commitSettle(req: DataRequest): DataResult {
    const s = this.store;
    const doKey = stepKey(req.saga, 'T', req.step);
    const hold = s.holds[doKey];
    if (hold !== undefined) {
      this.removeHold(doKey, hold); // committed for good: no longer intermediate
      this.metrics.settled.add();
      this.tx(req.key, 'settle');
    } else {
      this.tx(req.key, 'noop');
    }
    s.results[req.key] = { outcome: 'ok', detail: '' };
    return { key: req.key, outcome: 'ok', detail: '' };
  }

  private refuse(req: DataRequest, reason: string): DataResult {
    // A retriable step must eventually succeed: its refusals are only "not now".
    if (req.retriable) return this.busy(req, reason);
    this.store.results[req.key] = { outcome: 'no', detail: reason };
    this.metrics.refused.add();
    this.tx(req.key, 'refuse', reason);
    return { key: req.key, outcome: 'no', detail: reason };
  }

  private busy(req: DataRequest, reason: string): DataResult {
    this.metrics.busy.add();
    this.tx(req.key, 'busy', reason);
    return { key: req.key, outcome: 'busy', detail: reason };
  }

  private tx(key: string, op: TxOp, rest = ''): void {
    this.state('tx', rest === '' ? `${key} ${op}` : `${key} ${op} ${rest}`);
  }

  /** The resource a debit with this pick uses. */
  resourceFor(pick: number): string {
    const n = this.resourceNames.length;
    return this.resourceNames[Math.min(n - 1, Math.max(0, Math.floor(pick * n)))];
  }

  private addHold(key: string, hold: Hold): void {
    const s = this.store;
    // Only a step applied twice (a planted idempotency bug) replaces a hold: unindex the old one.
    const replaced = s.holds[key];
    if (replaced !== undefined) this.removeHold(key, replaced);
    s.holds[key] = hold;
    let on = s.byResource.get(hold.res);
    if (on === undefined) {
      on = { held: 0, lockers: new Map() };
      s.byResource.set(hold.res, on);
    }
    on.held++;
    if (hold.lock) on.lockers.set(hold.saga, (on.lockers.get(hold.saga) ?? 0) + 1);
  }

  private removeHold(key: string, hold: Hold): void {
    const s = this.store;
    delete s.holds[key];
    const on = s.byResource.get(hold.res)!;
    if (--on.held === 0) {
      s.byResource.delete(hold.res);
      return;
    }
    if (!hold.lock) return;
    const locks = on.lockers.get(hold.saga)! - 1;
    if (locks === 0) on.lockers.delete(hold.saga);
    else on.lockers.set(hold.saga, locks);
  }

  /** Another saga holds a semantic lock on `res`. */
  private lockedByOther(res: string, saga: string): boolean {
    const lockers = this.store.byResource.get(res)?.lockers;
    if (lockers === undefined) return false;
    return lockers.size > (lockers.has(saga) ? 1 : 0);
  }

  /** The reporting job: reads one resource, as a query outside any saga would. */
  private read(): void {
    const res = this.resourceNames[this.rng.int(this.resourceNames.length)];
    const on = this.store.byResource.get(res);
    const pending = on !== undefined;
    const locked = on !== undefined && on.lockers.size > 0;
    this.metrics.reads.add();
    const level = this.store.levels[res];
    if (locked) {
      this.metrics.readsPending.add();
      this.state('read', `${res}=PENDING`);
    } else if (pending) {
      this.metrics.isolationAnomalies.add();
      this.state('read', `${res}=${level} dirty`);
    } else {
      this.state('read', `${res}=${level}`);
    }
  }

  private scheduleRead(): void {
    this.setTimer(Math.max(1, Math.round(this.rng.exponential(this.readGapUs))), TIMER_READ);
  }

  /** Sum of the resource levels. */
  total(): number {
    let sum = 0;
    for (const v of Object.values(this.store.levels)) sum += v;
    return sum;
  }
}
