import type { z } from 'zod';
import { DataServiceSchema, dataServiceReferences } from '../nodes/data-service.schema.ts';
import { QueueSchema, queueReferences } from './message-queue.schema.ts';
import { TopicSchema, topicReferences } from './topic.schema.ts';
import { LogSchema } from './partitioned-log.schema.ts';
import { OccClientSchema, occClientReferences, StoreSchema } from './versioned-store.schema.ts';
import { CqrsClientSchema, cqrsClientReferences, EventStoreSchema, ProjectorSchema, projectorReferences } from './event-store.schema.ts';
import { ApiGatewaySchema, apiGatewayCalls, apiGatewayReferences, apiGatewayRequestTypes } from './api-gateway.schema.ts';
import type { PolicySpec } from './policy-schemas.ts';
import { MeshControlPlaneSchema, meshControlPlaneReferences } from './service-mesh.schema.ts';
import { OutboxServiceSchema, outboxServiceReferences } from './outbox.schema.ts';
import { ShardRouterSchema, shardRouterReferences } from './shard-router.schema.ts';
import { ServiceRegistrySchema } from './service-registry.schema.ts';
import { StranglerFacadeSchema, stranglerCalls, stranglerReferences, stranglerRequestTypes } from './strangler-fig.schema.ts';
import { SagaStarterSchema, sagaStarterReferences } from './saga-choreography.schema.ts';
import { SagaOrchestratorSchema, sagaOrchestratorReferences } from './saga-orchestrator.schema.ts';
import { TwoPcCoordinatorSchema, twoPcCoordinatorReferences, TwoPcParticipantSchema } from './two-phase-commit.schema.ts';

/**
 * What the scenario schema needs of the node kinds beyond the generic service (see
 * node-kinds.ts): their zod schemas and the node ids each refers to. Schemas only — the page
 * validates scenarios with this list without loading the kinds' behaviour.
 */

/** The zod schemas of the extra kinds, for the scenario's `nodes` union. */
export const NODE_KIND_SCHEMAS = [
  TwoPcCoordinatorSchema,
  TwoPcParticipantSchema,
  DataServiceSchema,
  SagaOrchestratorSchema,
  SagaStarterSchema,
  QueueSchema,
  TopicSchema,
  LogSchema,
  StoreSchema,
  OccClientSchema,
  OutboxServiceSchema,
  EventStoreSchema,
  ProjectorSchema,
  CqrsClientSchema,
  ApiGatewaySchema,
  MeshControlPlaneSchema,
  ShardRouterSchema,
  ServiceRegistrySchema,
  StranglerFacadeSchema,
] as const satisfies readonly z.ZodType[];

/** A node id a kind refers to: where (relative to the node), and the kind it must be, if one. */
export interface KindReference {
  path: (string | number)[];
  id: string;
  /** The node must be of this kind (a dead-letter queue is a queue); absent: any node. */
  kind?: string;
}

/** A kind's node ids, with field paths relative to the node (for validation); kinds that refer to none are absent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own file
export const NODE_KIND_REFERENCES: Record<string, (spec: any) => KindReference[]> = {
  '2pc-coordinator': twoPcCoordinatorReferences,
  'data-service': dataServiceReferences,
  'saga-orchestrator': sagaOrchestratorReferences,
  'saga-starter': sagaStarterReferences,
  queue: queueReferences,
  topic: topicReferences,
  'occ-client': occClientReferences,
  'outbox-service': outboxServiceReferences,
  projector: projectorReferences,
  'cqrs-client': cqrsClientReferences,
  'api-gateway': apiGatewayReferences,
  'mesh-control-plane': meshControlPlaneReferences,
  'shard-router': shardRouterReferences,
  'strangler-facade': stranglerReferences,
};

/** The request types a kind names (routes), with field paths relative to the node; each must be one a workload sends. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own file
export const NODE_KIND_REQUEST_TYPES: Record<string, (spec: any) => { path: (string | number)[]; name: string }[]> = {
  'api-gateway': apiGatewayRequestTypes,
  'strangler-facade': stranglerRequestTypes,
};

/**
 * A call a kind makes for the requests it handles, for the design hints' call graph
 * (sim/design/call-graph.ts): path relative to the node, the callee, its policies; calls of one
 * `stage` run together or are alternatives (`share` of the requests each), stages one after another.
 */
export interface KindCall {
  path: (string | number)[];
  to: string;
  callPath: PolicySpec[];
  stage: number;
  share: number;
  /** Request types that make this call (null: all but `exceptTypes`). */
  forTypes: string[] | null;
  exceptTypes: string[];
}

/** The calls of kinds that forward requests; kinds absent here make none the hints follow. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own file
export const NODE_KIND_CALLS: Record<string, (spec: any) => KindCall[]> = {
  'api-gateway': apiGatewayCalls,
  'strangler-facade': stranglerCalls,
};

/**
 * Fault types a node kind takes (the fault's `node` must be of that kind): the engine hands them
 * to the node (SimNode.onKindFault) instead of acting on them itself.
 */
export const NODE_KIND_FAULTS: Partial<Record<string, string>> = {
  'mesh-config': 'mesh-control-plane',
};
