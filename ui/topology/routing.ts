/**
 * Links routed around nodes: a straight link between two nodes that would pass through a third
 * node's box (or the badges hanging under it) bends — a quadratic curve whose control point is
 * moved sideways, a little more each try, on one side then the other, until the curve clears
 * every other box. Messages ride the same curve (curvePoint). Pure, in layout units, tested in
 * Node (test/ui/routing.test.ts).
 */
import type { Layout } from '../layout.ts';

/** A node's box as an obstacle, from its centre: half its width, and how far above and below (the badges hang below). */
export interface BoxExtent {
  halfW: number;
  above: number;
  below: number;
}

/** Sideways offsets of the curve's apex tried, in layout units (the control point moves twice as far). */
const APEX_OFFSETS = [45, -45, 90, -90, 135, -135, 180, -180, 240, -240];
/** Pieces of the polyline a curve is tested as. */
const SAMPLES = 32;
/** Beyond this many nodes links stay straight: routing costs links × nodes × tries. */
const MAX_ROUTED_NODES = 300;

export type Point = readonly [number, number];

/** The point at f ∈ [0, 1] along the quadratic curve a → (control c) → b. */
export function curvePoint(ax: number, ay: number, cx: number, cy: number, bx: number, by: number, f: number): Point {
  const u = 1 - f;
  return [u * u * ax + 2 * u * f * cx + f * f * bx, u * u * ay + 2 * u * f * cy + f * f * by];
}

/**
 * The control point for a link from a to b avoiding `boxes` (centres of the other nodes): the
 * chord's midpoint when the straight line is clear, else the first sideways offset whose curve
 * is; straight if none is (a crowded graph).
 */
export function controlPoint(a: Point, b: Point, boxes: readonly Point[], extent: BoxExtent): Point {
  const mid: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const near = boxes.filter((p) => withinReach(p, a, b, extent));
  if (near.length === 0 || clears(a, mid, b, near, extent)) return mid;
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const nx = -(b[1] - a[1]) / len;
  const ny = (b[0] - a[0]) / len;
  for (const apex of APEX_OFFSETS) {
    const c: Point = [mid[0] + nx * apex * 2, mid[1] + ny * apex * 2];
    if (clears(a, c, b, near, extent)) return c;
  }
  return mid;
}

/** A box that could touch the link's neighbourhood at all (a cheap filter before sampling). */
function withinReach(p: Point, a: Point, b: Point, e: BoxExtent): boolean {
  const reach = APEX_OFFSETS.reduce((m, o) => Math.max(m, Math.abs(o)), 0) + e.halfW + e.below;
  return p[0] >= Math.min(a[0], b[0]) - reach && p[0] <= Math.max(a[0], b[0]) + reach && p[1] >= Math.min(a[1], b[1]) - reach && p[1] <= Math.max(a[1], b[1]) + reach;
}

/** The curve, as the polyline through SAMPLES points, touches none of the boxes (each a little larger, for the curve between points). */
function clears(a: Point, c: Point, b: Point, boxes: readonly Point[], e: BoxExtent): boolean {
  let prev = curvePoint(a[0], a[1], c[0], c[1], b[0], b[1], 0);
  for (let i = 1; i <= SAMPLES; i++) {
    const next = curvePoint(a[0], a[1], c[0], c[1], b[0], b[1], i / SAMPLES);
    for (const p of boxes) {
      if (segmentHitsBox(prev, next, p[0] - e.halfW - SLACK, p[1] - e.above - SLACK, p[0] + e.halfW + SLACK, p[1] + e.below + SLACK)) return false;
    }
    prev = next;
  }
  return true;
}

/** Room left between a bent link and a box, layout units. */
const SLACK = 4;

/** Whether the segment p–q crosses the rectangle (Liang–Barsky clipping). */
function segmentHitsBox(p: Point, q: Point, x0: number, y0: number, x1: number, y1: number): boolean {
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  let lo = 0;
  let hi = 1;
  for (const [den, num] of [
    [-dx, p[0] - x0],
    [dx, x1 - p[0]],
    [-dy, p[1] - y0],
    [dy, y1 - p[1]],
  ] as const) {
    if (den === 0) {
      if (num < 0) return false;
    } else {
      const r = num / den;
      if (den < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
      if (lo > hi) return false;
    }
  }
  return true;
}

/** Control points of every link of a layout, by `a * n + b` with a < b as in `layout.links`. */
export function routeLinks(layout: Layout, extent: BoxExtent): Map<number, Point> {
  const n = layout.nodes.length;
  const out = new Map<number, Point>();
  if (n > MAX_ROUTED_NODES) return out;
  // Members of a big group share one box: one obstacle per place.
  const places = new Map<string, Point>();
  for (const node of layout.nodes) places.set(`${node.x},${node.y}`, [node.x, node.y]);
  const all = [...places.values()];
  for (const [a, b] of layout.links) {
    const pa: Point = [layout.nodes[a].x, layout.nodes[a].y];
    const pb: Point = [layout.nodes[b].x, layout.nodes[b].y];
    const others = all.filter((p) => !(p[0] === pa[0] && p[1] === pa[1]) && !(p[0] === pb[0] && p[1] === pb[1]));
    out.set(a * n + b, controlPoint(pa, pb, others, extent));
  }
  return out;
}

/**
 * An SVG path outlining a band `width` wide along the curve (a link's click and hover area: a
 * filled shape, so it has an area whatever the link's direction).
 */
export function bandPath(a: Point, c: Point, b: Point, width: number): string {
  const steps = 16;
  const left: string[] = [];
  const right: string[] = [];
  for (let i = 0; i <= steps; i++) {
    const f = i / steps;
    const [x, y] = curvePoint(a[0], a[1], c[0], c[1], b[0], b[1], f);
    // The curve's direction at f: the derivative of the quadratic.
    const dx = 2 * (1 - f) * (c[0] - a[0]) + 2 * f * (b[0] - c[0]);
    const dy = 2 * (1 - f) * (c[1] - a[1]) + 2 * f * (b[1] - c[1]);
    const len = Math.hypot(dx, dy) || 1;
    const ox = (-dy / len) * (width / 2);
    const oy = (dx / len) * (width / 2);
    left.push(`${(x + ox).toFixed(1)},${(y + oy).toFixed(1)}`);
    right.push(`${(x - ox).toFixed(1)},${(y - oy).toFixed(1)}`);
  }
  return `M${left.join('L')}L${right.reverse().join('L')}Z`;
}
