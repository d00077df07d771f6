/**
 * Where the topology draws each node: the scenario's `position` when it gives one, otherwise a
 * d3-force layout that is the same on every load — initial positions from the node order and
 * call depth, d3-force's own seeded LCG for tie-breaking, a fixed number of ticks, no
 * Math.random and no timer — so the picture (and the screenshots) never move between runs.
 */
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3';
import type { Scenario } from '../sim/scenario/schema.ts';

export interface LayoutNode {
  /** Engine node index: scenario nodes, then workload clients. */
  index: number;
  id: string;
  label: string;
  /** `service`, `client`, or a pattern's node kind. */
  kind: string;
  /** Workers of a generic service (for its busy bar), else 0. */
  workers: number;
  /** Queue capacity of a generic service, null when unbounded. */
  queueCapacity: number | null;
  x: number;
  y: number;
  /**
   * A member of a big group (more than DRAWN_AS_ONE members) is drawn as its group: one box at
   * the place of the group's first member (`drawnAs`, a node index; its own index otherwise).
   * The first member's box carries `group` (the group's id, the box's label, its members' indexes).
   */
  drawnAs: number;
  group: { id: string; label: string; members: number[] } | null;
}

export interface Layout {
  nodes: LayoutNode[];
  /** Node index pairs (a < b) that talk to each other according to the scenario. */
  links: [number, number][];
}

/** Gaps between call depths, between columns of one depth, and between rows; layout units. */
const DEPTH_DX = 380;
const COLUMN_DX = 200;
const SIBLING_DY = 130;
const TICKS = 300;
/**
 * The room a node takes, layout units: its box is 160 wide (NODE_W in topology/view.ts) and,
 * with its badges hanging below, up to ~110 tall; plus a gap. Boxes that overlap after the force
 * layout (its collision force is circular, so two nodes side by side could sit 126 apart and
 * draw over each other's text) are pushed apart sideways.
 */
const BOX_W = 180;
const BOX_H = 118;
/** A group with more members than this is drawn as one box (hundreds of boxes are unreadable). */
export const DRAWN_AS_ONE = 50;

interface ForceNode extends SimulationNodeDatum {
  index: number;
  depth: number;
}

export function computeLayout(scenario: Scenario): Layout {
  const specs: PlacedSpec[] = [
    ...scenario.nodes.map((n) => ({
      id: n.id,
      group: groupOf(n),
      kind: n.kind,
      label: n.label,
      position: n.position,
      spec: n,
      // A consuming service is drawn by its receivers: they are what is busy processing messages.
      workers: n.kind === 'service' ? (n.consume?.receivers ?? n.workers) : 0,
      queueCapacity: n.kind === 'service' ? n.queueCapacity : null,
    })),
    ...scenario.workloads.map((w) => ({ id: w.id, group: groupOf(w), kind: 'client', label: w.label, position: w.position, spec: w, workers: 0, queueCapacity: null })),
  ];
  const index = new Map(specs.map((s, i) => [s.id, i]));

  // Who refers to whom: any string in a node's spec that names another node (a workload's
  // target, a service's calls, a balancer's hosts, a coordinator's participants…).
  const edges: [number, number][] = [];
  const seen = new Set<string>();
  const addEdge = (from: number, to: number) => {
    if (from === to) return;
    const key = `${from}>${to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push([from, to]);
  };
  specs.forEach((s, i) => {
    for (const ref of strings(s.spec)) {
      const j = index.get(ref);
      if (j !== undefined && ref !== s.id) addEdge(i, j);
    }
    // A node that takes from another (a consumer's queue) is downstream of it: work flows from there.
    for (const ref of upstreamStrings(s.spec)) {
      const j = index.get(ref);
      if (j !== undefined && ref !== s.id) addEdge(j, i);
    }
  });
  for (const l of scenario.links) {
    const a = index.get(l.from);
    const b = index.get(l.to);
    if (a !== undefined && b !== undefined) addEdge(a, b);
  }

  // Big groups become one box: place only the boxes, then give every member its box's place.
  const drawnAs = drawnAsIndexes(specs);
  const shown = specs.map((_, i) => i).filter((i) => drawnAs[i] === i);
  const shownIndex = new Map(shown.map((i, k) => [i, k]));
  const drawnEdges = dedupedEdges(edges.map(([a, b]) => [drawnAs[a], drawnAs[b]]));
  const placed = placeNodes(
    shown.map((i) => specs[i]),
    drawnEdges.map(([a, b]) => [shownIndex.get(a)!, shownIndex.get(b)!]),
  );
  const members = groupMembersOf(specs, drawnAs);

  const pairs = new Set<string>();
  const undirected: [number, number][] = [];
  for (const [a, b] of drawnEdges) {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const key = `${lo}-${hi}`;
    if (!pairs.has(key)) {
      pairs.add(key);
      undirected.push([lo, hi]);
    }
  }

  return {
    nodes: specs.map((s, i) => ({
      index: i,
      id: s.id,
      label: s.label ?? s.id,
      kind: s.kind,
      workers: s.workers,
      queueCapacity: s.queueCapacity,
      x: placed[shownIndex.get(drawnAs[i])!].x,
      y: placed[shownIndex.get(drawnAs[i])!].y,
      drawnAs: drawnAs[i],
      group: members.has(i) ? { id: s.group!, label: `${s.group} ×${members.get(i)!.length.toLocaleString('en')}`, members: members.get(i)! } : null,
    })),
    links: undirected,
  };
}

/** Depth of each node in the call graph: clients 0, what they call 1, and so on. */
function callDepths(n: number, edges: [number, number][], isClient: boolean[]): number[] {
  const depth = new Array<number>(n).fill(-1);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) out[a].push(b);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isClient[i]) {
      depth[i] = 0;
      queue.push(i);
    }
  }
  if (queue.length === 0 && n > 0) {
    depth[0] = 0;
    queue.push(0);
  }
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q];
    for (const b of out[a]) {
      if (depth[b] < 0) {
        depth[b] = depth[a] + 1;
        queue.push(b);
      }
    }
  }
  // Nodes nothing reaches sit one step right of the deepest.
  const max = Math.max(0, ...depth);
  return depth.map((d) => (d < 0 ? max + 1 : d));
}

/** Keys whose values name the thing itself or its type, never another node. */
const NOT_REFERENCES = new Set(['id', 'label', 'kind', 'type', 'name', 'description']);

/** Every string value inside a plain JSON value, except under NOT_REFERENCES keys. */
function strings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 20) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!NOT_REFERENCES.has(k) && k !== UPSTREAM_KEY) strings(v, out, depth + 1);
  }
  return out;
}

/** A reference under this key names where the node takes its work from (`consume.from`). */
const UPSTREAM_KEY = 'from';

/** Every string directly under an UPSTREAM_KEY key inside a plain JSON value. */
function upstreamStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 20 || !value || typeof value !== 'object') return out;
  if (Array.isArray(value)) for (const v of value) upstreamStrings(v, out, depth + 1);
  else {
    for (const [k, v] of Object.entries(value)) {
      if (k === UPSTREAM_KEY && typeof v === 'string') out.push(v);
      else if (!NOT_REFERENCES.has(k)) upstreamStrings(v, out, depth + 1);
    }
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * Pushes apart, sideways, nodes whose boxes (BOX_W × BOX_H around their centres) overlap; fixed
 * nodes (a scenario's `position`) stay put. A sweep over the nodes sorted by x, a few rounds,
 * in a fixed order so the layout is the same on every load.
 */
function separateBoxes(nodes: ForceNode[]): void {
  const order = nodes.map((_, i) => i);
  for (let round = 0; round < 50; round++) {
    order.sort((a, b) => nodes[a].x! - nodes[b].x! || a - b);
    let moved = false;
    for (let i = 0; i < order.length; i++) {
      const a = nodes[order[i]];
      for (let j = i + 1; j < order.length; j++) {
        const b = nodes[order[j]];
        const dx = b.x! - a.x!;
        if (dx >= BOX_W) break;
        if (Math.abs(b.y! - a.y!) >= BOX_H) continue;
        moved = pushApart(a, b, BOX_W - dx) || moved;
      }
    }
    if (!moved) return;
  }
}

/** Moves a left and b right (a is left of b) by `overlap` in all, only the free ones. */
function pushApart(a: ForceNode, b: ForceNode, overlap: number): boolean {
  const aFree = a.fx == null;
  const bFree = b.fx == null;
  if (!aFree && !bFree) return false;
  const share = aFree && bFree ? overlap / 2 : overlap;
  if (aFree) a.x! -= share;
  if (bFree) b.x! += share;
  return true;
}

/** What the layout needs of a node or workload. */
interface PlacedSpec {
  id: string;
  /** The group it is an instance of (sim/scenario/groups.ts), if any. */
  group: string | undefined;
  kind: string;
  label?: string;
  position?: { x: number; y: number };
  spec: unknown;
  workers: number;
  queueCapacity: number | null;
}

function groupOf(n: object): string | undefined {
  const g = (n as { group?: unknown }).group;
  return typeof g === 'string' ? g : undefined;
}

/** Each node's box: the first member of its group when the group is big, else its own. */
function drawnAsIndexes(specs: readonly PlacedSpec[]): number[] {
  const size = new Map<string, number>();
  for (const s of specs) if (s.group !== undefined) size.set(s.group, (size.get(s.group) ?? 0) + 1);
  const first = new Map<string, number>();
  return specs.map((s, i) => {
    if (s.group === undefined || size.get(s.group)! <= DRAWN_AS_ONE) return i;
    if (!first.has(s.group)) first.set(s.group, i);
    return first.get(s.group)!;
  });
}

/** A big group's box → its members' indexes (the box's own first). */
function groupMembersOf(specs: readonly PlacedSpec[], drawnAs: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  specs.forEach((s, i) => {
    const box = drawnAs[i];
    // A member drawn by another's box, or the box itself of a group drawn as one.
    if (box === i && (i + 1 >= specs.length || drawnAs[i + 1] !== i)) return;
    const list = out.get(box) ?? [];
    list.push(i);
    out.set(box, list);
  });
  return out;
}

function dedupedEdges(edges: readonly [number, number][]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const [a, b] of edges) {
    const key = `${a}>${b}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    out.push([a, b]);
  }
  return out;
}

/**
 * Places nodes (indexes into `specs`): the scenario's `position` where given, else by call
 * depth and a seeded force layout, then pushed apart where boxes overlap.
 */
function placeNodes(specs: readonly PlacedSpec[], edges: [number, number][]): { x: number; y: number }[] {
  const depth = callDepths(specs.length, edges, specs.map((s) => s.kind === 'client'));

  // Targets: call depths left to right; the nodes of one depth in a block of rows and
  // columns (a column when there are a few, a grid when there are many).
  const members = new Map<number, number[]>();
  depth.forEach((d, i) => members.set(d, [...(members.get(d) ?? []), i]));
  const targetX = new Array<number>(specs.length).fill(0);
  const targetY = new Array<number>(specs.length).fill(0);
  let x = 0;
  for (const d of [...members.keys()].sort((a, b) => a - b)) {
    const list = members.get(d)!;
    // A square block: the topology's width also holds the other depths, so a wide block of
    // siblings (ten hosts in four columns) is what crowds a narrow page first.
    const rows = list.length <= 4 ? list.length : Math.ceil(Math.sqrt(list.length));
    const cols = Math.ceil(list.length / rows);
    list.forEach((node, k) => {
      const col = Math.floor(k / rows);
      const row = k % rows;
      const inCol = Math.min(rows, list.length - col * rows);
      targetX[node] = x + col * COLUMN_DX;
      targetY[node] = (row - (inCol - 1) / 2) * SIBLING_DY;
    });
    x += (cols - 1) * COLUMN_DX + DEPTH_DX;
  }

  const nodes: ForceNode[] = specs.map((s, i) => {
    const node: ForceNode = { index: i, depth: depth[i], x: targetX[i], y: targetY[i] };
    if (s.position) {
      node.x = node.fx = s.position.x;
      node.y = node.fy = s.position.y;
    }
    return node;
  });
  const links: SimulationLinkDatum<ForceNode>[] = edges.map(([a, b]) => ({ source: a, target: b }));

  const free = specs.some((s) => !s.position);
  if (free && nodes.length > 1) {
    let seed = 1;
    const simulation = forceSimulation(nodes)
      .randomSource(() => (seed = (1664525 * seed + 1013904223) % 4294967296) / 4294967296)
      .force('link', forceLink<ForceNode, SimulationLinkDatum<ForceNode>>(links).distance(DEPTH_DX * 0.8).strength(0.05))
      .force('charge', forceManyBody().strength(-150).distanceMax(DEPTH_DX * 2))
      .force('x', forceX<ForceNode>((d) => targetX[d.index]).strength(0.5))
      .force('y', forceY<ForceNode>((d) => targetY[d.index]).strength(0.5))
      .force('collide', forceCollide<ForceNode>(SIBLING_DY / 2 - 2).strength(1))
      .stop();
    simulation.tick(TICKS);
    separateBoxes(nodes);
  }

  return nodes.map((n) => ({ x: round(n.x ?? 0), y: round(n.y ?? 0) }));
}
