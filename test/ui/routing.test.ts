import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../ui/layout.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { nodeBox, type Box } from '../../ui/topology/labels.ts';
import { bandPath, cumulativeLengths, exitDistance, isBent, pointAlong, reversed, routeBetween, routeLinks, segmentHitsBox, type Route } from '../../ui/topology/routing.ts';

/** The boxes the route passes through (piece by piece). */
function through(route: Route, boxes: readonly Box[]): Box[] {
  return boxes.filter((o) => {
    for (let i = 2; i < route.length; i += 2) if (segmentHitsBox(route[i - 2], route[i - 1], route[i], route[i + 1], o)) return true;
    return false;
  });
}

const box = (x: number, y: number, w = 160, h = 60): Box => ({ x0: x - w / 2, y0: y - h / 2, x1: x + w / 2, y1: y + h / 2 });

function builtIns(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of readdirSync('scenarios', { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(`scenarios/${dir.name}`)) if (f.endsWith('.json')) out.push({ name: `${dir.name}/${f}`, text: readFileSync(`scenarios/${dir.name}/${f}`, 'utf8') });
  }
  return out;
}

describe('links routed around nodes', () => {
  it('a clear link stays straight; one through a box curves around it', () => {
    expect(Array.from(routeBetween([0, 0], [800, 0], [box(400, 300)]))).toEqual([0, 0, 800, 0]);
    const route = routeBetween([0, 0], [800, 0], [box(400, 10)]);
    expect(isBent(route)).toBe(true);
    expect(through(route, [box(400, 10)])).toEqual([]);
    expect(Array.from(route.slice(0, 2))).toEqual([0, 0]);
    expect(Array.from(route.slice(-2))).toEqual([800, 0]);
  });

  it('a node behind a wall of boxes is reached through the gap between them, not through a box', () => {
    // A column of boxes 130 apart, 100 tall (a 30-unit channel between rows), between a and b:
    // no quadratic curve clears it, the shortest path threads the channel.
    const wall = [-260, -130, 0, 130, 260].map((y) => box(400, y + 50, 160, 100));
    const route = routeBetween([0, 0], [800, 0], wall);
    expect(through(route, wall)).toEqual([]);
    expect(route.length).toBeGreaterThan(4);
    // Around the wall's corners: a few points, not a sampled curve.
    expect(route.length / 2).toBeLessThan(8);
    // Boxes touching all round b: walled off, the link stays straight rather than wander.
    const ring = [box(640, 0, 160, 300), box(960, 0, 160, 300), box(800, -125, 160, 50), box(800, 125, 160, 50)];
    expect(Array.from(routeBetween([0, 0], [800, 0], ring))).toEqual([0, 0, 800, 0]);
  });

  it('a bend stays within the bounds the view fits', () => {
    const bounds = { x0: -100, y0: -60, x1: 900, y1: 200 };
    const route = routeBetween([0, 0], [800, 0], [box(400, 0)], 1, bounds);
    expect(through(route, [box(400, 0)])).toEqual([]);
    for (let i = 0; i < route.length; i += 2) {
      expect(route[i + 1]).toBeGreaterThanOrEqual(bounds.y0 - 10);
      expect(route[i + 1]).toBeLessThanOrEqual(bounds.y1 + 10);
    }
  });

  // Every built-in scenario's layout, with boxes carrying up to two badge rows and grown as the
  // fitted zoom grows them (1/k for k down to 0.75), or three rows at about zoom 1: no link
  // passes through another node's box. (The e2e readable test checks the boxes as drawn.)
  const cases = [0, 1, 2].flatMap((rows) => [1, 1.21, 1.33].map((scale) => ({ rows, scale }))).concat([{ rows: 3, scale: 1 }, { rows: 3, scale: 1.1 }]);
  for (const { rows, scale } of cases) {
    it(`no link of a built-in scenario passes through another node (${rows} badge rows, node scale ${scale})`, () => {
      const found: string[] = [];
      for (const { name, text } of builtIns()) {
        const loaded = loadScenarioText(text);
        if (!loaded.ok) throw new Error(name);
        const layout = computeLayout(loaded.scenario);
        if (layout.nodes.length > 300) continue; // links stay straight (routing.ts MAX_ROUTED_NODES)
        const nodes = layout.nodes.map((n) => ({ x: n.x, y: n.y, box: n.drawnAs === n.index ? nodeBox(n.x, n.y, scale, rows) : null }));
        const routes = routeLinks(nodes, layout.links, scale);
        const n = layout.nodes.length;
        for (const [a, b] of layout.links) {
          const route = routes.get(a * n + b);
          expect(route, `${name}: a route for every link`).toBeDefined();
          const pa = layout.nodes[a];
          const pb = layout.nodes[b];
          const others = layout.nodes.filter((o) => o.drawnAs === o.index && !(o.x === pa.x && o.y === pa.y) && !(o.x === pb.x && o.y === pb.y));
          const hit = others.filter((o) => through(route!, [nodeBox(o.x, o.y, scale, rows)]).length > 0);
          if (hit.length > 0) found.push(`${name}: ${pa.id}–${pb.id} through ${hit.map((o) => o.id).join(', ')}`);
        }
      }
      expect(found).toEqual([]);
    });
  }

  it('messages ride a route by length: from where it leaves one box to where it enters the other', () => {
    const route = Float64Array.of(0, 0, 100, 0, 100, 100);
    const lengths = cumulativeLengths(route);
    expect(Array.from(lengths)).toEqual([0, 100, 200]);
    expect(pointAlong(route, lengths, 50)).toEqual([50, 0]);
    expect(pointAlong(route, lengths, 150)).toEqual([100, 50]);
    expect(pointAlong(route, lengths, -5)).toEqual([0, 0]);
    expect(pointAlong(route, lengths, 500)).toEqual([100, 100]);
    expect(exitDistance(route, lengths, 30, 10)).toBeCloseTo(30);
    const back = reversed(route);
    expect(Array.from(back)).toEqual([100, 100, 100, 0, 0, 0]);
    expect(exitDistance(back, cumulativeLengths(back), 30, 10)).toBeCloseTo(10);
  });

  it('a band path outlines the route on both sides', () => {
    const d = bandPath(Float64Array.of(0, 0, 50, 50, 100, 0), 10);
    expect(d.startsWith('M')).toBe(true);
    expect(d.endsWith('Z')).toBe(true);
    expect(d.split('L').length).toBe(6);
    // A straight band is a rectangle along the link.
    expect(bandPath(Float64Array.of(0, 0, 100, 0), 10)).toBe('M0.0,5.0L100.0,5.0L100.0,-5.0L0.0,-5.0Z');
  });
});
