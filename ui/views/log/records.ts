/**
 * Trace records as readable text, for the event log's rows, its text filter and the
 * inspector: `request #123 users → server`, `request #1814 users → server: node-down`,
 * `breaker.state = OPEN`, `crash restartAfterMs 5000`. Read straight from the store's columns
 * (ui/trace/store.ts) one record at a time. `#n` is always a message id (the ids of requests
 * in spans and of calls through policies are plain numbers), so `#42` finds one message.
 *
 * The text filter turns every record of a long trace into its line, so each kind's line is
 * made by a function prepared once per kind (field positions looked up in advance), and a
 * line can be made from a lower-cased copy of the string table to search without case.
 */
import { FIELDS, type KindInfo } from '../../trace/codec.ts';
import type { TraceStore } from '../../trace/store.ts';
import { messageType } from './flight.ts';

/** Makes record i's line; `strings` is the store's string table or a lower-cased copy of it. */
type Describer = (store: TraceStore, i: number, strings: readonly string[]) => string;

/** The name of record i's own node ('' for records of the run or the network). */
export function recordNode(store: TraceStore, i: number): string {
  return store.strings[store.node[i]] ?? '';
}

export function recordKind(store: TraceStore, i: number): string {
  return store.kinds[store.k[i]]?.name ?? '?';
}

/** The record's fields as `name: value` pairs, in the kind's order (node fields by name). */
export function recordFields(store: TraceStore, i: number): [string, string | number][] {
  const kind = store.kinds[store.k[i]];
  if (!kind) return [];
  return kind.fields.map((name, j) => [name, kind.strings[j] ? store.str(i, j) : store.num(i, j)]);
}

/**
 * Record i's fields as one line of text; its time, node and kind have their own columns in
 * the log, so they are not repeated here.
 */
export function describeRecord(store: TraceStore, i: number, strings: readonly string[] = store.strings): string {
  const kind = store.kinds[store.k[i]];
  return kind ? describerOf(kind)(store, i, strings) : '';
}

/** Everything the log's text filter searches in a record: node, kind and fields. */
export function recordLine(store: TraceStore, i: number, strings: readonly string[] = store.strings): string {
  const kind = store.kinds[store.k[i]];
  if (!kind) return '';
  return `${strings[store.node[i]]} ${kind.name} ${describerOf(kind)(store, i, strings)}`;
}

/**
 * What the text filter's shortcut (filter.ts) may rely on. In the lines of LINE_KINDS every
 * field value and number stands between LINE_SEPARATORS (or the line's ends), and the only
 * other words are LINE_WORDS and the node and kind names. So a piece of search text without
 * separators is found in such a line only inside one string of the store's table, one number
 * or one of those words. Keep this true when changing a line below.
 */
export const LINE_SEPARATORS = /[\s#→:=()—·✓✗]/;
export const LINE_KINDS: ReadonlySet<string> = new Set(['send', 'deliver', 'drop', 'dup', 'state', 'work', 'timer', 'span', 'call', 'limit']);
export const LINE_WORDS: readonly string[] = ['request', 'for', 'dropped', 'duplicated', 'in', 'ms', 'call', 'run', 'stopped', 'nan', 'infinity'];

/** KindInfo objects live as long as their store, so a describer is prepared once per kind. */
const describers = new WeakMap<KindInfo, Describer>();

function describerOf(kind: KindInfo): Describer {
  let d = describers.get(kind);
  if (!d) {
    d = prepare(kind);
    describers.set(kind, d);
  }
  return d;
}

function prepare(kind: KindInfo): Describer {
  const at = (name: string) => kind.fields.indexOf(name);
  // Field readers: a string field through the given table, a number as it is; '' if absent.
  const text = (name: string) => {
    const j = at(name);
    return j < 0 ? () => '' : (store: TraceStore, i: number, strings: readonly string[]) => strings[store.f[i * FIELDS + j]] ?? '';
  };
  const num = (name: string) => {
    const j = at(name);
    return j < 0 ? () => NaN : (store: TraceStore, i: number) => store.num(i, j);
  };
  const node = (store: TraceStore, i: number, strings: readonly string[]) => strings[store.node[i]] ?? '';
  switch (kind.name) {
    case 'send': {
      const [type, msg, to, parent] = [text('type'), num('msg'), text('to'), num('parent')];
      return (s, i, t) => {
        const p = parent(s, i);
        return `${type(s, i, t)} #${msg(s, i)} ${node(s, i, t)} → ${to(s, i, t)}${p >= 0 ? ` (for #${p})` : ''}`;
      };
    }
    case 'deliver': {
      const [type, msg, from] = [text('type'), num('msg'), text('from')];
      return (s, i, t) => `${type(s, i, t)} #${msg(s, i)} ${from(s, i, t)} → ${node(s, i, t)}`;
    }
    case 'drop': {
      const [msg, to, reason] = [num('msg'), text('to'), text('reason')];
      return (s, i, t) => `${typed(s, msg(s, i), t)} ${node(s, i, t)} → ${to(s, i, t)}: ${reason(s, i, t) || 'dropped'}`;
    }
    case 'dup': {
      const [msg, to] = [num('msg'), text('to')];
      return (s, i, t) => `${typed(s, msg(s, i), t)} ${node(s, i, t)} → ${to(s, i, t)} duplicated`;
    }
    case 'state': {
      const [key, value] = [text('key'), text('value')];
      return (s, i, t) => `${key(s, i, t)} = ${value(s, i, t)}`;
    }
    case 'work': {
      const [msg, phase] = [num('msg'), text('phase')];
      return (s, i, t) => `#${msg(s, i)} ${phase(s, i, t)}`;
    }
    case 'timer':
      return text('tag');
    case 'fault': {
      const [fault, detail] = [text('fault'), at('detail')];
      // The detail is JSON, parsed from the original text (faults are few).
      return (s, i, t) => describeFaultRecord(fault(s, i, s.strings), detail < 0 ? '' : s.str(i, detail), t !== s.strings);
    }
    case 'span': {
      const [req, outcome, latency] = [num('req'), text('outcome'), num('latencyUs')];
      // Milliseconds to the microsecond, plainly: this runs for every span the filter reads.
      return (s, i, t) => `request ${req(s, i)}: ${outcome(s, i, t)} in ${latency(s, i) / 1000} ms`;
    }
    case 'call': {
      const [call, layer, event] = [num('call'), text('layer'), text('event')];
      return (s, i, t) => `call ${call(s, i)} ${layer(s, i, t)}: ${event(s, i, t)}`;
    }
    case 'check': {
      const [name, ok, detail] = [text('name'), num('ok'), text('detail')];
      return (s, i, t) => {
        const d = detail(s, i, t);
        return `${ok(s, i) ? '✓' : '✗'} ${name(s, i, t)}${d ? ` — ${d}` : ''}`;
      };
    }
    case 'limit': {
      const reason = text('reason');
      return (s, i, t) => `run stopped: ${reason(s, i, t)}`;
    }
    default:
      // A kind this file does not know yet: its fields as they are.
      return (s, i, t) => kind.fields.map((name, j) => `${name} ${kind.strings[j] ? t[s.f[i * FIELDS + j]] : s.num(i, j)}`).join(' · ');
  }
}

/** `request #12`, or `#12` when the message's send is not recorded. */
function typed(store: TraceStore, id: number, strings: readonly string[]): string {
  const type = messageType(store, id, strings);
  return type ? `${type} #${id}` : `#${id}`;
}

/** Keys of a fault's detail that the log shows elsewhere (the node column, the fault's name). */
const FAULT_DETAIL_SHOWN_ELSEWHERE = new Set(['id', 'type', 'node']);

/** `crash restartAfterMs 5000`, `partition groups [[a, b], [c]]`, `slow-end`; lower-cased for the filter. */
export function describeFaultRecord(type: string, detailJson: string, lowerCase = false): string {
  let detail: Record<string, unknown> = {};
  let line: string;
  try {
    const parsed: unknown = JSON.parse(detailJson);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) detail = parsed as Record<string, unknown>;
    const parts = Object.entries(detail)
      .filter(([key, value]) => !FAULT_DETAIL_SHOWN_ELSEWHERE.has(key) && value !== null && value !== undefined)
      .map(([key, value]) => `${key} ${compactValue(value)}`);
    line = [type, ...parts].join(' ');
  } catch {
    line = detailJson ? `${type} ${detailJson}` : type;
  }
  return lowerCase ? line.toLowerCase() : line;
}

/** A JSON value as short text without quotes: `5000`, `[a, b]`, `{type: uniform, minMs: 1}`. */
export function compactValue(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  if (depth > 6) return '…';
  if (Array.isArray(value)) return `[${value.map((v) => compactValue(v, depth + 1)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${k}: ${compactValue(v, depth + 1)}`).join(', ')}}`;
}
