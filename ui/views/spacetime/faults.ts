/**
 * Faults as spans of time for the space-time diagram: a crash lasts until the node's restart,
 * a pause until its resume, a partition until its heal or its end, a fault with a duration
 * until its `-end` record (matched by the fault id in the record's detail). Faults on no node
 * (partitions, network-wide latency or loss) span every lane. Pure, from `store.faults`.
 */
import type { FaultMark } from '../../trace/store.ts';

export interface FaultSpan {
  /** Node index, or -1 for the whole network. */
  node: number;
  /** The fault's type: `crash`, `restart` (booting), `pause`, `partition`, `slow`… */
  type: string;
  fromUs: number;
  /** Infinity while it has not ended (in the recording so far). */
  toUs: number;
  /** The fault record's detail (JSON text), for the tooltip. */
  detail: string;
}

/** Kinds of fault with no lasting effect worth a band (clock skew and a mesh's configuration are settings, not outages). */
const INSTANT = new Set(['clock-skew', 'heal', 'resume', 'mesh-config']);

export function faultSpans(faults: readonly FaultMark[]): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const byId = new Map<number, FaultSpan>();
  /** Close the open spans of `type` on `node` (all nodes when node is null) at `t`. */
  const close = (type: string, node: number | null, t: number) => {
    for (const s of spans) if (s.type === type && s.toUs === Infinity && (node === null || s.node === node)) s.toUs = t;
  };
  for (const f of faults) {
    const detail = parseDetail(f.detail);
    // A scale-in's end is the end of its drain: the instance is down from then on, until a scale-out.
    if (f.type === 'scale-in-end') continue;
    if (f.type.endsWith('-end')) {
      const span = typeof detail.id === 'number' ? byId.get(detail.id) : undefined;
      if (span && span.toUs === Infinity) span.toUs = f.t;
      continue;
    }
    if (f.type === 'restart') close('crash', f.node, f.t);
    else if (f.type === 'scale-out') close('scale-in', f.node, f.t);
    else if (f.type === 'resume') close('pause', f.node, f.t);
    else if (f.type === 'heal') close('partition', null, f.t);
    // A restart without boot time is over at once: a mark, not a band.
    const instant = INSTANT.has(f.type) || (f.type === 'restart' && !(Number(detail.bootMs) > 0));
    const span: FaultSpan = { node: f.node, type: f.type, fromUs: f.t, toUs: instant ? f.t : Infinity, detail: f.detail };
    spans.push(span);
    if (typeof detail.id === 'number') byId.set(detail.id, span);
  }
  return spans;
}

function parseDetail(text: string): Record<string, unknown> {
  if (!text.startsWith('{')) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One line for a fault's tooltip: "crash of server, 10 s → 15 s". */
export function describeFault(span: FaultSpan, nodeLabel: string, formatTime: (us: number) => string): string {
  const where = span.node >= 0 ? ` of ${nodeLabel}` : ' (network)';
  const when = span.toUs === span.fromUs ? `at ${formatTime(span.fromUs)}` : span.toUs === Infinity ? `from ${formatTime(span.fromUs)}` : `${formatTime(span.fromUs)} → ${formatTime(span.toUs)}`;
  const detail = parseDetail(span.detail);
  const extra = Object.entries(detail)
    .filter(([k, v]) => k !== 'id' && k !== 'type' && k !== 'node' && v !== null)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return `${span.type}${where}, ${when}${extra ? ` (${extra})` : ''}`;
}
