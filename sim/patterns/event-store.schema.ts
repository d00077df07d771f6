/**
 * What a scenario may say about event sourcing and CQRS: an event store that is also the
 * write side (event-store.ts), a projector that keeps a read model (projector.ts), and client
 * sessions that write and then read their own writes (cqrs-client.ts). Zod schemas, apart
 * from the behaviour so that the page can validate a scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

const ms = () => z.number().min(0).max(1e9);
const positiveMs = () => z.number().positive().max(1e9);

export const EventStoreSchema = z.strictObject({
  id: KindId,
  kind: z.literal('event-store'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  commandMs: ms().default(2).describe('Deciding a command once its aggregate is loaded: from the load to the append.'),
  appendMs: ms().default(1).describe('Appending the event (a durable write).'),
  replayEventMs: ms().default(0.05).describe('Loading an aggregate that is not in memory replays its events from the last snapshot: this long per event.'),
  snapshotEvery: z.int().min(0).max(1e9).default(0).describe('Write a snapshot of an aggregate\'s state every this many events (0: never). A load then replays only the events after the latest snapshot.'),
  cacheAggregates: z.boolean().default(true).describe('Keep loaded aggregates in memory (lost in a crash); false: every command replays.'),
  initialEventsPerAggregate: z.int().min(0).max(100_000).default(0).describe('Events already in each stream at time 0, for aggregates 1…initialAggregates (a store with history).'),
  initialAggregates: z.int().min(0).max(100_000).default(0).describe('Aggregates that already have a history at time 0.'),
});

export type EventStoreSpec = z.output<typeof EventStoreSchema>;

export const ProjectorSchema = z.strictObject({
  id: KindId,
  kind: z.literal('projector'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  store: KindId.describe('The event store whose events it projects (it subscribes from its checkpoint: catch-up, then live).'),
  processMs: positiveMs().default(5).describe('Mean time to apply one event to the read model (exponentially distributed; one event at a time, in order).'),
  readModel: z.enum(['durable', 'in-memory']).default('durable').describe('durable: the read model and its checkpoint survive a crash; in-memory: a restart rebuilds it from position 0.'),
  rebuildAtMs: ms().nullable().default(null).describe('Drop the read model at this time and rebuild it from position 0 (a new projection, or a fixed bug).'),
  queryMs: ms().default(1).describe('Answering a query.'),
  waitTimeoutMs: positiveMs().default(5000).describe('A query that waits for a position (read-your-writes) is answered as it stands after this long.'),
});

export type ProjectorSpec = z.output<typeof ProjectorSchema>;

export const CqrsClientSchema = z.strictObject({
  id: KindId,
  kind: z.literal('cqrs-client'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  store: KindId.describe('The event store commands go to.'),
  projector: KindId.describe('The projector whose read model queries go to.'),
  commandsPerSec: z.number().positive().max(1e6).default(10).describe('Commands per second over all sessions (Poisson).'),
  aggregates: z.int().min(1).max(1e9).default(1000).describe('Each command goes to an aggregate drawn uniformly from 1…aggregates.'),
  readAfterMs: ms().default(100).describe('A session reads the aggregate it changed this long after the command is acknowledged.'),
  readYourWrites: z
    .enum(['none', 'write-side', 'wait-for-position'])
    .default('none')
    .describe('none: read the read model as it stands; write-side: the writing session reads from the event store instead; wait-for-position: the query carries the write\'s position and the projector answers once it has applied it.'),
  startMs: ms().default(0).describe('When the sessions start.'),
  stopMs: ms().nullable().default(null).describe('When they stop sending commands (null: never).'),
});

export type CqrsClientSpec = z.output<typeof CqrsClientSchema>;

export function projectorReferences(spec: ProjectorSpec): { path: (string | number)[]; id: string; kind: string }[] {
  return [{ path: ['store'], id: spec.store, kind: 'event-store' }];
}

export function cqrsClientReferences(spec: CqrsClientSpec): { path: (string | number)[]; id: string; kind: string }[] {
  return [
    { path: ['store'], id: spec.store, kind: 'event-store' },
    { path: ['projector'], id: spec.projector, kind: 'projector' },
  ];
}
