/**
 * The calls a scenario declares, as a graph the design hints walk before anything runs: who
 * calls whom, through which policies, for which request types, in which order. Read from the
 * scenario as written (a node group is one vertex with `count` instances), with no engine: the
 * page computes hints in the editor and the command line prints them.
 *
 * Node kinds beyond the generic service declare their calls through `NODE_KIND_CALLS` (an
 * API gateway's auth call and routes), so a new kind's calls join the graph without changes here.
 */
import type { PolicySpec } from '../patterns/policy-schemas.ts';
import { NODE_KIND_CALLS, type KindCall } from '../patterns/node-kind-schemas.ts';
import type { FieldPath, NodeSpec, Scenario, ServiceNode, Workload } from '../scenario/schema.ts';
import { instanceIds } from '../scenario/groups.ts';

/** One declared call: from a workload or node to a node, through its policies. */
export interface CallEdge {
  /** The caller's id (a workload, a node or a group as written). */
  readonly from: string;
  /** The callee as written: a node, or a group a load balancer spreads over. */
  readonly to: string;
  /** Where the call is declared, for pointing at it. */
  readonly path: FieldPath;
  /** The policies, outermost first: the call's own, then its sidecar's outbound ones. */
  readonly policies: readonly PolicySpec[];
  /** The timeout a workload adds outside its call path (`timeoutMs`), if any. */
  readonly outerTimeoutMs: number | null;
  /** Calls of one stage run together (in parallel, or one of them by weight); stages follow one another. */
  readonly stage: number;
  /** Share of the caller's matching requests that make this call (a weighted route's backend < 1). */
  readonly share: number;
  /** Request types that make the call; null: every type (minus `exceptTypes`). */
  readonly forTypes: readonly string[] | null;
  readonly exceptTypes: readonly string[];
  /** The vertices requests actually reach, with their shares: a balancer's hosts, or the callee. */
  readonly targets: readonly { id: string; share: number }[];
}

export interface CallGraph {
  /** Vertices by id: nodes and groups as written, and workloads. */
  readonly nodes: ReadonlyMap<string, NodeSpec>;
  readonly workloads: readonly Workload[];
  readonly edgesFrom: ReadonlyMap<string, readonly CallEdge[]>;
  /** A group's instance id → the group's id (hosts may name instances). */
  readonly vertexOf: (id: string) => string;
}

export function buildCallGraph(validated: Scenario): CallGraph {
  // Groups as written: a hint is about the declaration (and its field path), not one of its instances.
  const scenario = validated.declared ?? validated;
  const nodes = new Map(scenario.nodes.map((n) => [n.id, n]));
  const instanceToGroup = new Map<string, string>();
  for (const n of scenario.nodes) {
    if (n.kind === 'service' && n.count !== undefined) {
      for (const id of instanceIds({ id: n.id, count: n.count, idPattern: n.idPattern })) instanceToGroup.set(id, n.id);
    }
  }
  const vertexOf = (id: string) => instanceToGroup.get(id) ?? id;
  const meshOutbound = meshPoliciesBySidecar(scenario.nodes);
  const edgesFrom = new Map<string, CallEdge[]>();
  const add = (e: CallEdge) => edgesFrom.set(e.from, [...(edgesFrom.get(e.from) ?? []), e]);
  scenario.workloads.forEach((w, i) => add(workloadEdge(w, i, vertexOf)));
  scenario.nodes.forEach((n, i) => {
    if (n.kind === 'service') serviceEdges(n, i, meshOutbound.get(n.id) ?? [], vertexOf).forEach(add);
    else kindEdges(n, i, vertexOf).forEach(add);
  });
  return { nodes, workloads: scenario.workloads, edgesFrom, vertexOf };
}

function workloadEdge(w: Workload, index: number, vertexOf: (id: string) => string): CallEdge {
  return {
    from: w.id,
    to: w.target,
    path: ['workloads', index],
    policies: w.callPath,
    outerTimeoutMs: w.timeoutMs,
    stage: 0,
    share: 1,
    forTypes: null,
    exceptTypes: [],
    targets: targetsOf(w.target, w.callPath, vertexOf),
  };
}

function serviceEdges(n: ServiceNode, index: number, meshOutbound: readonly PolicySpec[], vertexOf: (id: string) => string): CallEdge[] {
  // A sidecar's outbound policies sit below the app's call path; a mesh's pushed ones replace them.
  const sidecarOutbound = n.sidecar ? [...n.sidecar.outbound, ...meshOutbound] : [];
  return n.calls.map((c, j) => {
    const policies = [...c.callPath, ...sidecarOutbound];
    return {
      from: n.id,
      to: c.to,
      path: ['nodes', index, 'calls', j],
      policies,
      outerTimeoutMs: null,
      stage: n.callMode === 'parallel' ? 0 : j,
      share: 1,
      forTypes: c.forTypes ?? null,
      exceptTypes: [],
      targets: targetsOf(c.to, policies, vertexOf),
    };
  });
}

function kindEdges(n: NodeSpec, index: number, vertexOf: (id: string) => string): CallEdge[] {
  const calls: KindCall[] = NODE_KIND_CALLS[n.kind]?.(n) ?? [];
  return calls.map((c) => ({
    from: n.id,
    to: c.to,
    path: ['nodes', index, ...c.path],
    policies: c.callPath,
    outerTimeoutMs: null,
    stage: c.stage,
    share: c.share,
    forTypes: c.forTypes,
    exceptTypes: c.exceptTypes,
    targets: targetsOf(c.to, c.callPath, vertexOf),
  }));
}

/** A load balancer sends each request to one of its hosts (by weight, evenly otherwise). */
function targetsOf(to: string, policies: readonly PolicySpec[], vertexOf: (id: string) => string): { id: string; share: number }[] {
  const lb = policies.find((p) => p.type === 'load-balancer');
  if (lb === undefined || lb.type !== 'load-balancer') return [{ id: vertexOf(to), share: 1 }];
  const weights = lb.weights ?? lb.hosts.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = new Map<string, number>();
  lb.hosts.forEach((h, i) => shares.set(vertexOf(h), (shares.get(vertexOf(h)) ?? 0) + weights[i] / total));
  return [...shares].map(([id, share]) => ({ id, share }));
}

/** Every outbound policy any mesh version pushes to a sidecar (the hints ask "is there one at all"). */
function meshPoliciesBySidecar(nodes: readonly NodeSpec[]): Map<string, PolicySpec[]> {
  const out = new Map<string, PolicySpec[]>();
  for (const n of nodes) {
    if (n.kind !== 'mesh-control-plane') continue;
    const pushed = n.configs.flatMap((c) => c.outbound);
    for (const s of n.sidecars) out.set(s, [...(out.get(s) ?? []), ...pushed]);
  }
  return out;
}

/** Instances a vertex stands for: a group's count, else one. */
export function instancesOf(node: NodeSpec | undefined): number {
  return node?.kind === 'service' ? (node.count ?? 1) : 1;
}
