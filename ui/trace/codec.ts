/**
 * Trace records on their way from the worker to the page, as compact columns.
 *
 * A batch is four typed arrays (transferred, not copied) plus the strings and record kinds
 * first seen in it. Measured in headless Chromium, 50,000 records: plain objects cost ~60–90 ms
 * between postMessage and the handler plus ~100 ms to read them on the page's thread; these
 * columns cost ~10 ms and ~1 ms, and keep a record in 29 bytes instead of a few hundred.
 *
 * The codec is generic: it learns each kind's field names and which of them are strings from
 * the records themselves (a TraceRecord's keys follow its kind's declared field order), so a
 * new record kind in the engine streams without changing this file. Node fields are strings
 * (node names) in a TraceRecord and travel as string ids like any other string.
 */
import type { TraceRecord } from '../../sim/engine/trace.ts';

/** Fields per record after `t`, `k` and `node` (the engine's kinds have at most four). */
export const FIELDS = 4;
/** A numeric field that does not fit an int32; its value travels in `big`. */
export const BIG = -0x80000000;
/** A field the record does not have. */
export const ABSENT = 0;

export interface KindInfo {
  name: string;
  fields: string[];
  /** Per field: true when it holds a string id. */
  strings: boolean[];
}

export interface TraceBatch {
  /** Number of records. */
  count: number;
  t: Float64Array;
  k: Uint8Array;
  /** String id of the record's node name ('' for none). */
  node: Int32Array;
  /** `FIELDS` per record: string ids or int32 numbers (BIG: see `big`). */
  f: Int32Array;
  /** [record index within the batch × FIELDS + field, value] for numbers beyond int32. */
  big: [number, number][];
  /** Strings first used in this batch, in id order, continuing the receiver's table. */
  newStrings: string[];
  /** Kinds first used in this batch, in code order. */
  newKinds: KindInfo[];
}

const RESERVED = new Set(['t', 'k', 'node']);

/** Worker side: turns TraceRecords into batches. */
export class TraceEncoder {
  private readonly stringIds = new Map<string, number>();
  private readonly kindCodes = new Map<string, number>();
  private readonly kinds: KindInfo[] = [];
  private stringCount = 0;
  private pendingStrings: string[] = [];
  private pendingKinds: KindInfo[] = [];
  private capacity: number;
  private n = 0;
  private t: Float64Array;
  private k: Uint8Array;
  private node: Int32Array;
  private f: Int32Array;
  private big: [number, number][] = [];

  /** `strings` and `kinds`: the receiver's tables so far (a branch continues them). */
  constructor(strings: readonly string[] = [''], kinds: readonly KindInfo[] = [], initialCapacity = 4096) {
    for (const s of strings) this.stringIds.set(s, this.stringCount++);
    if (!this.stringIds.has('')) {
      this.stringIds.set('', this.stringCount++);
      this.pendingStrings.push('');
    }
    for (const kind of kinds) {
      this.kindCodes.set(kind.name, this.kinds.length);
      this.kinds.push(kind);
    }
    this.capacity = initialCapacity;
    this.t = new Float64Array(this.capacity);
    this.k = new Uint8Array(this.capacity);
    this.node = new Int32Array(this.capacity);
    this.f = new Int32Array(this.capacity * FIELDS);
  }

  get size(): number {
    return this.n;
  }

  add(r: TraceRecord): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    const code = this.kindOf(r);
    this.t[i] = r.t;
    this.k[i] = code;
    this.node[i] = this.str(r.node);
    const base = i * FIELDS;
    const { fields, strings } = this.kinds[code];
    for (let j = fields.length; j < FIELDS; j++) this.f[base + j] = ABSENT;
    for (let j = 0; j < fields.length; j++) {
      const v = r[fields[j]];
      if (strings[j]) {
        this.f[base + j] = this.str(String(v));
      } else {
        const num = typeof v === 'number' ? v : Number(v);
        if ((num | 0) === num && num !== BIG) this.f[base + j] = num;
        else {
          this.f[base + j] = BIG;
          this.big.push([base + j, num]);
        }
      }
    }
  }

  /** The records added since the last take, as a batch whose buffers can be transferred. */
  take(): TraceBatch {
    const count = this.n;
    const batch: TraceBatch = {
      count,
      t: this.t.slice(0, count),
      k: this.k.slice(0, count),
      node: this.node.slice(0, count),
      f: this.f.slice(0, count * FIELDS),
      big: this.big,
      newStrings: this.pendingStrings,
      newKinds: this.pendingKinds,
    };
    this.n = 0;
    this.big = [];
    this.pendingStrings = [];
    this.pendingKinds = [];
    return batch;
  }

  private str(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.stringCount++;
      this.stringIds.set(s, id);
      this.pendingStrings.push(s);
    }
    return id;
  }

  private kindOf(r: TraceRecord): number {
    let code = this.kindCodes.get(r.k);
    if (code === undefined) {
      const fields = Object.keys(r).filter((key) => !RESERVED.has(key)).slice(0, FIELDS);
      const info: KindInfo = { name: r.k, fields, strings: fields.map((key) => typeof r[key] === 'string') };
      code = this.kinds.length;
      if (code > 255) throw new Error('more than 256 trace record kinds');
      this.kinds.push(info);
      this.kindCodes.set(r.k, code);
      this.pendingKinds.push(info);
    }
    return code;
  }

  private grow(): void {
    this.capacity *= 2;
    const t = new Float64Array(this.capacity);
    t.set(this.t);
    const k = new Uint8Array(this.capacity);
    k.set(this.k);
    const node = new Int32Array(this.capacity);
    node.set(this.node);
    const f = new Int32Array(this.capacity * FIELDS);
    f.set(this.f);
    this.t = t;
    this.k = k;
    this.node = node;
    this.f = f;
  }

  /** The typed arrays' buffers, for postMessage's transfer list. */
  static transferables(b: TraceBatch): ArrayBuffer[] {
    return [b.t.buffer, b.k.buffer, b.node.buffer, b.f.buffer] as ArrayBuffer[];
  }
}
