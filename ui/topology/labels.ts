/**
 * Where the topology writes its drop labels ("partition ×3", "loss"): each beside its drop,
 * moved up or down a line when it would cover another label or a node's box (name, busy line,
 * badges), and left out — the red cross still marks the drop — when no nearby line is free.
 * Plain numbers in layout units, no DOM, so it is tested on its own (test/ui/labels.test.ts).
 */
import { BADGE_H, NODE_H, NODE_W } from './fit.ts';

export interface DropLabel {
  x: number;
  y: number;
  reason: string;
  n: number;
  alpha: number;
  anchor: 'start' | 'end';
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The drop label's type size (`.drop-label`, 11 px bold) at zoom 1: an average glyph's width and the line's height. */
const CHAR_W = 7;
const LINE_H = 13;
/** Lines tried, in order: where the drop is, then a line above, below, two above, two below. */
const OFFSETS = [0, -1, 1, -2, 2];

export function labelText(l: DropLabel): string {
  return l.n > 1 ? `${l.reason} ×${l.n}` : l.reason;
}

/** The box a label's text covers, layout units (text is drawn `scale` times its size). */
export function labelBox(l: DropLabel, scale: number): Box {
  const w = labelText(l).length * CHAR_W * scale;
  const x0 = l.anchor === 'end' ? l.x - w : l.x;
  return { x0, y0: l.y - (LINE_H - 2) * scale, x1: x0 + w, y1: l.y + 2 * scale };
}

/** A node's box (its queue bar on the left) with `badgeRows` badge rows under it, layout units. */
export function nodeBox(x: number, y: number, scale: number, badgeRows = 2): Box {
  return { x0: x - (NODE_W / 2 + 12) * scale, y0: y - (NODE_H / 2) * scale, x1: x + (NODE_W / 2) * scale, y1: y + (NODE_H / 2 + 4 + badgeRows * BADGE_H) * scale };
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/**
 * The first of OFFSETS' lines (`lineH` apart) at which `box` covers nothing in `taken` or
 * `blocked`, as the vertical shift to it; null when none is free. Shared by the topology's and
 * the space-time diagram's labels.
 */
export function freeLine(box: Box, taken: readonly Box[], blocked: readonly Box[], lineH: number): number | null {
  for (const k of OFFSETS) {
    const dy = k * lineH;
    const moved = { x0: box.x0, x1: box.x1, y0: box.y0 + dy, y1: box.y1 + dy };
    if (!taken.some((t) => boxesOverlap(t, moved)) && !blocked.some((n) => boxesOverlap(n, moved))) return dy;
  }
  return null;
}

/**
 * The labels that can be written without covering each other or a node, each at the first
 * free line of OFFSETS; in their given order (the first drops keep their places).
 */
export function placeDropLabels(labels: readonly DropLabel[], nodes: readonly Box[], scale: number): DropLabel[] {
  const placed: DropLabel[] = [];
  const taken: Box[] = [];
  for (const l of labels) {
    const box = labelBox(l, scale);
    const dy = freeLine(box, taken, nodes, LINE_H * scale);
    if (dy === null) continue;
    placed.push({ ...l, y: l.y + dy });
    taken.push({ ...box, y0: box.y0 + dy, y1: box.y1 + dy });
  }
  return placed;
}
