/**
 * The editor's palette: what can be placed on the canvas. One entry per node kind and per
 * workload kind — a pattern's palette entry lives here as one item of the list, beside its
 * schema and behaviour elsewhere. An entry makes the smallest valid thing of its kind: a kind
 * that needs others to exist (a projector needs an event store, a gateway a backend) makes them
 * too, so every placement is a valid scenario at once. test/ui/editor-palette.test.ts adds each
 * entry to an empty design and validates it, and fails when a kind of the scenario schema has
 * no entry.
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
  /** Whether it makes calls the editor can wire (drag from it to another node). */
  calls?: 'service' | 'workload' | 'gateway';
}

const exp = (meanMs: number) => ({ type: 'exponential', meanMs });
const one = (spec: RawSpec): Placement => ({ nodes: [spec], workloads: [] });
const service = (id: string, extra: Record<string, unknown> = {}): RawSpec => ({ id, kind: 'service', workers: 4, serviceTime: exp(20), ...extra });

export const PALETTE: PaletteEntry[] = [
  {
    kind: 'open',
    section: 'Clients',
    title: 'Open workload',
    blurb: 'Requests arrive at a rate, whatever the answers (Poisson).',
    calls: 'workload',
    make: (fresh) => ({ nodes: [], workloads: [{ id: fresh('client'), kind: 'open', target: '', arrival: { type: 'poisson', ratePerSec: 50 }, timeoutMs: 1000 }] }),
  },
  {
    kind: 'closed',
    section: 'Clients',
    title: 'Closed workload',
    blurb: 'Users who each wait for an answer, think, then send again.',
    calls: 'workload',
    make: (fresh) => ({ nodes: [], workloads: [{ id: fresh('users'), kind: 'closed', target: '', clients: 10, thinkTime: exp(500), timeoutMs: 1000 }] }),
  },
  { kind: 'service', section: 'Services', title: 'Service', blurb: 'Workers, a queue, a service time; calls to its dependencies.', calls: 'service', make: (fresh) => one(service(fresh('service'))) },
  {
    kind: 'api-gateway',
    section: 'Resilience & topology',
    title: 'API gateway',
    blurb: 'One door: edge limits, auth, routes by request type.',
    calls: 'gateway',
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

/** The palette entry of a kind, if any. */
export function paletteEntry(kind: string): PaletteEntry | undefined {
  return PALETTE.find((e) => e.kind === kind);
}
