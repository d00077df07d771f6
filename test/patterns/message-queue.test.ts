/**
 * The queue's state machine, exactly (receive → in flight → visibility timeout → available,
 * receive counts, dead-lettering after maxReceiveCount, FIFO groups), its agreement with
 * theory over several seeds, and the conservation check's teeth against planted bugs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { QueueNode } from '../../sim/patterns/message-queue.ts';
import { QueueConsumer } from '../../sim/patterns/queue-consumer.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { scenario } from '../helpers.ts';

const MS = 1000;

interface Setup {
  queue?: Record<string, unknown>;
  consume?: Record<string, unknown>;
  worker?: Record<string, unknown>;
  arrival?: Record<string, unknown>;
  stopMs?: number;
  durationMs?: number;
  latencyMs?: number;
  faults?: Record<string, unknown>[];
  seed?: number;
}

/** A producer `shop` → queue `q` (dead-letter queue `dlq`) → consuming service `worker`. */
function mq(s: Setup = {}): Scenario {
  return scenario({
    durationMs: s.durationMs ?? 10_000,
    seed: s.seed ?? 1,
    network: { latency: { type: 'constant', ms: s.latencyMs ?? 1 } },
    nodes: [
      { id: 'q', kind: 'queue', visibilityTimeoutMs: 1000, ...s.queue },
      { id: 'dlq', kind: 'queue' },
      { id: 'worker', kind: 'service', serviceTime: { type: 'constant', ms: 10 }, ...s.worker, consume: { from: 'q', ...s.consume } },
    ],
    workloads: [{ id: 'shop', kind: 'open', target: 'q', arrival: s.arrival ?? { type: 'bursts', bursts: [{ atMs: 0, count: 1 }] }, ...(s.stopMs === undefined ? {} : { stopMs: s.stopMs }) }],
    faults: s.faults ?? [],
  });
}

/** Runs and keeps the messaging call records (`mq` at queues, `consume:*` at consumers). */
function run(sc: Scenario, seed?: number): { result: RunResult; records: TraceRecord[] } {
  const records: TraceRecord[] = [];
  const listener = Object.assign((r: TraceRecord) => {
    if (r.k === 'call' && (r.layer === 'mq' || String(r.layer).startsWith('consume:'))) records.push(r);
  }, { kinds: ['call'] as const });
  const result = runScenario(sc, { seed, listeners: [listener] });
  return { result, records };
}

const at = (records: TraceRecord[], node: string) => records.filter((r) => r.node === node && r.layer === 'mq').map((r) => `${r.event}@${r.t / MS}`);
const metric = (r: RunResult, name: string) => r.metrics[name] as number;
const conservation = (r: RunResult, queue = 'q') => r.checks.find((c) => c.name.startsWith(`every message sent to ${queue} `))!;

describe('the queue state machine', () => {
  it('receive → in flight → timeout → available, counting receives, then dead-letters on the receive after maxReceiveCount', () => {
    const { result, records } = run(mq({ queue: { maxReceiveCount: 2, deadLetterQueue: 'dlq' }, consume: { poisonFraction: 1 } }));
    // Published and received at once by the long poll waiting since t=0; each failure leaves
    // it to reappear a visibility timeout (1 s) after its receive; the third receive finds 2
    // receives and moves it; the dead-letter queue's ack (1 ms each way) completes the move.
    expect(at(records, 'q')).toEqual(['published@1', 'received:1@1', 'visible@1001', 'received:2@1001', 'visible@2001', 'dead-letter@2001', 'moved@2003']);
    expect(at(records, 'dlq')).toEqual(['dead-lettered@2002']);
    expect(records.filter((r) => r.node === 'worker').map((r) => `${r.event}@${r.t / MS}`)).toEqual(['processing@2', 'failed@12', 'processing@1002', 'failed@1012']);
    expect(metric(result, 'q.receives')).toBe(2);
    expect(metric(result, 'q.redeliveries')).toBe(1);
    expect(metric(result, 'q.deadLettered')).toBe(1);
    expect(metric(result, 'dlq.deadLetterArrivals')).toBe(1);
    expect(result.checks.every((c) => c.ok)).toBe(true);
  });

  it('deletes a processed message with its receipt: one receive, gone', () => {
    const { result, records } = run(mq());
    expect(at(records, 'q')).toEqual(['published@1', 'received:1@1', 'deleted@13']);
    expect(metric(result, 'q.receivesPerMessage' as string)).toMatchObject({ count: 1, max: 1 });
    expect(conservation(result).detail).toMatch(/1 processed and deleted/);
  });

  it('without a dead-letter queue, redelivers a poison message forever; a quorum preset drops it after 20 deliveries', () => {
    const forever = run(mq({ consume: { poisonFraction: 1 }, durationMs: 30_000 }));
    expect(metric(forever.result, 'q.receives')).toBe(30);
    expect(metric(forever.result, 'q.deadLettered') + metric(forever.result, 'q.droppedAtLimit')).toBe(0);
    const quorum = run(mq({ queue: { preset: 'rabbitmq-quorum' }, consume: { poisonFraction: 1 }, durationMs: 30_000 }));
    expect(metric(quorum.result, 'q.receives')).toBe(20);
    expect(at(quorum.records, 'q').at(-1)).toBe('dropped:delivery-limit@20001');
    expect(conservation(quorum.result).ok).toBe(true);
  });

  it('nack makes a failed message available at once; a heartbeat keeps a slow one invisible', () => {
    const nack = run(mq({ queue: { maxReceiveCount: 3, deadLetterQueue: 'dlq' }, consume: { poisonFraction: 1, onFailure: 'nack' } }));
    expect(at(nack.records, 'q').slice(0, 5)).toEqual(['published@1', 'received:1@1', 'nacked@13', 'received:2@13', 'nacked@25']);
    const slow = { worker: { serviceTime: { type: 'constant', ms: 2500 } } };
    const plain = run(mq(slow));
    expect(at(plain.records, 'q')).toContain('visible@1001');
    const extended = run(mq({ ...slow, consume: { extendVisibility: true } }));
    expect(at(extended.records, 'q')).toEqual(['published@1', 'received:1@1', 'extended:1000ms@503', 'extended:1000ms@1003', 'extended:1000ms@1503', 'extended:1000ms@2003', 'deleted@2503']);
  });

  it('keeps at most prefetch messages unfinished at once, however many receivers ask (RabbitMQ basic.qos)', () => {
    const busy = { arrival: { type: 'poisson', ratePerSec: 200 }, stopMs: 3000, consume: { receivers: 4, batchSize: 5 }, worker: { serviceTime: { type: 'exponential', meanMs: 10 } } };
    const free = run(mq(busy)).result;
    expect(free.metrics['q.inFlight']).toMatchObject({ max: expect.any(Number) });
    expect((free.metrics['q.inFlight'] as { max: number }).max).toBeGreaterThan(2);
    const one = run(mq({ ...busy, consume: { ...busy.consume, prefetch: 1 } })).result;
    expect((one.metrics['q.inFlight'] as { max: number }).max).toBe(1);
    const three = run(mq({ ...busy, consume: { ...busy.consume, prefetch: 3 } })).result;
    expect((three.metrics['q.inFlight'] as { max: number }).max).toBe(3);
    expect(conservation(three).ok).toBe(true);
  });

  it('hands out a FIFO group one message at a time, in order, even when some fail', () => {
    const sc = mq({
      queue: { type: 'fifo', messageGroups: 3, maxReceiveCount: 5, deadLetterQueue: 'dlq' },
      consume: { receivers: 4, onFailure: 'nack' },
      worker: { serviceTime: { type: 'exponential', meanMs: 10 }, errorProbability: 0.3 },
      arrival: { type: 'poisson', ratePerSec: 200 },
      stopMs: 4000,
    });
    const { result, records } = run(sc);
    const order = result.checks.find((c) => c.name.includes('FIFO group'))!;
    expect(order.ok).toBe(true);
    expect(order.detail).toMatch(/held over \d{3,} receives/);
    // Deletes within a group follow publish order (group = key mod 3; a key is the request id).
    const groupOf = new Map<number, number>();
    for (const r of records) if (String(r.event).startsWith('published:')) groupOf.set(r.call as number, Number(String(r.event).split(':')[1]));
    const deleted = new Map<number, number[]>();
    for (const r of records) if (r.event === 'deleted') deleted.set(groupOf.get(r.call as number)!, [...(deleted.get(groupOf.get(r.call as number)!) ?? []), r.call as number]);
    expect(deleted.size).toBe(3);
    for (const ids of deleted.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(metric(result, 'worker.consumer.failed')).toBeGreaterThan(50);
  });

  it('drops a FIFO publish whose content repeats within the deduplication window', () => {
    const sc = mq({ queue: { type: 'fifo' } });
    const withDuplicate = scenario({ ...sc, workloads: [{ id: 'shop', kind: 'open', target: 'q', keySpace: 1, arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 3 }] } }] });
    const { result } = run(withDuplicate);
    expect(metric(result, 'q.published')).toBe(1);
    expect(metric(result, 'q.deduplicated')).toBe(2);
  });

  it('rejects publishes beyond maxDepth (backpressure) and lets them through again as it drains', () => {
    const { result } = run(mq({ queue: { maxDepth: 5 }, arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 8 }, { atMs: 500, count: 3 }] } }));
    expect(metric(result, 'q.rejected')).toBe(3);
    expect(metric(result, 'q.published')).toBe(8);
    expect(metric(result, 'shop.rejected')).toBe(3);
  });

  it('keeps messages through a crash when durable, loses them (recorded) when in memory', () => {
    // 40 s: a long poll lost in the crash is given up after its wait (20 s) and 5 s more.
    const crash = { durationMs: 40_000, faults: [{ atMs: 500, type: 'crash', node: 'q', restartAfterMs: 1000 }], arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 40 }] }, worker: { serviceTime: { type: 'constant', ms: 100 } } };
    const durable = run(mq(crash));
    // Every message ends deleted; a delete sent while the queue was down is lost, so that
    // message comes back and is processed again (at least once, counted as a duplicate).
    expect(metric(durable.result, 'q.deleted')).toBe(40);
    expect(metric(durable.result, 'worker.consumer.processed') - metric(durable.result, 'worker.consumer.duplicatesProcessed')).toBe(40);
    expect(metric(durable.result, 'q.lostInCrash')).toBe(0);
    expect(conservation(durable.result).ok).toBe(true);
    const volatile = run(mq({ ...crash, queue: { durable: false } }));
    const lost = metric(volatile.result, 'q.lostInCrash');
    expect(lost).toBeGreaterThan(20);
    expect(metric(volatile.result, 'q.deleted')).toBe(40 - lost);
    expect(conservation(volatile.result).ok).toBe(true);
    expect(conservation(volatile.result).detail).toContain(`${lost} lost in a broker crash`);
  });
});

describe('the queue against theory, over seeds', () => {
  const seeds = [1, 2, 3, 4, 5];

  it('dead-letters p^M of the messages, after (1 − p^M)/(1 − p) receives each on average', () => {
    const p = 0.5;
    const M = 3;
    let published = 0;
    let deadLettered = 0;
    let receives = 0;
    for (const seed of seeds) {
      const { result } = run(mq({
        seed,
        durationMs: 30_000,
        latencyMs: 0,
        queue: { visibilityTimeoutMs: 50, maxReceiveCount: M, deadLetterQueue: 'dlq' },
        consume: { receivers: 20 },
        worker: { serviceTime: { type: 'constant', ms: 1 }, errorProbability: p },
        arrival: { type: 'poisson', ratePerSec: 1000 },
        stopMs: 20_000,
      }));
      expect(result.checks.every((c) => c.ok)).toBe(true);
      expect(metric(result, 'q.depth' as string)).toMatchObject({ value: 0 });
      published += metric(result, 'q.published');
      deadLettered += metric(result, 'dlq.deadLetterArrivals');
      receives += metric(result, 'q.receives');
    }
    const pm = p ** M;
    const sigma = Math.sqrt((pm * (1 - pm)) / published);
    expect(Math.abs(deadLettered / published - pm)).toBeLessThan(4 * sigma);
    // Receives per message: a truncated geometric; its variance over n messages bounds the error.
    const mean = (1 - pm) / (1 - p);
    const perMessage = receives / published;
    expect(Math.abs(perMessage - mean) / mean).toBeLessThan(0.01);
  });

  it('redelivers a message still being processed with probability e^(−VT/m) (exponential processing of mean m)', () => {
    const m = 100;
    const vt = 100;
    let published = 0;
    const redelivered = new Set<string>();
    for (const seed of seeds) {
      const { result, records } = run(mq({
        seed,
        durationMs: 20_000,
        latencyMs: 0,
        queue: { visibilityTimeoutMs: vt },
        consume: { receivers: 50 },
        worker: { serviceTime: { type: 'exponential', meanMs: m } },
        arrival: { type: 'poisson', ratePerSec: 100 },
        stopMs: 15_000,
      }));
      published += metric(result, 'q.published');
      for (const r of records) if (r.node === 'q' && r.event === 'visible') redelivered.add(`${seed}/${r.call}`);
    }
    const expected = Math.exp(-vt / m);
    const sigma = Math.sqrt((expected * (1 - expected)) / published);
    expect(Math.abs(redelivered.size / published - expected)).toBeLessThan(4 * sigma);
  });

  it('drains a backlog at μ − λ', () => {
    const backlog = 2000;
    const mu = 100;
    const lambda = 50;
    const drained: number[] = [];
    for (const seed of seeds) {
      const sc = mq({ seed, durationMs: 80_000, latencyMs: 0, worker: { serviceTime: { type: 'exponential', meanMs: 1000 / mu } } });
      const withBacklog = scenario({
        ...sc,
        workloads: [
          { id: 'backlog', kind: 'open', target: 'q', arrival: { type: 'bursts', bursts: [{ atMs: 0, count: backlog }] } },
          { id: 'shop', kind: 'open', target: 'q', arrival: { type: 'poisson', ratePerSec: lambda } },
        ],
      });
      let emptyAt = -1;
      const listener = Object.assign((r: TraceRecord) => {
        if (emptyAt < 0 && r.t > 0 && r.key === 'mq.depth' && r.node === 'q' && r.value === '0') emptyAt = r.t;
      }, { kinds: ['state'] as const });
      runScenario(withBacklog, { listeners: [listener] });
      drained.push(emptyAt / 1e6);
    }
    const mean = drained.reduce((a, b) => a + b, 0) / drained.length;
    // 2000 / (100 − 50) = 40 s; one run's standard deviation is about 1.5 s.
    expect(Math.abs(mean - backlog / (mu - lambda)) / (backlog / (mu - lambda))).toBeLessThan(0.04);
  });
});

describe('the conservation check catches planted bugs', () => {
  afterEach(() => vi.restoreAllMocks());
  const busy = { arrival: { type: 'poisson', ratePerSec: 50 }, stopMs: 5000 };

  it('a consumer that acknowledges before processing', () => {
    type Internals = { deleteMessage(d: unknown): void; processNext(r: { batch: unknown[]; pos: number }): void };
    const proto = QueueConsumer.prototype as unknown as Internals;
    const original = proto.processNext;
    vi.spyOn(proto, 'processNext').mockImplementation(function (this: Internals, r) {
      if (r.pos < r.batch.length) this.deleteMessage(r.batch[r.pos]);
      original.call(this, r);
    });
    const check = conservation(run(mq(busy)).result);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/deleted, but no consumer had processed it/);
  });

  it('a "durable" queue that loses its messages in a crash', () => {
    type Internals = { volatileStore: unknown; durable: Record<string, unknown> };
    vi.spyOn(QueueNode.prototype, 'onCrash').mockImplementation(function (this: QueueNode) {
      delete (this as unknown as Internals).durable.store;
    });
    const crash = { ...busy, worker: { serviceTime: { type: 'constant', ms: 50 } }, faults: [{ atMs: 2000, type: 'crash', node: 'q', restartAfterMs: 500 }] };
    const check = conservation(run(mq(crash)).result);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/reports \d+ messages (available|in flight), but the records leave \d+/);
  });

  it('a queue that skips the move to the dead-letter queue', () => {
    type Internals = { record(id: number, e: string): void; remove(m: unknown): void; report(): void; sendDeadLetter(m: { id: number }): void };
    vi.spyOn(QueueNode.prototype as unknown as Internals, 'sendDeadLetter').mockImplementation(function (this: Internals, m) {
      this.record(m.id, 'moved');
      this.remove(m);
    });
    const check = conservation(run(mq({ ...busy, queue: { maxReceiveCount: 1, deadLetterQueue: 'dlq' }, consume: { poisonFraction: 0.2 } })).result);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/left for the dead-letter queue, which never recorded it/);
  });

  it('and passes the same runs without the bugs', () => {
    expect(conservation(run(mq(busy)).result).ok).toBe(true);
    expect(conservation(run(mq({ ...busy, queue: { maxReceiveCount: 1, deadLetterQueue: 'dlq' }, consume: { poisonFraction: 0.2 } })).result).ok).toBe(true);
  });

  it('flags a duplicate processing only where a consumer claims exactly-once', () => {
    const short = { ...busy, queue: { visibilityTimeoutMs: 40 }, consume: { receivers: 4 }, worker: { serviceTime: { type: 'exponential', meanMs: 40 } } };
    const counted = run(mq(short)).result;
    expect(metric(counted, 'worker.consumer.duplicatesProcessed')).toBeGreaterThan(10);
    expect(conservation(counted).ok).toBe(true);
    const claimed = conservation(run(mq({ ...short, consume: { receivers: 4, claimsExactlyOnce: true } })).result);
    expect(claimed.ok).toBe(false);
    expect(claimed.detail).toMatch(/processed a second time, but worker claims exactly-once/);
    const inbox = run(mq({ ...short, consume: { receivers: 4, inbox: 'durable', claimsExactlyOnce: true } })).result;
    expect(metric(inbox, 'worker.consumer.duplicatesProcessed')).toBe(0);
    expect(metric(inbox, 'worker.consumer.duplicatesSuppressed')).toBeGreaterThan(0);
    expect(conservation(inbox).ok).toBe(true);
  });
});
