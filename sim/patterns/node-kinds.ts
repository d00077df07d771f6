import type { z } from 'zod';
import type { TraceInvariant } from '../check/invariants.ts';
import type { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import { TWO_PC_COORDINATOR_KIND, TWO_PC_PARTICIPANT_KIND, TwoPcCoordinatorSchema, TwoPcParticipantSchema } from './two-phase-commit.ts';
import { DataServiceSchema } from '../nodes/data-service.ts';
import { DATA_SERVICE_KIND, SAGA_STARTER_KIND, SagaStarterSchema } from './saga-choreography.ts';
import { SAGA_ORCHESTRATOR_KIND, SagaOrchestratorSchema } from './saga-orchestrator.ts';

/**
 * Node kinds beyond the generic service: patterns whose behaviour is a whole node — a saga
 * orchestrator, a 2PC coordinator and its participants, a data-owning service, a message
 * broker. Each kind lives in its own file with its schema (a zod strict object with `id`,
 * `kind` literal, optional `label` and `position`), behaviour and invariants, and is listed
 * here once: the scenario schema, the world builder and the checks pick it up from this list.
 */
export interface NodeKind<S extends { id: string; kind: string }> {
  /** Builds the node; `resolve` turns a node id from the scenario into its index. */
  create(world: World, index: number, spec: S, resolve: (id: string) => number): SimNode;
  /** Node ids the spec refers to, with field paths relative to the node (for validation). */
  references?(spec: S): { path: (string | number)[]; id: string }[];
  /** Invariants checked over the trace in every run that has such a node. */
  invariants?(spec: S, scenarioNodes: readonly { id: string; kind: string }[]): { name: string; invariant: TraceInvariant }[];
}

/** The zod schemas of the extra kinds, for the scenario's `nodes` union. */
export const NODE_KIND_SCHEMAS = [
  TwoPcCoordinatorSchema,
  TwoPcParticipantSchema,
  DataServiceSchema,
  SagaOrchestratorSchema,
  SagaStarterSchema,
] as const satisfies readonly z.ZodType[];

/** Behaviour by `kind`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry is typed by its own file
export const NODE_KINDS: Record<string, NodeKind<any>> = {
  '2pc-coordinator': TWO_PC_COORDINATOR_KIND,
  '2pc-participant': TWO_PC_PARTICIPANT_KIND,
  'data-service': DATA_SERVICE_KIND,
  'saga-orchestrator': SAGA_ORCHESTRATOR_KIND,
  'saga-starter': SAGA_STARTER_KIND,
};
