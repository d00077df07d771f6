/**
 * Design hints: problems a scenario's design has before it runs, each pointing at the element
 * that has it (a node, a call, a workload) by its field path. They are the advice of the
 * resilience literature, computed from the declared calls (call-graph.ts):
 *
 * - a call with no timeout (a hung callee holds the caller forever);
 * - retries at several layers: worst-case attempts multiply along a chain, ∏ maxAttempts
 *   ((r + 1)^L with r retries at each of L layers);
 * - a dependency a service reaches with no circuit breaker, bulkhead or concurrency limit;
 * - a queue whose messages are redelivered forever (no maxReceiveCount, no dead-letter queue);
 * - a single instance every request of a workload needs (a single point of failure);
 * - a service offered more work than it can do: ρ = λ·E[S] / (workers × instances) ≥ 1, λ from
 *   the workloads' peak open arrival rates through fan-out, routes and balancers, E[S] its own
 *   service time (a lower bound: calls hold its workers longer);
 * - a timeout shorter than the timeouts below it add up to: the caller gives up while the
 *   callee's calls are still allowed to wait, so work continues that nobody will use.
 */
import { compileDist } from '../engine/dist.ts';
import { NODE_KIND_REFERENCES } from '../patterns/node-kind-schemas.ts';
import type { PolicySpec } from '../patterns/policy-schemas.ts';
import { retryParams } from '../patterns/retry.defaults.ts';
import type { FieldPath, Scenario, Workload } from '../scenario/schema.ts';
import { buildCallGraph, instancesOf, type CallEdge, type CallGraph } from './call-graph.ts';

export const HINT_KINDS = [
  'no-timeout',
  'retry-amplification',
  'unprotected-dependency',
  'queue-without-dead-letter',
  'single-point-of-failure',
  'overloaded',
  'timeout-shorter-than-chain',
] as const;
export type HintKind = (typeof HINT_KINDS)[number];

export interface DesignHint {
  readonly kind: HintKind;
  /** The element's field path in the scenario (a node, a call, a workload). */
  readonly path: FieldPath;
  /** The node or workload the hint is drawn on. */
  readonly node: string;
  /** For a call: its callee. */
  readonly to?: string;
  readonly message: string;
}

export function designHints(scenario: Scenario): DesignHint[] {
  const graph = buildCallGraph(scenario);
  const edges = [...graph.edgesFrom.values()].flat();
  return [
    ...edges.flatMap(noTimeout),
    ...retryAmplification(graph, edges),
    ...edges.flatMap((e) => unprotectedDependency(e, graph)),
    ...queuesWithoutDeadLetter(scenario),
    ...singlePointsOfFailure(graph),
    ...overloaded(graph),
    ...edges.flatMap((e) => timeoutShorterThanChain(e, graph)),
  ];
}

const arrow = (e: CallEdge) => `${e.from} → ${e.to}`;

// --- no timeout -------------------------------------------------------------------------------

function noTimeout(e: CallEdge): DesignHint[] {
  if (e.outerTimeoutMs !== null || e.policies.some((p) => p.type === 'timeout')) return [];
  return [{ kind: 'no-timeout', path: e.path, node: e.from, to: e.to, message: `${arrow(e)} has no timeout: if ${e.to} hangs, ${e.from} waits for ever.` }];
}

// --- retries at several layers ----------------------------------------------------------------

const retriesOf = (policies: readonly PolicySpec[]) => policies.flatMap((p) => (p.type === 'retry' ? [retryParams(p).maxAttempts] : [])).filter((n) => n > 1);

interface RetryChain {
  readonly attempts: readonly number[];
  readonly calls: readonly string[];
}

/** The chain with the most retry layers into each call, following calls from every workload. */
function retryAmplification(graph: CallGraph, edges: readonly CallEdge[]): DesignHint[] {
  const best = new Map<CallEdge, RetryChain>();
  const visit = (e: CallEdge, above: RetryChain, depth: number) => {
    const chain = { attempts: [...above.attempts, ...retriesOf(e.policies)], calls: [...above.calls, arrow(e)] };
    const known = best.get(e);
    if (known !== undefined && known.attempts.length >= chain.attempts.length) return;
    best.set(e, chain);
    if (depth > MAX_DEPTH) return;
    for (const t of e.targets) for (const next of graph.edgesFrom.get(t.id) ?? []) visit(next, chain, depth + 1);
  };
  for (const w of graph.workloads) for (const e of graph.edgesFrom.get(w.id) ?? []) visit(e, { attempts: [], calls: [] }, 0);
  return edges.flatMap((e) => {
    const chain = best.get(e);
    if (chain === undefined || chain.attempts.length < 2 || !retriesOf(e.policies).length) return [];
    const product = chain.attempts.reduce((a, b) => a * b, 1);
    return [{
      kind: 'retry-amplification' as const,
      path: e.path,
      node: e.from,
      to: e.to,
      message: `Retries at ${chain.attempts.length} layers (${chain.calls.join(', ')}): one request can become ${chain.attempts.join(' × ')} = ${product} attempts at ${e.to} when it fails.`,
    }];
  });
}

/** Deep enough for any sensible design; stops a cycle of calls. */
const MAX_DEPTH = 64;

// --- unprotected dependency -------------------------------------------------------------------

const PROTECTIONS = new Set(['circuit-breaker', 'bulkhead', 'thread-pool-bulkhead', 'concurrency-limit']);

function unprotectedDependency(e: CallEdge, graph: CallGraph): DesignHint[] {
  if (!graph.nodes.has(e.from)) return []; // a workload is the client, not a service with threads to lose
  const guarded = e.policies.some((p) => PROTECTIONS.has(p.type) || (p.type === 'load-balancer' && p.outlierDetection !== undefined));
  if (guarded) return [];
  return [{ kind: 'unprotected-dependency', path: e.path, node: e.from, to: e.to, message: `${arrow(e)} has no circuit breaker, bulkhead or concurrency limit: when ${e.to} slows down, its waiting calls can take every worker of ${e.from}.` }];
}

// --- queues -----------------------------------------------------------------------------------

/** SQS redelivers without limit unless a redrive policy says otherwise; a dead-letter queue itself is where such messages end. */
function queuesWithoutDeadLetter(validated: Scenario): DesignHint[] {
  const scenario = validated.declared ?? validated;
  // Any kind's reference named deadLetterQueue (a queue's redrive, a topic subscription's).
  const deadLetterQueues = new Set(scenario.nodes.flatMap((n) => (NODE_KIND_REFERENCES[n.kind]?.(n) ?? []).filter((r) => r.path.at(-1) === 'deadLetterQueue').map((r) => r.id)));
  return scenario.nodes.flatMap((n, i) => {
    if (n.kind !== 'queue' || n.preset !== 'sqs' || n.maxReceiveCount !== null || n.deadLetterQueue !== null || deadLetterQueues.has(n.id)) return [];
    return [{ kind: 'queue-without-dead-letter' as const, path: ['nodes', i], node: n.id, message: `Queue ${n.id} has no maxReceiveCount or dead-letter queue: a message that always fails is redelivered for ever.` }];
  });
}

// --- single points of failure -----------------------------------------------------------------

/** A call every request of its caller makes, whatever its type, with no fallback to do without. */
const everyRequestMakes = (e: CallEdge) => e.forTypes === null && e.exceptTypes.length === 0 && e.share === 1 && !e.policies.some((p) => p.type === 'fallback');

/** Vertices every request into `v` reaches, `v` included: through calls it always makes; a balancer's hosts share only what all of them reach. */
function alwaysReached(graph: CallGraph, v: string, memo: Map<string, Set<string>>): Set<string> {
  const known = memo.get(v);
  if (known !== undefined) return known;
  const reached = new Set([v]);
  memo.set(v, reached); // a cycle of calls sees v alone
  for (const e of graph.edgesFrom.get(v) ?? []) {
    if (!everyRequestMakes(e)) continue;
    const perTarget = e.targets.map((t) => alwaysReached(graph, t.id, memo));
    for (const id of perTarget[0]) if (perTarget.every((s) => s.has(id))) reached.add(id);
  }
  return reached;
}

function singlePointsOfFailure(graph: CallGraph): DesignHint[] {
  const memo = new Map<string, Set<string>>();
  const found = new Map<string, string[]>();
  for (const w of graph.workloads) {
    for (const id of alwaysReached(graph, w.id, memo)) {
      if (id === w.id || instancesOf(graph.nodes.get(id)) > 1 || !graph.nodes.has(id)) continue;
      found.set(id, [...(found.get(id) ?? []), w.id]);
    }
  }
  return [...found].map(([id, workloads]) => ({
    kind: 'single-point-of-failure' as const,
    path: ['nodes', indexOfNode(graph, id)],
    node: id,
    message: `Every request of ${listed(workloads)} needs ${id}, a single instance: if it crashes, they all fail.`,
  }));
}

/** A few names, then how many more: a list of a thousand clients says nothing a count does not. */
const listed = (names: readonly string[]) => (names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`);

const indexOfNode = (graph: CallGraph, id: string) => [...graph.nodes.keys()].indexOf(id);

// --- offered load -----------------------------------------------------------------------------

/** Request rate by type ('' for untyped requests). */
type Flow = Map<string, number>;

/** A workload's highest request rate (the hint is about the worst moment); null when it is not an open workload with a rate. */
function peakRatePerSec(w: Workload): number | null {
  if (w.kind !== 'open') return null;
  const a = w.arrival;
  switch (a.type) {
    case 'poisson':
    case 'constant':
      return a.ratePerSec;
    case 'steps':
      return Math.max(...a.steps.map((s) => s.ratePerSec));
    case 'ramp':
      return Math.max(a.fromRatePerSec, a.toRatePerSec);
    case 'bursts':
      return null;
  }
}

function workloadFlow(w: Workload): Flow {
  const rate = peakRatePerSec(w);
  if (rate === null) return new Map();
  if (w.requests === undefined) return new Map([['', rate]]);
  const total = w.requests.reduce((s, r) => s + r.weight, 0);
  return new Map(w.requests.map((r) => [r.name, (rate * r.weight) / total]));
}

function passes(e: CallEdge, type: string): boolean {
  if (e.forTypes !== null) return e.forTypes.includes(type);
  return !e.exceptTypes.includes(type);
}

/** Vertices in an order where callers come before callees (a call closing a cycle is left out). */
function callersFirst(graph: CallGraph): string[] {
  const done = new Set<string>();
  const onPath = new Set<string>();
  const order: string[] = [];
  const visit = (v: string) => {
    if (done.has(v) || onPath.has(v)) return;
    onPath.add(v);
    for (const e of graph.edgesFrom.get(v) ?? []) for (const t of e.targets) visit(t.id);
    onPath.delete(v);
    done.add(v);
    order.push(v);
  };
  for (const w of graph.workloads) visit(w.id);
  return order.reverse();
}

/** Offered rates reaching each vertex, following every call each request makes (retries not counted). */
function offeredRates(graph: CallGraph): Map<string, number> {
  const order = callersFirst(graph);
  const position = new Map(order.map((v, i) => [v, i]));
  const inflow = new Map<string, Flow>(graph.workloads.map((w) => [w.id, workloadFlow(w)]));
  const total = new Map<string, number>();
  for (const v of order) {
    const flow = inflow.get(v);
    if (flow === undefined) continue;
    if (graph.nodes.has(v)) total.set(v, [...flow.values()].reduce((a, b) => a + b, 0));
    for (const e of graph.edgesFrom.get(v) ?? []) {
      for (const t of e.targets) {
        if ((position.get(t.id) ?? -1) <= (position.get(v) ?? -1)) continue; // a call back up a cycle
        const into = inflow.get(t.id) ?? new Map<string, number>();
        for (const [type, r] of flow) if (passes(e, type)) into.set(type, (into.get(type) ?? 0) + r * e.share * t.share);
        inflow.set(t.id, into);
      }
    }
  }
  return total;
}

function overloaded(graph: CallGraph): DesignHint[] {
  const rates = offeredRates(graph);
  const out: DesignHint[] = [];
  [...graph.nodes.values()].forEach((n, i) => {
    const lambda = rates.get(n.id);
    if (n.kind !== 'service' || lambda === undefined) return;
    const meanS = (compileDist(n.serviceTime).meanUs / 1e6) * n.slowdownFactor;
    const servers = n.workers * instancesOf(n);
    const rho = (lambda * meanS) / servers;
    if (rho < 1) return;
    out.push({
      kind: 'overloaded',
      path: ['nodes', i],
      node: n.id,
      message: `${n.id} is offered ${fmt(lambda)} requests/s at the peak but can serve ${fmt(servers / meanS)}/s (ρ = ${fmt(rho)} ≥ 1, from its service time alone): its queue grows without bound.`,
    });
  });
  return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '∞');

// --- timeouts against the chain below ---------------------------------------------------------

/**
 * How long a call can take at most, given its policies and the bound `inner` of what it wraps:
 * a timeout caps what is inside it, a retry repeats it (backoff waits not counted).
 */
function boundOf(e: CallEdge, inner: number): number {
  let b = inner;
  for (let i = e.policies.length - 1; i >= 0; i--) {
    const p = e.policies[i];
    if (p.type === 'timeout') b = Math.min(p.timeoutMs, b);
    else if (p.type === 'retry') b *= retryParams(p).maxAttempts;
  }
  return e.outerTimeoutMs === null ? b : Math.min(e.outerTimeoutMs, b);
}

/**
 * The longest a vertex's calls may take by their own timeouts: stages add up, calls of a stage
 * overlap or are alternatives. A call without a timeout has no bound (its callee's own work is
 * unbounded), and a call's timeout already covers everything below it.
 */
function callsBound(graph: CallGraph, v: string): number {
  const byStage = new Map<number, number>();
  for (const e of graph.edgesFrom.get(v) ?? []) byStage.set(e.stage, Math.max(byStage.get(e.stage) ?? 0, boundOf(e, Infinity)));
  let sum = 0;
  for (const b of byStage.values()) sum += b;
  return sum;
}

function timeoutShorterThanChain(e: CallEdge, graph: CallGraph): DesignHint[] {
  const own = boundOf(e, Infinity);
  if (!Number.isFinite(own)) return [];
  const below = Math.max(0, ...e.targets.map((t) => callsBound(graph, t.id)));
  if (!Number.isFinite(below) || own >= below) return [];
  return [{
    kind: 'timeout-shorter-than-chain',
    path: e.path,
    node: e.from,
    to: e.to,
    message: `${arrow(e)} gives up after ${fmt(own)} ms, but the timeouts below ${e.to} add up to ${fmt(below)} ms: ${e.from} stops waiting while ${e.to} still works on an answer nobody will read.`,
  }];
}
