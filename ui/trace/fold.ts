/**
 * Node state at any point of the recorded trace: health (`status` records), pattern state
 * (every other `state` record, by key), queue depth and busy workers of queueing services
 * (from `deliver` of requests and `work` records), and the faults active on each node.
 *
 * It is a fold over the records with a checkpoint every CHECKPOINT records, so the state at
 * any cursor costs at most one checkpoint copy and CHECKPOINT record applications, wherever
 * the scrubber jumps; moving forward a little (playback) continues from the last answer.
 */
import { FIELDS } from './codec.ts';
import type { TraceStore } from './store.ts';

const CHECKPOINT = 4096;

export interface ActiveFault {
  type: string;
  /** The fault record's detail (JSON: id, node, factor…). */
  detail: Record<string, unknown>;
  since: number;
}

export class FoldState {
  /** Records [0, index) are applied. */
  index = 0;
  /** String id of each node's status; 0 ('') means never set: up. */
  readonly status: Int32Array;
  readonly queue: Int32Array;
  readonly busy: Int32Array;
  /** Per node: state key id → value id, and key id → time of the last change. */
  readonly states: (Map<number, number> | null)[];
  readonly changed: (Map<number, number> | null)[];
  /** Per node, plus one slot at the end for faults on no node (partitions): fault id → fault. */
  readonly faults: (Map<number, ActiveFault> | null)[];
  /** Per node: retries sent and retries a budget denied so far, by `callKey` (layer and which), and when last counted. */
  readonly calls: (Map<number, number> | null)[];
  readonly callsChanged: (Map<number, number> | null)[];

  constructor(nodes: number, from?: FoldState) {
    this.status = from ? from.status.slice() : new Int32Array(nodes);
    this.queue = from ? from.queue.slice() : new Int32Array(nodes);
    this.busy = from ? from.busy.slice() : new Int32Array(nodes);
    this.states = from ? from.states.map((m) => (m ? new Map(m) : null)) : new Array(nodes).fill(null);
    this.changed = from ? from.changed.map((m) => (m ? new Map(m) : null)) : new Array(nodes).fill(null);
    this.faults = from ? from.faults.map((m) => (m ? new Map(m) : null)) : new Array(nodes + 1).fill(null);
    this.calls = from ? from.calls.map((m) => (m ? new Map(m) : null)) : new Array(nodes).fill(null);
    this.callsChanged = from ? from.callsChanged.map((m) => (m ? new Map(m) : null)) : new Array(nodes).fill(null);
    if (from) this.index = from.index;
  }
}

type Phase = 'start' | 'finish' | 'leave' | 'none';

/** What the fold counts of call events: a retry sent (`retry:<n>`), a retry a budget denied (`retry-denied:budget`). */
export const CALL_COUNTS = ['retried', 'budgetDenied'] as const;
const RETRIED = 0;
const BUDGET_DENIED = 1;

/** The key of a call count in FoldState.calls: the layer's string id and which count. */
export function callKey(layerId: number, which: number): number {
  return layerId * CALL_COUNTS.length + which;
}

export class NodeFold {
  private readonly checkpoints: FoldState[];
  private readonly tail: FoldState;
  private live: FoldState | null = null;
  /** Per string id: is it the `status` key / a request message type / a work phase. */
  private readonly isStatus: (boolean | undefined)[] = [];
  private readonly isRequest: (boolean | undefined)[] = [];
  private readonly phaseOf: (Phase | undefined)[] = [];
  /** Per string id of a call event: the CALL_COUNTS index it counts toward, or -1. */
  private readonly countOf: (number | undefined)[] = [];
  private readonly fieldsOf: (Fields | null | undefined)[] = [];
  private readonly numberOf: (number | undefined)[] = [];
  private readonly maxByKey = new Map<number, number>();
  /** The longest queue each node has had in the recording. */
  readonly maxQueue: Int32Array;
  private readonly nodes: number;

  constructor(private readonly store: TraceStore) {
    this.nodes = store.nodeCount;
    this.maxQueue = new Int32Array(this.nodes);
    this.tail = new FoldState(this.nodes);
    this.checkpoints = [new FoldState(this.nodes, this.tail)];
  }

  ingest(from: number, to: number): void {
    const store = this.store;
    const tail = this.tail;
    for (let i = from; i < to; i++) {
      this.apply(tail, i);
      const fields = this.fieldsOf[store.k[i]];
      if (fields?.kind === 'deliver') {
        const node = store.nodeOf(i);
        if (node >= 0 && tail.queue[node] > this.maxQueue[node]) this.maxQueue[node] = tail.queue[node];
      } else if (fields?.kind === 'state') {
        const key = store.f[i * FIELDS + fields.a];
        const value = store.f[i * FIELDS + fields.b];
        const v = (this.numberOf[value] ??= Number(store.strings[value]));
        if (Number.isFinite(v) && v > (this.maxByKey.get(key) ?? -Infinity)) this.maxByKey.set(key, v);
      }
      if (tail.index % CHECKPOINT === 0) this.checkpoints.push(new FoldState(this.nodes, tail));
    }
  }

  /** The largest number a state key has had in the recording (NaN if none). */
  observedMax(keyId: number): number {
    return this.maxByKey.get(keyId) ?? NaN;
  }

  /** The state after records [0, index). Valid until the next call. */
  at(index: number): FoldState {
    const target = Math.max(0, Math.min(index, this.tail.index));
    let live = this.live;
    if (live === null || live.index > target || target - live.index > 2 * CHECKPOINT) {
      const cp = this.checkpoints[Math.min(this.checkpoints.length - 1, Math.floor(target / CHECKPOINT))];
      live = new FoldState(this.nodes, cp);
      this.live = live;
    }
    while (live.index < target) this.apply(live, live.index);
    return live;
  }

  private apply(s: FoldState, i: number): void {
    s.index = i + 1;
    const store = this.store;
    const kind = store.k[i];
    const fields = (this.fieldsOf[kind] ??= fieldsOf(store, kind));
    if (fields === null) return;
    const node = store.nodeOf(i);
    const base = i * FIELDS;
    switch (fields.kind) {
      case 'state': {
        if (node < 0) return;
        const key = store.f[base + fields.a];
        const value = store.f[base + fields.b];
        if ((this.isStatus[key] ??= store.strings[key] === 'status')) {
          const was = store.strings[s.status[node]];
          s.status[node] = value;
          const now = store.strings[value];
          if (now === 'crashed') {
            s.queue[node] = 0;
            s.busy[node] = 0;
          } else if (now === 'up' && (was === 'crashed' || was === 'restarting')) {
            // A restart clears a slow node and a brownout (World.finishRestart).
            deleteTypes(s.faults[node], RESET_BY_RESTART);
          }
          return;
        }
        (s.states[node] ??= new Map()).set(key, value);
        (s.changed[node] ??= new Map()).set(key, store.t[i]);
        return;
      }
      case 'deliver': {
        if (node < 0 || !store.setup.queueing[node]) return;
        const type = store.f[base + fields.a];
        if ((this.isRequest[type] ??= store.strings[type] === 'request')) s.queue[node]++;
        return;
      }
      case 'work': {
        if (node < 0) return;
        const id = store.f[base + fields.a];
        const phase = (this.phaseOf[id] ??= workPhase(store.strings[id]));
        if (phase === 'start') {
          if (s.queue[node] > 0) s.queue[node]--;
          s.busy[node]++;
        } else if (phase === 'finish') {
          if (s.busy[node] > 0) s.busy[node]--;
        } else if (phase === 'leave') {
          if (s.queue[node] > 0) s.queue[node]--;
        }
        return;
      }
      case 'call': {
        if (node < 0) return;
        const event = store.f[base + fields.b];
        const which = (this.countOf[event] ??= callCount(store.strings[event]));
        if (which < 0) return;
        const key = callKey(store.f[base + fields.a], which);
        const counts = (s.calls[node] ??= new Map());
        counts.set(key, (counts.get(key) ?? 0) + 1);
        (s.callsChanged[node] ??= new Map()).set(key, store.t[i]);
        return;
      }
      case 'fault': {
        const type = store.str(i, fields.a);
        // Crash, pause and their undoing show in the node's status, a mesh's new configuration
        // in its rollout badge: not as faults.
        if (NOT_SHOWN.has(type)) return;
        const slot = node < 0 ? this.nodes : node;
        if (type === 'heal') {
          deleteTypes(s.faults[this.nodes], HEALED);
          return;
        }
        let detail: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(store.str(i, fields.b));
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
        } catch {
          // a detail that is not JSON is shown as no detail
        }
        const id = typeof detail.id === 'number' ? detail.id : -1 - i;
        if (type.endsWith('-end')) s.faults[slot]?.delete(id);
        else (s.faults[slot] ??= new Map()).set(id, { type, detail, since: store.t[i] });
        return;
      }
    }
  }
}

const NOT_SHOWN = new Set(['crash', 'restart', 'restart-end', 'pause', 'pause-end', 'resume', 'mesh-config']);
const RESET_BY_RESTART = new Set(['slow', 'brownout']);
const HEALED = new Set(['partition']);

interface Fields {
  kind: 'state' | 'deliver' | 'work' | 'fault' | 'call';
  a: number;
  b: number;
}

/** Where the fold's fields sit in a kind's records; null for kinds the fold ignores. */
function fieldsOf(store: TraceStore, code: number): Fields | null {
  const info = store.kinds[code];
  if (!info) return null;
  const at = (name: string) => info.fields.indexOf(name);
  switch (info.name) {
    case 'state':
      return at('key') < 0 || at('value') < 0 ? null : { kind: 'state', a: at('key'), b: at('value') };
    case 'deliver':
      return at('type') < 0 ? null : { kind: 'deliver', a: at('type'), b: -1 };
    case 'work':
      return at('phase') < 0 ? null : { kind: 'work', a: at('phase'), b: -1 };
    case 'fault':
      return at('fault') < 0 || at('detail') < 0 ? null : { kind: 'fault', a: at('fault'), b: at('detail') };
    case 'call':
      return at('layer') < 0 || at('event') < 0 ? null : { kind: 'call', a: at('layer'), b: at('event') };
    default:
      return null;
  }
}

function callCount(event: string | undefined): number {
  if (event === undefined) return -1;
  if (event.startsWith('retry:')) return RETRIED;
  if (event === 'retry-denied:budget') return BUDGET_DENIED;
  return -1;
}

function workPhase(p: string | undefined): Phase {
  switch (p) {
    case 'start':
      return 'start';
    case 'done':
    case 'error':
      return 'finish';
    case 'rejected':
    case 'expired':
      return 'leave';
    default:
      return 'none';
  }
}

function deleteTypes(m: Map<number, ActiveFault> | null, types: Set<string>): void {
  if (!m) return;
  for (const [id, f] of m) if (types.has(f.type)) m.delete(id);
}
