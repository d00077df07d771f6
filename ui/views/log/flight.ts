/**
 * A message's whole flight, looked up from any of its records: the `send` (or `dup`) that
 * started it and the `deliver` or `drop` that ended it, with times, ends and the reason of a
 * drop. The event log uses it to name a dropped message's type; the inspector to show the
 * flight of a selected message and link its two ends.
 *
 * It reads the store's message index (ui/trace/messages.ts). Message ids are handed out in
 * send order by the one network (sim/net/network.ts), and a duplicate copy is recorded right
 * after its send, so the index's `msg` column never decreases: a binary search finds an id.
 */
import { DELIVERED, DROPPED } from '../../trace/messages.ts';
import type { TraceStore } from '../../trace/store.ts';

export interface Flight {
  /** Index in `store.messages`. */
  index: number;
  msg: number;
  /** `request`, `response`, a pattern's own message type… ('' when unknown). */
  type: string;
  from: number;
  to: number;
  sentUs: number;
  /** Record index of the `send` (or of the `dup` for a duplicate copy). */
  sendRecord: number;
  /** A duplicate copy made by the network. */
  duplicate: boolean;
  end: 'open' | 'delivered' | 'dropped';
  /** When it ended; null while it is still in flight at the end of the recording. */
  endUs: number | null;
  /** Record index of the `deliver` or `drop`; -1 while open. */
  endRecord: number;
  /** Why it was dropped ('' unless dropped). */
  reason: string;
  /** The message this one answers or was caused by (-1 for none). */
  parent: number;
}

/** Kinds whose records belong to a message flight. */
export const MESSAGE_KINDS: ReadonlySet<string> = new Set(['send', 'deliver', 'drop', 'dup']);

/** Message indexes of every flight of message `id` (the original and its duplicate copies). */
export function flightsOfMessage(store: TraceStore, id: number): number[] {
  const m = store.messages;
  const out: number[] = [];
  for (let idx = firstFlight(store, id); idx >= 0 && idx < m.count && m.msg.a[idx] === id; idx++) out.push(idx);
  return out;
}

/** Message index of the first flight of message `id`, or -1. */
function firstFlight(store: TraceStore, id: number): number {
  const m = store.messages;
  const msg = m.msg.a;
  let lo = 0;
  let hi = m.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (msg[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo < m.count && msg[lo] === id ? lo : -1;
}

/** The message id of record i, or null when it is not a message record. */
export function messageIdOf(store: TraceStore, i: number): number | null {
  const kind = store.kinds[store.k[i]];
  if (!kind || !MESSAGE_KINDS.has(kind.name)) return null;
  const j = kind.fields.indexOf('msg');
  return j < 0 ? null : store.num(i, j);
}

/** The type of message `id` ('' when no flight of it is recorded), from `strings` (the store's table or a copy). */
export function messageType(store: TraceStore, id: number, strings: readonly string[] = store.strings): string {
  return strings[messageTypeId(store, id)] ?? '';
}

/** The string id of message `id`'s type, or -1 when no flight of it is recorded. */
export function messageTypeId(store: TraceStore, id: number): number {
  const first = firstFlight(store, id);
  return first < 0 ? -1 : store.messages.type.a[first];
}

/** The flight record i starts or ends, or null when it is not a message record (or no flight matches). */
export function flightOfRecord(store: TraceStore, i: number): Flight | null {
  const id = messageIdOf(store, i);
  if (id === null) return null;
  const flights = flightsOfMessage(store, id);
  const kindName = store.kinds[store.k[i]].name;
  const m = store.messages;
  if (kindName === 'send' || kindName === 'dup') {
    const idx = flights.find((f) => m.rec.a[f] === i);
    return idx === undefined ? null : flight(store, idx);
  }
  // A deliver or drop: the flight that ended then, that way. Two copies of one message can end
  // at the same instant; the index gives ends to flights in start order, so the n-th such
  // record belongs to the n-th such flight.
  const how = kindName === 'deliver' ? DELIVERED : DROPPED;
  const t = store.t[i];
  const rank = endRecordsAt(store, id, t, kindName).indexOf(i);
  const candidates = flights.filter((f) => m.end.a[f] === how && m.endT.a[f] === t);
  const idx = candidates[Math.max(0, rank)];
  return idx === undefined ? null : flight(store, idx);
}

/** The flight at message index `idx`, with the record that ended it. */
export function flight(store: TraceStore, idx: number): Flight {
  const m = store.messages;
  const id = m.msg.a[idx];
  const how = m.end.a[idx];
  const end = how === DELIVERED ? 'delivered' : how === DROPPED ? 'dropped' : 'open';
  const endUs = end === 'open' ? null : m.endT.a[idx];
  const sendRecord = m.rec.a[idx];
  const sendKind = store.kinds[store.k[sendRecord]];
  const parentField = sendKind.name === 'send' ? sendKind.fields.indexOf('parent') : -1;
  let endRecord = -1;
  if (endUs !== null) {
    const kindName = end === 'delivered' ? 'deliver' : 'drop';
    const rank = flightsOfMessage(store, id).filter((f) => m.end.a[f] === how && m.endT.a[f] === endUs).indexOf(idx);
    endRecord = endRecordsAt(store, id, endUs, kindName)[Math.max(0, rank)] ?? -1;
  }
  return {
    index: idx,
    msg: id,
    type: store.strings[m.type.a[idx]] ?? '',
    from: m.from.a[idx],
    to: m.to.a[idx],
    sentUs: m.sendT.a[idx],
    sendRecord,
    duplicate: sendKind.name === 'dup',
    end,
    endUs,
    endRecord,
    reason: end === 'dropped' ? store.strings[m.reason.a[idx]] : '',
    parent: parentField < 0 ? -1 : store.num(sendRecord, parentField),
  };
}

/** Indexes of the `kindName` records (deliver or drop) of message `id` at time t, in record order. */
function endRecordsAt(store: TraceStore, id: number, t: number, kindName: string): number[] {
  const code = store.code(kindName);
  const msgField = store.field(code, 'msg');
  if (code < 0 || msgField < 0) return [];
  const out: number[] = [];
  const last = store.upperBound(t);
  for (let r = store.upperBound(t - 1); r < last; r++) {
    if (store.k[r] === code && store.num(r, msgField) === id) out.push(r);
  }
  return out;
}
