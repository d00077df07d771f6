/**
 * The scenario format, version 1, as zod schemas. FORMAT.md is the contract; this file is its
 * executable form. Shape first (strict objects, finite numbers, ranges), then cross-references
 * (every name must exist), then normalisation (derived defaults), so `Scenario` has no holes.
 *
 * No Node imports: this runs in the browser too.
 */
import { z } from 'zod';
import { NODE_KIND_FAULTS, NODE_KIND_REFERENCES, NODE_KIND_REQUEST_TYPES, NODE_KIND_SCHEMAS } from '../patterns/node-kind-schemas.ts';
import { PolicySchema } from '../patterns/policy-schemas.ts';
import { SidecarSchema } from '../patterns/sidecar.schema.ts';
import { RegistrationSchema } from '../patterns/service-registry.schema.ts';
import { ConsumeSchema } from '../patterns/message-queue.schema.ts';
import { ConsumeLogSchema } from '../patterns/partitioned-log.schema.ts';
import { ChartsSchema } from './charts.ts';
import { expandDeclarations, expandHosts, expandIds, expandLinks, expandedLinkCount, groupMembers, idPatternProblem, patternOf, type GroupMembers, type Instance } from './groups.ts';

// zod compiles a parser for each object schema with `new Function` the first time it parses with
// it. A scenario is parsed once per process, so that compiling costs more than it saves: the
// command line starts about 15 ms sooner without it, and a 20,000-node file validates no slower
// (measured in session 11). The page gains too: it needs no eval.
z.config({ jitless: true });

// ---------------------------------------------------------------------------------------------
// Limits of the format itself
// ---------------------------------------------------------------------------------------------

/** Characters allowed in node and workload ids (they appear in metric names and traces). */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]*$/;
export const MAX_ID_LENGTH = 64;

/**
 * The largest time in milliseconds (about 31.7 years). Engine time is integer microseconds, and
 * 1e12 ms = 1e15 µs stays below 2^53, so every time converts to an exact integer.
 */
export const MAX_MS = 1e12;

/** Caps on array sizes: a huge input must fail fast instead of making validation explode. */
export const MAX_NODES = 200_000;
export const MAX_WORKLOADS = 200_000;
/**
 * Nodes and workloads in one run, groups expanded: a memory budget, not a count of lines. A
 * simulated node costs about 4 KiB of heap (measured: 100,000 service nodes behind one load
 * balancer, ~3.5 KB each with their spec, state, metrics and the balancer's per-host slots), so
 * the cap keeps a run's nodes within ~16 GiB. `limits.maxNodes` (default 200,000) is the
 * per-scenario limit under this cap.
 */
export const NODE_MEMORY_BUDGET_BYTES = 16 * 2 ** 30;
export const BYTES_PER_IDLE_NODE = 4096;
export const MAX_SIMULATED_NODES = Math.floor(NODE_MEMORY_BUDGET_BYTES / BYTES_PER_IDLE_NODE);
export const MAX_LINKS = 1_000_000;
export const MAX_FAULTS = 100_000;
export const MAX_CHECKS = 10_000;
export const MAX_VARIANTS = 1_000;
export const MAX_SETS_PER_VARIANT = 1_000;
export const MAX_SCHEDULE_ENTRIES = 100_000;
export const MAX_PARTITION_GROUPS = 1_000;
/** Workers per service node and clients per closed workload: each becomes engine state. */
export const MAX_WORKERS = 1_000_000;
/** Requests per second of an arrival process: one per microsecond, the engine's resolution. */
export const MAX_RATE_PER_SEC = 1e6;
/** Requests in one burst, queue capacities: counts that become work or state one by one. */
export const MAX_COUNT = 1e9;
/**
 * Time-series windows in a run (durationMs / windowMs). Each window of each series is kept to
 * the end (a latency window with many samples is a histogram of a few KB), so their number is
 * bounded; 10,000 is more points than any chart has pixels.
 */
export const MAX_METRIC_WINDOWS = 10_000;
/** How deep a variant's `set` value may nest; it is walked, and the walk must stay small. */
export const MAX_SET_VALUE_DEPTH = 64;
/** Longest accepted field path in `--set` and in variants. */
export const MAX_FIELD_PATH_LENGTH = 1_000;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const Id = z.string().min(1).max(MAX_ID_LENGTH).regex(ID_PATTERN);
const IdList = (max: number) => z.array(Id).min(1).max(max);
const Label = z.string().max(100);

/** zod 4 numbers are already finite: NaN and ±Infinity are rejected. */
const nonNegativeMs = () => z.number().min(0).max(MAX_MS);
const positiveMs = () => z.number().positive().max(MAX_MS);
const probability = () => z.number().min(0).max(1);
const rate = () => z.number().min(0).max(MAX_RATE_PER_SEC);
const positiveRate = () => z.number().positive().max(MAX_RATE_PER_SEC);
const percent = () => z.number().min(0);

const Position = z.strictObject({ x: z.number(), y: z.number() });

/** Schemas wrapped by `orNull`, so an error message can say "a number or null". */
const acceptsNull = new WeakSet<object>();

/** `schema.nullable()`, remembered: zod reports a wrong type against the inner schema only. */
function orNull<T extends z.ZodType>(schema: T) {
  acceptsNull.add(schema);
  return schema.nullable();
}

/** True when `schema` is the inner part of a field that also accepts null. */
export function schemaAcceptsNull(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && acceptsNull.has(schema);
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

const ConstantDist = z.strictObject({ type: z.literal('constant'), ms: nonNegativeMs().describe('Every duration is exactly this.') });
const UniformDist = z
  .strictObject({ type: z.literal('uniform'), minMs: nonNegativeMs().describe('Shortest duration.'), maxMs: nonNegativeMs().describe('Longest duration.') })
  .superRefine((d, ctx) => {
    if (d.minMs > d.maxMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxMs'],
        message: `expected a number ≥ minMs (${d.minMs}), got ${d.maxMs}`,
      });
    }
  });
const ExponentialDist = z.strictObject({ type: z.literal('exponential'), meanMs: positiveMs().describe('Mean duration (exponentially distributed).') });
const NormalDist = z.strictObject({
  type: z.literal('normal'),
  meanMs: nonNegativeMs().describe('Mean duration.'),
  stdDevMs: nonNegativeMs().describe('Standard deviation.'),
});
const LognormalDist = z.strictObject({
  type: z.literal('lognormal'),
  medianMs: positiveMs().describe('Median duration.'),
  sigma: z.number().min(0).describe('Spread of the log of the duration: the larger, the longer the tail.'),
});
const ParetoDist = z.strictObject({
  type: z.literal('pareto'),
  scaleMs: positiveMs().describe('Shortest duration.'),
  shape: z.number().positive().describe('Tail index: the smaller, the heavier the tail.'),
});

export const DistSchema = z
  .discriminatedUnion('type', [ConstantDist, UniformDist, ExponentialDist, NormalDist, LognormalDist, ParetoDist])
  .meta({ id: 'Dist', description: 'A distribution of durations in milliseconds.' });

/** A fresh object per parse, so no two scenarios share (and could mutate) one default. */
const zeroLatency = () => ({ type: 'constant' as const, ms: 0 });

// ---------------------------------------------------------------------------------------------
// Arrival processes
// ---------------------------------------------------------------------------------------------

const PoissonArrival = z.strictObject({ type: z.literal('poisson'), ratePerSec: positiveRate().describe('Requests per second on average, at random instants.') });
const ConstantArrival = z.strictObject({ type: z.literal('constant'), ratePerSec: positiveRate().describe('Requests per second, evenly spaced.') });
const BurstsArrival = z.strictObject({
  type: z.literal('bursts'),
  bursts: z
    .array(z.strictObject({ atMs: nonNegativeMs(), count: z.int().min(1).max(MAX_COUNT) }))
    .min(1)
    .max(MAX_SCHEDULE_ENTRIES),
});
const StepsArrival = z.strictObject({
  type: z.literal('steps'),
  steps: z
    .array(z.strictObject({ atMs: nonNegativeMs(), ratePerSec: rate() }))
    .min(1)
    .max(MAX_SCHEDULE_ENTRIES),
});
const RampArrival = z.strictObject({
  type: z.literal('ramp'),
  fromRatePerSec: rate().describe('Requests per second before the ramp.'),
  toRatePerSec: rate().describe('Requests per second after it.'),
  rampStartMs: nonNegativeMs(),
  rampDurationMs: nonNegativeMs(),
});

export const ArrivalSchema = z
  .discriminatedUnion('type', [PoissonArrival, ConstantArrival, BurstsArrival, StepsArrival, RampArrival])
  .meta({ id: 'Arrival', description: 'When an open workload sends requests.' });

// ---------------------------------------------------------------------------------------------
// Limits, metrics, network, links
// ---------------------------------------------------------------------------------------------

export const LimitsSchema = z.strictObject({
  maxEvents: z.int().min(1).default(50_000_000),
  maxNodes: z.int().min(1).max(MAX_SIMULATED_NODES).default(200_000).describe('Nodes and workloads in the run, groups expanded (at most 4,194,304: a memory budget).'),
  maxMessagesInFlight: z.int().min(1).default(1_000_000),
  maxPendingEvents: z.int().min(1).default(5_000_000),
  // Optional rather than defaulted, so scenarios that do not set it keep their scenario hash.
  maxQueuedRequests: z.int().min(1).optional().describe('Requests waiting in queues across all nodes at once (default 1,000,000).'),
  maxKeptRecords: z.int().min(1).optional().describe('Records kept to the end of the run: chart windows whose latencies became a histogram (default 100,000).'),
  expected: z
    .array(z.string())
    .max(100)
    .optional()
    .describe('Limits meant to end the run, e.g. ["maxEvents"]: the command line then exits as for a complete run, not 3.'),
});

/** `windowMs` is filled from `durationMs` after validation (see `normalise`). */
const MetricsSchema = z.strictObject({
  // 1 µs is the engine's resolution: a smaller window would round to zero.
  windowMs: z.number().min(0.001).max(MAX_MS).optional(),
  warmupMs: nonNegativeMs().optional().describe('Histograms, gauge means and counters start at this time (the series cover the whole run); default 0.'),
});

export const NetworkSchema = z.strictObject({
  latency: DistSchema.default(zeroLatency),
  lossProbability: probability().default(0),
  duplicateProbability: probability().default(0),
  reorderProbability: probability().default(0),
  reorderExtraMaxMs: nonNegativeMs().default(0),
  ordered: z.boolean().default(true),
  capacityPerSec: orNull(positiveRate()).default(null),
  queueLimit: z.int().min(0).max(MAX_COUNT).default(1000),
});

/** A link override names only what differs from `network`; the rest is inherited. */
export const LinkSchema = z.strictObject({
  from: Id,
  to: Id,
  bidirectional: z.boolean().default(false),
  latency: DistSchema.optional(),
  lossProbability: probability().optional(),
  duplicateProbability: probability().optional(),
  reorderProbability: probability().optional(),
  reorderExtraMaxMs: nonNegativeMs().optional(),
  ordered: z.boolean().optional(),
  capacityPerSec: orNull(positiveRate()).optional(),
  queueLimit: z.int().min(0).max(MAX_COUNT).optional(),
});

// ---------------------------------------------------------------------------------------------
// Nodes and workloads
// ---------------------------------------------------------------------------------------------

/**
 * A call this service makes to another node while handling each request (its worker waits:
 * thread-per-request, which is how a slow dependency ties a service up). The call goes
 * through `callPath`, the ordered policies of sim/patterns (the first is the outermost).
 */
/** A request type's name: a route such as "GET /orders". No dot: it becomes part of metric names. */
const RequestTypeName = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[^.]+$/, 'expected a name without "." (it becomes part of metric names, where "." separates)');

const DependencySchema = z.strictObject({
  to: Id.describe('The node called.'),
  forTypes: z.array(RequestTypeName).min(1).max(64).optional().describe('Make this call only for requests of these types (a route by request type); absent: for every request.'),
  callPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around the call, outermost first.'),
  propagateDeadline: z.boolean().default(false).describe('Send the caller\'s deadline with the request.'),
  propagateRejections: z
    .boolean()
    .default(false)
    .describe('When this call is rejected (rate limited, shed, breaker open, queue full), answer the request with the same rejection instead of an error, so callers further up — their retry policy, their adaptive throttling — see overload from further down. Errors and timeouts still answer an error (dependency-<why>).'),
});

/** A declaration with `count` is a group of that many identical instances (sim/scenario/groups.ts). */
const groupFields = {
  count: z.int().min(1).max(MAX_SIMULATED_NODES).optional().describe('Stands for this many identical instances (a group); their ids follow idPattern.'),
  idPattern: z.string().min(1).max(MAX_ID_LENGTH).optional().describe('Instance ids, "{i}" replaced by 0…count-1; default "<id>-{i}". Only with count.'),
};

export const ServiceNodeSchema = z.strictObject({
  id: Id,
  kind: z.literal('service'),
  ...groupFields,
  calls: z.array(DependencySchema).max(64).default(() => []).describe('Downstream calls made for each request, after its own service time.'),
  callMode: z.enum(['sequential', 'parallel']).default('sequential').describe('Make the calls one after another, or all at once (fan-out).'),
  label: Label.optional(),
  position: Position.optional(),
  workers: z.int().min(1).max(MAX_WORKERS).default(1).describe('Requests served at once.'),
  queueCapacity: orNull(z.int().min(0).max(MAX_COUNT)).default(null).describe('Requests that may wait for a worker; more are rejected (null: no limit).'),
  queueDiscipline: z.enum(['fifo', 'lifo', 'adaptive-lifo']).default('fifo').describe('adaptive-lifo: FIFO normally, LIFO while more than adaptiveLifoThreshold requests wait (serve the freshest under backlog).'),
  adaptiveLifoThreshold: z.int().min(0).max(1e9).default(10).describe('Waiting requests beyond which adaptive-lifo serves the newest first.'),
  serviceTime: DistSchema,
  errorProbability: probability().default(0).describe('Chance that a request is answered with an error.'),
  slowdownFactor: z.number().positive().default(1).describe('Service times are multiplied by this.'),
  dropExpired: z.boolean().default(false).describe('Skip a request whose deadline passed while it waited, instead of serving it.'),
  registration: RegistrationSchema.optional().describe('Register with a service registry when the instance starts, renew the lease by heartbeat, deregister on a graceful stop (scale-in); a crash just stops the heartbeats.'),
  stopped: z.boolean().optional().describe('Not running when the run starts: a spare instance that a scale-out fault starts.'),
  sidecar: SidecarSchema.nullable().optional().describe('A sidecar proxy in the same pod: every request in and call out passes through it (a CPU and latency tax calibrated to Istio\'s benchmark), with its own inbound and outbound policies. It crashes and restarts with the service. null or absent: none.'),
  consume: ConsumeSchema.optional().describe('Receive messages from a queue and process each like a request (service time, errors, calls), deleting it on success.'),
  consumeLog: ConsumeLogSchema.optional().describe('Consume a partitioned log as a member of a consumer group, processing each record like a request (service time, errors, calls) and committing offsets.'),
});

/** A union on `kind`: the generic service, and the node kinds patterns add (sim/patterns/node-kinds.ts). */
export const NodeSchema = z.discriminatedUnion('kind', [ServiceNodeSchema, ...NODE_KIND_SCHEMAS]).meta({ id: 'Node' });

/** Fields every workload has; a workload is a client node, so it has an id like a node. */
const workloadFields = {
  target: Id,
  callPath: z.array(PolicySchema).max(32).default(() => []).describe('Policies around each request, outermost first (timeoutMs, if set, is an outermost timeout).'),
  label: Label.optional(),
  position: Position.optional(),
  timeoutMs: orNull(positiveMs()).default(null).describe('The client gives up on a request after this (null: never).'),
  propagateDeadline: z.boolean().default(false).describe('Send the deadline with the request, so servers can drop work nobody waits for.'),
  startMs: nonNegativeMs().default(0),
  stopMs: orNull(nonNegativeMs()).default(null),
  keySpace: z.int().min(1).max(1e9).optional().describe('Request keys drawn uniformly from 1…keySpace, so keys recur (for hash-based balancing); absent: each request\'s key is its id.'),
  requests: z
    .array(
      z.strictObject({
        name: RequestTypeName.describe('The request type, e.g. "GET /orders".'),
        weight: z.number().positive().max(1e9).default(1).describe('Its share of the requests, relative to the other types\' weights.'),
      }),
    )
    .min(1)
    .max(64)
    .optional()
    .describe('Typed requests: each request is one of these types, drawn by weight. The type travels with the request through every hop; services\' calls can be limited to types (forTypes), and the workload\'s metrics are kept per type too (<workload>.type.<name>.ok, .latencyMs…).'),
  keyDistribution: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('uniform').describe('Every key of 1…keySpace equally likely (the default).') }),
      z.strictObject({
        type: z.literal('zipf').describe('Key k drawn with probability ∝ k^−s: a few keys get most requests.'),
        s: z.number().min(0).max(10).describe('The Zipf exponent (0: uniform; about 1: web-like popularity; larger: more skewed).'),
      }),
      z.strictObject({
        type: z.literal('hot-key').describe('A share of requests to one hot key, the rest uniform.'),
        share: z.number().min(0).max(1).describe('The fraction of requests sent to the hot key.'),
        key: z.int().min(1).max(1e9).default(1).describe('The hot key (within 1…keySpace).'),
      }),
    ])
    .optional()
    .describe('How request keys are drawn from 1…keySpace (needs keySpace); absent: uniform.'),
};

/** A key distribution draws from 1…keySpace, so it needs one (and a hot key inside it). */
function keysNeedKeySpace(w: { keySpace?: number; keyDistribution?: { type: string; key?: number } }, ctx: z.RefinementCtx): void {
  if (w.keyDistribution === undefined) return;
  if (w.keySpace === undefined) {
    ctx.addIssue({ code: 'custom', path: ['keyDistribution'], message: 'expected keySpace to be set too: keys are drawn from 1…keySpace' });
  } else if (w.keyDistribution.key !== undefined && w.keyDistribution.key > w.keySpace) {
    ctx.addIssue({ code: 'custom', path: ['keyDistribution', 'key'], message: `expected a key within 1…keySpace (${w.keySpace}), got ${w.keyDistribution.key}` });
  }
}

function stopNotBeforeStart(w: { startMs: number; stopMs: number | null }, ctx: z.RefinementCtx): void {
  if (w.stopMs !== null && w.stopMs < w.startMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['stopMs'],
      message: `expected a number ≥ startMs (${w.startMs}) or null, got ${w.stopMs}`,
    });
  }
}

export const OpenWorkloadSchema = z
  .strictObject({
    id: Id,
    kind: z.literal('open'),
    ...workloadFields,
    ...groupFields,
    arrival: ArrivalSchema,
  })
  .superRefine(stopNotBeforeStart)
  .superRefine(keysNeedKeySpace);

export const ClosedWorkloadSchema = z
  .strictObject({
    id: Id,
    kind: z.literal('closed'),
    ...workloadFields,
    ...groupFields,
    clients: z.int().min(1).max(MAX_WORKERS).describe('Users, each sending a request, waiting for its answer, then thinking.'),
    thinkTime: DistSchema,
  })
  .superRefine(stopNotBeforeStart)
  .superRefine(keysNeedKeySpace);

export const WorkloadSchema = z
  .discriminatedUnion('kind', [OpenWorkloadSchema, ClosedWorkloadSchema])
  .meta({ id: 'Workload' });

// ---------------------------------------------------------------------------------------------
// Faults and chaos
// ---------------------------------------------------------------------------------------------

/** null = the fault lasts until it is undone (resume, heal, restart) or the run ends. */
const faultDuration = () => orNull(positiveMs()).default(null);
const LinkRef = z.strictObject({ from: Id, to: Id });
const PartitionGroups = z.array(IdList(MAX_NODES)).min(2).max(MAX_PARTITION_GROUPS);

function fault<T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  return z.strictObject({ atMs: nonNegativeMs(), type: z.literal(type), ...shape });
}

function nodeOrLinkNotBoth(f: { node?: string; link?: unknown }, ctx: z.RefinementCtx): void {
  if (f.node !== undefined && f.link !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['link'],
      message: 'expected either "node" or "link", not both (neither = every link)',
    });
  }
}

const bootMs = () =>
  nonNegativeMs().optional().describe('Time the node spends "restarting" (down, booting) before it is up again; default 0.');
const CrashFault = fault('crash', { node: Id, restartAfterMs: faultDuration(), bootMs: bootMs() });
const RestartFault = fault('restart', { node: Id, bootMs: bootMs() });
const PauseFault = fault('pause', { node: Id, durationMs: faultDuration() });
const ResumeFault = fault('resume', { node: Id });
/**
 * Two shapes share type "partition": symmetric `groups`, or an asymmetric `from` → `to` cut.
 * One object with a refinement gives clearer errors than a union would; the transform then
 * narrows the output to exactly one of the two shapes.
 */
const PartitionFault = fault('partition', {
  groups: PartitionGroups.optional(),
  from: IdList(MAX_NODES).optional(),
  to: IdList(MAX_NODES).optional(),
  durationMs: faultDuration(),
})
  .superRefine(onePartitionShape)
  .transform(narrowPartition);

function onePartitionShape(f: { groups?: unknown; from?: unknown; to?: unknown }, ctx: z.RefinementCtx): void {
  const hasCut = f.from !== undefined || f.to !== undefined;
  if (f.groups !== undefined && hasCut) {
    ctx.addIssue({ code: 'custom', path: ['groups'], message: 'expected either "groups" or "from" and "to", not both' });
  } else if (f.groups === undefined && !hasCut) {
    ctx.addIssue({ code: 'custom', message: 'expected "groups", or "from" and "to"' });
  } else if (hasCut && f.from === undefined) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'required with "to": expected a list of node ids' });
  } else if (hasCut && f.to === undefined) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'required with "from": expected a list of node ids' });
  }
}

type PartitionCommon = { atMs: number; type: 'partition'; durationMs: number | null };
export type PartitionFault = PartitionCommon & ({ groups: string[][] } | { from: string[]; to: string[] });

function narrowPartition(f: PartitionCommon & { groups?: string[][]; from?: string[]; to?: string[] }): PartitionFault {
  const common: PartitionCommon = { atMs: f.atMs, type: f.type, durationMs: f.durationMs };
  // The refinement above guarantees one complete shape by the time this runs.
  return f.groups ? { ...common, groups: f.groups } : { ...common, from: f.from ?? [], to: f.to ?? [] };
}

const HealFault = fault('heal', {});
const LatencyFault = fault('latency', {
  extraMs: nonNegativeMs(),
  node: Id.optional(),
  link: LinkRef.optional(),
  durationMs: faultDuration(),
}).superRefine(nodeOrLinkNotBoth);
const LossFault = fault('loss', {
  probability: probability(),
  node: Id.optional(),
  link: LinkRef.optional(),
  durationMs: faultDuration(),
}).superRefine(nodeOrLinkNotBoth);
const SlowFault = fault('slow', { node: Id, factor: z.number().positive(), durationMs: faultDuration() });
const BrownoutFault = fault('brownout', {
  node: Id,
  errorProbability: probability(),
  durationMs: faultDuration(),
});
const ClockSkewFault = fault('clock-skew', { node: Id, skewMs: z.number().min(-MAX_MS).max(MAX_MS) });
const ScaleOutFault = fault('scale-out', { node: Id.describe('A stopped instance (a spare declared with "stopped": true, or one scaled in): it starts, and registers if it has a registration.'), bootMs: bootMs() });
const ScaleInFault = fault('scale-in', {
  node: Id.describe('A running instance: it deregisters at once (a graceful shutdown), then stops.'),
  drainMs: nonNegativeMs().optional().describe('How long it keeps serving after deregistering, while callers\' cached views still send to it; default 0 (stop at once).'),
});

/**
 * A new configuration for a service mesh (sim/patterns/service-mesh.ts): at this time its
 * control plane takes a version with these outbound policies and pushes it to every sidecar,
 * exactly as a version of its own `configs`. A control plane that is down takes it when it is
 * back (the configuration is kept outside it, as Istio's is in the Kubernetes API server).
 */
const MeshConfigFault = fault('mesh-config', {
  node: Id.describe('The mesh-control-plane node that takes the new version.'),
  outbound: z.array(PolicySchema).max(32).default(() => []).describe('The outbound policies every sidecar applies from this version on.'),
});

export const FaultSchema = z
  .discriminatedUnion('type', [
    CrashFault,
    RestartFault,
    PauseFault,
    ResumeFault,
    PartitionFault,
    HealFault,
    LatencyFault,
    LossFault,
    SlowFault,
    BrownoutFault,
    ClockSkewFault,
    ScaleOutFault,
    ScaleInFault,
    MeshConfigFault,
  ])
  .meta({ id: 'Fault' });

export const ChaosSchema = z.strictObject({
  crash: z
    .strictObject({
      intervalMs: positiveMs(),
      probability: probability(),
      restartAfterMs: orNull(positiveMs()).default(null),
      nodes: IdList(MAX_NODES).optional(),
    })
    .optional(),
  partition: z
    .strictObject({
      intervalMs: positiveMs(),
      probability: probability(),
      durationMs: positiveMs(),
      groups: PartitionGroups,
    })
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const CheckName = z.string().min(1).max(200);
const METRIC_OPS = ['<', '<=', '>', '>=', '==', 'within'] as const;

const MetricCheck = z
  .strictObject({
    type: z.literal('metric'),
    name: CheckName.optional(),
    metric: z.string().min(1).max(200),
    op: z.enum(METRIC_OPS),
    value: z.number(),
    tolerancePct: percent().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.op === 'within' && c.tolerancePct === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tolerancePct'], message: 'required when op is "within"' });
    }
  });
/** A rate over a span of the run, from the per-window series: "goodput after the fault ≥ 800/s". */
const RateCheck = z
  .strictObject({
    type: z.literal('rate'),
    name: CheckName.optional(),
    series: z.string().min(1).max(200).describe('A time series, e.g. "client.ok" (requests answered ok per window).'),
    fromMs: nonNegativeMs(),
    toMs: nonNegativeMs(),
    op: z.enum(['<', '<=', '>', '>=']),
    valuePerSec: z.number().min(0),
  })
  .superRefine((c, ctx) => {
    if (c.toMs <= c.fromMs) ctx.addIssue({ code: 'custom', path: ['toMs'], message: `expected a number > fromMs (${c.fromMs}), got ${c.toMs}` });
  });
const TheoryCheck = z.strictObject({
  type: z.literal('theory'),
  name: CheckName.optional(),
  model: z.enum(['mm1', 'mmc']),
  node: Id,
  measure: z.enum(['sojourn', 'wait']),
  tolerancePct: percent(),
});
const LittlesLawCheck = z.strictObject({
  type: z.literal('littles-law'),
  name: CheckName.optional(),
  node: Id,
  tolerancePct: percent(),
});
const NoPartitionCrossingCheck = z.strictObject({
  type: z.literal('no-partition-crossing'),
  name: CheckName.optional(),
});
const NoDeliveryToDownNodeCheck = z.strictObject({
  type: z.literal('no-delivery-to-down-node'),
  name: CheckName.optional(),
});
/** A design that breaks a guarantee on purpose (a dual write): the checker must catch it. */
const ViolatedCheck = z.strictObject({
  type: z.literal('violated'),
  name: CheckName.optional(),
  invariant: z.string().min(1).max(300).describe('The name of an invariant the run checks on its own (as the results list it, e.g. "orders publishes every committed change once or more, and no other"): this check passes only if that invariant is violated, and stands in its place in the results.'),
});

export const CheckSchema = z
  .discriminatedUnion('type', [
    MetricCheck,
    RateCheck,
    TheoryCheck,
    LittlesLawCheck,
    NoPartitionCrossingCheck,
    NoDeliveryToDownNodeCheck,
    ViolatedCheck,
  ])
  .meta({ id: 'Check' });

// ---------------------------------------------------------------------------------------------
// Variants and field paths
// ---------------------------------------------------------------------------------------------

export type FieldPath = (string | number)[];
export type FieldPathResult = { ok: true; segments: FieldPath } | { ok: false; reason: string };

const FIELD_NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const FIELD_INDEX = /\[(0|[1-9][0-9]{0,8})\]/y;
/** Names that would reach an object's prototype instead of a field. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a field path such as `workloads[0].arrival.ratePerSec` into segments
 * (`["workloads", 0, "arrival", "ratePerSec"]`). Returns a reason instead of throwing, so the
 * validator and `applySets` can each report it in their own way.
 */
export function parseFieldPath(path: string): FieldPathResult {
  if (path.length === 0) return { ok: false, reason: 'the path is empty' };
  if (path.length > MAX_FIELD_PATH_LENGTH) {
    return { ok: false, reason: `the path is longer than ${MAX_FIELD_PATH_LENGTH} characters` };
  }
  const segments: FieldPath = [];
  let i = 0;
  let expectName = true;
  while (i < path.length) {
    if (expectName) {
      FIELD_NAME.lastIndex = i;
      const m = FIELD_NAME.exec(path);
      if (!m) return { ok: false, reason: `expected a field name at character ${i + 1}` };
      if (FORBIDDEN_SEGMENTS.has(m[0])) return { ok: false, reason: `"${m[0]}" is not allowed in a field path` };
      segments.push(m[0]);
      i += m[0].length;
      expectName = false;
    } else if (path[i] === '.') {
      i += 1;
      expectName = true;
    } else if (path[i] === '[') {
      FIELD_INDEX.lastIndex = i;
      const m = FIELD_INDEX.exec(path);
      if (!m) return { ok: false, reason: `expected an index such as [0] at character ${i + 1}` };
      segments.push(Number(m[1]));
      i += m[0].length;
    } else {
      return { ok: false, reason: `unexpected ${JSON.stringify(path[i])} at character ${i + 1}` };
    }
  }
  if (expectName) return { ok: false, reason: 'expected a field name at the end' };
  return { ok: true, segments };
}

/**
 * Why `value` is not plain JSON data (finite numbers, no functions, nesting within
 * `maxDepth`), or null when it is. Iterative, so no input can overflow the stack.
 */
export function jsonValueProblem(value: unknown, maxDepth: number): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `expected JSON data, found the number ${v}`;
      continue;
    }
    if (typeof v !== 'object') return `expected JSON data, found ${typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`}`;
    if (depth >= maxDepth) return `expected JSON data nested at most ${maxDepth} levels deep`;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) stack.push({ v: child, depth: depth + 1 });
  }
  return null;
}

export const VariantSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    description: z.string().max(5000).optional(),
    set: z.record(z.string(), z.unknown()).superRefine(checkVariantSet),
  })
  .meta({ id: 'Variant' });

function checkVariantSet(set: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const keys = Object.keys(set);
  if (keys.length > MAX_SETS_PER_VARIANT) {
    ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_SETS_PER_VARIANT} fields, got ${keys.length}` });
    return;
  }
  for (const key of keys) {
    const parsed = parseFieldPath(key);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${JSON.stringify(key)} is not a field path: ${parsed.reason}` });
      continue;
    }
    const problem = jsonValueProblem(set[key], MAX_SET_VALUE_DEPTH);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
}

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

const ScenarioShape = z.strictObject({
  $schema: z.string().max(1000).optional().describe('Where editors find the JSON Schema; ignored by the simulator.'),
  version: z.literal(1).describe('Format version: always 1.'),
  title: z.string().min(1).max(200).describe('Shown as text, 1..200 characters.'),
  description: z.string().max(5000).describe('What the scenario shows, up to 5000 characters.'),
  watch: z.string().max(5000).optional().describe('What to look at while it runs.'),
  notes: z.string().max(20_000).optional().describe('Teaching notes.'),
  seed: z.int().min(0).default(1).describe('Seed of every random choice in the run.'),
  durationMs: positiveMs().describe('Simulated time the run covers, in milliseconds.'),
  limits: LimitsSchema.prefault({}).describe('Safety limits; the run stops when one is reached.'),
  metrics: MetricsSchema.prefault({}).describe('Time-series window; default durationMs / 200 (at least 1 ms).'),
  network: NetworkSchema.prefault({}).describe('Defaults for every directed link.'),
  links: z
    .array(LinkSchema)
    .max(MAX_LINKS)
    .default(() => [])
    .describe('Per-link overrides of the network defaults.'),
  nodes: z.array(NodeSchema).max(MAX_NODES).describe('The servers.'),
  workloads: z.array(WorkloadSchema).max(MAX_WORKLOADS).describe('Clients; each workload is a node with its own id.'),
  faults: z
    .array(FaultSchema)
    .max(MAX_FAULTS)
    .default(() => [])
    .describe('The fault timeline.'),
  chaos: ChaosSchema.optional().describe('Seeded random faults.'),
  checks: z
    .array(CheckSchema)
    .max(MAX_CHECKS)
    .default(() => [])
    .describe('Pass/fail checks evaluated after the run.'),
  charts: ChartsSchema,
  // Optional rather than defaulted, so scenarios that do not set it keep their scenario hash.
  clientCharts: z.boolean().optional().describe('Draw the workload clients\' charts (throughput, latency, failures) before the declared ones (default true); false when the clients are not the story (a producer publishing to a queue).'),
  variants: z
    .array(VariantSchema)
    .max(MAX_VARIANTS)
    .default(() => [])
    .describe('The same scenario with some fields changed (field path → value).'),
});

type ScenarioShapeOutput = z.output<typeof ScenarioShape>;
type CheckShape = z.output<typeof CheckSchema>;

/** A problem found by a cross-reference check, before it becomes a zod issue. */
interface RefProblem {
  path: FieldPath;
  message: string;
}

/**
 * Who is who: every id (group names and their instances included), where it was declared, and
 * whether it is a node or a workload. `nodes` and `workloads` hold single nodes (instances
 * and ungrouped declarations); group names are in `groups`.
 */
interface Directory {
  declaredAt: Map<string, string>;
  nodes: Set<string>;
  workloads: Set<string>;
  groups: Map<string, string[]>;
  /** Groups declared in `nodes` (the others are workload groups). */
  nodeGroups: Set<string>;
}

type Declaration = { id: string; count?: number; idPattern?: string };

function buildDirectory(s: ScenarioShapeOutput, problems: RefProblem[]): Directory {
  const dir: Directory = { declaredAt: new Map(), nodes: new Set(), workloads: new Set(), groups: new Map(), nodeGroups: new Set() };
  const clash = (id: string, path: FieldPath, what: string) => {
    const first = dir.declaredAt.get(id);
    if (first !== undefined) problems.push({ path, message: `${what} ${JSON.stringify(id)} is already used by ${first}` });
    return first !== undefined;
  };
  const declare = (d: Declaration, section: 'nodes' | 'workloads', i: number, set: Set<string>) => {
    const where = `${section}[${i}]`;
    if (clash(d.id, [section, i, 'id'], 'id')) return;
    dir.declaredAt.set(d.id, where);
    if (d.count === undefined) {
      if (d.idPattern !== undefined) problems.push({ path: [section, i, 'idPattern'], message: 'expected "count" with "idPattern": only a group has an id pattern' });
      else set.add(d.id);
      return;
    }
    const patternPath: FieldPath = [section, i, d.idPattern === undefined ? 'id' : 'idPattern'];
    const problem = idPatternProblem(patternOf(d), d.count, ID_PATTERN, MAX_ID_LENGTH);
    if (problem) return void problems.push({ path: patternPath, message: problem });
    const members = groupMembers([d]).get(d.id)!;
    // One clash is enough to say what is wrong; a million would drown it.
    const clashing = members.find((m) => dir.declaredAt.has(m));
    if (clashing !== undefined) return void clash(clashing, patternPath, 'the instance id');
    for (const m of members) {
      dir.declaredAt.set(m, where);
      set.add(m);
    }
    dir.groups.set(d.id, members);
    if (section === 'nodes') dir.nodeGroups.add(d.id);
  };
  s.nodes.forEach((n, i) => declare(n, 'nodes', i, dir.nodes));
  s.workloads.forEach((w, i) => declare(w, 'workloads', i, dir.workloads));
  return dir;
}

/** `id` names a node, a workload or a group (where a group stands for all its members). */
function refProblem(dir: Directory, id: string, path: FieldPath): RefProblem | null {
  return dir.declaredAt.has(id) ? null : { path, message: `no node or workload named ${JSON.stringify(id)}` };
}

/** `id` names one node or workload: a group name is refused with a hint at its instances. */
function singleRefProblem(dir: Directory, id: string, path: FieldPath): RefProblem | null {
  const members = dir.groups.get(id);
  if (members) return { path, message: `expected one node, got the group ${JSON.stringify(id)} of ${members.length} (name an instance such as ${JSON.stringify(members[0])})` };
  return refProblem(dir, id, path);
}

/** A node reference that must be in `nodes`: a single node, or a node group where `groupOk`. */
function nodeRefProblem(dir: Directory, id: string, path: FieldPath, groupOk: boolean): RefProblem | null {
  if (dir.workloads.has(id) || (dir.groups.has(id) && !dir.nodeGroups.has(id))) {
    return { path, message: `expected a node from "nodes", got the workload ${JSON.stringify(id)}` };
  }
  if (dir.nodeGroups.has(id)) return groupOk ? null : singleRefProblem(dir, id, path);
  return dir.nodes.has(id) ? null : { path, message: `no node named ${JSON.stringify(id)}` };
}

/** Calls to a group need a load balancer to pick the member (groups.ts). */
function groupTargetProblem(dir: Directory, id: string, callPath: readonly { type: string }[], path: FieldPath): RefProblem | null {
  if (!dir.nodeGroups.has(id) || callPath.some((p) => p.type === 'load-balancer')) return nodeRefProblem(dir, id, path, true);
  return { path, message: `${JSON.stringify(id)} is a group of ${dir.groups.get(id)!.length} nodes: a call to a group needs a "load-balancer" in its callPath (with the group in its hosts), which picks the member` };
}

function checkIdList(dir: Directory, ids: readonly string[], path: FieldPath, problems: RefProblem[]): void {
  ids.forEach((id, i) => {
    const p = refProblem(dir, id, [...path, i]);
    if (p) problems.push(p);
  });
}

/** Each node may sit in one group only, or the partition would contradict itself. */
function checkGroups(dir: Directory, groups: readonly string[][], path: FieldPath, problems: RefProblem[]): void {
  const groupOf = new Map<string, number>();
  groups.forEach((group, g) => {
    checkIdList(dir, group, [...path, g], problems);
    group.forEach((id, i) => {
      // A node group stands for its members: each of them may be in one partition group only.
      const overlap = (dir.groups.get(id) ?? [id]).find((m) => groupOf.has(m) && groupOf.get(m) !== g);
      if (overlap !== undefined) {
        const what = overlap === id ? JSON.stringify(id) : `${JSON.stringify(overlap)} (of ${JSON.stringify(id)})`;
        problems.push({ path: [...path, g, i], message: `${what} is already in groups[${groupOf.get(overlap)}]` });
        return;
      }
      for (const m of dir.groups.get(id) ?? [id]) if (!groupOf.has(m)) groupOf.set(m, g);
    });
  });
}

function checkLinks(s: ScenarioShapeOutput, dir: Directory, problems: RefProblem[]): void {
  // Two overrides of one directed link would be ambiguous: say which wins by merging them.
  const configuredBy = new Map<string, number>();
  let expanded = 0;
  s.links.forEach((link, i) => {
    const from = refProblem(dir, link.from, ['links', i, 'from']);
    const to = refProblem(dir, link.to, ['links', i, 'to']);
    if (from) problems.push(from);
    if (to) problems.push(to);
    expanded += expandedLinkCount(link, dir.groups) * (link.bidirectional ? 2 : 1);
    if (expanded > MAX_LINKS) {
      problems.push({ path: ['links', i], message: `expected at most ${MAX_LINKS} links with groups expanded (one per member pair), got ${expanded} by this one` });
      expanded = -Infinity;
    }
    // Overlaps are judged on the links as written: a group and one of its members is two entries.
    const directions = link.bidirectional ? [[link.from, link.to], [link.to, link.from]] : [[link.from, link.to]];
    for (const [a, b] of directions) {
      const key = JSON.stringify([a, b]);
      const first = configuredBy.get(key);
      if (first !== undefined && first !== i) {
        problems.push({ path: ['links', i], message: `the link ${a} → ${b} is already configured by links[${first}]` });
      } else {
        configuredBy.set(key, i);
      }
    }
  });
}

/** A workload names each request type once; a call's forTypes names types some workload sends. */
function checkRequestTypes(s: ScenarioShapeOutput, problems: RefProblem[]): void {
  const known = new Set<string>();
  s.workloads.forEach((w, i) => {
    const seen = new Set<string>();
    w.requests?.forEach((r, k) => {
      if (seen.has(r.name)) problems.push({ path: ['workloads', i, 'requests', k, 'name'], message: `expected each request type once, got ${JSON.stringify(r.name)} again` });
      seen.add(r.name);
      known.add(r.name);
    });
  });
  const names = [...known].map((x) => JSON.stringify(x)).join(', ');
  const check = (name: string, path: FieldPath) => {
    if (!known.has(name)) problems.push({ path, message: `expected a request type a workload sends (${names === '' ? 'no workload declares requests' : names}), got ${JSON.stringify(name)}` });
  };
  s.nodes.forEach((n, i) => {
    if (n.kind !== 'service') {
      for (const ref of NODE_KIND_REQUEST_TYPES[n.kind]?.(n) ?? []) check(ref.name, ['nodes', i, ...ref.path]);
      return;
    }
    n.calls.forEach((c, j) => c.forTypes?.forEach((t, k) => check(t, ['nodes', i, 'calls', j, 'forTypes', k])));
  });
}

function checkWorkloadTargets(s: ScenarioShapeOutput, dir: Directory, problems: RefProblem[]): void {
  s.workloads.forEach((w, i) => {
    const p = groupTargetProblem(dir, w.target, w.callPath, ['workloads', i, 'target']);
    if (p) problems.push(p);
  });
  const kindOf = new Map(s.nodes.map((n) => [n.id, n.kind]));
  const apps = registeredApps(s);
  const checkHosts = (callPath: readonly { type: string; hosts?: readonly string[]; discovery?: { registry: string; app: string } }[], base: FieldPath) => {
    callPath.forEach((policy, k) => {
      policy.hosts?.forEach((h, m) => {
        const p = nodeRefProblem(dir, h, [...base, 'callPath', k, 'hosts', m], true);
        if (p) problems.push(p);
      });
      if (policy.discovery !== undefined) checkDiscovery(policy.discovery, [...base, 'callPath', k, 'discovery']);
    });
  };
  const checkDiscovery = (d: { registry: string; app: string }, path: FieldPath) => {
    const p = nodeRefProblem(dir, d.registry, [...path, 'registry'], false);
    if (p) return void problems.push(p);
    if (kindOf.get(d.registry) !== 'service-registry') return void problems.push({ path: [...path, 'registry'], message: `expected a service-registry node, got ${JSON.stringify(d.registry)}, which is not one` });
    const known = apps.get(d.registry) ?? new Set<string>();
    if (!known.has(d.app)) problems.push({ path: [...path, 'app'], message: `expected an app some service registers with ${JSON.stringify(d.registry)} as (${[...known].map((a) => JSON.stringify(a)).join(', ') || 'none does'}), got ${JSON.stringify(d.app)}` });
  };
  s.workloads.forEach((w, i) => checkHosts(w.callPath, ['workloads', i]));
  s.nodes.forEach((n, i) => {
    if (n.kind !== 'service') {
      for (const ref of NODE_KIND_REFERENCES[n.kind]?.(n) ?? []) {
        const path: FieldPath = ['nodes', i, ...ref.path];
        const p = nodeRefProblem(dir, ref.id, path, false);
        if (p) problems.push(p);
        else if (ref.kind !== undefined && kindOf.get(ref.id) !== ref.kind) problems.push({ path, message: `expected a ${ref.kind} node, got ${JSON.stringify(ref.id)}, which is not one` });
      }
      return;
    }
    const consumed = (from: string, path: FieldPath, kind: string) => {
      const p = nodeRefProblem(dir, from, path, false);
      if (p) problems.push(p);
      else if (kindOf.get(from) !== kind) problems.push({ path, message: `expected a ${kind} node, got ${JSON.stringify(from)}, which is not one` });
    };
    if (n.consume !== undefined) consumed(n.consume.from, ['nodes', i, 'consume', 'from'], 'queue');
    if (n.registration !== undefined) consumed(n.registration.registry, ['nodes', i, 'registration', 'registry'], 'service-registry');
    if (n.consumeLog !== undefined) consumed(n.consumeLog.from, ['nodes', i, 'consumeLog', 'from'], 'log');
    if (n.consume !== undefined && n.consumeLog !== undefined) problems.push({ path: ['nodes', i, 'consumeLog'], message: 'expected one of consume and consumeLog: a service consumes one source' });
    n.calls.forEach((c, j) => checkHosts(c.callPath, ['nodes', i, 'calls', j]));
    n.calls.forEach((c, j) => {
      const path: FieldPath = ['nodes', i, 'calls', j, 'to'];
      const p = groupTargetProblem(dir, c.to, c.callPath, path);
      if (p) problems.push(p);
      else if (c.to === n.id) problems.push({ path, message: `a service cannot call itself (${JSON.stringify(c.to)})` });
    });
  });
}

/** Registry id → the apps services register with it as. */
function registeredApps(s: ScenarioShapeOutput): Map<string, Set<string>> {
  const apps = new Map<string, Set<string>>();
  for (const n of s.nodes) {
    if (n.kind !== 'service' || n.registration === undefined) continue;
    const set = apps.get(n.registration.registry) ?? new Set<string>();
    set.add(n.registration.app);
    apps.set(n.registration.registry, set);
  }
  return apps;
}

function checkFaults(s: ScenarioShapeOutput, dir: Directory, problems: RefProblem[]): void {
  const kindOf = new Map(s.nodes.map((n) => [n.id, n.kind]));
  s.faults.forEach((f, i) => {
    const base: FieldPath = ['faults', i];
    const one = (id: string | undefined, key: string) => {
      const p = id === undefined ? null : singleRefProblem(dir, id, [...base, key]);
      if (p) problems.push(p);
    };
    if ('node' in f) one(f.node, 'node');
    // A fault a node kind takes (a mesh's new configuration) names a node of that kind.
    const kind = NODE_KIND_FAULTS[f.type];
    if (kind !== undefined && 'node' in f && f.node !== undefined && dir.nodes.has(f.node) && kindOf.get(f.node) !== kind) {
      problems.push({ path: [...base, 'node'], message: `expected a ${kind} node, got ${JSON.stringify(f.node)}, which is not one` });
    }
    if ('link' in f && f.link) {
      const l = f.link;
      [singleRefProblem(dir, l.from, [...base, 'link', 'from']), singleRefProblem(dir, l.to, [...base, 'link', 'to'])].forEach(
        (p) => p && problems.push(p),
      );
    }
    if ('groups' in f) checkGroups(dir, f.groups, [...base, 'groups'], problems);
    if ('from' in f) checkIdList(dir, f.from, [...base, 'from'], problems);
    if ('to' in f) checkIdList(dir, f.to, [...base, 'to'], problems);
  });
}

function checkChaos(s: ScenarioShapeOutput, dir: Directory, problems: RefProblem[]): void {
  if (s.chaos?.crash?.nodes) checkIdList(dir, s.chaos.crash.nodes, ['chaos', 'crash', 'nodes'], problems);
  if (s.chaos?.partition) checkGroups(dir, s.chaos.partition.groups, ['chaos', 'partition', 'groups'], problems);
}

function checkCheckNodes(s: ScenarioShapeOutput, dir: Directory, problems: RefProblem[]): void {
  s.checks.forEach((c, i) => {
    if (c.type === 'theory') {
      const p = nodeRefProblem(dir, c.node, ['checks', i, 'node'], false);
      if (p) problems.push(p);
    } else if (c.type === 'littles-law') {
      const p = singleRefProblem(dir, c.node, ['checks', i, 'node']);
      if (p) problems.push(p);
    }
  });
}

function checkVariantNames(s: ScenarioShapeOutput, problems: RefProblem[]): void {
  const firstIndex = new Map<string, number>();
  s.variants.forEach((v, i) => {
    const first = firstIndex.get(v.name);
    if (first !== undefined) {
      problems.push({ path: ['variants', i, 'name'], message: `variant ${JSON.stringify(v.name)} is already defined by variants[${first}]` });
    } else {
      firstIndex.set(v.name, i);
    }
  });
}

/** `limits.expected` names limits that can end a run: every limit but maxNodes (checked here). */
function checkExpectedLimits(s: ScenarioShapeOutput, problems: RefProblem[]): void {
  const names = Object.keys(LimitsSchema.shape).filter((k) => k !== 'expected' && k !== 'maxNodes');
  s.limits.expected?.forEach((name, i) => {
    if (!names.includes(name)) problems.push({ path: ['limits', 'expected', i], message: `expected the name of a limit that can end a run (${names.map((n) => JSON.stringify(n)).join(', ')}), got ${JSON.stringify(name)}` });
  });
}

function checkNodeLimit(s: ScenarioShapeOutput, problems: RefProblem[]): void {
  const size = (d: Declaration) => d.count ?? 1;
  const declarations = [
    ...s.nodes.map((n, i) => ['nodes', i, n as Declaration] as const),
    ...s.workloads.map((w, i) => ['workloads', i, w as Declaration] as const),
  ];
  const count = declarations.reduce((sum, [, , d]) => sum + size(d), 0);
  // A group that does not fit is named at its count, the field to change.
  const biggest = declarations
    .filter(([, , d]) => d.count !== undefined)
    .sort((a, b) => size(b[2]) - size(a[2]))[0];
  if (count > s.limits.maxNodes && biggest) {
    const [section, i, d] = biggest;
    const others = count - size(d);
    problems.push({
      path: [section, i, 'count'],
      message: `expected at most ${Math.max(0, s.limits.maxNodes - others)} (limits.maxNodes ${s.limits.maxNodes} minus the ${others} other nodes and workloads), got ${d.count}`,
    });
  } else if (count > s.limits.maxNodes) {
    problems.push({
      path: ['limits', 'maxNodes'],
      message: `expected at least ${count} (the number of nodes and workloads), got ${s.limits.maxNodes}`,
    });
  }
}

/** Time-series windows are bounded in number, and warm-up ends before the run does. */
function checkMetricsSpan(s: ScenarioShapeOutput, problems: RefProblem[]): void {
  const { windowMs, warmupMs } = s.metrics;
  if (windowMs !== undefined && s.durationMs / windowMs > MAX_METRIC_WINDOWS) {
    problems.push({
      path: ['metrics', 'windowMs'],
      message: `expected at least ${s.durationMs / MAX_METRIC_WINDOWS} (durationMs / ${MAX_METRIC_WINDOWS}: a run has at most ${MAX_METRIC_WINDOWS} windows), got ${windowMs}`,
    });
  }
  if (warmupMs !== undefined && warmupMs >= s.durationMs) {
    problems.push({ path: ['metrics', 'warmupMs'], message: `expected a number < durationMs (${s.durationMs}), got ${warmupMs}` });
  }
}

/** Everything that needs more than one field to decide. Runs once the types are right. */
function checkCrossReferences(s: ScenarioShapeOutput, ctx: z.RefinementCtx): void {
  const problems: RefProblem[] = [];
  const dir = buildDirectory(s, problems);
  checkLinks(s, dir, problems);
  checkWorkloadTargets(s, dir, problems);
  checkRequestTypes(s, problems);
  checkFaults(s, dir, problems);
  checkChaos(s, dir, problems);
  checkCheckNodes(s, dir, problems);
  checkVariantNames(s, problems);
  checkNodeLimit(s, problems);
  checkMetricsSpan(s, problems);
  checkExpectedLimits(s, problems);
  for (const p of problems) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
}

/** The name a check gets when the scenario gives none, built from what it checks. */
export function defaultCheckName(c: CheckShape): string {
  switch (c.type) {
    case 'metric':
      return c.op === 'within'
        ? `${c.metric} within ${c.tolerancePct}% of ${c.value}`
        : `${c.metric} ${c.op} ${c.value}`;
    case 'rate':
      return `${c.series} between ${c.fromMs / 1000} s and ${c.toMs / 1000} s ${c.op} ${c.valuePerSec}/s`;
    case 'theory':
      return `${c.model} ${c.measure} time at ${c.node} within ${c.tolerancePct}% of theory`;
    case 'littles-law':
      return `Little's law at ${c.node} within ${c.tolerancePct}%`;
    case 'no-partition-crossing':
      return 'no message crosses a partition';
    case 'no-delivery-to-down-node':
      return 'no message is delivered to a down node';
    case 'violated':
      return `the checker catches it: ${c.invariant} — does not hold`;
  }
}

/** Fills the defaults that depend on other fields, then expands node groups. */
function normalise(s: ScenarioShapeOutput) {
  return expandGroups(fillDefaults(s));
}

function fillDefaults(s: ScenarioShapeOutput) {
  return {
    ...s,
    metrics: { ...s.metrics, windowMs: s.metrics.windowMs ?? Math.max(1, s.durationMs / 200) },
    checks: s.checks.map((c): Check => ({ ...c, name: c.name ?? defaultCheckName(c) })),
  };
}

type Filled = ReturnType<typeof fillDefaults>;
type Expanded = Omit<Filled, 'nodes' | 'workloads'> & {
  nodes: Instance<Filled['nodes'][number]>[];
  workloads: Instance<Filled['workloads'][number]>[];
  /** The scenario as written, groups unexpanded: present only when it has groups (the scenario hash is taken from it). */
  declared?: Filled;
};

/**
 * Replaces each group by its instances and each group name where a list of nodes is expected
 * by its members (sim/scenario/groups.ts). A scenario without groups is returned as it was, so
 * its scenario hash and run are untouched.
 */
function expandGroups(s: Filled): Expanded {
  const groups: GroupMembers = groupMembers([...s.nodes, ...s.workloads]);
  if (groups.size === 0) return s;
  const ids = (list: string[]) => expandIds(list, groups);
  const nodes = expandDeclarations(s.nodes, (n) =>
    n.kind === 'service' && n.calls.length > 0 ? { ...n, calls: n.calls.map((c) => ({ ...c, callPath: expandHosts(c.callPath, groups) })) } : n,
  );
  const workloads = expandDeclarations(s.workloads, (w) => ({ ...w, callPath: expandHosts(w.callPath, groups) }));
  const faults = s.faults.map((f): Fault => {
    if (f.type !== 'partition') return f;
    return 'groups' in f ? { ...f, groups: f.groups.map(ids) } : { ...f, from: ids(f.from), to: ids(f.to) };
  });
  const chaos = s.chaos && {
    ...s.chaos,
    ...(s.chaos.crash && { crash: { ...s.chaos.crash, ...(s.chaos.crash.nodes && { nodes: ids(s.chaos.crash.nodes) }) } }),
    ...(s.chaos.partition && { partition: { ...s.chaos.partition, groups: s.chaos.partition.groups.map(ids) } }),
  };
  return { ...s, nodes, workloads, links: expandLinks(s.links, groups), faults, ...(chaos && { chaos }), declared: s };
}

export const ScenarioSchema = ScenarioShape.superRefine(checkCrossReferences)
  .transform(normalise)
  .meta({ title: 'Faultline scenario', description: 'A Faultline scenario, format version 1 (see sim/scenario/FORMAT.md).' });

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** What a scenario file may say: defaulted fields are optional. */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario: every default is filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;

export type Dist = z.output<typeof DistSchema>;
export type Arrival = z.output<typeof ArrivalSchema>;
export type Limits = z.output<typeof LimitsSchema>;
export type NetworkSpec = z.output<typeof NetworkSchema>;
export type LinkSpec = z.output<typeof LinkSchema>;
export type ServiceNode = z.output<typeof ServiceNodeSchema>;
/** A node in `nodes`; today every node is a service node. */
export type NodeSpec = z.output<typeof NodeSchema>;
export type OpenWorkload = z.output<typeof OpenWorkloadSchema>;
export type ClosedWorkload = z.output<typeof ClosedWorkloadSchema>;
export type Workload = z.output<typeof WorkloadSchema>;
export type Fault = z.output<typeof FaultSchema>;
export type FaultType = Fault['type'];
export type ChaosSpec = z.output<typeof ChaosSchema>;
/** A check after validation: `name` is always set. */
export type Check = CheckShape & { name: string };
export type CheckType = Check['type'];
export type Variant = z.output<typeof VariantSchema>;
export type MetricsSpec = Scenario['metrics'];
