/**
 * What a scenario may say about a choreographed saga's starter (saga-choreography.ts): its zod
 * schema, apart from the behaviour so that the page can validate a scenario without loading the
 * engine's pattern code.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { OrderLineSchema, sagaArrivalFields } from './saga-orchestrator.schema.ts';

export const SagaStarterSchema = z.strictObject({
  id: KindId,
  kind: z.literal('saga-starter'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  first: KindId.describe('The data service of the first step: it reacts to "order placed".'),
  order: z.array(OrderLineSchema).max(32).default(() => []).describe('What each saga takes from each service (drawn per saga, line by line, like an orchestrator\'s steps).'),
  ...sagaArrivalFields,
  retransmitMs: z.number().positive().max(1e6).default(100).describe('A saga\'s first event is sent again this often until acknowledged.'),
});

export type SagaStarterSpec = z.output<typeof SagaStarterSchema>;

/** Node ids a starter refers to (the first service, its order lines' services), with field paths relative to the node. */
export function sagaStarterReferences(spec: SagaStarterSpec): { path: (string | number)[]; id: string }[] {
  return [{ path: ['first'], id: spec.first }, ...spec.order.map((l, i) => ({ path: ['order', i, 'service'], id: l.service }))];
}
