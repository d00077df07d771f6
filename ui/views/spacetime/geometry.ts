/**
 * Where things go in the space-time diagram: one horizontal lane per node, in the topology's
 * order (callers above what they call, so requests run downwards), time from
 * left to right with the playback cursor at the right edge. Lanes shrink as nodes are added
 * down to a readable minimum; below that the lanes scroll. Pure functions, unit-tested.
 */
import type { Layout } from '../../layout.ts';

/** Height of the time axis along the top of the canvas, CSS px. */
export const AXIS_H = 24;
/** Space under the last lane, CSS px. */
export const BOTTOM_PAD = 8;
/** Lane heights: the most a lane gets, and the least before the lanes scroll instead. */
export const LANE_MAX_H = 60;
export const LANE_MIN_H = 14;
/** The drawing is at most this tall; more lanes scroll. */
export const VIEW_MAX_H = 440;
/** Blank margins left and right of the time axis inside the canvas, CSS px. */
export const PLOT_PAD_LEFT = 10;
export const PLOT_PAD_RIGHT = 16;

/**
 * Node indexes in lane order. Two candidates, and the one that keeps nodes that talk to each
 * other (the layout's links) closer together wins, so messages cross fewer lanes:
 *  - the topology's reading order: by layout x (call depth, clients first), then y;
 *  - that order walked as a tree: each node followed at once by what it links to further
 *    right (what it calls), depth first — which keeps 100 client/service pairs side by side.
 * Ties go to the reading order.
 */
export function laneOrder(layout: Layout): number[] {
  // A big group drawn as one box is one lane too (its members share it, see laneOfNode).
  const byPosition = layout.nodes.filter((n) => n.drawnAs === n.index).sort((a, b) => a.x - b.x || a.y - b.y || a.index - b.index).map((n) => n.index);
  const walked = walkRightwards(byPosition, layout.links);
  return spread(walked, layout.links) < spread(byPosition, layout.links) ? walked : byPosition;
}

/** Depth-first preorder from each node in `order` not yet visited, following links to nodes later in `order`. */
function walkRightwards(order: readonly number[], links: readonly [number, number][]): number[] {
  const rank = new Map(order.map((node, i) => [node, i]));
  const later = new Map<number, number[]>(order.map((node) => [node, []]));
  for (const [a, b] of links) {
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined || ra === rb) continue;
    later.get(ra < rb ? a : b)!.push(ra < rb ? b : a);
  }
  for (const list of later.values()) list.sort((x, y) => rank.get(x)! - rank.get(y)!);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const root of order) {
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      out.push(node);
      const next = later.get(node)!;
      for (let i = next.length - 1; i >= 0; i--) if (!seen.has(next[i])) stack.push(next[i]);
    }
  }
  return out;
}

/** Total lane distance of the links in lane order `order`. */
function spread(order: readonly number[], links: readonly [number, number][]): number {
  const lane = new Map(order.map((node, i) => [node, i]));
  let sum = 0;
  for (const [a, b] of links) sum += Math.abs((lane.get(a) ?? 0) - (lane.get(b) ?? 0));
  return sum;
}

/**
 * Lane of each node index (the inverse of laneOrder), -1 for none. With `drawnAs` (each node's
 * box, see LayoutNode), a big group's members take their box's lane.
 */
export function laneOfNode(order: readonly number[], nodeCount: number, drawnAs?: readonly number[]): Int32Array {
  const lane = new Int32Array(nodeCount).fill(-1);
  order.forEach((node, i) => {
    if (node >= 0 && node < nodeCount) lane[node] = i;
  });
  if (drawnAs) for (let node = 0; node < nodeCount; node++) if (drawnAs[node] !== node) lane[node] = lane[drawnAs[node]];
  return lane;
}

/** A lane's height for `lanes` lanes: they share VIEW_MAX_H, within [LANE_MIN_H, LANE_MAX_H]. */
export function laneHeight(lanes: number): number {
  const share = Math.floor((VIEW_MAX_H - AXIS_H - BOTTOM_PAD) / Math.max(1, lanes));
  return Math.max(LANE_MIN_H, Math.min(LANE_MAX_H, share));
}

/** Height of everything the lanes need (axis included), and of the visible part. */
export function contentHeight(lanes: number, laneH: number): { content: number; visible: number } {
  const content = AXIS_H + lanes * laneH + BOTTOM_PAD;
  return { content, visible: Math.min(content, VIEW_MAX_H) };
}

/** Centre of lane `i` in content coordinates (0 = the top of the axis). */
export function laneCenter(i: number, laneH: number): number {
  return AXIS_H + i * laneH + laneH / 2;
}

/** The lane under content coordinate `y`, or -1. */
export function laneAt(y: number, lanes: number, laneH: number): number {
  const i = Math.floor((y - AXIS_H) / laneH);
  return i >= 0 && i < lanes ? i : -1;
}

/** x (CSS px inside the canvas) of time `us` in the window [fromUs, toUs] drawn `width` px wide. */
export function timeToX(us: number, fromUs: number, toUs: number, width: number): number {
  const span = Math.max(1e-9, toUs - fromUs);
  return PLOT_PAD_LEFT + ((us - fromUs) / span) * (width - PLOT_PAD_LEFT - PLOT_PAD_RIGHT);
}

/** Distance from point (px, py) to the segment (x0, y0)–(x1, y1). */
export function distanceToSegment(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const f = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + f * dx), py - (y0 + f * dy));
}

/**
 * Tick label for time `us` when ticks are `stepUs` apart: seconds from 1 s on, else ms, with
 * just enough decimals to tell neighbouring ticks apart ("10.05 s", "2.5 ms").
 */
export function formatTick(us: number, stepUs: number): string {
  const inSeconds = us >= 1_000_000 || stepUs >= 1_000_000;
  const unit = inSeconds ? 1_000_000 : 1000;
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(stepUs / unit) - 1e-9)));
  return `${(us / unit).toFixed(decimals)} ${inSeconds ? 's' : 'ms'}`;
}
