/**
 * One node's pattern state at a point of the recording, as the badge renderers read it
 * (ui/patterns/registry.ts): every `state` record's latest value by key.
 */
import type { FoldState } from '../trace/fold.ts';
import type { TraceStore } from '../trace/store.ts';
import type { RenderContext } from './registry.ts';

export interface StateValue {
  key: string;
  value: string;
  changedAt: number;
}

export function nodeStateEntries(store: TraceStore, state: FoldState, node: number): StateValue[] {
  const states = state.states[node];
  if (!states || states.size === 0) return [];
  const changed = state.changed[node];
  const out: StateValue[] = [];
  for (const [k, v] of states) out.push({ key: store.strings[k], value: store.strings[v], changedAt: changed?.get(k) ?? 0 });
  return out;
}

/** The renderers' context for a store at a cursor: `recentUs` is how long a change counts as recent. */
export function renderContext(store: TraceStore, param: RenderContext['param'], cursorUs: number, recentUs: number): RenderContext {
  return {
    param,
    observedMax: (key) => {
      const id = store.stringId(key);
      return id < 0 ? NaN : store.fold.observedMax(id);
    },
    isRecent: (changedAt) => cursorUs - changedAt < recentUs,
  };
}
