/**
 * The design editor's palette entries of the node kinds (ui/editor): how to place the smallest
 * valid thing of each kind — with the companions it needs (a projector's event store, a
 * gateway's backend), so every placement is a valid scenario at once — and, for a kind that
 * calls others, how a wire drawn from it changes its spec. A node kind registers here as it does
 * in node-kinds.ts and node-kind-schemas.ts; the editor reads this list and needs no change for
 * a new kind (test/ui/editor-palette.test.ts fails for a kind of the schema without an entry,
 * and places each entry to validate it). Data only: no zod, no engine.
 */

/** A node or workload as a scenario file writes it (validated when placed). */
export type RawSpec = Record<string, unknown> & { id: string; kind: string };

export interface Placement {
  nodes: RawSpec[];
  workloads: RawSpec[];
}

export interface PaletteEntry {
  /** The node kind (or workload kind) it places. */
  kind: string;
  /** Where it appears, in the palette's order. */
  section: 'Clients' | 'Services' | 'Resilience & topology' | 'Messaging' | 'Data' | 'Transactions';
  title: string;
  /** One line: what it is. */
  blurb: string;
  /** Makes the thing; `fresh(base)` gives an id not yet used (`api`, `api-2`, …). */
  make(fresh: (base: string) => string): Placement;
  /** A wire drawn from a node of this kind to `to`: changes its spec (a copy), or says why not. Absent: the kind is wired by its fields. */
  wire?(spec: RawSpec, to: string): string | null;
}

const exp = (meanMs: number) => ({ type: 'exponential', meanMs });
const one = (spec: RawSpec): Placement => ({ nodes: [spec], workloads: [] });
const service = (id: string, extra: Record<string, unknown> = {}): RawSpec => ({ id, kind: 'service', workers: 4, serviceTime: exp(20), ...extra });

export const NODE_KIND_PALETTE: readonly PaletteEntry[] = [
  {
    kind: 'api-gateway',
    section: 'Resilience & topology',
    title: 'API gateway',
    blurb: 'One door: edge limits, auth, routes by request type.',
    // A wire from the gateway adds the callee to its "*" route (every type no other route serves).
    wire: (spec, to) => {
      const routes = spec.routes as { type: string; to: { node: string }[] }[];
      const any = routes.find((r) => r.type === '*');
      if (any === undefined) routes.push({ type: '*', to: [{ node: to }] });
      else if (any.to.some((t) => t.node === to)) return `${spec.id} already routes to ${to}`;
      else any.to.push({ node: to });
      return null;
    },
    make: (fresh) => {
      const backend = fresh('backend');
      return { nodes: [{ id: fresh('gateway'), kind: 'api-gateway', routes: [{ type: '*', to: [{ node: backend }] }] }, service(backend)], workloads: [] };
    },
  },
  {
    kind: 'service-registry',
    section: 'Resilience & topology',
    title: 'Service registry',
    blurb: 'Eureka leases and eviction, or Consul health checks.',
    make: (fresh) => one({ id: fresh('registry'), kind: 'service-registry' }),
  },
  {
    kind: 'mesh-control-plane',
    section: 'Resilience & topology',
    title: 'Mesh control plane',
    blurb: 'Pushes config versions to sidecars, one after another.',
    make: (fresh) => {
      const meshed = fresh('meshed');
      return {
        nodes: [
          { id: fresh('control-plane'), kind: 'mesh-control-plane', sidecars: [meshed], configs: [{ atMs: 0, outbound: [{ type: 'timeout', timeoutMs: 500 }] }] },
          service(meshed, { sidecar: {} }),
        ],
        workloads: [],
      };
    },
  },
  {
    kind: 'strangler-facade',
    section: 'Resilience & topology',
    title: 'Strangler facade',
    blurb: 'Moves routes from a legacy to a modern system on a schedule.',
    make: (fresh) => {
      const legacy = fresh('legacy');
      const modern = fresh('modern');
      return {
        nodes: [
          { id: fresh('facade'), kind: 'strangler-facade', legacy, modern, schedule: [{ atMs: 30_000, routes: [{ type: '*', modernShare: 0.5 }] }], rollback: { errorRateAbove: 0.05 } },
          service(legacy),
          service(modern),
        ],
        workloads: [],
      };
    },
  },
  { kind: 'queue', section: 'Messaging', title: 'Queue', blurb: 'SQS: visibility timeout, redelivery, dead letters.', make: (fresh) => one({ id: fresh('queue'), kind: 'queue', maxReceiveCount: 5 }) },
  {
    kind: 'topic',
    section: 'Messaging',
    title: 'Topic',
    blurb: 'SNS pub/sub: every subscription gets each message.',
    make: (fresh) => {
      const q = fresh('subscriber-q');
      return { nodes: [{ id: fresh('topic'), kind: 'topic', subscriptions: [{ to: q }] }, { id: q, kind: 'queue', maxReceiveCount: 5 }], workloads: [] };
    },
  },
  { kind: 'log', section: 'Messaging', title: 'Partitioned log', blurb: 'Kafka: partitions, consumer groups, offsets.', make: (fresh) => one({ id: fresh('log'), kind: 'log' }) },
  { kind: 'store', section: 'Data', title: 'Versioned store', blurb: 'Key-value with versions, CAS and async replicas.', make: (fresh) => one({ id: fresh('store'), kind: 'store' }) },
  {
    kind: 'shard-router',
    section: 'Data',
    title: 'Shard router',
    blurb: 'Routes keys to store shards (mod, consistent, jump, range…).',
    make: (fresh) => {
      const a = fresh('shard-a');
      const b = fresh('shard-b');
      return { nodes: [{ id: fresh('router'), kind: 'shard-router', shards: [a, b] }, { id: a, kind: 'store' }, { id: b, kind: 'store' }], workloads: [] };
    },
  },
  {
    kind: 'occ-client',
    section: 'Data',
    title: 'OCC contenders',
    blurb: 'Clients updating one key with optimistic concurrency.',
    make: (fresh) => {
      const store = fresh('store');
      return { nodes: [{ id: fresh('contenders'), kind: 'occ-client', store }, { id: store, kind: 'store' }], workloads: [] };
    },
  },
  { kind: 'event-store', section: 'Data', title: 'Event store', blurb: 'Event sourcing: streams, expected versions, snapshots.', make: (fresh) => one({ id: fresh('events'), kind: 'event-store' }) },
  {
    kind: 'projector',
    section: 'Data',
    title: 'Projector',
    blurb: 'CQRS read side: applies events to a read model.',
    make: (fresh) => {
      const store = fresh('events');
      return { nodes: [{ id: fresh('projector'), kind: 'projector', store }, { id: store, kind: 'event-store' }], workloads: [] };
    },
  },
  {
    kind: 'cqrs-client',
    section: 'Data',
    title: 'CQRS sessions',
    blurb: 'Write a command, read it back from the projection.',
    make: (fresh) => {
      const store = fresh('events');
      const projector = fresh('projector');
      return {
        nodes: [{ id: fresh('sessions'), kind: 'cqrs-client', store, projector }, { id: store, kind: 'event-store' }, { id: projector, kind: 'projector', store }],
        workloads: [],
      };
    },
  },
  {
    kind: 'outbox-service',
    section: 'Data',
    title: 'Outbox service',
    blurb: 'Commits a change and publishes its event (outbox or dual write).',
    make: (fresh) => {
      const broker = fresh('events-q');
      return { nodes: [{ id: fresh('orders'), kind: 'outbox-service', broker }, { id: broker, kind: 'queue', maxReceiveCount: 5 }], workloads: [] };
    },
  },
  { kind: 'data-service', section: 'Transactions', title: 'Data service', blurb: 'Owns durable state; local transactions for sagas.', make: (fresh) => one({ id: fresh('inventory'), kind: 'data-service' }) },
  {
    kind: 'saga-orchestrator',
    section: 'Transactions',
    title: 'Saga orchestrator',
    blurb: 'Runs steps in order, compensates on failure.',
    make: (fresh) => {
      const a = fresh('inventory');
      const b = fresh('payments');
      return {
        nodes: [
          { id: fresh('orchestrator'), kind: 'saga-orchestrator', steps: [{ service: a, type: 'compensatable' }, { service: b, type: 'pivot' }] },
          { id: a, kind: 'data-service' },
          { id: b, kind: 'data-service' },
        ],
        workloads: [],
      };
    },
  },
  {
    kind: 'saga-starter',
    section: 'Transactions',
    title: 'Choreographed saga',
    blurb: 'Starts sagas that services pass along by events.',
    make: (fresh) => {
      const first = fresh('inventory');
      return { nodes: [{ id: fresh('saga-starter'), kind: 'saga-starter', first }, { id: first, kind: 'data-service' }], workloads: [] };
    },
  },
  {
    kind: '2pc-coordinator',
    section: 'Transactions',
    title: '2PC coordinator',
    blurb: 'Two-phase commit over its participants.',
    make: (fresh) => {
      const a = fresh('participant');
      const b = fresh('participant');
      return { nodes: [{ id: fresh('coordinator'), kind: '2pc-coordinator', participants: [a, b] }, { id: a, kind: '2pc-participant' }, { id: b, kind: '2pc-participant' }], workloads: [] };
    },
  },
  { kind: '2pc-participant', section: 'Transactions', title: '2PC participant', blurb: 'Votes, holds locks until it learns the outcome.', make: (fresh) => one({ id: fresh('participant'), kind: '2pc-participant' }) },
];
