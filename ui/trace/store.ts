/**
 * The recorded trace on the page: every record the worker streamed, as growable columns, and
 * the indexes the views read (messages in flight, per-window series, node state with
 * checkpoints). Views are functions of (store, cursor): nothing here looks at the engine.
 *
 * Records arrive in time order. `recordedUntilUs` is the time up to which the record is
 * complete: every record with t ≤ it has arrived, so the playback cursor may go there.
 */
import { BIG, FIELDS, type KindInfo, type TraceBatch } from './codec.ts';
import { grownTo, growableArray, TRACE_MAX_ENTRIES } from './grow.ts';
import { MessageIndex } from './messages.ts';
import { NodeFold } from './fold.ts';
import type { Sampling } from './sampling.ts';
import { WindowSeries } from './series.ts';

export interface StoreSetup {
  /** Node names by index (scenario nodes, then workload clients): the engine's order. */
  nodeNames: string[];
  /** Nodes whose requests queue for workers (generic services): queue depth and busy workers. */
  queueing: boolean[];
  endUs: number;
  /** Width of a chart window, µs. */
  windowUs: number;
}

export interface FaultMark {
  t: number;
  /** Node index or -1. */
  node: number;
  /** `crash`, `slow`, `slow-end`… */
  type: string;
  detail: string;
}

export class TraceStore {
  strings: string[] = [''];
  kinds: KindInfo[] = [];
  count = 0;
  t = growableArray(Float64Array, 1024, TRACE_MAX_ENTRIES);
  k = growableArray(Uint8Array, 1024, TRACE_MAX_ENTRIES);
  node = growableArray(Int32Array, 1024, TRACE_MAX_ENTRIES);
  f = growableArray(Int32Array, 1024 * FIELDS, TRACE_MAX_ENTRIES * FIELDS);
  /** Numeric fields beyond int32, by record index × FIELDS + field. */
  readonly big = new Map<number, number>();
  /** Every record with t ≤ this has arrived. -1: nothing yet. */
  recordedUntilUs = -1;
  /** The worker stopped recording (record budget spent) at this time; null while it records. */
  truncatedAtUs: number | null = null;
  /** Past `fromUs`, about one message flight in `every` is recorded (a long run; see sampling.ts); null: all of them. */
  sampling: Sampling | null = null;
  private readonly stringIds = new Map<string, number>([['', 0]]);
  /** String id → node index (-1 for strings that are not node names). */
  nodeOfString: number[] = [-1];
  readonly nodeIndex: Map<string, number>;
  messages: MessageIndex;
  series: WindowSeries;
  fold: NodeFold;
  faults: FaultMark[] = [];
  /**
   * Per metric a scenario's charts name (in `chartMetricNames` order), its value in each
   * window that has closed: the engine's MetricWindows, streamed beside the records.
   */
  chartWindows: number[][] = [];
  /** Bumped whenever records are added or removed. */
  version = 0;

  constructor(readonly setup: StoreSetup) {
    this.nodeIndex = new Map(setup.nodeNames.map((n, i) => [n, i]));
    this.messages = new MessageIndex(this);
    this.series = new WindowSeries(this);
    this.fold = new NodeFold(this);
  }

  get nodeCount(): number {
    return this.setup.nodeNames.length;
  }

  /** Id of a string in the table, or -1. */
  stringId(s: string): number {
    return this.stringIds.get(s) ?? -1;
  }

  /** Kind code by name, or -1 if no record of that kind has arrived. */
  code(kind: string): number {
    for (let i = 0; i < this.kinds.length; i++) if (this.kinds[i].name === kind) return i;
    return -1;
  }

  /** Index of a field in a kind's records, or -1. */
  field(kind: number, name: string): number {
    return kind < 0 ? -1 : this.kinds[kind].fields.indexOf(name);
  }

  num(i: number, j: number): number {
    const v = this.f[i * FIELDS + j];
    return v === BIG ? (this.big.get(i * FIELDS + j) ?? NaN) : v;
  }

  str(i: number, j: number): string {
    return this.strings[this.f[i * FIELDS + j]] ?? '';
  }

  /** Node index named by a string-id field (a node field), or -1. */
  nodeField(i: number, j: number): number {
    return this.nodeOfString[this.f[i * FIELDS + j]] ?? -1;
  }

  /** Node index of record i's own node, or -1. */
  nodeOf(i: number): number {
    return this.nodeOfString[this.node[i]] ?? -1;
  }

  /** Index of the first record with time > tUs (so records [0, result) are those at or before tUs). */
  upperBound(tUs: number): number {
    let lo = 0;
    let hi = this.count;
    const t = this.t;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] <= tUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Appends a batch; `untilUs`: the record is now complete up to this time. */
  append(batch: TraceBatch, untilUs: number): void {
    for (const s of batch.newStrings) {
      this.nodeOfString.push(this.nodeIndex.get(s) ?? -1);
      this.stringIds.set(s, this.strings.length);
      this.strings.push(s);
    }
    for (const kind of batch.newKinds) this.kinds.push(kind);
    const from = this.count;
    this.reserve(from + batch.count);
    this.t.set(batch.t, from);
    this.k.set(batch.k, from);
    this.node.set(batch.node, from);
    this.f.set(batch.f, from * FIELDS);
    for (const [at, value] of batch.big) this.big.set(from * FIELDS + at, value);
    this.count += batch.count;
    this.recordedUntilUs = Math.max(this.recordedUntilUs, untilUs);
    this.ingest(from, this.count);
    this.version++;
  }

  /** Stores metric windows `from`… (values[metric][k] is window from + k); a branch re-sends windows it shares, unchanged. */
  appendChartWindows(from: number, values: readonly (readonly number[])[]): void {
    values.forEach((list, m) => {
      const target = (this.chartWindows[m] ??= []);
      target.length = Math.min(target.length, from);
      list.forEach((v, k) => (target[from + k] = v));
    });
    this.version++;
  }

  /** Marks the record complete up to `untilUs` without new records. */
  advance(untilUs: number): void {
    if (untilUs > this.recordedUntilUs) {
      this.recordedUntilUs = untilUs;
      this.version++;
    }
  }

  /**
   * Keeps the records at or before `tUs` and rebuilds the indexes from them: a what-if branch
   * re-runs the same seed, which reproduces exactly these records, and streams the rest.
   */
  truncateAfter(tUs: number): void {
    const keep = this.upperBound(tUs);
    if (keep < this.count) {
      for (const key of [...this.big.keys()]) if (key >= keep * FIELDS) this.big.delete(key);
      this.count = keep;
    }
    this.recordedUntilUs = Math.min(this.recordedUntilUs, tUs);
    this.truncatedAtUs = null;
    if (this.sampling && this.sampling.fromUs > tUs) this.sampling = null;
    // Windows that end after tUs belong to the old branch.
    const keptWindows = Math.floor((tUs + 1) / this.setup.windowUs);
    for (const list of this.chartWindows) list.length = Math.min(list.length, keptWindows);
    this.messages = new MessageIndex(this);
    this.series = new WindowSeries(this);
    this.fold = new NodeFold(this);
    this.faults = [];
    this.ingest(0, this.count);
    this.version++;
  }

  private ingest(from: number, to: number): void {
    this.messages.ingest(from, to);
    this.series.ingest(from, to);
    this.fold.ingest(from, to);
    const fault = this.code('fault');
    if (fault < 0) return;
    const typeField = this.field(fault, 'fault');
    const detailField = this.field(fault, 'detail');
    for (let i = from; i < to; i++) {
      if (this.k[i] !== fault) continue;
      this.faults.push({ t: this.t[i], node: this.nodeOf(i), type: this.str(i, typeField), detail: detailField < 0 ? '' : this.str(i, detailField) });
    }
  }

  /**
   * Makes room for n records: the columns grow in place (see grow.ts), nothing is copied. Each
   * column grows on its own (the field column's steps hold fewer records).
   */
  private reserve(n: number): void {
    this.t = grownTo(this.t, n, Float64Array);
    this.k = grownTo(this.k, n, Uint8Array);
    this.node = grownTo(this.node, n, Int32Array);
    this.f = grownTo(this.f, n * FIELDS, Int32Array);
  }
}
