/**
 * What the inspector says about a node beyond its folded state (ui/trace/fold.ts): how many
 * messages it sent, received and lost up to the cursor, and its configuration in the scenario
 * as short lines of text.
 *
 * Traffic counts come from per-node lists of record indexes, built once per store and extended
 * as records arrive, so the count at any cursor is a binary search, not a scan of the trace.
 */
import type { Scenario } from '../../../sim/scenario/schema.ts';
import { FIELDS } from '../../trace/codec.ts';
import { I32 } from '../../trace/grow.ts';

/** Entries a node's message list holds before it is copied into a bigger one (see grow.ts). */
const NODE_LIST_RESERVED = 1 << 12;
import type { MessageIndex } from '../../trace/messages.ts';
import type { TraceStore } from '../../trace/store.ts';
import { compactValue } from '../log/records.ts';

export interface Traffic {
  /** Messages it sent (a duplicate copy the network made counts again). */
  sent: number;
  /** Messages delivered to it. */
  received: number;
  /** Of the messages it sent, those the network dropped. */
  droppedSent: number;
  /** Of the messages sent to it, those the network dropped. */
  droppedTo: number;
}

type Counter = keyof Traffic;
const COUNTERS: Counter[] = ['sent', 'received', 'droppedSent', 'droppedTo'];

/** Per node and counter: indexes of the records that count, ascending. */
class TrafficIndex {
  readonly lists: Record<Counter, I32>[];
  scanned = 0;

  constructor(
    readonly store: TraceStore,
    readonly messages: MessageIndex,
  ) {
    // Four lists per node: each reserves little address space (a big system has thousands of
    // nodes) and is copied into a bigger reservation on the rare node that outgrows it.
    const list = () => new I32(64, NODE_LIST_RESERVED);
    this.lists = Array.from({ length: store.nodeCount }, () => ({ sent: list(), received: list(), droppedSent: list(), droppedTo: list() }));
  }

  update(): void {
    const s = this.store;
    const send = s.code('send');
    const dup = s.code('dup');
    const deliver = s.code('deliver');
    const drop = s.code('drop');
    const dropTo = s.field(drop, 'to');
    for (let i = this.scanned; i < s.count; i++) {
      const kind = s.k[i];
      if (kind !== send && kind !== dup && kind !== deliver && kind !== drop) continue;
      const node = s.nodeOf(i);
      if (node < 0) continue;
      if (kind === deliver) this.lists[node].received.push(i);
      else if (kind === drop) {
        this.lists[node].droppedSent.push(i);
        const to = dropTo < 0 ? -1 : s.nodeOfString[s.f[i * FIELDS + dropTo]];
        if (to >= 0) this.lists[to].droppedTo.push(i);
      } else this.lists[node].sent.push(i);
    }
    this.scanned = s.count;
  }
}

const indexes = new WeakMap<TraceStore, TrafficIndex>();

/** The node's traffic in records [0, limit) (e.g. `store.upperBound(cursor)`). */
export function trafficOf(store: TraceStore, node: number, limit: number): Traffic {
  let index = indexes.get(store);
  // A what-if branch cuts the recording back and rebuilds the store's message index: start over.
  if (!index || index.messages !== store.messages || index.scanned > store.count) {
    index = new TrafficIndex(store, store.messages);
    indexes.set(store, index);
  }
  index.update();
  const lists = index.lists[node];
  const out: Traffic = { sent: 0, received: 0, droppedSent: 0, droppedTo: 0 };
  if (!lists) return out;
  for (const c of COUNTERS) out[c] = countBelow(lists[c], limit);
  return out;
}

function countBelow(list: I32, limit: number): number {
  let lo = 0;
  let hi = list.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.a[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keys the inspector shows in its heading, not in the configuration. */
const SHOWN_ELSEWHERE = new Set(['id', 'label', 'kind', 'position']);

/**
 * The node's (or workload client's) part of the scenario as `key: value` lines, defaults
 * filled in: `workers: 8`, `serviceTime: {type: exponential, meanMs: 20}`, one line per
 * policy of a call path. Empty when the scenario has no such node.
 */
export function configLines(scenario: Scenario, id: string): string[] {
  const spec: object | undefined = scenario.nodes.find((n) => n.id === id) ?? scenario.workloads.find((w) => w.id === id);
  if (!spec) return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (SHOWN_ELSEWHERE.has(key) || value === undefined || value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (key === 'calls' && Array.isArray(value)) lines.push(...callLines(value));
    else lines.push(`${key}: ${compactValue(value)}`);
  }
  return lines;
}

/** A service's calls: one line for the call, one per policy of its path (outermost first). */
function callLines(calls: unknown[]): string[] {
  const lines: string[] = [];
  for (const call of calls) {
    if (!call || typeof call !== 'object') continue;
    const { to, callPath, ...rest } = call as Record<string, unknown>;
    // A switch that is off (propagateDeadline: false…) says nothing about the call.
    const extra = Object.entries(rest).filter(([, v]) => v !== undefined && v !== null && v !== false);
    lines.push(`calls ${String(to)}${extra.length ? ` ${compactValue(Object.fromEntries(extra))}` : ''}`);
    if (Array.isArray(callPath)) {
      for (const policy of callPath) {
        const { type, ...params } = (policy ?? {}) as Record<string, unknown>;
        lines.push(`  ${String(type)} ${compactValue(params)}`);
      }
    }
  }
  return lines;
}
