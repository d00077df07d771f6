import { compileDist } from '../engine/dist.ts';
import { DEFAULT_ENGINE_LIMITS, Sim } from '../engine/sim.ts';
import { msToUs } from '../engine/time.ts';
import type { TraceListener } from '../engine/trace.ts';
import { Faults } from '../faults/faults.ts';
import { startChaos } from '../faults/chaos.ts';
import { DROP_REASONS, Network, type LinkParams } from '../net/network.ts';
import { ServiceNode, type ConsumerHost } from '../nodes/service.ts';
import type { ConsumeSpec, QueueSpec } from '../patterns/message-queue.schema.ts';
import { QueueConsumer, type ConsumerParams } from '../patterns/queue-consumer.ts';
import type { ConsumeLogSpec } from '../patterns/partitioned-log.schema.ts';
import { LogConsumer, type LogConsumerParams } from '../patterns/log-consumer.ts';
import { World } from '../nodes/world.ts';
import { ClosedLoopClient, OpenLoopClient, type ClientTiming } from '../workload/client.ts';
import type { Invoker } from '../nodes/call.ts';
import type { SimNode } from '../nodes/node.ts';
import { PendingCalls, Transport } from '../nodes/transport.ts';
import { buildCallPath, type PolicySpec } from '../patterns/registry.ts';
import { NODE_KINDS } from '../patterns/node-kinds.ts';
import { hotKeys, uniformKeys, zipfKeys, type KeySampler } from '../patterns/shard-map.ts';
import type { LinkSpec, NetworkSpec, Scenario, Workload } from './schema.ts';

/**
 * Builds a runnable world from a validated scenario: the engine, the network with its link
 * overrides, the nodes (services first, then one client per workload, in file order — the
 * node indexes the trace uses), the fault timeline and chaos.
 */
export interface BuiltWorld {
  sim: Sim;
  world: World;
  faults: Faults;
  nodeNames: string[];
}

/** `listeners` hear every trace record, including those nodes emit as they start at time 0. */
export function buildWorld(scenario: Scenario, seed: number, listeners: readonly TraceListener[] = []): BuiltWorld {
  const nodeNames = [...scenario.nodes.map((n) => n.id), ...scenario.workloads.map((w) => w.id)];
  const index = new Map(nodeNames.map((name, i) => [name, i]));
  const target = targetResolver(scenario, index);
  const endUs = msToUs(scenario.durationMs);
  const limits = {
    maxEvents: scenario.limits.maxEvents ?? DEFAULT_ENGINE_LIMITS.maxEvents,
    maxPendingEvents: scenario.limits.maxPendingEvents ?? DEFAULT_ENGINE_LIMITS.maxPendingEvents,
    maxQueuedRequests: scenario.limits.maxQueuedRequests ?? DEFAULT_ENGINE_LIMITS.maxQueuedRequests,
    maxKeptRecords: scenario.limits.maxKeptRecords ?? DEFAULT_ENGINE_LIMITS.maxKeptRecords,
  };
  const sim = new Sim(seed, endUs, nodeNames, limits, msToUs(scenario.metrics.windowMs));
  for (const l of listeners) sim.trace.listen(l);
  const world = new World(sim, nodeNames);

  const defaults = linkParams(scenario.network);
  const network = new Network(sim, nodeNames, defaults, (msg) => world.receive(msg), scenario.limits.maxMessagesInFlight);
  for (const link of scenario.links) {
    const params = linkParams({ ...scenario.network, ...definedFields(link) });
    const from = index.get(link.from)!;
    const to = index.get(link.to)!;
    network.setLink(from, to, params);
    if (link.bidirectional) network.setLink(to, from, params);
  }
  world.attachNetwork(network);

  const requestTypes = requestTypeNames(scenario);
  world.requestTypes = requestTypes;
  const typeIndex = new Map(requestTypes.map((name, i) => [name, i]));
  for (const spec of scenario.nodes) {
    if (spec.kind !== 'service') {
      world.add(NODE_KINDS[spec.kind].create(world, index.get(spec.id)!, spec, (id) => index.get(id)!));
      continue;
    }
    const dependencies = spec.calls.map((c) => callPathFactory(`${spec.id}->${c.to}`, c.callPath, target(c.to), c.propagateDeadline));
    world.add(new ServiceNode(world, index.get(spec.id)!, spec.id, {
      dependencies,
      propagateRejections: spec.calls.map((c) => c.propagateRejections),
      callTypes: spec.calls.map((c) => (c.forTypes === undefined ? null : new Set(c.forTypes.map((t) => typeIndex.get(t)!)))),
      callMode: spec.callMode,
      workers: spec.workers,
      queueCapacity: spec.queueCapacity,
      queueDiscipline: spec.queueDiscipline,
      adaptiveLifoThreshold: spec.adaptiveLifoThreshold,
      serviceTime: compileDist(spec.serviceTime),
      errorProbability: spec.errorProbability,
      slowdownFactor: spec.slowdownFactor,
      dropExpired: spec.dropExpired,
      sidecar: spec.sidecar ?? null,
      registration: spec.registration ?? null,
      consumer: spec.consume !== undefined ? consumerFactory(spec.consume, scenario, index) : spec.consumeLog !== undefined ? logConsumerFactory(spec.consumeLog, index) : null,
    }));
    if (spec.stopped === true) world.nodes[world.nodes.length - 1].startsStopped = true;
  }
  for (const w of scenario.workloads) world.add(makeClient(world, index.get(w.id)!, w, target(w.target), typeIndex));

  registerFaultMetrics(scenario, sim);
  scheduleWarmupEnd(scenario, sim);
  const faults = new Faults(world);
  for (const fault of scenario.faults) faults.schedule(fault, 'timeline');
  if (scenario.chaos) startChaos(world, faults, scenario.chaos, scenario.nodes.map((n) => n.id));
  world.start();
  return { sim, world, faults, nodeNames };
}

/**
 * A call's target as a node index. A group name (allowed behind a load balancer, which picks
 * the member it goes to) resolves to the group's first member, the call's nominal target.
 */
function targetResolver(scenario: Scenario, index: ReadonlyMap<string, number>): (id: string) => number {
  const firstOfGroup = new Map<string, number>();
  scenario.nodes.forEach((n, i) => {
    if (n.group !== undefined && !firstOfGroup.has(n.group)) firstOfGroup.set(n.group, i);
  });
  return (id) => index.get(id) ?? firstOfGroup.get(id)!;
}

/** The consumer side of a service that consumes from a queue (the queue's own visibility timeout unless it asks for one). */
function consumerFactory(c: ConsumeSpec, scenario: Scenario, index: ReadonlyMap<string, number>) {
  const queue = scenario.nodes.find((n) => n.id === c.from) as QueueSpec;
  const params: ConsumerParams = {
    queue: index.get(c.from)!,
    queueName: c.from,
    receivers: c.receivers,
    batchSize: c.batchSize,
    waitUs: msToUs(c.waitTimeMs),
    pollIntervalUs: msToUs(c.pollIntervalMs),
    visibilityUs: msToUs(c.visibilityTimeoutMs ?? queue.visibilityTimeoutMs),
    askVisibility: c.visibilityTimeoutMs !== null,
    extendVisibility: c.extendVisibility,
    onFailure: c.onFailure,
    inbox: c.inbox,
    dedupBy: c.dedupBy,
    poisonFraction: c.poisonFraction,
    prefetch: c.prefetch,
  };
  return (host: ConsumerHost) => new QueueConsumer(host, params);
}

/** The consumer side of a service that consumes a partitioned log in a group. */
function logConsumerFactory(c: ConsumeLogSpec, index: ReadonlyMap<string, number>) {
  const params: LogConsumerParams = {
    log: index.get(c.from)!,
    logName: c.from,
    group: c.group,
    commit: c.commit,
    autoCommitUs: msToUs(c.autoCommitIntervalMs),
    maxPollRecords: c.maxPollRecords,
    fetchWaitUs: msToUs(c.fetchWaitMs),
    heartbeatUs: msToUs(c.heartbeatIntervalMs),
    reset: c.autoOffsetReset,
    leaveAtUs: c.leaveAtMs === null ? null : msToUs(c.leaveAtMs),
  };
  return (host: ConsumerHost) => new LogConsumer(host, params);
}

/** The request types the workloads declare, each once, in the order they first appear. */
function requestTypeNames(scenario: Scenario): string[] {
  return [...new Set(scenario.workloads.flatMap((w) => (w.requests ?? []).map((r) => r.name)))];
}

function makeClient(world: World, index: number, w: Workload, target: number, typeIndex: ReadonlyMap<string, number>) {
  const timing: ClientTiming = { startUs: msToUs(w.startMs), stopUs: w.stopMs === null ? null : msToUs(w.stopMs) };
  const makePath = callPathFactory(w.id, workloadCallPath(w), target, w.propagateDeadline);
  const client = w.kind === 'open'
    ? new OpenLoopClient(world, index, w.id, timing, makePath, w.arrival)
    : new ClosedLoopClient(world, index, w.id, timing, makePath, w.clients, compileDist(w.thinkTime));
  client.keySpace = w.keySpace ?? null;
  if (w.keySpace !== undefined && w.keyDistribution !== undefined) client.keySampler = keySampler(w.keySpace, w.keyDistribution);
  if (w.requests !== undefined) client.setRequestMix(w.requests.map((r) => ({ type: typeIndex.get(r.name)!, name: r.name, weight: r.weight })));
  return client;
}

/** The sampler for a workload's key distribution (sim/patterns/shard-map.ts). */
function keySampler(keySpace: number, d: NonNullable<Workload['keyDistribution']>): KeySampler {
  switch (d.type) {
    case 'uniform':
      return uniformKeys(keySpace);
    case 'zipf':
      return zipfKeys(keySpace, d.s);
    case 'hot-key':
      return hotKeys(keySpace, d.share, d.key);
  }
}

/** A workload's policies; its `timeoutMs`, if set, is an outermost timeout. */
export function workloadCallPath(w: Workload): PolicySpec[] {
  return w.timeoutMs === null ? w.callPath : [{ type: 'timeout', timeoutMs: w.timeoutMs }, ...w.callPath];
}

/** A factory for a node's call path (called at every start: policy state is volatile). */
function callPathFactory(path: string, specs: readonly PolicySpec[], target: number, propagateDeadline: boolean) {
  return (node: SimNode, pending: PendingCalls, bottom?: (path: string, transport: Invoker) => Invoker): Invoker => {
    const transport = new Transport(node, pending, target, propagateDeadline, path);
    // A sidecar puts its own pass and policies between the app's call path and the network.
    return buildCallPath(node, path, specs, bottom === undefined ? transport : bottom(path, transport)).top;
  };
}

function linkParams(n: NetworkSpec): LinkParams {
  return {
    latency: compileDist(n.latency),
    lossProbability: n.lossProbability,
    duplicateProbability: n.duplicateProbability,
    reorderProbability: n.reorderProbability,
    reorderExtraMaxUs: msToUs(n.reorderExtraMaxMs),
    ordered: n.ordered,
    capacityPerSec: n.capacityPerSec,
    queueLimit: n.queueLimit,
  };
}

/** The network fields a link overrides (those it sets). */
function definedFields(link: LinkSpec): Partial<NetworkSpec> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(link)) {
    if (v !== undefined && k !== 'from' && k !== 'to' && k !== 'bidirectional') out[k] = v;
  }
  return out as Partial<NetworkSpec>;
}

/**
 * At the end of `metrics.warmupMs` the metrics start over (series excepted). The event runs
 * before anything else at that instant, so what happens then is measured; without a warm-up
 * no event is scheduled and the run is exactly what it was before warm-ups existed.
 */
function scheduleWarmupEnd(scenario: Scenario, sim: Sim): void {
  const warmupUs = msToUs(scenario.metrics.warmupMs ?? 0);
  if (warmupUs <= 0) return;
  const kind = sim.on('warm-up-end', () => sim.metrics.startMeasuring(sim.now));
  sim.atFirst(warmupUs, kind);
}

/**
 * Counters that faults bump are created up front, at zero, for every node and fault type the
 * scenario can produce, so a check such as `server.restarts == 0` finds its metric even when
 * nothing happened (a missing metric fails a check, which catches typos in metric names).
 */
function registerFaultMetrics(scenario: Scenario, sim: Sim): void {
  const m = sim.metrics;
  for (const reason of DROP_REASONS) m.counter(`net.dropped.${reason}`);
  const nodes = new Set<string>();
  for (const f of scenario.faults) {
    m.counter(`faults.${f.type}`);
    if (f.type === 'crash') m.counter('faults.restart');
    if ('node' in f && typeof f.node === 'string') nodes.add(f.node);
  }
  if (scenario.chaos?.crash) {
    m.counter('faults.crash');
    m.counter('faults.restart');
    for (const n of scenario.chaos.crash.nodes ?? scenario.nodes.map((x) => x.id)) nodes.add(n);
  }
  if (scenario.chaos?.partition) m.counter('faults.partition');
  for (const n of nodes) {
    m.counter(`${n}.crashes`);
    m.counter(`${n}.restarts`);
  }
}
