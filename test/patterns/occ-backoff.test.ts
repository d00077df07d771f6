/**
 * Optimistic concurrency on a versioned store: the compare-and-set register, its check's teeth,
 * and Brooker's conclusions on backoff and jitter ("Exponential Backoff and Jitter", AWS
 * Architecture Blog, 2015) reproduced over seeds: which strategy does the least work, which
 * finishes soonest.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreNode } from '../../sim/patterns/versioned-store.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { scenario } from '../helpers.ts';

function contention(backoff: string, clients: number, seed: number): Scenario {
  return scenario({
    seed,
    durationMs: 600_000,
    network: { latency: { type: 'normal', meanMs: 10, stdDevMs: 2 } },
    nodes: [
      { id: 'db', kind: 'store' },
      { id: 'writers', kind: 'occ-client', store: 'db', clients, backoff },
    ],
    workloads: [],
  });
}

const STRATEGIES = ['exponential', 'full-jitter', 'equal-jitter', 'decorrelated'] as const;

/** Mean writes sent and mean time until the last writer finished, over seeds 1–10. */
function measure(clients: number): Record<(typeof STRATEGIES)[number], { work: number; timeMs: number }> {
  const out = {} as Record<(typeof STRATEGIES)[number], { work: number; timeMs: number }>;
  for (const s of STRATEGIES) {
    let work = 0;
    let time = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = runScenario(contention(s, clients, seed));
      expect(r.metrics['writers.done']).toBe(clients);
      expect(r.metrics['db.writes']).toBe(clients);
      expect(r.checks.every((c) => c.ok)).toBe(true);
      work += r.metrics['writers.writes'] as number;
      time += (r.metrics['writers.allDoneMs'] as { value: number }).value;
    }
    out[s] = { work: work / 10, timeMs: time / 10 };
  }
  return out;
}

describe("Brooker's backoff experiment, 100 writers on one row", () => {
  const m = measure(100);

  it('exponential backoff without jitter does by far the most work and takes by far the longest', () => {
    for (const s of ['full-jitter', 'equal-jitter', 'decorrelated'] as const) {
      expect(m.exponential.work).toBeGreaterThan(1.5 * m[s].work);
      expect(m.exponential.timeMs).toBeGreaterThan(5 * m[s].timeMs);
    }
  });

  it('full and equal jitter do about the same, least, work; decorrelated a little more', () => {
    expect(Math.abs(m['equal-jitter'].work - m['full-jitter'].work) / m['full-jitter'].work).toBeLessThan(0.1);
    expect(m.decorrelated.work).toBeGreaterThan(1.05 * m['full-jitter'].work);
  });

  it('equal jitter takes much longer than full jitter; decorrelated finishes about as soon or sooner', () => {
    expect(m['equal-jitter'].timeMs).toBeGreaterThan(1.15 * m['full-jitter'].timeMs);
    expect(m.decorrelated.timeMs).toBeLessThan(1.05 * m['full-jitter'].timeMs);
  });
});

describe('the versioned store', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lets exactly one of two writers that read the same version succeed', () => {
    const r: RunResult = runScenario(contention('full-jitter', 2, 1));
    expect(r.metrics['db.writes']).toBe(2);
    expect(r.metrics['writers.conflicts']).toBeGreaterThanOrEqual(1);
  });

  it('its check catches a lost update: a stale conditional write let through', () => {
    vi.spyOn(StoreNode.prototype as unknown as { accepts(): boolean }, 'accepts').mockReturnValue(true);
    const r = runScenario(contention('full-jitter', 5, 1));
    const check = r.checks.find((c) => c.name.startsWith('db moves'))!;
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/expecting version \d+ succeeded at version \d+: a lost update/);
  });

  it('answers a plain request with read-modify-write: of two that read the same version, one conflicts, and the caller sees it', () => {
    const r = runScenario(
      scenario({
        durationMs: 1000,
        network: { latency: { type: 'constant', ms: 1 } },
        nodes: [{ id: 'db', kind: 'store', requests: 'read-modify-write', modifyMs: 5 }],
        workloads: [{ id: 'app', kind: 'open', target: 'db', arrival: { type: 'bursts', bursts: [{ atMs: 10, count: 2 }] }, keySpace: 1 }],
      }),
    );
    expect(r.metrics['db.writes']).toBe(1);
    expect(r.metrics['db.conflicts']).toBe(1);
    expect(r.metrics['app.ok']).toBe(1);
    expect(r.metrics['app.error']).toBe(1);
    expect(r.checks.every((c) => c.ok)).toBe(true);
  });

  it('serves replica reads that lag the primary, so writers that read there conflict until it catches up', () => {
    const withReplica = (lagMs: number) =>
      runScenario(
        scenario({
          durationMs: 120_000,
          network: { latency: { type: 'constant', ms: 1 } },
          nodes: [
            { id: 'db', kind: 'store', replicas: 1, replicationLagMs: lagMs },
            { id: 'writers', kind: 'occ-client', store: 'db', clients: 2, backoff: 'none', readFrom: 'replica' },
          ],
          workloads: [],
        }),
      );
    const slow = withReplica(2000);
    // The second writer keeps reading version 0 at the replica (and conflicting) until the
    // first writer's version arrives there, about 2 s later.
    expect(slow.metrics['writers.done']).toBe(2);
    const stale = slow.metrics['db.staleReplicaReads'] as number;
    expect(stale).toBeGreaterThan(10);
    expect(slow.metrics['writers.conflicts']).toBeGreaterThanOrEqual(stale); // each stale read ends in a conflict
    expect(slow.checks.every((c) => c.ok)).toBe(true);
    const fast = withReplica(0);
    expect(fast.metrics['db.staleReplicaReads']).toBe(0);
    expect(fast.metrics['writers.conflicts']).toBeLessThanOrEqual(1);
  });

  it('and passes the same run without the bug', () => {
    expect(runScenario(contention('full-jitter', 5, 1)).checks.every((c) => c.ok)).toBe(true);
  });
});
