/**
 * How the topology fits its nodes into a view, as plain numbers (no DOM): the view's "Fit" uses
 * it, and the sandbox asks it whether a narrower topology (charts beside it) would still draw
 * every box apart. Below zoom 1 only the distances between nodes shrink; the boxes keep their
 * screen size (view.ts nodeScale), so a view too narrow for a crowded layout draws boxes over
 * each other.
 */

/** A node's box, CSS px at any zoom. */
export const NODE_W = 160;
export const NODE_H = 46;
/** One badge row under a box. */
export const BADGE_H = 18;
/** Furthest the topology zooms out (fit or wheel). */
export const MIN_ZOOM = 0.35;
const MAX_FIT_ZOOM = 1.1;

/** Screen room a node takes around its centre: its box and queue bar; above it a margin (and the network-fault lines at the top left), below it up to three badge rows. */
const PAD_X = NODE_W / 2 + 24;
const PAD_TOP = NODE_H / 2 + 20;
const PAD_BOTTOM = NODE_H / 2 + BADGE_H * 3 + 12;

/** The view height that shows a layout's rows at zoom `k`: its vertical span and a box's room above and below. */
export function heightForRows(nodes: readonly Point[], k: number): number {
  const { minY, maxY } = extentOf(nodes);
  return nodes.length === 0 ? 0 : (maxY - minY) * k + PAD_TOP + PAD_BOTTOM;
}

/**
 * Two boxes closer than this on screen in both directions draw over each other: a box and its
 * queue bar plus a gap across, a box with two badge rows plus a gap down (the automatic layout
 * keeps them this far apart at zoom 1, test/ui/layout.test.ts).
 */
export const CLEAR_DX = 170;
export const CLEAR_DY = 110;

export interface Point {
  x: number;
  y: number;
}

export interface FitTransform {
  k: number;
  tx: number;
  ty: number;
}

interface Extent {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

function extentOf(nodes: readonly Point[]): Extent {
  const e = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  for (const n of nodes) {
    e.minX = Math.min(e.minX, n.x);
    e.maxX = Math.max(e.maxX, n.x);
    e.minY = Math.min(e.minY, n.y);
    e.maxY = Math.max(e.maxY, n.y);
  }
  return e;
}

/** The zoom and translation that show every node centre with room for its box and badges. */
export function fitTransform(nodes: readonly Point[], width: number, height: number): FitTransform {
  return fitOfExtent(extentOf(nodes), width, height);
}

function fitOfExtent({ minX, maxX, minY, maxY }: Extent, width: number, height: number): FitTransform {
  const fits = (room: number, span: number) => (span > 0 ? room / span : Infinity);
  const k = Math.max(MIN_ZOOM, Math.min(MAX_FIT_ZOOM, fits(width - 2 * PAD_X, maxX - minX), fits(height - PAD_TOP - PAD_BOTTOM, maxY - minY)));
  return {
    k,
    tx: width / 2 - (k * (minX + maxX)) / 2,
    ty: (height + PAD_TOP - PAD_BOTTOM) / 2 - (k * (minY + maxY)) / 2,
  };
}

/**
 * Whether at zoom `k` no two boxes draw over each other (boxes keep their size below zoom 1).
 * Sorted by x, each box is compared only with those within reach across: n log n for a row.
 */
export function boxesClearAt(nodes: readonly Point[], k: number): boolean {
  const scale = Math.min(1, k);
  const sorted = [...nodes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && (sorted[j].x - sorted[i].x) * scale < CLEAR_DX - 0.5; j++) {
      if (Math.abs(sorted[j].y - sorted[i].y) * scale < CLEAR_DY - 0.5) return false;
    }
  }
  return true;
}

/**
 * Whether a view `width` × `height` shows `nodes` with every box apart and every box in view:
 * what fit would draw there neither crowds boxes that are apart at zoom 1 nor leaves any out.
 * `boxes` are the nodes drawn as boxes (a big group's members are drawn as one).
 */
export function fitsApart(nodes: readonly Point[], width: number, height: number, boxes: readonly Point[] = nodes): boolean {
  if (nodes.length === 0) return true;
  const extent = extentOf(nodes);
  const { k } = fitOfExtent(extent, width, height);
  // At MIN_ZOOM fit may not show everything: the spans need more room than the view has.
  const { minX, maxX, minY, maxY } = extent;
  const inView = (maxX - minX) * k <= width - 2 * PAD_X + 0.5 && (maxY - minY) * k <= height - PAD_TOP - PAD_BOTTOM + 0.5;
  return inView && boxesClearAt(boxes, k);
}
