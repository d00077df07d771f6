import { lane1, lane2, RunningHash, stringHash } from './hash.ts';
import type { Micros } from './time.ts';

/**
 * The trace is the product (DESIGN principle 9): every send, delivery, drop, timer, state
 * change, fault, request span and check verdict is a typed record. Reports, charts and the
 * sandbox's animation are views of it.
 *
 * Canonical form. A record is (time, kind, node, fields…) with the fields of each kind in the
 * fixed order below. Node references are node indexes (scenario order: nodes, then workload
 * clients); -1 means "no node" (the network, the run). The run's trace hash folds exactly
 * these values, in this order, into a 64-bit running hash — numbers as integers, strings by a
 * 32-bit FNV-1a of their text — so a JSONL trace (see `toJsonl`) can be re-hashed by anyone
 * holding its header's node list (`hashTraceRecords`). Records are only turned into objects
 * when someone listens, so an unobserved run pays for the hash alone.
 */

type FieldType = 'node' | 'int' | 'str';

const KIND_DEFS = [
  ['send', [['to', 'node'], ['msg', 'int'], ['parent', 'int'], ['type', 'str']]],
  ['deliver', [['from', 'node'], ['msg', 'int'], ['type', 'str']]],
  ['drop', [['to', 'node'], ['msg', 'int'], ['reason', 'str']]],
  ['dup', [['to', 'node'], ['msg', 'int']]],
  ['timer', [['tag', 'str']]],
  ['state', [['key', 'str'], ['value', 'str']]],
  ['work', [['msg', 'int'], ['phase', 'str']]],
  ['fault', [['fault', 'str'], ['detail', 'str']]],
  ['span', [['req', 'int'], ['outcome', 'str'], ['latencyUs', 'int']]],
  // A call passing a policy on a call path: admitted, rejected (with why), retried…
  ['call', [['call', 'int'], ['layer', 'str'], ['event', 'str']]],
  ['check', [['name', 'str'], ['ok', 'int'], ['detail', 'str']]],
  ['limit', [['reason', 'str']]],
] as const satisfies readonly (readonly [string, readonly (readonly [string, FieldType])[]])[];

export type TraceKindName = (typeof KIND_DEFS)[number][0];

/** Numeric kind codes, in KIND_DEFS order; folded into the hash. */
export const TraceKind = Object.fromEntries(KIND_DEFS.map(([name], i) => [name, i])) as {
  readonly [K in TraceKindName]: number;
};

const FIELDS: readonly (readonly (readonly [string, FieldType])[])[] = KIND_DEFS.map(([, f]) => f);
const NAMES: readonly TraceKindName[] = KIND_DEFS.map(([n]) => n);
/** Every record kind, in code order. */
export const TRACE_KIND_NAMES = NAMES;
const NODE = 0;
const INT = 1;
const STR = 2;
/** The most fields a kind has (emit's a…d). */
const MAX_FIELDS = 4;
/** Field types as small integers, for the hot path. */
const FIELD_TYPE_CODES: readonly Uint8Array[] = FIELDS.map((f) => Uint8Array.from(f.map(([, t]) => (t === 'node' ? NODE : t === 'int' ? INT : STR))));

/** A trace record as listeners and JSONL files see it. Node fields hold node names. */
export interface TraceRecord {
  t: Micros;
  k: TraceKindName;
  node: string;
  [field: string]: string | number;
}

/**
 * Hears trace records. A listener that reads only some kinds says which in `kinds` (see
 * `listenTo`): the trace builds a record object only for kinds somebody wants, so a check
 * that watches state changes does not make the run allocate an object for every send.
 */
export type TraceListener = ((record: TraceRecord) => void) & { readonly kinds?: readonly TraceKindName[] };

/** `listener`, marked as reading only records of `kinds`. */
export function listenTo(kinds: readonly TraceKindName[], listener: (record: TraceRecord) => void): TraceListener {
  return Object.assign(listener, { kinds });
}

export type FieldValue = number | string;

export class Trace {
  readonly hash = new RunningHash();
  /** Records emitted so far. */
  count = 0;
  private readonly listeners: TraceListener[] = [];
  /** By kind code: the listeners that want records of that kind, in the order they listened. */
  private readonly listenersByKind: TraceListener[][] = NAMES.map(() => []);
  private readonly stringHashes = new Map<string, number>();
  /**
   * Per kind and field (kind × MAX_FIELDS + field): the two strings it folded last, and their
   * hashes — a field mostly alternates between two (a send's type: request, response).
   */
  private readonly lastStrings: (string | undefined)[] = new Array<string | undefined>(NAMES.length * MAX_FIELDS).fill(undefined);
  private readonly lastStringHashes = new Int32Array(NAMES.length * MAX_FIELDS);
  private readonly otherStrings: (string | undefined)[] = new Array<string | undefined>(NAMES.length * MAX_FIELDS).fill(undefined);
  private readonly otherStringHashes = new Int32Array(NAMES.length * MAX_FIELDS);

  /** Names of nodes by index, for turning node fields into names. */
  constructor(private readonly nodeNames: readonly string[]) {}

  listen(listener: TraceListener): void {
    this.listeners.push(listener);
    const kinds = listener.kinds;
    for (let k = 0; k < NAMES.length; k++) if (kinds === undefined || kinds.includes(NAMES[k])) this.listenersByKind[k].push(listener);
  }

  get observed(): boolean {
    return this.listeners.length > 0;
  }

  /**
   * Emits one record. `a`…`d` are the kind's fields in declaration order: node fields and
   * ints as numbers, str fields as strings. Missing trailing fields must not be passed.
   *
   * The record's words are folded as they are found, the hash's lanes held in locals: kind;
   * time as two words (low and high 32 bits); node; then each field — a node as one word, a
   * string as its FNV-1a hash, an int as two words. A number that is not a safe integer folds
   * as text (RunningHash.num) between the words before and after it.
   */
  emit(kind: number, t: Micros, node: number, a?: FieldValue, b?: FieldValue, c?: FieldValue, d?: FieldValue): void {
    const hash = this.hash;
    let h1 = lane1(hash.h1, kind);
    let h2 = lane2(hash.h2, kind);
    // The time is folded here rather than as one more int of the loop below: the loop's extra
    // cases made every record 17 % slower (28 ns against 24, measured).
    if (Number.isSafeInteger(t)) {
      const lo = t | 0;
      const hi = Math.floor(t / 4294967296) | 0;
      h1 = lane1(lane1(h1, lo), hi);
      h2 = lane2(lane2(h2, lo), hi);
    } else {
      hash.h1 = h1;
      hash.h2 = h2;
      hash.num(t);
      h1 = hash.h1;
      h2 = hash.h2;
    }
    h1 = lane1(h1, node | 0);
    h2 = lane2(h2, node | 0);
    const types = FIELD_TYPE_CODES[kind];
    const fields = types.length;
    const slot = kind * MAX_FIELDS;
    for (let f = 0; f < fields; f++) {
      const v = f === 0 ? a! : f === 1 ? b! : f === 2 ? c! : d!;
      const type = types[f];
      let w: number;
      if (type === STR) w = this.stringWord(slot + f, v as string);
      else if (type === NODE) w = (v as number) | 0;
      else if (Number.isSafeInteger(v)) {
        const x = v as number;
        const lo = x | 0;
        h1 = lane1(h1, lo);
        h2 = lane2(h2, lo);
        w = Math.floor(x / 4294967296) | 0;
      } else {
        hash.h1 = h1;
        hash.h2 = h2;
        hash.num(v as number);
        h1 = hash.h1;
        h2 = hash.h2;
        continue;
      }
      h1 = lane1(h1, w);
      h2 = lane2(h2, w);
    }
    hash.h1 = h1;
    hash.h2 = h2;
    this.count++;
    const listeners = this.listenersByKind[kind];
    if (listeners.length > 0) this.publish(listeners, kind, t, node, a, b, c, d);
  }

  hex(): string {
    return this.hash.hex();
  }

  /**
   * A string field's word, its FNV-1a hash. A field mostly repeats one of the two strings it had
   * last (a send's type, a work phase), so each field of each kind remembers them and compares
   * by identity before asking the cache of every string seen.
   */
  private stringWord(slot: number, s: string): number {
    if (this.lastStrings[slot] === s) return this.lastStringHashes[slot];
    const previous = this.lastStrings[slot];
    const previousHash = this.lastStringHashes[slot];
    let sh: number;
    if (this.otherStrings[slot] === s) sh = this.otherStringHashes[slot];
    else {
      const known = this.stringHashes.get(s);
      if (known === undefined) {
        sh = stringHash(s);
        this.stringHashes.set(s, sh);
      } else sh = known;
    }
    this.otherStrings[slot] = previous;
    this.otherStringHashes[slot] = previousHash;
    this.lastStrings[slot] = s;
    this.lastStringHashes[slot] = sh;
    return sh;
  }

  private publish(listeners: readonly TraceListener[], kind: number, t: Micros, node: number, a?: FieldValue, b?: FieldValue, c?: FieldValue, d?: FieldValue): void {
    const record = this.record(kind, t, node, a, b, c, d);
    for (let i = 0; i < listeners.length; i++) listeners[i](record);
  }

  /**
   * The record object of one emit: an object literal per kind, its fields in KIND_DEFS order
   * (test/engine/trace-records.test.ts holds the two equal), so V8 builds each kind's records
   * from one fixed shape, several times faster than adding the fields by name.
   */
  private record(kind: number, t: Micros, node: number, a?: FieldValue, b?: FieldValue, c?: FieldValue, d?: FieldValue): TraceRecord {
    const at = this.nodeName(node);
    switch (kind) {
      case TraceKind.send: return { t, k: 'send', node: at, to: this.nodeName(a as number), msg: b!, parent: c!, type: d! };
      case TraceKind.deliver: return { t, k: 'deliver', node: at, from: this.nodeName(a as number), msg: b!, type: c! };
      case TraceKind.drop: return { t, k: 'drop', node: at, to: this.nodeName(a as number), msg: b!, reason: c! };
      case TraceKind.dup: return { t, k: 'dup', node: at, to: this.nodeName(a as number), msg: b! };
      case TraceKind.timer: return { t, k: 'timer', node: at, tag: a! };
      case TraceKind.state: return { t, k: 'state', node: at, key: a!, value: b! };
      case TraceKind.work: return { t, k: 'work', node: at, msg: a!, phase: b! };
      case TraceKind.fault: return { t, k: 'fault', node: at, fault: a!, detail: b! };
      case TraceKind.span: return { t, k: 'span', node: at, req: a!, outcome: b!, latencyUs: c! };
      case TraceKind.call: return { t, k: 'call', node: at, call: a!, layer: b!, event: c! };
      case TraceKind.check: return { t, k: 'check', node: at, name: a!, ok: b!, detail: c! };
      case TraceKind.limit: return { t, k: 'limit', node: at, reason: a! };
      default: return this.recordByName(kind, t, node, a, b, c, d);
    }
  }

  /** A record built field by field from KIND_DEFS (for a kind `record` has no line for). */
  private recordByName(kind: number, t: Micros, node: number, a?: FieldValue, b?: FieldValue, c?: FieldValue, d?: FieldValue): TraceRecord {
    const record: TraceRecord = { t, k: NAMES[kind], node: this.nodeName(node) };
    const fields = FIELDS[kind];
    const n = fields.length;
    if (n > 0) record[fields[0][0]] = this.recordValue(fields[0][1], a!);
    if (n > 1) record[fields[1][0]] = this.recordValue(fields[1][1], b!);
    if (n > 2) record[fields[2][0]] = this.recordValue(fields[2][1], c!);
    if (n > 3) record[fields[3][0]] = this.recordValue(fields[3][1], d!);
    return record;
  }

  private recordValue(type: FieldType, v: FieldValue): FieldValue {
    return type === 'node' ? this.nodeName(v as number) : v;
  }

  private nodeName(index: number): string {
    return index < 0 ? '' : this.nodeNames[index];
  }
}

/** The first line of a JSONL trace: what a reader needs to re-hash the records. */
export interface TraceHeader {
  k: 'header';
  format: 'faultline-trace';
  version: 1;
  nodes: string[];
  seed: number;
  scenarioHash: string;
}

/**
 * Recomputes a trace hash from records (as read back from JSONL). Equal to the run's hash
 * when the records are the run's complete trace.
 */
export function hashTraceRecords(nodes: readonly string[], records: Iterable<TraceRecord>): string {
  const index = new Map(nodes.map((name, i) => [name, i]));
  const nodeIndex = (name: string) => (name === '' ? -1 : index.get(name) ?? -2);
  const trace = new Trace(nodes);
  for (const r of records) {
    const kind = TraceKind[r.k];
    const values = FIELDS[kind].map(([name, type]) => (type === 'node' ? nodeIndex(r[name] as string) : r[name]));
    trace.emit(kind, r.t, nodeIndex(r.node), ...values);
  }
  return trace.hex();
}
