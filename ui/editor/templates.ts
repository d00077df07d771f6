/**
 * Designs to start from: blank, and a few realistic systems, each a small scenario file the
 * editor opens (any built-in or shared scenario can be forked too, from the sandbox). Each is
 * validated and run in test/ui/editor-templates.test.ts.
 */
import { BLANK_DESIGN } from './model.ts';

export interface Template {
  id: string;
  title: string;
  design: Record<string, unknown>;
}

const exp = (meanMs: number) => ({ type: 'exponential', meanMs });
const guard = (timeoutMs: number) => [{ type: 'circuit-breaker', minimumNumberOfCalls: 20, slidingWindowSize: 50 }, { type: 'timeout', timeoutMs }];

export const TEMPLATES: Template[] = [
  { id: 'blank', title: 'A blank design', design: BLANK_DESIGN },
  {
    id: 'checkout',
    title: 'A checkout flow',
    design: {
      version: 1,
      title: 'Checkout',
      description: 'Shoppers check out through an API that reserves stock, takes payment and records the order.',
      durationMs: 60_000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'checkout-api', kind: 'service', workers: 16, serviceTime: exp(5), position: { x: 250, y: 150 }, calls: [
          { to: 'inventory', callPath: [{ type: 'retry', maxAttempts: 2, backoff: 'full-jitter', baseMs: 20 }, ...guard(300)] },
          { to: 'payments', callPath: guard(800) },
          { to: 'orders-db', callPath: [{ type: 'timeout', timeoutMs: 200 }] },
        ] },
        { id: 'inventory', kind: 'service', workers: 8, serviceTime: exp(10), position: { x: 550, y: 30 } },
        { id: 'payments', kind: 'service', workers: 8, serviceTime: { type: 'lognormal', medianMs: 60, sigma: 0.6 }, position: { x: 550, y: 150 } },
        { id: 'orders-db', kind: 'store', position: { x: 550, y: 280 } },
      ],
      workloads: [{ id: 'shoppers', kind: 'open', target: 'checkout-api', arrival: { type: 'poisson', ratePerSec: 50 }, timeoutMs: 2000, position: { x: 0, y: 150 } }],
    },
  },
  {
    id: 'upload-pipeline',
    title: 'An upload pipeline with a queue',
    design: {
      version: 1,
      title: 'Upload pipeline',
      description: 'Uploads are accepted at once and queued; workers process them in the background, with a dead-letter queue for the ones that keep failing.',
      durationMs: 60_000,
      nodes: [
        { id: 'upload-api', kind: 'service', workers: 8, serviceTime: exp(3), position: { x: 250, y: 100 }, calls: [{ to: 'uploads-q', callPath: [{ type: 'timeout', timeoutMs: 500 }] }] },
        { id: 'uploads-q', kind: 'queue', maxReceiveCount: 5, deadLetterQueue: 'uploads-dlq', position: { x: 520, y: 100 } },
        { id: 'uploads-dlq', kind: 'queue', position: { x: 520, y: 260 } },
        { id: 'transcoder', kind: 'service', workers: 4, serviceTime: exp(150), errorProbability: 0.02, position: { x: 800, y: 100 }, consume: { from: 'uploads-q', receivers: 4 } },
      ],
      workloads: [{ id: 'users', kind: 'open', target: 'upload-api', arrival: { type: 'poisson', ratePerSec: 20 }, timeoutMs: 1000, position: { x: 0, y: 100 } }],
    },
  },
  {
    id: 'read-heavy-shards',
    title: 'A read-heavy service with shards',
    design: {
      version: 1,
      title: 'Read-heavy, sharded',
      description: 'A catalogue read 9 times for every write, its keys spread over three store shards by consistent hashing.',
      durationMs: 30_000,
      nodes: [
        { id: 'router', kind: 'shard-router', shards: ['shard-a', 'shard-b', 'shard-c'], scheme: 'consistent', readFraction: 0.9, position: { x: 300, y: 150 } },
        { id: 'shard-a', kind: 'store', position: { x: 600, y: 30 } },
        { id: 'shard-b', kind: 'store', position: { x: 600, y: 150 } },
        { id: 'shard-c', kind: 'store', position: { x: 600, y: 270 } },
      ],
      workloads: [{ id: 'readers', kind: 'open', target: 'router', arrival: { type: 'poisson', ratePerSec: 200 }, timeoutMs: 500, keySpace: 10_000, keyDistribution: { type: 'zipf', s: 1.1 }, position: { x: 0, y: 150 } }],
    },
  },
];
