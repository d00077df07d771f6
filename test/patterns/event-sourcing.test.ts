/**
 * Event sourcing and CQRS (sim/patterns/event-store.ts, projector.ts, cqrs-client.ts): exact
 * expected-version appends, snapshot + replay equivalence, replay time, the stream check's
 * teeth, and the read side's staleness against M/M/1 theory: a read that reaches the projector
 * t after the event did is stale with probability e^(−(μ−λ)t).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EMPTY_AGGREGATE, EventStoreNode, fold, type StoredEvent } from '../../sim/patterns/event-store.ts';
import { runScenario, ScenarioRun } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const STREAM_CHECK = 'accounts keeps every stream gapless, refuses only stale appends, and replays to the state it had';

function accounts(store: Record<string, unknown>, workload: Record<string, unknown> = {}, durationMs = 5000) {
  return scenario({
    durationMs,
    network: { latency: { type: 'constant', ms: 1 } },
    nodes: [{ id: 'accounts', kind: 'event-store', ...store }],
    workloads: [{ id: 'tellers', kind: 'open', target: 'accounts', arrival: { type: 'poisson', ratePerSec: 50 }, keySpace: 5, timeoutMs: 5000, ...workload }],
  });
}

describe('the event store', () => {
  afterEach(() => vi.restoreAllMocks());

  it('folds a snapshot and the events after it to the same state as the whole stream', () => {
    const events: StoredEvent[] = Array.from({ length: 250 }, (_, i) => ({ position: i, aggregate: 1, version: i + 1, amount: (i * 37) % 101, appendedAt: 0 }));
    const whole = fold(EMPTY_AGGREGATE, events);
    const snapshot = fold(EMPTY_AGGREGATE, events.slice(0, 200));
    expect(fold(snapshot, events.slice(200))).toEqual(whole);
    expect(whole.version).toBe(250);
    expect(() => fold(snapshot, events.slice(199))).toThrow(/version 200 after 200/);
  });

  it('keeps snapshots that, with the events after them, equal a full replay of every stream', () => {
    const run = new ScenarioRun(accounts({ snapshotEvery: 100, initialAggregates: 5, initialEventsPerAggregate: 250 }, { arrival: { type: 'poisson', ratePerSec: 200 } }));
    const result = run.finish();
    const store = run.built.world.node('accounts') as EventStoreNode;
    expect(result.metrics['accounts.snapshots']).toBeGreaterThan(0);
    for (const [aggregate, stream] of store.disk.streams) {
      const snapshot = store.disk.snapshots.get(aggregate)!;
      expect(snapshot.version % 100, `aggregate ${aggregate}`).toBe(0);
      expect(fold(snapshot, stream.slice(snapshot.version)), `aggregate ${aggregate}`).toEqual(fold(EMPTY_AGGREGATE, stream));
    }
    expect(result.checks.every((c) => c.ok)).toBe(true);
  });

  it('appends only at the expected version: of two commands that loaded the same version, one conflicts', () => {
    const r = runScenario(accounts({ commandMs: 5 }, { arrival: { type: 'bursts', bursts: [{ atMs: 100, count: 2 }] }, keySpace: 1 }));
    expect(r.metrics['accounts.appended']).toBe(1);
    expect(r.metrics['accounts.conflicts']).toBe(1);
    expect(r.metrics['tellers.ok']).toBe(1);
    expect(r.metrics['tellers.error']).toBe(1); // the caller sees the conflict
    expect(r.checks.find((c) => c.name === STREAM_CHECK)?.ok).toBe(true);
  });

  it('replays a whole stream without snapshots, and at most k − 1 events with them', () => {
    const history = { initialAggregates: 5, initialEventsPerAggregate: 4000, replayEventMs: 0.05 };
    const plain = runScenario(accounts(history));
    expect(plain.metrics['accounts.replays']).toBe(5);
    expect(plain.metrics['accounts.replayedEvents']).toBeGreaterThanOrEqual(20_000);
    expect((plain.metrics['accounts.loadMs'] as Record<string, number>).max).toBeCloseTo(200, 0);
    const snap = runScenario(accounts({ ...history, snapshotEvery: 100 }));
    expect(snap.metrics['accounts.replayedEvents']).toBeLessThanOrEqual(5 * 99);
    expect((snap.metrics['accounts.loadMs'] as Record<string, number>).max).toBeLessThan(99 * 0.05 + 0.01);
  });

  it('its check catches a replay that starts from the wrong place (a snapshot off by one)', () => {
    const proto = EventStoreNode.prototype as unknown as { snapshotOf(a: number): { version: number; total: number } };
    const original = proto.snapshotOf;
    vi.spyOn(proto, 'snapshotOf').mockImplementation(function (this: unknown, a: number) {
      const s = original.call(this, a);
      return s.version === 0 ? s : { version: s.version - 1, total: s.total }; // the bug
    });
    const r = runScenario(accounts({ snapshotEvery: 100, initialAggregates: 5, initialEventsPerAggregate: 250 }));
    const check = r.checks.find((c) => c.name === STREAM_CHECK)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/a loaded of aggregate \d at version 250 holds total \d+, but its events add up to \d+/);
  });
});

describe('the read side (CQRS)', () => {
  /** λ = 100 events/s into a projector of μ = 200/s; each writer reads t ms after its write. */
  const cqrs = (readAfterMs: number, seed: number, client: Record<string, unknown> = {}, durationMs = 60_000) =>
    runScenario(
      scenario({
        durationMs,
        network: { latency: { type: 'constant', ms: 0 } },
        nodes: [
          { id: 'store', kind: 'event-store', commandMs: 0, appendMs: 0 },
          { id: 'view', kind: 'projector', store: 'store', processMs: 5, queryMs: 0 },
          { id: 'users', kind: 'cqrs-client', store: 'store', projector: 'view', commandsPerSec: 100, aggregates: 100_000, readAfterMs, ...client },
        ],
        workloads: [],
      }),
      { seed },
    );

  it.each([5, 10, 20])('a read %i ms after the write is stale with probability e^(−(μ−λ)t)', (t) => {
    let reads = 0;
    let stale = 0;
    for (const seed of [1, 2, 3, 4]) {
      const r = cqrs(t, seed);
      reads += r.metrics['users.reads'] as number;
      stale += r.metrics['users.staleReads'] as number;
    }
    const expected = Math.exp(-(200 - 100) * (t / 1000));
    // ~24,000 reads; reads close in time share the projector's queue, so the error is a few
    // times the binomial one (√(p(1−p)/n) ≈ 0.003).
    expect(stale / reads).toBeGreaterThan(expected - 0.03);
    expect(stale / reads).toBeLessThan(expected + 0.03);
  });

  it('an event is applied 1/(μ−λ) = 10 ms after its write on average (M/M/1 sojourn)', () => {
    const means = [1, 2, 3, 4].map((seed) => (cqrs(10, seed).metrics['view.lagMs'] as Record<string, number>).mean);
    const mean = means.reduce((a, b) => a + b, 0) / means.length;
    expect(mean).toBeGreaterThan(9.3);
    expect(mean).toBeLessThan(10.7);
  });

  it('answers a read that waits for its position only once it is applied: no stale read', () => {
    const r = cqrs(0, 1, { readYourWrites: 'wait-for-position' }, 20_000);
    expect(r.metrics['users.reads']).toBeGreaterThan(1500);
    expect(r.metrics['users.staleReads']).toBe(0);
    expect(r.metrics['view.queriesWaited']).toBeGreaterThan(1000);
  });
});
