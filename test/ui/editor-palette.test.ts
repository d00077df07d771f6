import { describe, expect, it } from 'vitest';
import { NODE_KIND_SCHEMAS } from '../../sim/patterns/node-kind-schemas.ts';
import { applyEdit, BLANK_DESIGN, place, startHistory, textOf, type History } from '../../ui/editor/model.ts';
import { PALETTE } from '../../ui/editor/palette.ts';

function blank(): History {
  const started = startHistory(textOf(BLANK_DESIGN));
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  return started.history;
}

/** A design with one service, so workloads have something to call. */
function withService(): History {
  const entry = PALETTE.find((e) => e.kind === 'service');
  if (!entry) throw new Error('no service entry');
  const r = applyEdit(blank(), place(entry, { x: 0, y: 0 }));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.history;
}

/**
 * The palette: the editor's own entries (workloads, the service) and every node kind's from its
 * registry (sim/patterns/node-kind-palette.ts) — a kind of the scenario schema without one fails
 * here — each placed twice in a design and validated.
 */
describe('the editor palette', () => {
  it('has an entry for every node kind of the scenario schema, the service and both workloads', () => {
    const kinds = new Set(PALETTE.map((e) => e.kind));
    const schemaKinds = NODE_KIND_SCHEMAS.map((s) => {
      const shape = 'shape' in s ? s.shape : (s as unknown as { def: { in: { shape: Record<string, { value?: string }> } } }).def.in.shape;
      return (shape as Record<string, { value?: string }>).kind.value;
    });
    expect(schemaKinds.length).toBe(NODE_KIND_SCHEMAS.length);
    for (const k of [...schemaKinds, 'service', 'open', 'closed']) expect(kinds, `palette entry for ${k}`).toContain(k);
    expect(new Set(PALETTE.map((e) => e.kind)).size).toBe(PALETTE.length);
  });

  it.each(PALETTE.map((e) => [e.kind, e] as const))('%s placed twice is a valid scenario with fresh ids', (_kind, entry) => {
    let h = withService();
    for (let i = 0; i < 2; i++) {
      const r = applyEdit(h, place(entry, { x: 100 * i, y: 50 }));
      expect(r.ok, r.ok ? '' : JSON.stringify(r.errors)).toBe(true);
      if (r.ok) h = r.history;
    }
    const placed = [...h.present.scenario.nodes, ...h.present.scenario.workloads].filter((n) => n.kind === entry.kind);
    expect(placed.length).toBeGreaterThanOrEqual(2);
  });
});
