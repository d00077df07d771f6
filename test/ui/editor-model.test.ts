import { describe, expect, it } from 'vitest';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import {
  addFault,
  addPolicy,
  applyEdit,
  BLANK_DESIGN,
  connect,
  move,
  moveFault,
  movePolicy,
  place,
  redo,
  remove,
  removePolicy,
  replaceText,
  setFields,
  setLinkLatency,
  startHistory,
  textOf,
  undo,
  type Edit,
  type History,
} from '../../ui/editor/model.ts';
import { paletteEntry } from '../../ui/editor/palette.ts';

function blank(): History {
  const started = startHistory(textOf(BLANK_DESIGN));
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  return started.history;
}

function apply(h: History, ...edits: Edit[]): History {
  for (const e of edits) {
    const r = applyEdit(h, e);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    h = r.history;
  }
  return h;
}

const entry = (kind: string) => {
  const e = paletteEntry(kind);
  if (!e) throw new Error(kind);
  return e;
};

/** client → api → two services → a data store, as the browser test builds it. */
function checkout(): History {
  return apply(
    blank(),
    place(entry('service'), { x: 300, y: 100 }), // service
    place(entry('open'), { x: 0, y: 100 }), // client → service
    place(entry('service'), { x: 600, y: 0 }), // service-2
    place(entry('service'), { x: 600, y: 200 }), // service-3
    place(entry('store'), { x: 900, y: 100 }),
    connect('service', 'service-2'),
    connect('service', 'service-3'),
    connect('service-2', 'store'),
  );
}

const traceHash = (h: History) => new ScenarioRun(h.present.scenario).finish().traceHash;

describe('the editor model', () => {
  it('builds a design from the palette, every step a valid scenario', () => {
    const h = checkout();
    const s = h.present.scenario;
    expect(s.workloads.map((w) => [w.id, w.target])).toEqual([['client', 'service']]);
    const api = s.nodes.find((n) => n.id === 'service');
    expect(api?.kind === 'service' && api.calls.map((c) => c.to)).toEqual(['service-2', 'service-3']);
    expect(h.past.length).toBe(8);
  });

  it('refuses an edit that would make an invalid scenario, naming the field, and keeps the design', () => {
    const h = checkout();
    const bad = applyEdit(h, setFields({ 'workloads[0].timeoutMs': -5 }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toContain('workloads[0].timeoutMs');
    expect(applyEdit(h, connect('service', 'service')).ok).toBe(false);
    expect(applyEdit(h, connect('service', 'nowhere')).ok).toBe(false);
    expect(applyEdit(h, connect('store', 'service')).ok).toBe(false);
    const firstWorkload = applyEdit(blank(), place(entry('open'), { x: 0, y: 0 }));
    expect(firstWorkload.ok ? 'placed' : firstWorkload.errors[0].message).toMatch(/place a service first/);
  });

  it('undo and redo restore the exact previous files', () => {
    const h = checkout();
    const texts = [...h.past.map((d) => d.text), h.present.text];
    let back = h;
    for (let i = texts.length - 1; i > 0; i--) {
      back = undo(back);
      expect(back.present.text).toBe(texts[i - 1]);
    }
    expect(undo(back)).toBe(back);
    let forward = back;
    for (let i = 1; i < texts.length; i++) {
      forward = redo(forward);
      expect(forward.present.text).toBe(texts[i]);
    }
    // A new edit after an undo drops the redo steps.
    const branched = apply(undo(h), move('client', { x: 5, y: 5 }));
    expect(branched.future).toEqual([]);
  });

  it('moving nodes changes only their position hints: the trace hash stays', () => {
    const h = apply(checkout(), setFields({ durationMs: 2000 }));
    const moved = apply(h, move('service', { x: 12.4, y: -40.6 }), move('client', { x: 999, y: 3 }));
    expect(JSON.parse(moved.present.text).nodes[0].position).toEqual({ x: 12, y: -41 });
    expect(traceHash(moved)).toBe(traceHash(h));
  });

  it('policies are added, reordered and removed on a call; a fault is placed and dragged in time', () => {
    let h = checkout();
    const ref = { owner: 'service', call: 0 };
    h = apply(h, addPolicy(ref, 'circuit-breaker', 'service-2'), addPolicy(ref, 'retry', 'service-2'));
    const pathOf = (x: History) => JSON.parse(x.present.text).nodes[0].calls[0].callPath.map((p: { type: string }) => p.type);
    expect(pathOf(h)).toEqual(['circuit-breaker', 'retry']);
    h = apply(h, addPolicy(ref, 'timeout', 'service-2', 0));
    expect(pathOf(h)).toEqual(['timeout', 'circuit-breaker', 'retry']);
    h = apply(h, movePolicy(ref, 2, -1), movePolicy(ref, 1, -1));
    expect(pathOf(h)).toEqual(['retry', 'timeout', 'circuit-breaker']);
    h = apply(h, removePolicy(ref, 1));
    expect(pathOf(h)).toEqual(['retry', 'circuit-breaker']);
    expect(applyEdit(h, movePolicy(ref, 0, -1)).ok).toBe(false);
    h = apply(h, addFault({ atMs: 10_000, type: 'crash', node: 'service-2', restartAfterMs: 5000 }), moveFault(0, 20_250.4));
    expect(h.present.scenario.faults).toEqual([expect.objectContaining({ atMs: 20_250, type: 'crash', node: 'service-2' })]);
  });

  it('a kind wires through its palette entry: a wire from a gateway adds a backend to its "*" route', () => {
    let h = apply(blank(), place(entry('api-gateway'), { x: 0, y: 0 }), place(entry('service'), { x: 300, y: 0 }));
    h = apply(h, connect('gateway', 'service'));
    const gateway = h.present.scenario.nodes.find((n) => n.id === 'gateway');
    expect(gateway?.kind === 'api-gateway' && gateway.routes.map((r) => [r.type, r.to.map((t) => t.node)])).toEqual([['*', ['backend', 'service']]]);
    const again = applyEdit(h, connect('gateway', 'service'));
    expect(again.ok ? '' : again.errors[0].message).toBe('gateway already routes to service');
    // A kind without a wire is set through its fields.
    const store = applyEdit(apply(h, place(entry('store'), { x: 0, y: 300 })), connect('store', 'service'));
    expect(store.ok ? '' : store.errors[0].message).toMatch(/set its fields instead/);
  });

  it('a link latency override between two nodes is set, changed and taken out', () => {
    let h = apply(checkout(), setLinkLatency('service', 'service-2', 5));
    expect(h.present.scenario.links).toEqual([expect.objectContaining({ from: 'service', to: 'service-2', bidirectional: true, latency: { type: 'constant', ms: 5 } })]);
    h = apply(h, setLinkLatency('service-2', 'service', 8));
    expect(h.present.scenario.links.map((l) => l.latency)).toEqual([{ type: 'constant', ms: 8 }]);
    expect(applyEdit(h, setLinkLatency('service', 'service-2', -1)).ok).toBe(false);
    h = apply(h, setLinkLatency('service', 'service-2', null));
    expect(h.present.scenario.links).toEqual([]);
  });

  it('removing a node takes its calls, workloads aimed at it and its faults with it', () => {
    let h = apply(checkout(), addFault({ atMs: 1000, type: 'crash', node: 'service-2' }));
    h = apply(h, remove('service-2'));
    const s = h.present.scenario;
    expect(s.nodes.map((n) => n.id)).toEqual(['service', 'service-3', 'store']);
    expect(s.faults).toEqual([]);
    h = apply(h, remove('service'));
    expect(h.present.scenario.workloads).toEqual([]);
  });

  it('the JSON pane: a valid text replaces the design (undoable), an invalid one is refused with its path', () => {
    const h = checkout();
    const raw = JSON.parse(h.present.text);
    raw.title = 'Checkout';
    const r = replaceText(h, textOf(raw));
    expect(r.ok && r.history.present.scenario.title).toBe('Checkout');
    if (r.ok) expect(undo(r.history).present.text).toBe(h.present.text);
    raw.nodes[0].workers = 0;
    const bad = replaceText(h, textOf(raw));
    expect(bad.ok ? [] : bad.errors.map((e) => e.path)).toEqual(['nodes[0].workers']);
    expect(replaceText(h, '{ not json').ok).toBe(false);
  });
});
