/**
 * What a scenario may say about a message queue (message-queue.ts) and about a service that
 * consumes from one (queue-consumer.ts): zod schemas, apart from the behaviour so that the page
 * can validate a scenario without loading the engine.
 *
 * Defaults are Amazon SQS's (visibility timeout 30 s, retention 4 days, long poll up to 20 s,
 * batches up to 10, deduplication window 5 minutes); `preset: "rabbitmq-quorum"` gives a
 * RabbitMQ quorum queue's delivery limit of 20 instead of SQS's "no redrive policy".
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

const ms = () => z.number().min(0).max(1e12);
const FOUR_DAYS_MS = 4 * 24 * 3600 * 1000;

export const QueueSchema = z
  .strictObject({
    id: KindId,
    kind: z.literal('queue'),
    label: KindLabel.optional(),
    position: KindPosition.optional(),
    type: z.enum(['standard', 'fifo']).default('standard').describe('standard: at-least-once, oldest first on a best-effort basis; fifo: messages of a group are delivered one at a time, in order, and duplicates within the deduplication window are dropped.'),
    preset: z.enum(['sqs', 'rabbitmq-quorum']).default('sqs').describe('sqs: no delivery limit unless maxReceiveCount is set; rabbitmq-quorum: a delivery limit of 20 (then dead-lettered, or dropped without a dead-letter queue).'),
    visibilityTimeoutMs: ms().default(30_000).describe('A received message is invisible this long; if it is not deleted by then it becomes available again (SQS default 30 s).'),
    maxReceiveCount: z.int().min(1).max(1000).nullable().default(null).describe('After this many receives without a delete, the next receive moves the message to deadLetterQueue (or drops it without one). null: redelivered forever (or the preset\'s limit).'),
    deadLetterQueue: KindId.nullable().default(null).describe('The queue node that takes messages over maxReceiveCount (SQS redrive policy).'),
    retentionMs: z.number().positive().max(1e12).default(FOUR_DAYS_MS).describe('A message older than this is deleted unprocessed (SQS default 4 days).'),
    deliveryDelayMs: ms().default(0).describe('A published message becomes available only after this delay (SQS DelaySeconds).'),
    maxDepth: z.int().min(1).max(1e9).nullable().default(null).describe('Messages held at most (available, delayed and in flight); a publish beyond it is rejected (RabbitMQ max-length with reject-publish: backpressure). null: no limit, as SQS.'),
    durable: z.boolean().default(true).describe('true: messages are on disk and survive a broker crash; false: a crash loses every message held.'),
    messageGroups: z.int().min(1).max(1e9).default(1).describe('FIFO only: a message\'s group is its key modulo this; groups are delivered in order independently.'),
    deduplicationWindowMs: ms().default(300_000).describe('FIFO only: a publish with the same content (key) as one accepted this recently is accepted but not enqueued (content-based deduplication; SQS: 5 minutes).'),
  })
  .superRefine((s, ctx) => {
    if (s.deadLetterQueue !== null && s.deadLetterQueue === s.id) {
      ctx.addIssue({ code: 'custom', path: ['deadLetterQueue'], message: 'expected another queue: a queue cannot be its own dead-letter queue' });
    }
    if (s.deadLetterQueue !== null && s.maxReceiveCount === null && s.preset === 'sqs') {
      ctx.addIssue({ code: 'custom', path: ['maxReceiveCount'], message: 'expected a number: a dead-letter queue needs maxReceiveCount (the receives after which a message moves there)' });
    }
  });

export type QueueSpec = z.output<typeof QueueSchema>;

/** Node ids a queue refers to (its dead-letter queue), with field paths relative to the node. */
export function queueReferences(spec: QueueSpec): { path: (string | number)[]; id: string; kind: 'queue' }[] {
  return spec.deadLetterQueue === null ? [] : [{ path: ['deadLetterQueue'], id: spec.deadLetterQueue, kind: 'queue' }];
}


/**
 * A service that consumes from a queue: `receivers` loops, each receiving a batch, processing
 * its messages one at a time with the service's own service time, error probability and calls,
 * and deleting (acknowledging) each one that succeeded.
 */
export const ConsumeSchema = z.strictObject({
  from: KindId.describe('The queue node to receive from.'),
  receivers: z.int().min(1).max(10_000).default(1).describe('Concurrent receive-and-process loops (consumer threads).'),
  batchSize: z.int().min(1).max(10).default(1).describe('Messages asked for per receive (SQS MaxNumberOfMessages, at most 10).'),
  waitTimeMs: z.number().min(0).max(20_000).default(20_000).describe('Long poll: a receive waits up to this long for a message (SQS at most 20 s); 0 is a short poll.'),
  pollIntervalMs: z.number().positive().max(1e9).default(1000).describe('After an empty short poll, wait this long before the next receive.'),
  visibilityTimeoutMs: ms().nullable().default(null).describe('Visibility timeout asked for at each receive (null: the queue\'s).'),
  prefetch: z.int().min(1).max(1_000_000).nullable().default(null).describe('At most this many messages received and not yet finished at once, over all receivers (RabbitMQ\'s prefetch count, basic.qos); null: receivers × batchSize.'),
  extendVisibility: z.boolean().default(false).describe('While processing, extend the message\'s visibility by the timeout every half timeout (a heartbeat), so slow work is not redelivered.'),
  onFailure: z.enum(['leave', 'nack']).default('leave').describe('When processing fails: leave the message to reappear after its visibility timeout, or nack it (visibility 0: available again at once, as RabbitMQ\'s nack with requeue).'),
  inbox: z.enum(['none', 'volatile', 'durable']).default('none').describe('Idempotent consumer: remember processed message ids (in memory, lost in a crash; or on disk) and skip duplicates.'),
  dedupBy: z.enum(['message-id', 'key']).default('message-id').describe('What the inbox remembers, and what counts as processing the same thing twice: the message id (a redelivery is the same message), or its content, the key (an event published twice — by an outbox relay after a crash — arrives as two messages with one event id).'),
  poisonFraction: z.number().min(0).max(1).default(0).describe('This fraction of messages is malformed (poison): processing them always fails, on every receive and every consumer. Which ones is decided by the message id.'),
  claimsExactlyOnce: z.boolean().default(false).describe('The design claims each message is processed exactly once: a duplicate processing is then a violation, not just a count.'),
});

export type ConsumeSpec = z.output<typeof ConsumeSchema>;
