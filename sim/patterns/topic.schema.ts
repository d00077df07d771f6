/**
 * What a scenario may say about a pub/sub topic (topic.ts): its zod schema, apart from the
 * behaviour so that the page can validate a scenario without loading the engine.
 *
 * Defaults are Amazon SNS's: a subscription that is an SQS queue is delivered to until the
 * queue accepts; an HTTP(S) endpoint gets SNS's default delivery policy — 3 retries, 20 s apart
 * (linear backoff between minDelayTarget = maxDelayTarget = 20 s) — and, after them, the
 * message goes to the subscription's dead-letter queue if it has one (its redrive policy), or is
 * dropped.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';

export const SubscriptionSchema = z.strictObject({
  to: KindId.describe('The subscriber: a queue node (the topic publishes to it) or a service (the topic pushes each message to it as a request, like an HTTP endpoint).'),
  retries: z.int().min(0).max(100_000).default(3).describe('Deliveries tried again after a failure (an error, a rejection, no answer within deliveryTimeoutMs) before giving up (SNS HTTP default: 3).'),
  retryDelayMs: z.number().min(0).max(1e9).default(20_000).describe('Wait before each retry (SNS HTTP default: 20 s).'),
  deliveryTimeoutMs: z.number().positive().max(1e9).default(15_000).describe('A delivery not answered within this has failed (SNS waits 15 s for an HTTP endpoint).'),
  deadLetterQueue: KindId.nullable().default(null).describe('A queue node that takes the messages this subscription gave up on (SNS redrive policy); null: they are dropped, and counted.'),
});

export type SubscriptionSpec = z.output<typeof SubscriptionSchema>;

export const TopicSchema = z
  .strictObject({
  id: KindId,
  kind: z.literal('topic'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  subscriptions: z.array(SubscriptionSchema).min(1).max(1000).describe('Each gets its own copy of every message and acknowledges it independently.'),
  durable: z.boolean().default(true).describe('true: messages not yet delivered to every subscription survive a crash of the topic; false: a crash loses them.'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.subscriptions.forEach((sub, i) => {
      if (seen.has(sub.to)) ctx.addIssue({ code: 'custom', path: ['subscriptions', i, 'to'], message: `expected each subscriber once; ${JSON.stringify(sub.to)} is subscribed already` });
      if (sub.to === s.id) ctx.addIssue({ code: 'custom', path: ['subscriptions', i, 'to'], message: 'a topic cannot subscribe to itself' });
      seen.add(sub.to);
    });
  });

export type TopicSpec = z.output<typeof TopicSchema>;

/** Node ids a topic refers to, with field paths relative to the node. */
export function topicReferences(spec: TopicSpec): { path: (string | number)[]; id: string; kind?: string }[] {
  return spec.subscriptions.flatMap((s, i) => [
    { path: ['subscriptions', i, 'to'], id: s.to },
    ...(s.deadLetterQueue === null ? [] : [{ path: ['subscriptions', i, 'deadLetterQueue'], id: s.deadLetterQueue, kind: 'queue' }]),
  ]);
}
