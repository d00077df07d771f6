import { describe, expect, it } from 'vitest';
import { bandPath, controlPoint, curvePoint, routeLinks, type BoxExtent } from '../../ui/topology/routing.ts';
import { computeLayout } from '../../ui/layout.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { readFileSync } from 'node:fs';

const EXTENT: BoxExtent = { halfW: 90, above: 31, below: 85 };

/** True when the curve a → c → b passes through the box around p. */
function hits(a: readonly [number, number], c: readonly [number, number], b: readonly [number, number], p: readonly [number, number]): boolean {
  for (let i = 1; i < 200; i++) {
    const [x, y] = curvePoint(a[0], a[1], c[0], c[1], b[0], b[1], i / 200);
    if (x > p[0] - EXTENT.halfW && x < p[0] + EXTENT.halfW && y > p[1] - EXTENT.above && y < p[1] + EXTENT.below) return true;
  }
  return false;
}

describe('links routed around nodes', () => {
  it('a clear link stays straight; one through a box bends around it', () => {
    expect(controlPoint([0, 0], [800, 0], [[400, 300]], EXTENT)).toEqual([400, 0]);
    const c = controlPoint([0, 0], [800, 0], [[400, 10]], EXTENT);
    expect(c).not.toEqual([400, 0]);
    expect(hits([0, 0], [400, 0], [800, 0], [400, 10])).toBe(true);
    expect(hits([0, 0], c, [800, 0], [400, 10])).toBe(false);
    expect(curvePoint(0, 0, 400, 0, 800, 0, 0.5)).toEqual([400, 0]);
  });

  it('no link of a built-in scenario passes through another node where a bend can avoid it', () => {
    for (const name of ['topology/api-gateway', 'resilience/outlier-detection', 'resilience/consistent-hashing', 'topology/architecture-styles']) {
      const loaded = loadScenarioText(readFileSync(`scenarios/${name}.json`, 'utf8'));
      if (!loaded.ok) throw new Error(name);
      const layout = computeLayout(loaded.scenario);
      const controls = routeLinks(layout, EXTENT);
      const n = layout.nodes.length;
      let bent = 0;
      for (const [a, b] of layout.links) {
        const pa = [layout.nodes[a].x, layout.nodes[a].y] as const;
        const pb = [layout.nodes[b].x, layout.nodes[b].y] as const;
        const c = controls.get(a * n + b);
        expect(c, `${name}: a control point for every link`).toBeDefined();
        if (!c) continue;
        if (c[0] !== (pa[0] + pb[0]) / 2 || c[1] !== (pa[1] + pb[1]) / 2) bent++;
        const through = layout.nodes.filter((o) => o.index !== a && o.index !== b && !(o.x === pa[0] && o.y === pa[1]) && !(o.x === pb[0] && o.y === pb[1]) && hits(pa, c, pb, [o.x, o.y]));
        // A crowded graph may leave no clear bend (the link stays straight): then it is straight.
        if (through.length > 0) expect(c, `${name}: ${layout.nodes[a].id}–${layout.nodes[b].id} through ${through.map((o) => o.id).join(', ')}`).toEqual([(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2]);
      }
      if (name === 'topology/api-gateway') expect(bent, 'the gateway\'s links to its second column bend').toBeGreaterThan(0);
    }
  });

  it('a band path outlines the curve on both sides', () => {
    const d = bandPath([0, 0], [50, 50], [100, 0], 10);
    expect(d.startsWith('M')).toBe(true);
    expect(d.endsWith('Z')).toBe(true);
    expect(d.split('L').length).toBe(34);
  });
});
