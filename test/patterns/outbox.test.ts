/**
 * The transactional outbox (sim/patterns/outbox.ts) at its crash points, exactly, and its
 * delivery check (sim/check/data-checks.ts, OutboxDelivery) with teeth: a relay that marks a
 * batch sent before publishing it loses events in a crash, a relay that lets one aggregate's
 * events overtake each other breaks its order, and both are caught.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { OutboxServiceNode } from '../../sim/patterns/outbox.ts';
import { scenario } from '../helpers.ts';

const CHECK = 'orders publishes every committed change at least once, in order per aggregate, and nothing else';

/**
 * Nine orders at 100, 200, … 900 ms (10 ms each way on the network, 5 ms transactions); a
 * polling relay that wakes at 1 s and publishes its batch of nine one at a time (each
 * acknowledged 20 ms after it is sent: at 1020, 1040, … 1180 ms) and marks it at 1182 ms.
 */
function relayRun(changes: { crashAtMs?: number; latency?: Record<string, unknown>; ordered?: boolean; keySpace?: number; maxInFlight?: number } = {}) {
  return runScenario(
    scenario({
      durationMs: 10_000,
      network: { latency: changes.latency ?? { type: 'constant', ms: 10 }, ordered: changes.ordered ?? true },
      nodes: [
        { id: 'orders', kind: 'outbox-service', broker: 'events', transactionMs: 5, relay: { pollIntervalMs: 1000, batchSize: 10, markMs: 2, maxInFlight: changes.maxInFlight ?? 1 }, livenessBoundMs: 3000 },
        { id: 'events', kind: 'queue' },
      ],
      workloads: [{ id: 'shop', kind: 'open', target: 'orders', arrival: { type: 'constant', ratePerSec: 10 }, stopMs: 999, keySpace: changes.keySpace ?? 3 }],
      faults: changes.crashAtMs === undefined ? [] : [{ atMs: changes.crashAtMs, type: 'crash', node: 'orders', restartAfterMs: 100 }],
    }),
    { seed: 1 },
  );
}

describe('the outbox relay', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes each committed change once when nothing crashes', () => {
    const r = relayRun();
    expect(r.metrics['orders.committed']).toBe(9);
    expect(r.metrics['events.published']).toBe(9);
    expect(r.metrics['orders.republished']).toBe(0);
    expect(r.checks.every((c) => c.ok)).toBe(true);
  });

  it('publishes a batch again after a crash between its publishes and its mark (at least once)', () => {
    // At 1110 ms five rows are acknowledged and the sixth is on its way (the broker takes it);
    // nothing is marked, so the restarted relay publishes all nine again at 2210 ms.
    const r = relayRun({ crashAtMs: 1110 });
    expect(r.metrics['orders.committed']).toBe(9);
    expect(r.metrics['events.published']).toBe(15);
    expect(r.metrics['orders.republished']).toBe(5);
    expect(r.checks.find((c) => c.name === CHECK)?.ok).toBe(true);
  });

  it('publishes nothing again after a crash once the batch is marked', () => {
    const r = relayRun({ crashAtMs: 1300 });
    expect(r.metrics['events.published']).toBe(9);
    expect(r.metrics['orders.republished']).toBe(0);
  });

  it('its check catches a relay that marks a batch before publishing it and crashes: the rest are lost', () => {
    const proto = OutboxServiceNode.prototype as unknown as { startBatch(end: number): void };
    const original = proto.startBatch;
    vi.spyOn(proto, 'startBatch').mockImplementation(function (this: { durable: { outbox: { savedPosition: number } } }, end: number) {
      this.durable.outbox.savedPosition = end; // the bug: marked sent before it is published
      original.call(this, end);
    });
    const r = relayRun({ crashAtMs: 1110 });
    const check = r.checks.find((c) => c.name === CHECK)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/3 committed changes were never published/);
    expect(r.metrics['events.published']).toBe(6);
  });

  it("its check catches a relay that lets one aggregate's events overtake each other", () => {
    vi.spyOn(OutboxServiceNode.prototype as unknown as { holdsBack(): boolean }, 'holdsBack').mockReturnValue(false);
    const r = relayRun({ latency: { type: 'uniform', minMs: 1, maxMs: 40 }, ordered: false, keySpace: 1, maxInFlight: 10 });
    const check = r.checks.find((c) => c.name === CHECK)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/first published after a later change to the same aggregate/);
  });

  it('keeps each aggregate in order with several publishes in flight', () => {
    const r = relayRun({ latency: { type: 'uniform', minMs: 1, maxMs: 40 }, ordered: false, keySpace: 1, maxInFlight: 10 });
    expect(r.metrics['events.published']).toBe(9);
    expect(r.checks.find((c) => c.name === CHECK)?.ok).toBe(true);
  });
});

describe('dual writes', () => {
  const dual = (mode: string, extra: Record<string, unknown> = {}) =>
    runScenario(
      scenario({
        durationMs: 10_000,
        network: { latency: { type: 'constant', ms: 10 } },
        nodes: [
          { id: 'orders', kind: 'outbox-service', broker: 'events', mode, transactionMs: 5, livenessBoundMs: 3000, ...extra },
          { id: 'events', kind: 'queue' },
        ],
        workloads: [{ id: 'shop', kind: 'open', target: 'orders', arrival: { type: 'constant', ratePerSec: 10 }, stopMs: 999 }],
        // The broker is down from 500 ms to 1500 ms; the service crashes at 1000 ms.
        faults: [
          { atMs: 500, type: 'crash', node: 'events', restartAfterMs: 1000 },
          { atMs: 1000, type: 'crash', node: 'orders', restartAfterMs: 100 },
        ],
      }),
      { seed: 1 },
    );

  it('commit-then-publish loses the events it held in memory at the crash, and the check counts them', () => {
    // Orders at 500…900 ms commit while the broker is down (at 515 … 915 ms); the first event's
    // publish is sent to the down broker and waits for its retry, the other four wait in memory
    // and die at 1000 ms. The check counts all five: none reached the broker.
    const r = dual('commit-then-publish');
    const lost = r.metrics['orders.eventsLost'] as number;
    expect(lost).toBe(4);
    const check = r.checks.find((c) => c.name === CHECK)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`${lost + 1} committed changes were never published`);
  });

  it('publish-then-commit invents an event for each failed commit', () => {
    const r = dual('publish-then-commit', { commitFailureProbability: 1 });
    expect(r.metrics['orders.committed']).toBe(0);
    const check = r.checks.find((c) => c.name === CHECK)!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/\d+ events were published for a change that never committed/);
    expect(r.metrics['orders.phantomEvents']).toBeGreaterThan(0);
  });

  it('the outbox loses nothing in the same trouble', () => {
    const r = dual('outbox');
    expect(r.metrics['orders.committed']).toBe(9);
    expect(r.checks.find((c) => c.name === CHECK)?.ok).toBe(true);
  });
});
