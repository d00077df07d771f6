/**
 * One node's pattern state at a point of the recording, as the badge renderers read it
 * (ui/patterns/registry.ts): every `state` record's latest value by key, and the retries a
 * retry layer has sent and its budget has denied so far (from `call` records).
 */
import { CALL_COUNTS, type FoldState } from '../trace/fold.ts';
import type { TraceStore } from '../trace/store.ts';
import type { RenderContext } from './registry.ts';

export interface StateValue {
  key: string;
  value: string;
  changedAt: number;
}

export function nodeStateEntries(store: TraceStore, state: FoldState, node: number): StateValue[] {
  const out: StateValue[] = [];
  const states = state.states[node];
  const changed = state.changed[node];
  if (states) for (const [k, v] of states) out.push({ key: store.strings[k], value: store.strings[v], changedAt: changed?.get(k) ?? 0 });
  // Counts of call events (retries sent, retries denied) read as state keys `<layer>.retried`…
  const calls = state.calls[node];
  const callsChanged = state.callsChanged[node];
  if (calls) {
    for (const [key, n] of calls) {
      const layer = store.strings[Math.floor(key / CALL_COUNTS.length)];
      out.push({ key: `${layer}.${CALL_COUNTS[key % CALL_COUNTS.length]}`, value: String(n), changedAt: callsChanged?.get(key) ?? 0 });
    }
  }
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
