import type { TraceRecord } from '../engine/trace.ts';
import type { FaultLogEntry } from '../faults/faults.ts';
import { breakerParams } from '../patterns/circuit-breaker.defaults.ts';
import { workloadCallPath } from '../scenario/build.ts';
import type { Scenario } from '../scenario/schema.ts';
import { isCategorical } from './collect.ts';

/** Faults as spans of time (a crash until its restart, a slowdown until it ends) or instants. */
export interface FaultMark {
  startMs: number;
  /** null: an instant (clock skew, a heal); a span that never ends runs to the end of the run. */
  endMs: number | null;
  label: string;
}

const SPAN_FAULTS = new Set(['crash', 'pause', 'partition', 'latency', 'loss', 'slow', 'brownout']);

/**
 * Fault marks from the trace's fault records: `<type>` opens a span, `<type>-end` (same id)
 * closes it, `restart`/`resume` close a crash/pause of the node, `heal` closes every
 * partition. Without fault records, from the fault log (a timeline's `durationMs`).
 */
export function faultMarks(records: readonly TraceRecord[], faultLog: readonly FaultLogEntry[], endMs: number): FaultMark[] {
  const faults = records.filter((r) => r.k === 'fault');
  if (faults.length === 0) return marksFromLog(faultLog, endMs);
  const marks: FaultMark[] = [];
  const open: { mark: FaultMark; id: unknown; type: string; node: string }[] = [];
  const close = (i: number, t: number) => {
    open[i].mark.endMs = t;
    open.splice(i, 1);
  };
  for (const r of faults) {
    const type = String(r.fault);
    const t = r.t / 1000;
    const detail = parseDetail(r.detail);
    if (type.endsWith('-end')) {
      const i = open.findIndex((o) => o.id === detail.id);
      if (i >= 0) close(i, t);
      continue;
    }
    if (type === 'restart' || type === 'resume') {
      const i = open.findIndex((o) => o.node === r.node && o.type === (type === 'restart' ? 'crash' : 'pause'));
      if (i >= 0) close(i, t);
      if (type === 'restart' && i >= 0) continue;
    }
    if (type === 'heal') {
      for (let i = open.length - 1; i >= 0; i--) if (open[i].type === 'partition') close(i, t);
    }
    const mark: FaultMark = { startMs: t, endMs: null, label: faultLabel(type, r.node, detail) };
    marks.push(mark);
    if (SPAN_FAULTS.has(type)) {
      mark.endMs = endMs;
      open.push({ mark, id: detail.id, type, node: r.node });
    }
  }
  return marks;
}

function marksFromLog(log: readonly FaultLogEntry[], endMs: number): FaultMark[] {
  return log.map((e) => {
    const f = e.fault as { type: string; node?: string; durationMs?: number | null; restartAfterMs?: number | null };
    const startMs = e.atUs / 1000;
    const lasting = f.durationMs ?? f.restartAfterMs;
    const endOfSpan = SPAN_FAULTS.has(f.type) ? (typeof lasting === 'number' ? Math.min(endMs, startMs + lasting) : endMs) : null;
    return { startMs, endMs: endOfSpan, label: faultLabel(f.type, f.node ?? '', f as Record<string, unknown>) };
  });
}

function parseDetail(detail: unknown): Record<string, unknown> {
  if (typeof detail !== 'string') return {};
  try {
    const v: unknown = JSON.parse(detail);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function faultLabel(type: string, node: string, detail: Record<string, unknown>): string {
  const parts = [type];
  if (node) parts.push(node);
  if (typeof detail.factor === 'number') parts.push(`×${detail.factor}`);
  if (typeof detail.extraMs === 'number') parts.push(`+${detail.extraMs} ms`);
  if (typeof detail.probability === 'number') parts.push(`p=${detail.probability}`);
  if (typeof detail.errorProbability === 'number') parts.push(`errors p=${detail.errorProbability}`);
  if (typeof detail.skewMs === 'number') parts.push(`${detail.skewMs} ms`);
  if (type === 'partition' && Array.isArray(detail.groups)) parts.push(detail.groups.map((g) => (Array.isArray(g) ? g.join(',') : '')).join(' | '));
  return parts.join(' ');
}

/** One row of state bands: a named state over time. */
export interface StateBand {
  key: string;
  label: string;
  segments: { fromMs: number; toMs: number; value: string; inferred: boolean }[];
}

/**
 * State bands from `state` records whose values are names: a pattern's state (keys ending
 * in `.state`, e.g. a breaker's CLOSED/OPEN/HALF_OPEN), a node's status (`status`), and
 * other named states (ejections, health). Before a key's first record its value is inferred
 * where the scenario says it (a breaker's initial state, a node starts up) and left blank
 * otherwise.
 */
export function stateBands(records: readonly TraceRecord[], scenario: Scenario, endMs: number, maxBands = 24): StateBand[] {
  const initial = initialStates(scenario);
  const byKey = new Map<string, { node: string; key: string; changes: { t: number; value: string }[] }>();
  for (const r of records) {
    if (r.k !== 'state' || !isCategorical(String(r.value))) continue;
    const key = String(r.key);
    const id = key === 'status' ? `${r.node} status` : key;
    let entry = byKey.get(id);
    if (entry === undefined) {
      entry = { node: r.node, key, changes: [] };
      byKey.set(id, entry);
    }
    entry.changes.push({ t: r.t / 1000, value: String(r.value) });
  }
  // Pattern states first (what the report is about), node status after.
  const ids = [...byKey.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, maxBands);
  return ids.map((id) => {
    const { key, changes } = byKey.get(id)!;
    const segments: StateBand['segments'] = [];
    const first = changes[0];
    const before = key === 'status' ? 'up' : initial.get(key);
    if (first.t > 0 && before !== undefined) segments.push({ fromMs: 0, toMs: first.t, value: before, inferred: true });
    changes.forEach((c, i) => {
      const toMs = i + 1 < changes.length ? changes[i + 1].t : endMs;
      if (toMs > c.t || i + 1 === changes.length) segments.push({ fromMs: c.t, toMs: Math.max(toMs, c.t), value: c.value, inferred: false });
    });
    return { key: id, label: id, segments };
  });
}

function rank(id: string): number {
  if (id.endsWith('.state')) return 0;
  if (id.endsWith(' status')) return 2;
  return 1;
}

/** Initial states the scenario implies: each circuit breaker's `initialState`. */
function initialStates(scenario: Scenario): Map<string, string> {
  const out = new Map<string, string>();
  const paths = [
    ...scenario.workloads.map((w) => ({ path: w.id, specs: workloadCallPath(w) })),
    ...scenario.nodes.flatMap((n) => (n.kind === 'service' ? n.calls.map((c) => ({ path: `${n.id}->${c.to}`, specs: c.callPath })) : [])),
  ];
  for (const { path, specs } of paths) {
    for (const spec of specs) {
      if (spec.type !== 'circuit-breaker') continue;
      out.set(`${path}.${spec.name ?? spec.type}.state`, breakerParams(spec).initialState);
    }
  }
  return out;
}
