import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { BulkheadInvariant, BulkheadPolicy, ThreadPoolBulkheadPolicy } from '../../sim/patterns/bulkhead.ts';
import { BulkheadSchema, ThreadPoolBulkheadSchema } from '../../sim/patterns/bulkhead.schema.ts';
import { ok, policyHarness } from './harness.ts';

const MS = 1000;

function semaphore(params: Record<string, unknown> = {}) {
  const spec = BulkheadSchema.parse({ type: 'bulkhead', ...params });
  const h = policyHarness('n.bh', (ctx, next) => new BulkheadPolicy(ctx, spec, next));
  return { ...h, spec, events: () => callEvents(h.trace, 'n.bh') };
}

function threadPool(params: Record<string, unknown> = {}) {
  const spec = ThreadPoolBulkheadSchema.parse({ type: 'thread-pool-bulkhead', ...params });
  const h = policyHarness('n.tp', (ctx, next) => new ThreadPoolBulkheadPolicy(ctx, spec, next));
  return { ...h, spec, events: () => callEvents(h.trace, 'n.tp') };
}

/** The layer's call events as "t(ms) call event". */
function callEvents(trace: TraceRecord[], layer: string): string[] {
  return trace.filter((r) => r.k === 'call' && r.layer === layer).map((r) => `${r.t / MS} #${r.call} ${r.event}`);
}

function invariantOver(trace: TraceRecord[], layer: string, max: number) {
  const inv = new BulkheadInvariant('n', layer, max);
  for (const r of trace) inv.onRecord(r);
  return inv;
}

describe('semaphore bulkhead (Resilience4j)', () => {
  it('defaults to 25 concurrent calls and no wait: the 26th concurrent call is rejected at once', () => {
    const h = semaphore();
    expect(h.spec).toMatchObject({ maxConcurrentCalls: 25, maxWaitDurationMs: 0 });
    h.script(Array.from({ length: 25 }, () => ok(10 * MS)));
    for (let i = 0; i < 26; i++) h.call();
    expect(h.reached).toHaveLength(25);
    expect(h.answers).toEqual([{ id: 25, t: 0, result: { outcome: 'rejected', reason: 'bulkhead-full' } }]);
    expect(h.policy.inUse).toBe(25);
    // One permit frees at 10 ms (all 25 finish then); a call after that is admitted again.
    h.at(10 * MS);
    expect(h.policy.inUse).toBe(0);
    h.call();
    expect(h.reached).toHaveLength(26);
    expect(h.sim.metrics.counter('n.bh.rejected').value).toBe(1);
    expect(h.sim.metrics.gauge('n.bh.inUse').max).toBe(25);
    expect(invariantOver(h.trace, 'n.bh', 25).violation).toBeNull();
  });

  it('with a wait, a waiting call takes the first permit freed, FIFO, at exact times', () => {
    const h = semaphore({ maxConcurrentCalls: 1, maxWaitDurationMs: 100 });
    // A holds the permit 0–50 ms; B (at 10) and C (at 20) wait; D (at 30) waits too.
    h.script([ok(50 * MS), ok(50 * MS), ok(50 * MS)]);
    h.call(); // A
    h.at(10 * MS);
    h.call(); // B
    h.at(20 * MS);
    h.call(); // C
    h.at(30 * MS);
    h.call(); // D
    h.at(1000 * MS);
    expect(h.events()).toEqual([
      '0 #0 admitted',
      '10 #1 queued',
      '20 #2 queued',
      '30 #3 queued',
      '50 #0 released',
      '50 #1 admitted', // B waited 40 ms
      '100 #1 released',
      '100 #2 admitted', // C waited 80 ms (its wait would end at 120)
      '130 #3 rejected:bulkhead-full', // D's 100 ms are over before C finishes at 150
      '150 #2 released',
    ]);
    expect(h.reached.map((r) => r.t / MS)).toEqual([0, 50, 100]);
    expect(h.answers.map((a) => [a.id, a.t / MS, a.result.outcome])).toEqual([
      [0, 50, 'ok'],
      [1, 100, 'ok'],
      [3, 130, 'rejected'],
      [2, 150, 'ok'],
    ]);
    const wait = h.sim.metrics.durationHistogram('n.bh.waitTimeMs');
    expect([wait.count, wait.max]).toEqual([4, 100 * MS]);
    expect(h.sim.metrics.counter('n.bh.rejected').value).toBe(1);
    expect(h.sim.metrics.gauge('n.bh.queued').max).toBe(3);
  });

  it('a permit freed exactly when a wait ends comes too late for that waiter (admitted only if freed strictly before)', () => {
    const h = semaphore({ maxConcurrentCalls: 1, maxWaitDurationMs: 100 });
    h.script([ok(100 * MS), ok(10 * MS)]);
    h.call(); // holds 0–100 ms
    h.call(); // waits from 0; its wait ends at 100 ms, the very instant the permit frees
    h.at(200 * MS);
    expect(h.events()).toEqual(['0 #0 admitted', '0 #1 queued', '100 #0 released', '100 #1 rejected:bulkhead-full']);
    // The permit is free again: a new call goes straight in.
    h.call();
    expect(h.events().at(-1)).toBe('200 #2 admitted');
  });

  it('with maxConcurrentCalls 0 every call is rejected', () => {
    const h = semaphore({ maxConcurrentCalls: 0, maxWaitDurationMs: 50 });
    h.call();
    h.at(100 * MS);
    expect(h.answers.map((a) => [a.t / MS, a.result.reason])).toEqual([[50, 'bulkhead-full']]);
    expect(h.reached).toHaveLength(0);
  });

  it('emits its occupancy as state', () => {
    const h = semaphore({ maxConcurrentCalls: 2 });
    h.script([ok(10 * MS), ok(20 * MS)]);
    h.call();
    h.call();
    h.at(100 * MS);
    expect(h.trace.filter((r) => r.k === 'state' && r.key === 'n.bh.inUse').map((r) => `${r.t / MS}:${r.value}`)).toEqual(['0:1', '0:2', '10:1', '20:0']);
  });
});

describe('thread-pool bulkhead (Resilience4j ThreadPoolBulkhead = ThreadPoolExecutor)', () => {
  it('defaults: a 2-core machine (max 2 threads, core 1), queue 100, keep-alive 20 ms', () => {
    const h = threadPool();
    expect(h.spec).toMatchObject({ maxThreadPoolSize: 2, coreThreadPoolSize: 1, queueCapacity: 100, keepAliveDurationMs: 20 });
  });

  it('core thread first, then the queue, then extra threads only when the queue is full, then rejection', () => {
    const h = threadPool({ coreThreadPoolSize: 1, maxThreadPoolSize: 2, queueCapacity: 2 });
    h.script([ok(100 * MS), ok(50 * MS), ok(10 * MS), ok(10 * MS), ok(10 * MS)]);
    for (let i = 0; i < 5; i++) h.call();
    // #0 on the core thread; #1, #2 queued; #3 finds the queue full → a second thread; #4 rejected.
    expect(h.events()).toEqual(['0 #0 admitted', '0 #1 queued', '0 #2 queued', '0 #3 admitted', '0 #4 rejected:bulkhead-full']);
    expect([h.policy.threads, h.policy.busy, h.policy.queued]).toEqual([2, 2, 2]);
    h.at(1000 * MS);
    expect(h.events().slice(5)).toEqual([
      // #3's thread (answer after 50 ms) frees first and takes the oldest queued call.
      '50 #3 released',
      '50 #1 admitted',
      '60 #1 released',
      '60 #2 admitted',
      '70 #2 released',
      '100 #0 released',
    ]);
    const wait = h.sim.metrics.durationHistogram('n.tp.waitTimeMs');
    expect(wait.max).toBe(60 * MS);
    expect(invariantOver(h.trace, 'n.tp', 2).violation).toBeNull();
  });

  it('an idle thread beyond the core ends after the keep-alive; an idle one takes new work at once', () => {
    const h = threadPool({ coreThreadPoolSize: 1, maxThreadPoolSize: 2, queueCapacity: 1, keepAliveDurationMs: 20 });
    h.script([ok(100 * MS), ok(10 * MS), ok(10 * MS)]);
    h.call(); // core thread, busy to 100 ms
    h.call(); // queued
    h.call(); // queue full → second thread, busy to 10 ms, then takes #1 (to 20 ms)
    h.at(20 * MS);
    expect([h.policy.threads, h.policy.busy]).toEqual([2, 1]);
    // Idle since 20 ms: a call at 30 ms runs on it at once, no queueing.
    h.at(30 * MS);
    h.script([ok(5 * MS)]);
    h.call();
    expect(h.events().at(-1)).toBe('30 #3 admitted');
    // Idle again from 35 ms: it ends at 55 ms.
    h.at(54 * MS);
    expect(h.policy.threads).toBe(2);
    h.at(55 * MS);
    expect(h.policy.threads).toBe(1);
    // The core thread never ends.
    h.at(1000 * MS);
    expect(h.policy.threads).toBe(1);
  });
});

describe('BulkheadInvariant', () => {
  const rec = (t: number, call: number, event: string): TraceRecord => ({ t, k: 'call', node: 'n', call, layer: 'n.bh', event });

  it('names the first admission beyond the maximum', () => {
    const inv = new BulkheadInvariant('n', 'n.bh', 2);
    [rec(0, 0, 'admitted'), rec(1, 1, 'admitted'), rec(2, 0, 'released'), rec(3, 2, 'admitted'), rec(4, 3, 'admitted')].forEach((r) => inv.onRecord(r));
    expect(inv.violation).toEqual({ t: 4, node: 'n', detail: 'call 3 admitted with 2 calls in the bulkhead; at most 2 are allowed' });
    expect(inv.examined).toBe(4);
  });

  it('forgets the calls of a crashed node', () => {
    const inv = new BulkheadInvariant('n', 'n.bh', 1);
    inv.onRecord(rec(0, 0, 'admitted'));
    inv.onRecord({ t: 1, k: 'state', node: 'n', key: 'status', value: 'crashed' });
    inv.onRecord(rec(2, 1, 'admitted'));
    expect(inv.violation).toBeNull();
  });
});
