/**
 * A policy's parameters by its layer name (`<path>.<name or type>`, the name its state and
 * call records carry), so a badge can draw a level against the configured capacity.
 */
import type { Scenario } from '../../sim/scenario/schema.ts';

export type ParamLookup = (layer: string, fields: readonly string[]) => number | null;

export function policyParams(scenario: Scenario): ParamLookup {
  const byLayer = new Map<string, Record<string, unknown>>();
  const add = (path: string, specs: readonly unknown[]) => {
    for (const spec of specs) {
      if (!spec || typeof spec !== 'object') continue;
      const s = spec as Record<string, unknown>;
      const name = typeof s.name === 'string' && s.name !== '' ? s.name : String(s.type);
      byLayer.set(`${path}.${name}`, s);
    }
  };
  for (const w of scenario.workloads) add(w.id, w.callPath);
  for (const n of scenario.nodes) {
    if (n.kind === 'service') for (const c of n.calls) add(`${n.id}->${c.to}`, c.callPath);
  }
  return (layer, fields) => {
    const spec = byLayer.get(layer);
    if (!spec) return null;
    for (const f of fields) {
      // A dotted field reads a nested setting: `budget.ratio`.
      const v = f.split('.').reduce<unknown>((o, part) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[part] : undefined), spec);
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    }
    return null;
  };
}
