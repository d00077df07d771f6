/**
 * The pub/sub topic: fan-out to every subscription, each acknowledged independently, retries
 * then a dead-letter queue or a drop, a crash kept or lost; and its check's teeth.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { TopicNode } from '../../sim/patterns/topic.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { scenario } from '../helpers.ts';

interface Setup {
  subscription?: Record<string, unknown>;
  endpoint?: Record<string, unknown>;
  topic?: Record<string, unknown>;
  arrival?: Record<string, unknown>;
  faults?: Record<string, unknown>[];
  durationMs?: number;
}

/** `pub` → topic `t` → a queue `q` (consumed by `c`) and an endpoint service `ep` (pushed to). */
function pubsub(s: Setup = {}): Scenario {
  return scenario({
    durationMs: s.durationMs ?? 10_000,
    seed: 1,
    network: { latency: { type: 'constant', ms: 1 } },
    nodes: [
      { id: 't', kind: 'topic', subscriptions: [{ to: 'q' }, { to: 'ep', retries: 2, retryDelayMs: 100, deliveryTimeoutMs: 50, ...s.subscription }], ...s.topic },
      { id: 'q', kind: 'queue' },
      { id: 'c', kind: 'service', serviceTime: { type: 'constant', ms: 1 }, consume: { from: 'q' } },
      { id: 'ep', kind: 'service', serviceTime: { type: 'constant', ms: 5 }, ...s.endpoint },
      { id: 'dlq', kind: 'queue' },
    ],
    workloads: [{ id: 'pub', kind: 'open', target: 't', arrival: s.arrival ?? { type: 'bursts', bursts: [{ atMs: 0, count: 1 }] } }],
    faults: s.faults ?? [],
  });
}

function run(sc: Scenario): { result: RunResult; events: string[] } {
  const events: string[] = [];
  const listener = Object.assign((r: TraceRecord) => {
    if (r.k === 'call' && r.layer === 'topic') events.push(`${r.event}@${r.t / 1000}`);
  }, { kinds: ['call'] as const });
  return { result: runScenario(sc, { listeners: [listener] }), events };
}

const metric = (r: RunResult, name: string) => r.metrics[name] as number;
const check = (r: RunResult) => r.checks.find((c) => c.name.startsWith('every message published to t '))!;

describe('the topic', () => {
  it('delivers a copy to each subscription, each acknowledged on its own', () => {
    const { result, events } = run(pubsub());
    // Published at 1 ms; the queue accepts at 2 (answer at 3); the endpoint after its 5 ms (answer at 8).
    expect(events).toEqual(['published@1', 'delivered:q@3', 'delivered:ep@8']);
    expect(metric(result, 't.to.q.delivered')).toBe(1);
    expect(metric(result, 't.to.ep.delivered')).toBe(1);
    expect(metric(result, 'c.consumer.processed')).toBe(1);
    expect(check(result)).toMatchObject({ ok: true });
  });

  it('retries a failing push, then gives up into the dead-letter queue (or drops it without one)', () => {
    const failing = { endpoint: { errorProbability: 1 } };
    const dropped = run(pubsub(failing));
    // Each attempt fails after 5 ms of service (answer at +7 ms); retries 100 ms later.
    expect(dropped.events).toEqual(['published@1', 'delivered:q@3', 'retry:ep@8', 'retry:ep@115', 'dropped:ep@222']);
    expect(metric(dropped.result, 't.dropped')).toBe(1);
    const dead = run(pubsub({ ...failing, subscription: { deadLetterQueue: 'dlq' } }));
    expect(dead.events.slice(-1)).toEqual(['dead-lettered:ep@224']);
    expect(metric(dead.result, 'dlq.published')).toBe(1);
    expect(check(dead.result)).toMatchObject({ ok: true });
  });

  it('treats no answer within the delivery timeout as a failure', () => {
    const slow = run(pubsub({ endpoint: { serviceTime: { type: 'constant', ms: 80 } } }));
    expect(slow.events).toEqual(['published@1', 'delivered:q@3', 'retry:ep@51', 'retry:ep@201', 'dropped:ep@351']);
  });

  it('resumes its deliveries after a crash when durable, and loses them (recorded) when not', () => {
    const crash = {
      endpoint: { errorProbability: 1 },
      subscription: { retries: 100, retryDelayMs: 1000 },
      faults: [{ atMs: 2500, type: 'crash', node: 't', restartAfterMs: 1000 }],
    };
    const durable = run(pubsub(crash));
    expect(durable.events.filter((e) => e.startsWith('retry:ep')).length).toBeGreaterThan(5);
    expect(check(durable.result)).toMatchObject({ ok: true });
    const volatile = run(pubsub({ ...crash, topic: { durable: false } }));
    expect(volatile.events).toContain('lost:broker-crash@2500');
    expect(metric(volatile.result, 't.lostInCrash')).toBe(1);
    expect(check(volatile.result)).toMatchObject({ ok: true });
  });
});

describe('the topic check catches planted bugs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a topic that forgets a subscription', () => {
    type Internals = { deliver(held: unknown, sub: number): void };
    const proto = TopicNode.prototype as unknown as Internals;
    const original = proto.deliver;
    vi.spyOn(proto, 'deliver').mockImplementation(function (this: Internals, held, sub) {
      if (sub === 0) original.call(this, held, sub);
    });
    const c = check(run(pubsub({ arrival: { type: 'poisson', ratePerSec: 20 } })).result);
    // Nothing ever ends the endpoint's copies: past the longest a delivery can take, that is a violation.
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/copy for ep never ended/);
  });

  it('a topic that reports a copy delivered to a subscription it had finished', () => {
    type Internals = { record(id: number, e: string): void; finish(held: { id: number }, sub: number, how: string): void };
    const proto = TopicNode.prototype as unknown as Internals;
    const original = proto.finish;
    vi.spyOn(proto, 'finish').mockImplementation(function (this: Internals, held, sub, how) {
      original.call(this, held, sub, how);
      if (sub === 0) this.record(held.id, 'delivered:q');
    });
    const c = check(run(pubsub()).result);
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/delivered for q, which it had no delivery pending for/);
  });
});
