/**
 * The topology's automatic layout never draws one box over another: in every built-in scenario,
 * no two node boxes (160 wide, with their badges below) overlap, so their names and badges never
 * collide; a group of hundreds is one box. And it is the same on every load.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeLayout, DRAWN_AS_ONE } from '../../ui/layout.ts';
import { loadScenarioValue } from '../../ui/load.ts';
import { laneOfNode, laneOrder } from '../../ui/views/spacetime/geometry.ts';
import { builtIn } from '../helpers.ts';

/** Node box plus the least gap between two, layout units (NODE_W 160; a node with two badges is ~80 tall). */
const MIN_DX = 170;
const MIN_DY = 110;

const BUILT_INS = readdirSync(new URL('../../scenarios', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(new URL(`../../scenarios/${d.name}`, import.meta.url)).map((f) => `${d.name}/${f}`))
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('the automatic layout', () => {
  it.each(BUILT_INS)('%s: no two boxes overlap', (file) => {
    const nodes = computeLayout(builtIn(file)).nodes.filter((n) => n.drawnAs === n.index);
    const clashes: string[] = [];
    const sorted = [...nodes].sort((a, b) => a.x - b.x);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j].x - sorted[i].x < MIN_DX - 0.5; j++) {
        if (Math.abs(sorted[j].y - sorted[i].y) < MIN_DY - 0.5) clashes.push(`${sorted[i].id} and ${sorted[j].id}`);
      }
    }
    expect(clashes.slice(0, 5)).toEqual([]);
  });

  it('draws a big group as one box at its first member, the whole group its members, links once', () => {
    const layout = computeLayout(builtIn('scale/service-mesh.json'));
    const boxes = layout.nodes.filter((n) => n.drawnAs === n.index);
    expect(boxes.map((n) => n.group?.label ?? n.label)).toEqual(['edge', 'web ×2,000', 'users ×1,000']);
    const web = boxes[1];
    expect(web.group?.members).toHaveLength(2000);
    for (const i of web.group!.members) expect(layout.nodes[i]).toMatchObject({ drawnAs: web.index, x: web.x, y: web.y });
    expect(layout.links).toHaveLength(2);
    // The space-time diagram gives the group one lane, its members' messages in it.
    const order = laneOrder(layout);
    expect(order.map((i) => layout.nodes[i].group?.label ?? layout.nodes[i].id)).toEqual(['users ×1,000', 'edge', 'web ×2,000']);
    const lanes = laneOfNode(order, layout.nodes.length, layout.nodes.map((n) => n.drawnAs));
    expect(new Set(web.group!.members.map((i) => lanes[i]))).toEqual(new Set([2]));
  });

  it('draws a group of DRAWN_AS_ONE members or fewer member by member', () => {
    const json = JSON.parse(readFileSync(new URL('../../scenarios/scale/service-mesh.json', import.meta.url), 'utf8'));
    json.nodes.find((n: { id: string }) => n.id === 'web').count = DRAWN_AS_ONE;
    json.workloads.find((w: { id: string }) => w.id === 'users').count = DRAWN_AS_ONE + 1;
    const loaded = loadScenarioValue(json);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const layout = computeLayout(loaded.scenario);
    const boxes = layout.nodes.filter((n) => n.drawnAs === n.index);
    expect(boxes.map((n) => n.group?.label ?? n.label)).toEqual(['edge', ...Array.from({ length: DRAWN_AS_ONE }, (_, i) => `web-${i}`), `users ×${DRAWN_AS_ONE + 1}`]);
  });

  it('is the same on every load', () => {
    const scenario = builtIn('resilience/outlier-detection.json');
    expect(computeLayout(scenario)).toEqual(computeLayout(scenario));
  });
});
