/**
 * Drop labels on the topology (ui/topology/labels.ts) never cover each other or a node: a
 * label that would moves a line up or down, and one with no free line nearby is left out.
 */
import { describe, expect, it } from 'vitest';
import { freeLine, labelBox, nodeBox, placeDropLabels, type Box, type DropLabel } from '../../ui/topology/labels.ts';

const label = (x: number, y: number, reason: string, anchor: 'start' | 'end' = 'start'): DropLabel => ({ x, y, reason, n: 1, alpha: 1, anchor });
const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

function noneOverlap(placed: DropLabel[], nodes: Box[], scale: number): boolean {
  const boxes = placed.map((l) => labelBox(l, scale));
  return boxes.every((b, i) => boxes.every((c, j) => i === j || !overlap(b, c)) && nodes.every((n) => !overlap(b, n)));
}

describe('drop labels', () => {
  it('labels apart from each other and from nodes stay where their drops are', () => {
    const labels = [label(0, 0, 'loss'), label(0, 300, 'partition')];
    expect(placeDropLabels(labels, [nodeBox(400, 0, 1)], 1)).toEqual(labels);
  });

  it('two labels at one place: the second moves a line, neither covers the other', () => {
    const placed = placeDropLabels([label(0, 0, 'partition'), label(10, 0, 'loss')], [], 1);
    expect(placed).toHaveLength(2);
    expect(placed[0].y).toBe(0);
    expect(placed[1].y).not.toBe(0);
    expect(noneOverlap(placed, [], 1)).toBe(true);
  });

  it('a label on a node box moves off it (at any zoom scale)', () => {
    for (const scale of [1, 2.5]) {
      const node = nodeBox(0, 0, scale);
      // Just above the box: its text would reach into the box's top.
      const placed = placeDropLabels([label(-40 * scale, node.y0 + 5 * scale, 'node-down')], [node], scale);
      expect(placed).toHaveLength(1);
      expect(noneOverlap(placed, [node], scale)).toBe(true);
    }
  });

  it('with no free line nearby a label is left out rather than written over another', () => {
    const crowd = Array.from({ length: 8 }, () => label(0, 0, 'link-full'));
    const placed = placeDropLabels(crowd, [], 1);
    expect(placed.length).toBe(5);
    expect(noneOverlap(placed, [], 1)).toBe(true);
  });

  it('an end-anchored label covers the text to the left of its drop', () => {
    const box = labelBox(label(100, 0, 'loss', 'end'), 1);
    expect(box.x1).toBe(100);
    expect(box.x0).toBeLessThan(100);
  });

  it('freeLine (the space-time diagram\'s labels too): the place itself, else the nearest free line, above first', () => {
    const box = { x0: 0, x1: 50, y0: 0, y1: 12 };
    expect(freeLine(box, [], [], 13)).toBe(0);
    expect(freeLine(box, [box], [], 13)).toBe(-13);
    expect(freeLine(box, [box, { ...box, y0: -13, y1: -1 }], [], 13)).toBe(13);
    // Blocked everywhere within two lines: none.
    expect(freeLine(box, [], [{ x0: 0, x1: 50, y0: -40, y1: 40 }], 13)).toBeNull();
    // Beside another text (not across it) is free.
    expect(freeLine(box, [{ x0: 60, x1: 90, y0: 0, y1: 12 }], [], 13)).toBe(0);
  });
});
