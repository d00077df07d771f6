/**
 * Links routed around nodes. A link is drawn straight when that passes no other node's box (its
 * body, queue bar and the badges hanging under it). Otherwise it bends: first as a quadratic
 * curve whose apex is moved sideways, a little more each try, on one side then the other; and
 * when no such curve clears (a node inside a block of siblings, hidden behind the block's first
 * column), along the shortest path between the boxes — the classic visibility graph of the
 * boxes' corners, searched with A* — which enters the block through the channel between two of
 * its rows. Every route is a polyline (a curve as its samples) that messages ride by arc length.
 * Pure, in layout units, tested in Node (test/ui/routing.test.ts).
 */
import type { Box } from './labels.ts';

export type Point = readonly [number, number];

/** A link's route: the polyline from one node's centre to the other's, as x, y pairs (layout units). */
export type Route = Float64Array;

/** Sideways offsets of the curve's apex tried, in units of the boxes' scale (the control point moves twice as far). */
const APEX_OFFSETS = [45, -45, 90, -90, 135, -135, 180, -180, 240, -240];
/** Pieces of the polyline a curve is drawn, tested and ridden as. */
const SAMPLES = 32;
/** Room left between a link and a box it passes, layout units at scale 1. */
const SLACK = 4;
/** A path's corner sits this far outside the corner of the (slackened) box it turns around. */
const CORNER_GAP = 4;
/** Beyond this many boxes near a link the shortest-path search is skipped (its cost grows with their square). */
const MAX_SEARCHED_BOXES = 60;
/** How far around a link's ends the shortest-path search looks for boxes, layout units at scale 1. */
const SEARCH_REACH = 400;
/** Beyond this many nodes links stay straight: routing costs links × nodes × tries. */
const MAX_ROUTED_NODES = 300;

/** The point at f ∈ [0, 1] along the quadratic curve a → (control c) → b. */
function curvePoint(ax: number, ay: number, cx: number, cy: number, bx: number, by: number, f: number): Point {
  const u = 1 - f;
  return [u * u * ax + 2 * u * f * cx + f * f * bx, u * u * ay + 2 * u * f * cy + f * f * by];
}

/**
 * The route from a to b around `boxes` (the other nodes' boxes, already grown by the zoom's
 * node scale): straight when clear, else the first clear curve, else the shortest clear path;
 * straight when none is (a node boxed in on every side). A bend stays within `bounds` (where
 * the nodes are, so what the view fits): a curve swinging out past the last row would be cut
 * off at the view's edge.
 */
export function routeBetween(a: Point, b: Point, boxes: readonly Box[], scale = 1, bounds: Box = EVERYWHERE): Route {
  const slack = SLACK * scale;
  const margin = (SLACK + CORNER_GAP + 1) * scale;
  const within = { x0: bounds.x0 - margin, y0: bounds.y0 - margin, x1: bounds.x1 + margin, y1: bounds.y1 + margin };
  const grown = boxes.map((o) => ({ x0: o.x0 - slack, y0: o.y0 - slack, x1: o.x1 + slack, y1: o.y1 + slack }));
  // Only boxes a curve could touch: within its widest swing of the link's ends.
  const near = boxesNear(grown, a, b, CURVE_REACH * scale + slack);
  const straight = Float64Array.of(a[0], a[1], b[0], b[1]);
  if (near.length === 0 || clear(straight, near)) return straight;
  const curve = clearCurve(a, b, near, scale, within);
  if (curve) return curve;
  // The way round may lead further out than a curve's reach: search among the boxes a wider ring around.
  const searched = boxesNear(grown, a, b, SEARCH_REACH * scale);
  if (searched.length > MAX_SEARCHED_BOXES) return straight;
  return shortestPath(a, b, searched, within) ?? straight;
}

const EVERYWHERE: Box = { x0: -Infinity, y0: -Infinity, x1: Infinity, y1: Infinity };
/** The farthest a curve's apex swings from the chord, at scale 1. */
const CURVE_REACH = Math.max(...APEX_OFFSETS.map(Math.abs));

/** The boxes that reach within `reach` of the rectangle spanned by a and b. */
function boxesNear(boxes: readonly Box[], a: Point, b: Point, reach: number): Box[] {
  const x0 = Math.min(a[0], b[0]) - reach;
  const x1 = Math.max(a[0], b[0]) + reach;
  const y0 = Math.min(a[1], b[1]) - reach;
  const y1 = Math.max(a[1], b[1]) + reach;
  return boxes.filter((o) => o.x1 >= x0 && o.x0 <= x1 && o.y1 >= y0 && o.y0 <= y1);
}

function inside(x: number, y: number, o: Box): boolean {
  return x >= o.x0 && x <= o.x1 && y >= o.y0 && y <= o.y1;
}

/** The first sampled quadratic curve, its apex moved sideways by APEX_OFFSETS, that clears `boxes` and stays within `bounds`. */
function clearCurve(a: Point, b: Point, boxes: readonly Box[], scale: number, bounds: Box): Route | null {
  const mx = (a[0] + b[0]) / 2;
  const my = (a[1] + b[1]) / 2;
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const nx = -(b[1] - a[1]) / len;
  const ny = (b[0] - a[0]) / len;
  for (const apex of APEX_OFFSETS) {
    const cx = mx + nx * apex * 2 * scale;
    const cy = my + ny * apex * 2 * scale;
    const route = new Float64Array((SAMPLES + 1) * 2);
    let within = true;
    for (let i = 0; i <= SAMPLES; i++) {
      const [x, y] = curvePoint(a[0], a[1], cx, cy, b[0], b[1], i / SAMPLES);
      route[2 * i] = x;
      route[2 * i + 1] = y;
      within &&= inside(x, y, bounds);
    }
    if (within && clear(route, boxes)) return route;
  }
  return null;
}

/** Whether no piece of the polyline touches any of the boxes. */
function clear(route: Route, boxes: readonly Box[]): boolean {
  for (let i = 2; i < route.length; i += 2) {
    for (const o of boxes) if (segmentHitsBox(route[i - 2], route[i - 1], route[i], route[i + 1], o)) return false;
  }
  return true;
}

/**
 * The shortest polyline from a to b that touches none of `boxes`, turning only at their corners
 * (each pushed CORNER_GAP outward; a corner inside another box or outside `bounds` is no way
 * through): A* over the visibility graph of the corners, an edge tested only when it would
 * shorten a path. Null when the boxes wall b off from a.
 */
function shortestPath(a: Point, b: Point, boxes: readonly Box[], bounds: Box): Route | null {
  const xs: number[] = [a[0], b[0]];
  const ys: number[] = [a[1], b[1]];
  for (const o of boxes) {
    for (const [x, y] of [
      [o.x0 - CORNER_GAP, o.y0 - CORNER_GAP],
      [o.x1 + CORNER_GAP, o.y0 - CORNER_GAP],
      [o.x0 - CORNER_GAP, o.y1 + CORNER_GAP],
      [o.x1 + CORNER_GAP, o.y1 + CORNER_GAP],
    ]) {
      if (inside(x, y, bounds) && !boxes.some((p) => x > p.x0 && x < p.x1 && y > p.y0 && y < p.y1)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  const n = xs.length;
  const dist = new Float64Array(n).fill(Infinity);
  const prev = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  const toB = (i: number) => Math.hypot(xs[i] - b[0], ys[i] - b[1]);
  dist[0] = 0;
  for (;;) {
    // The open point with the least distance plus straight-line estimate (n is small: a scan).
    let u = -1;
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      if (done[i] || dist[i] === Infinity) continue;
      const f = dist[i] + toB(i);
      if (f < best) {
        best = f;
        u = i;
      }
    }
    if (u < 0) return null;
    if (u === 1) break;
    done[u] = 1;
    for (let v = 0; v < n; v++) {
      if (done[v]) continue;
      const d = dist[u] + Math.hypot(xs[v] - xs[u], ys[v] - ys[u]);
      if (d < dist[v] && !boxes.some((o) => segmentHitsBox(xs[u], ys[u], xs[v], ys[v], o))) {
        dist[v] = d;
        prev[v] = u;
      }
    }
  }
  const path: number[] = [];
  for (let i = 1; i >= 0; i = prev[i]) path.unshift(xs[i], ys[i]);
  return Float64Array.from(path);
}

/** Whether the segment p–q crosses the box (Liang–Barsky clipping). */
export function segmentHitsBox(px: number, py: number, qx: number, qy: number, o: Box): boolean {
  const dx = qx - px;
  const dy = qy - py;
  let lo = 0;
  let hi = 1;
  const dens = [-dx, dx, -dy, dy];
  const nums = [px - o.x0, o.x1 - px, py - o.y0, o.y1 - py];
  for (let k = 0; k < 4; k++) {
    const den = dens[k];
    const num = nums[k];
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

/** A node as routing sees it: its centre, and the box it draws (null: drawn by another's box). */
export interface RoutedNode {
  x: number;
  y: number;
  box: Box | null;
}

/**
 * Routes of every link (a < b, as in `layout.links`), keyed `a * n + b`: each avoids the boxes
 * of every node but its own two ends (a box at either end's place — a big group's members share
 * one — is an end too). Empty beyond MAX_ROUTED_NODES (links stay straight).
 */
export function routeLinks(nodes: readonly RoutedNode[], links: readonly (readonly [number, number])[], scale = 1): Map<number, Route> {
  const n = nodes.length;
  const out = new Map<number, Route>();
  if (n > MAX_ROUTED_NODES) return out;
  const drawn = nodes.filter((node) => node.box !== null);
  const bounds = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const { box } of drawn) {
    bounds.x0 = Math.min(bounds.x0, box!.x0);
    bounds.y0 = Math.min(bounds.y0, box!.y0);
    bounds.x1 = Math.max(bounds.x1, box!.x1);
    bounds.y1 = Math.max(bounds.y1, box!.y1);
  }
  for (const [a, b] of links) {
    const na = nodes[a];
    const nb = nodes[b];
    const others = drawn.filter((o) => !(o.x === na.x && o.y === na.y) && !(o.x === nb.x && o.y === nb.y)).map((o) => o.box!);
    out.set(a * n + b, routeBetween([na.x, na.y], [nb.x, nb.y], others, scale, bounds));
  }
  return out;
}

/** Length along the route to each of its points (the first 0). */
export function cumulativeLengths(route: Route): Float64Array {
  const out = new Float64Array(route.length / 2);
  for (let i = 1; i < out.length; i++) out[i] = out[i - 1] + Math.hypot(route[2 * i] - route[2 * i - 2], route[2 * i + 1] - route[2 * i - 1]);
  return out;
}

/** The point `d` along the route (lengths from cumulativeLengths), clamped to its ends. */
export function pointAlong(route: Route, lengths: Float64Array, d: number): Point {
  const last = lengths.length - 1;
  if (d <= 0) return [route[0], route[1]];
  if (d >= lengths[last]) return [route[2 * last], route[2 * last + 1]];
  let lo = 0;
  let hi = last;
  // The piece [lo, lo + 1] holding d.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (lengths[mid] <= d) lo = mid;
    else hi = mid;
  }
  const piece = lengths[hi] - lengths[lo] || 1;
  const f = (d - lengths[lo]) / piece;
  return [route[2 * lo] + (route[2 * hi] - route[2 * lo]) * f, route[2 * lo + 1] + (route[2 * hi + 1] - route[2 * lo + 1]) * f];
}

/**
 * How far along the route (from its start) it leaves the box `halfW` × `halfH` around its
 * first point: where a message leaving that node comes out from under its box.
 */
export function exitDistance(route: Route, lengths: Float64Array, halfW: number, halfH: number): number {
  const x0 = route[0];
  const y0 = route[1];
  for (let i = 1; i < lengths.length; i++) {
    const px = route[2 * i - 2];
    const py = route[2 * i - 1];
    const qx = route[2 * i];
    const qy = route[2 * i + 1];
    if (Math.abs(qx - x0) <= halfW && Math.abs(qy - y0) <= halfH) continue;
    // The piece p–q crosses the border: the fraction where it does, by the axis it crosses first.
    const fx = qx === px ? Infinity : ((qx > px ? x0 + halfW : x0 - halfW) - px) / (qx - px);
    const fy = qy === py ? Infinity : ((qy > py ? y0 + halfH : y0 - halfH) - py) / (qy - py);
    const f = Math.max(0, Math.min(1, fx, fy));
    return lengths[i - 1] + (lengths[i] - lengths[i - 1]) * f;
  }
  return lengths[lengths.length - 1];
}

/** The route reversed (from its last point to its first). */
export function reversed(route: Route): Route {
  const out = new Float64Array(route.length);
  for (let i = 0; i < route.length; i += 2) {
    out[route.length - 2 - i] = route[i];
    out[route.length - 1 - i] = route[i + 1];
  }
  return out;
}

/** Whether the route is more than its two ends. */
export function isBent(route: Route): boolean {
  return route.length > 4;
}

/**
 * An SVG path outlining a band `width` wide along the route (a link's click and hover area: a
 * filled shape, so it has an area whatever the link's direction). At each point the band's
 * edges are offset along the mean of the normals of the pieces meeting there.
 */
export function bandPath(route: Route, width: number): string {
  const n = route.length / 2;
  const left: string[] = [];
  const right: string[] = [];
  const normal = (i: number): Point => {
    const dx = route[2 * i + 2] - route[2 * i];
    const dy = route[2 * i + 3] - route[2 * i + 1];
    const len = Math.hypot(dx, dy) || 1;
    return [-dy / len, dx / len];
  };
  for (let i = 0; i < n; i++) {
    const before = i > 0 ? normal(i - 1) : normal(i);
    const after = i < n - 1 ? normal(i) : normal(i - 1);
    const mx = before[0] + after[0];
    const my = before[1] + after[1];
    const len = Math.hypot(mx, my) || 1;
    const ox = (mx / len) * (width / 2);
    const oy = (my / len) * (width / 2);
    left.push(`${(route[2 * i] + ox).toFixed(1)},${(route[2 * i + 1] + oy).toFixed(1)}`);
    right.push(`${(route[2 * i] - ox).toFixed(1)},${(route[2 * i + 1] - oy).toFixed(1)}`);
  }
  return `M${left.join('L')}L${right.reverse().join('L')}Z`;
}

/** Corners of a path are rounded with at most this radius when drawn, layout units. */
const CORNER_RADIUS = 14;
/** A turn sharper than this (radians) is rounded; a curve's samples turn far less and are joined straight. */
const ROUNDED_TURN = 0.3;

/** Adds the route to a canvas path (a context or a Path2D), its corners rounded. */
export function traceRoute(c: CanvasPath, route: Route): void {
  const n = route.length / 2;
  c.moveTo(route[0], route[1]);
  for (let i = 1; i < n - 1; i++) {
    const inX = route[2 * i] - route[2 * i - 2];
    const inY = route[2 * i + 1] - route[2 * i - 1];
    const outX = route[2 * i + 2] - route[2 * i];
    const outY = route[2 * i + 3] - route[2 * i + 1];
    const before = Math.hypot(inX, inY);
    const after = Math.hypot(outX, outY);
    const turn = Math.acos(Math.max(-1, Math.min(1, (inX * outX + inY * outY) / (before * after || 1))));
    if (turn < ROUNDED_TURN) c.lineTo(route[2 * i], route[2 * i + 1]);
    else c.arcTo(route[2 * i], route[2 * i + 1], route[2 * i + 2], route[2 * i + 3], Math.min(CORNER_RADIUS, before / 2, after / 2));
  }
  c.lineTo(route[2 * n - 2], route[2 * n - 1]);
}
