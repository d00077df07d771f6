/**
 * What the editor's canvas draws, from a design: a box per node and workload as written (a
 * group is one box), at its position hint (or where the sandbox's layout would put it), and an
 * arrow per call — workloads to their targets, services to their calls, any kind's calls through
 * the node-kind registry (a gateway's routes) — plus dashed lines for the other node
 * references kinds declare (a saga's steps, a projector's store). Pure, tested in Node.
 */
import { NODE_KIND_CALLS, NODE_KIND_REFERENCES } from '../../sim/patterns/node-kind-schemas.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { computeLayout } from '../layout.ts';

export interface CanvasBox {
  id: string;
  kind: string;
  /** `workload` or `node`: which list of the file it is in. */
  list: 'workloads' | 'nodes';
  index: number;
  x: number;
  y: number;
  /** True when the position is the file's own hint (false: laid out for it). */
  placed: boolean;
  /** A group's count. */
  count: number | null;
}

export interface CanvasArrow {
  from: string;
  to: string;
  /** `call`: requests flow; `reference`: the kind names the node (dashed). */
  kind: 'call' | 'reference';
  /** A service's call index, for selecting the call. */
  call: number | null;
}

export interface CanvasModel {
  boxes: CanvasBox[];
  arrows: CanvasArrow[];
}

export function canvasModel(scenario: Scenario): CanvasModel {
  const written = scenario.declared ?? scenario;
  const laidOut = new Map(computeLayout(scenario).nodes.map((n) => [n.id, n]));
  const boxes: CanvasBox[] = [];
  const place = (spec: { id: string; kind: string; position?: { x: number; y: number }; count?: number }, list: CanvasBox['list'], index: number) => {
    const auto = laidOut.get(spec.id) ?? laidOut.get(`${spec.id}-0`);
    const at = spec.position ?? { x: auto?.x ?? index * 200, y: auto?.y ?? (list === 'workloads' ? 0 : 150) };
    boxes.push({ id: spec.id, kind: spec.kind, list, index, x: at.x, y: at.y, placed: spec.position !== undefined, count: spec.count ?? null });
  };
  written.workloads.forEach((w, i) => place(w, 'workloads', i));
  written.nodes.forEach((n, i) => place(n, 'nodes', i));
  // A balancer over a group names an instance; the canvas draws the group's box.
  const groupOf = new Map(scenario.nodes.flatMap((n) => ('group' in n && typeof n.group === 'string' ? [[n.id, n.group] as const] : [])));
  const arrows: CanvasArrow[] = [];
  for (const w of written.workloads) arrows.push({ from: w.id, to: w.target, kind: 'call', call: null });
  for (const n of written.nodes) {
    if (n.kind === 'service') {
      n.calls.forEach((c, j) => arrows.push({ from: n.id, to: c.to, kind: 'call', call: j }));
      continue;
    }
    const calls = NODE_KIND_CALLS[n.kind]?.(n) ?? [];
    for (const c of calls) arrows.push({ from: n.id, to: c.to, kind: 'call', call: null });
    const called = new Set(calls.map((c) => c.to));
    for (const r of NODE_KIND_REFERENCES[n.kind]?.(n) ?? []) if (!called.has(r.id)) arrows.push({ from: n.id, to: r.id, kind: 'reference', call: null });
  }
  return { boxes, arrows: dedupe(arrows.map((a) => ({ ...a, to: groupOf.get(a.to) ?? a.to }))) };
}

function dedupe(arrows: CanvasArrow[]): CanvasArrow[] {
  const seen = new Set<string>();
  return arrows.filter((a) => {
    const key = `${a.from}→${a.to}:${a.kind}:${a.call}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
