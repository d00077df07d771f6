import type { TraceInvariant } from '../check/invariants.ts';
import type { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import { TWO_PC_COORDINATOR_KIND, TWO_PC_PARTICIPANT_KIND } from './two-phase-commit.ts';
import { DATA_SERVICE_KIND, SAGA_STARTER_KIND } from './saga-choreography.ts';
import { SAGA_ORCHESTRATOR_KIND } from './saga-orchestrator.ts';
import { MESSAGE_QUEUE_KIND } from './message-queue.ts';
import { TOPIC_KIND } from './topic.ts';
import { LOG_KIND } from './partitioned-log.ts';
import { STORE_KIND } from './versioned-store.ts';
import { OCC_CLIENT_KIND } from './occ-client.ts';
import { OUTBOX_SERVICE_KIND } from './outbox.ts';
import { EVENT_STORE_KIND } from './event-store.ts';
import { PROJECTOR_KIND } from './projector.ts';
import { CQRS_CLIENT_KIND } from './cqrs-client.ts';
import { API_GATEWAY_KIND } from './api-gateway.ts';
import { MESH_CONTROL_PLANE_KIND } from './service-mesh.ts';
import { SHARD_ROUTER_KIND } from './shard-router.ts';
import { SERVICE_REGISTRY_KIND } from './service-registry.ts';
import { STRANGLER_FACADE_KIND } from './strangler-fig.ts';

/**
 * Node kinds beyond the generic service: patterns whose behaviour is a whole node — a saga
 * orchestrator, a 2PC coordinator and its participants, a data-owning service, a message
 * broker. Each kind lives in its own files: its schema (a zod strict object with `id`, `kind`
 * literal, optional `label` and `position`) and the node ids it refers to in `<kind>.schema.ts`,
 * listed in node-kind-schemas.ts for the scenario schema (which the page loads without the
 * engine); its behaviour and invariants beside it, listed here for the world builder and the
 * checks.
 */
export interface NodeKind<S extends { id: string; kind: string }> {
  /** Builds the node; `resolve` turns a node id from the scenario into its index. */
  create(world: World, index: number, spec: S, resolve: (id: string) => number): SimNode;
  /** Invariants checked over the trace in every run that has such a node. */
  invariants?(spec: S, scenarioNodes: readonly { id: string; kind: string }[]): { name: string; invariant: TraceInvariant }[];
}

/** Behaviour by `kind`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own file
export const NODE_KINDS: Record<string, NodeKind<any>> = {
  '2pc-coordinator': TWO_PC_COORDINATOR_KIND,
  '2pc-participant': TWO_PC_PARTICIPANT_KIND,
  'data-service': DATA_SERVICE_KIND,
  'saga-orchestrator': SAGA_ORCHESTRATOR_KIND,
  'saga-starter': SAGA_STARTER_KIND,
  queue: MESSAGE_QUEUE_KIND,
  topic: TOPIC_KIND,
  log: LOG_KIND,
  store: STORE_KIND,
  'occ-client': OCC_CLIENT_KIND,
  'outbox-service': OUTBOX_SERVICE_KIND,
  'event-store': EVENT_STORE_KIND,
  projector: PROJECTOR_KIND,
  'cqrs-client': CQRS_CLIENT_KIND,
  'api-gateway': API_GATEWAY_KIND,
  'mesh-control-plane': MESH_CONTROL_PLANE_KIND,
  'shard-router': SHARD_ROUTER_KIND,
  'service-registry': SERVICE_REGISTRY_KIND,
  'strangler-facade': STRANGLER_FACADE_KIND,
};
