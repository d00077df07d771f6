/**
 * What a scenario may say about a service that publishes an event for each change it commits
 * (outbox.ts): with a transactional outbox and a relay, or by one of the two dual writes the
 * outbox replaces. A zod schema, apart from the behaviour so that the page can validate a
 * scenario without loading the engine.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

const ms = () => z.number().min(0).max(1e9);
const positiveMs = () => z.number().positive().max(1e9);

export const OUTBOX_MODES = ['outbox', 'commit-then-publish', 'publish-then-commit'] as const;

export const OutboxRelaySchema = z.strictObject({
  type: z
    .enum(['polling', 'log-tailing'])
    .default('polling')
    .describe('polling: every pollIntervalMs read up to batchSize unsent outbox rows in order, publish them, then mark them sent; log-tailing (Debezium): follow the database log, publish each committed row tailLagMs after its commit, and save the position every offsetFlushIntervalMs.'),
  pollIntervalMs: positiveMs().default(1000).describe('Polling: time between polls of the outbox table.'),
  batchSize: z.int().min(1).max(10_000).default(100).describe('Polling: rows read per poll (SELECT … WHERE sent = false ORDER BY id LIMIT batchSize).'),
  maxInFlight: z.int().min(1).max(1000).default(5).describe('Publishes awaiting the broker\'s acknowledgement at once (a Kafka producer\'s max.in.flight.requests.per.connection, 5); never two of one aggregate, so its events stay in order.'),
  markMs: ms().default(2).describe('Polling: time to mark a published batch sent (one UPDATE). A crash before it ends publishes the batch again.'),
  tailLagMs: ms().default(50).describe('Log tailing: how long after its commit a row reaches the relay.'),
  offsetFlushIntervalMs: positiveMs().default(60_000).describe('Log tailing: how often the relay saves its log position (Kafka Connect offset.flush.interval.ms, 60 s). A crash publishes again everything since the last save.'),
});

export const OutboxServiceSchema = z.strictObject({
  id: KindId,
  kind: z.literal('outbox-service'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  broker: KindId.describe('Where the events go: a queue, topic or log (a request to it publishes; its answer acknowledges).'),
  mode: z
    .enum(OUTBOX_MODES)
    .default('outbox')
    .describe('outbox: the change and an outbox row commit in one local transaction, a relay publishes the rows; commit-then-publish (a dual write): commit, then publish — a crash between loses the event; publish-then-commit (a dual write): publish, then commit — a failed commit leaves a phantom event.'),
  transactionMs: ms().default(5).describe('The local transaction: from a request to its commit.'),
  commitFailureProbability: z.number().min(0).max(1).default(0).describe('Probability that a transaction fails at commit (a constraint, a deadlock victim): nothing is written, the caller gets an error.'),
  publishTimeoutMs: positiveMs().default(1000).describe('A publish the broker has not acknowledged by then is sent again (at-least-once).'),
  relay: OutboxRelaySchema.prefault({}).describe('The outbox relay (mode outbox only).'),
  livenessBoundMs: positiveMs().default(60_000).describe('The check counts a committed change as lost if it is not published this long after its commit (changes committed in the run\'s last livenessBoundMs are not judged).'),
});

export type OutboxServiceSpec = z.output<typeof OutboxServiceSchema>;

export function outboxServiceReferences(spec: OutboxServiceSpec): { path: (string | number)[]; id: string }[] {
  return [{ path: ['broker'], id: spec.broker }];
}
