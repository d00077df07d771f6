import { listenTo, TRACE_KIND_NAMES, type TraceKindName, type TraceListener, type TraceRecord } from '../engine/trace.ts';
import type { TraceInvariant } from './invariants.ts';

/**
 * One trace listener for all of a run's invariants. Each record goes only to the invariants
 * that read it: by its kind (`TraceInvariant.kinds`), then its node and, for a `call` record,
 * its layer (`TraceInvariant.scope`). So the cost of a record is the number of invariants that
 * look at it, not the number of invariants in the run — with a breaker on each of 6,000
 * services, a call record reaches one breaker's invariant, not 6,000.
 *
 * The listener hears the kinds any invariant reads (every kind if one of them does not say).
 * Invariants are independent of each other, so the order in which one record reaches them
 * does not matter.
 */
export function invariantListener(invariants: readonly TraceInvariant[]): TraceListener {
  const routes = new Map<TraceKindName, KindRoute>();
  let allKinds = false;
  for (const inv of invariants) {
    if (inv.kinds === undefined) allKinds = true;
    for (const kind of inv.kinds ?? TRACE_KIND_NAMES) {
      let route = routes.get(kind);
      if (route === undefined) {
        route = { everywhere: [], byNode: new Map() };
        routes.set(kind, route);
      }
      addToRoute(route, kind, inv);
    }
  }
  const listener = (r: TraceRecord) => {
    const route = routes.get(r.k);
    if (route !== undefined) deliver(route, r);
  };
  return allKinds ? listener : listenTo([...routes.keys()], listener);
}

/** The invariants reading one kind of record: those reading every node's, and those by node. */
interface KindRoute {
  everywhere: TraceInvariant[];
  byNode: Map<string, NodeRoute>;
}

/** At one node: the invariants reading all its records of the kind, and (call records) those reading one layer's. */
interface NodeRoute {
  any: TraceInvariant[];
  byLayer: Map<string, TraceInvariant[]>;
}

function addToRoute(route: KindRoute, kind: TraceKindName, inv: TraceInvariant): void {
  const scope = inv.scope;
  if (scope === undefined) {
    route.everywhere.push(inv);
    return;
  }
  for (const node of new Set(scope.nodes)) {
    let at = route.byNode.get(node);
    if (at === undefined) {
      at = { any: [], byLayer: new Map() };
      route.byNode.set(node, at);
    }
    // Only call records carry a layer; a scoped invariant hears all its node's other records.
    if (kind !== 'call' || scope.layer === undefined) {
      at.any.push(inv);
      continue;
    }
    const list = at.byLayer.get(scope.layer);
    if (list === undefined) at.byLayer.set(scope.layer, [inv]);
    else list.push(inv);
  }
}

function deliver(route: KindRoute, r: TraceRecord): void {
  for (const inv of route.everywhere) inv.onRecord(r);
  const at = route.byNode.get(r.node);
  if (at === undefined) return;
  for (const inv of at.any) inv.onRecord(r);
  if (at.byLayer.size === 0) return;
  const list = at.byLayer.get(r.layer as string);
  if (list !== undefined) for (const inv of list) inv.onRecord(r);
}
