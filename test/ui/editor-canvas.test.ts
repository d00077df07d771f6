import { describe, expect, it } from 'vitest';
import { edgeEnds, BOX_W, BOX_H } from '../../ui/editor/EditorCanvas.tsx';
import { canvasModel } from '../../ui/editor/canvas-model.ts';
import { validateScenario } from '../../sim/scenario/load.ts';

function scenario(parts: { nodes: unknown[]; workloads: unknown[] }) {
  const loaded = validateScenario({ version: 1, title: 't', description: 'd', durationMs: 1000, ...parts });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

const svc = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'service', serviceTime: { type: 'constant', ms: 1 }, ...extra });

describe('the editor canvas model', () => {
  it('a box per declaration (a group is one box with its count), an arrow per call, kinds through the registry', () => {
    const s = scenario({
      nodes: [
        { id: 'gw', kind: 'api-gateway', routes: [{ type: '*', to: [{ node: 'web-0', callPath: [{ type: 'load-balancer', hosts: ['web'] }] }] }], position: { x: 5, y: 6 } },
        svc('web', { count: 3, calls: [{ to: 'events' }] }),
        { id: 'events', kind: 'event-store' },
        { id: 'proj', kind: 'projector', store: 'events' },
      ],
      workloads: [{ id: 'client', kind: 'open', target: 'gw', arrival: { type: 'poisson', ratePerSec: 1 } }],
    });
    const m = canvasModel(s);
    expect(m.boxes.map((b) => [b.id, b.list, b.count])).toEqual([
      ['client', 'workloads', null],
      ['gw', 'nodes', null],
      ['web', 'nodes', 3],
      ['events', 'nodes', null],
      ['proj', 'nodes', null],
    ]);
    expect(m.boxes[1]).toMatchObject({ x: 5, y: 6, placed: true });
    expect(m.boxes[2].placed).toBe(false);
    expect(m.arrows.map((a) => `${a.from}→${a.to}:${a.kind}`)).toEqual(['client→gw:call', 'gw→web:call', 'web→events:call', 'proj→events:reference']);
  });

  it('arrows run side to side between boxes apart, else bottom to top: never through a box', () => {
    expect(edgeEnds({ x: 0, y: 0 }, { x: 300, y: 50 })).toEqual([BOX_W, BOX_H / 2, 300, 50 + BOX_H / 2]);
    expect(edgeEnds({ x: 300, y: 0 }, { x: 0, y: 0 })).toEqual([300, BOX_H / 2, BOX_W, BOX_H / 2]);
    expect(edgeEnds({ x: 0, y: 0 }, { x: 20, y: 200 })).toEqual([BOX_W / 2, BOX_H, 20 + BOX_W / 2, 200]);
    expect(edgeEnds({ x: 0, y: 200 }, { x: 20, y: 0 })).toEqual([BOX_W / 2, 200, 20 + BOX_W / 2, BOX_H]);
  });
});
