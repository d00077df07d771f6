/**
 * Colours of messages by type, the same in the topology and the space-time diagram. Requests
 * and responses are blue and green; the
 * other types (2PC's prepare, vote, commit, ack; a saga's data.request and data.result…) each
 * get a colour of their own, in the order they first appear in the trace — so a 2PC round
 * reads as four colours, phase by phase — up to PALETTE's length; the rest share `other`.
 */
import type { TraceStore } from './store.ts';

export const REQUEST_COLOR = '#2453a6';
export const RESPONSE_COLOR = '#1f7a44';
export const OTHER_COLOR = '#7b4fb0';
/** Distinct from blue, green and the drop red. */
const PALETTE = ['#7b4fb0', '#00838f', '#c2571a', '#ad1457', '#6d4c41', '#827717'];

export interface TypeColor {
  /** String id of the message type. */
  type: number;
  name: string;
  color: string;
}

interface Cached {
  scanned: number;
  types: TypeColor[];
  byType: Map<number, string>;
}

const cache = new WeakMap<TraceStore['messages'], Cached>();

/** The message types other than request/response seen so far, with their colours, in first-seen order. */
export function otherTypeColors(store: TraceStore): TypeColor[] {
  return scan(store).types;
}

/** Colour of a message type (a string id). */
export function colorOfType(store: TraceStore, type: number): string {
  return typeColors(store)(type);
}

/** A lookup from message type (string id) to colour, for drawing many messages in one frame. */
export function typeColors(store: TraceStore): (type: number) => string {
  const request = store.stringId('request');
  const response = store.stringId('response');
  const byType = scan(store).byType;
  return (type) => (type === request ? REQUEST_COLOR : type === response ? RESPONSE_COLOR : (byType.get(type) ?? OTHER_COLOR));
}

function scan(store: TraceStore): Cached {
  const m = store.messages;
  let c = cache.get(m);
  if (!c) {
    c = { scanned: 0, types: [], byType: new Map() };
    cache.set(m, c);
  }
  if (c.scanned === m.count) return c;
  const request = store.stringId('request');
  const response = store.stringId('response');
  const types = m.type.a;
  for (let i = c.scanned; i < m.count; i++) {
    const t = types[i];
    if (t === request || t === response || c.byType.has(t)) continue;
    const color = c.types.length < PALETTE.length ? PALETTE[c.types.length] : OTHER_COLOR;
    c.byType.set(t, color);
    if (c.types.length < PALETTE.length) c.types.push({ type: t, name: store.strings[t] ?? '', color });
  }
  c.scanned = m.count;
  return c;
}
