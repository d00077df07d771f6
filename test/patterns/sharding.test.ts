/**
 * The shard router: exact resize ownership (every key ends at the owner the new map names, its
 * version carried over), a shard crash that affects only its own keys, the scenario checks'
 * teeth against planted bugs (a resize that drops a key's copy; a request routed to the wrong
 * shard), and strict input.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AleaRng } from '../../sim/engine/rng.ts';
import { listenTo } from '../../sim/engine/trace.ts';
import { makeShardMap } from '../../sim/patterns/shard-map.ts';
import { ShardRouterNode } from '../../sim/patterns/shard-router.ts';
import { StoreNode } from '../../sim/patterns/versioned-store.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const KEYS = 200;

function sharded(opts: { scheme?: string; resize?: boolean; faults?: unknown[]; keyDistribution?: unknown; timeoutMs?: number; ratePerSec?: number } = {}) {
  return scenario({
    seed: 1,
    durationMs: 4000,
    network: { latency: { type: 'constant', ms: 1 } },
    nodes: [
      { id: 'router', kind: 'shard-router', shards: ['a', 'b', 'c'], scheme: opts.scheme ?? 'mod', keySpace: KEYS, readFraction: 0.3, ...(opts.resize ? { resize: { atMs: 1000, add: 'd', moveKeysPerSec: 1000 } } : {}) },
      ...['a', 'b', 'c', 'd'].map((id) => ({ id, kind: 'store', writeMs: 1 })),
    ],
    workloads: [{ id: 'clients', kind: 'open', target: 'router', keySpace: KEYS, stopMs: 3800, arrival: { type: 'poisson', ratePerSec: opts.ratePerSec ?? 500 }, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.keyDistribution ? { keyDistribution: opts.keyDistribution } : {}) }],
    faults: opts.faults ?? [],
  });
}

const shardCheck = (r: RunResult) => r.checks.find((c) => c.name.startsWith('router routes'))!;

describe('a resize, exactly', () => {
  it('moves every key the new map gives another owner, and carries its version over', () => {
    const r = runScenario(sharded({ resize: true }));
    // The shard check holds each moved key's version at its new shard equal to the old one's.
    expect(shardCheck(r)).toMatchObject({ ok: true });
    expect(r.checks.every((c) => c.ok)).toBe(true);
    const before = makeShardMap('mod', ['a', 'b', 'c'], { keySpace: KEYS, virtualNodes: 100 });
    const after = makeShardMap('mod', ['a', 'b', 'c', 'd'], { keySpace: KEYS, virtualNodes: 100 });
    let expected = 0;
    for (let k = 1; k <= KEYS; k++) if (before.ownerOf(k) !== after.ownerOf(k)) expected++;
    expect(r.metrics['router.keysMoved']).toBe(expected);
    expect((r.metrics['router.keysToMove'] as { value: number }).value).toBe(expected);
  });

  it('answers every request (none lost to the handoff)', () => {
    const r = runScenario(sharded({ resize: true }));
    expect(r.metrics['clients.ok']).toBe(r.metrics['router.requests']);
    expect(r.metrics['clients.requests'] as number).toBeGreaterThan(1800);
  });
});

describe('every scheme, resized', () => {
  const resized = (scheme: string, resize: Record<string, unknown>) =>
    scenario({
      seed: 2,
      durationMs: 3000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'router', kind: 'shard-router', shards: ['a', 'b', 'c'], scheme, keySpace: KEYS, readFraction: 0.3, scatterFraction: 0.1, resize: { atMs: 500, moveKeysPerSec: 2000, ...resize } },
        ...['a', 'b', 'c', 'd'].map((id) => ({ id, kind: 'store', writeMs: 1 })),
      ],
      workloads: [{ id: 'clients', kind: 'open', target: 'router', keySpace: KEYS, stopMs: 2800, arrival: { type: 'poisson', ratePerSec: 2000 } }],
    });

  for (const scheme of ['mod', 'consistent', 'jump', 'range', 'directory']) {
    it(`${scheme}: adding a shard passes every check and answers every request`, () => {
      const r = runScenario(resized(scheme, { add: 'd' }));
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(r.metrics['router.keysMoved']).toBe((r.metrics['router.keysToMove'] as { value: number }).value);
      expect(r.metrics['router.keysMoved'] as number).toBeGreaterThan(0);
      expect(r.metrics['clients.ok']).toBe(r.metrics['router.requests']);
    });

    it(`${scheme}: removing a shard empties it, and it gets no request once its keys are gone`, () => {
      const records: { t: number; event: string }[] = [];
      const listener = listenTo(['call'], (rec) => {
        if (rec.node === 'router') records.push({ t: rec.t, event: rec.event as string });
      });
      const r = runScenario(resized(scheme, { remove: 'b' }), { listeners: [listener] });
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      const lastMove = Math.max(...records.filter((x) => x.event.startsWith('move-end')).map((x) => x.t));
      expect(records.filter((x) => x.t > lastMove && x.event === 'route:b')).toEqual([]);
      expect(records.filter((x) => x.t > lastMove && x.event.startsWith('route:')).length).toBeGreaterThan(100);
    });
  }
});

describe('a shard crash', () => {
  it('fails only the requests for its own keys', () => {
    const r = runScenario(sharded({ timeoutMs: 200, faults: [{ atMs: 1000, type: 'crash', node: 'b', restartAfterMs: 1000 }] }));
    const map = makeShardMap('mod', ['a', 'b', 'c'], { keySpace: KEYS, virtualNodes: 100 });
    const share = Array.from({ length: KEYS }, (_, i) => map.ownerOf(i + 1)).filter((s) => s === 'b').length / KEYS;
    const requests = r.metrics['clients.requests'] as number;
    const timeouts = r.metrics['clients.timeout'] as number;
    // b is down for a quarter of the run and owns `share` of the keys: about share/4 of requests time out.
    expect(timeouts / requests).toBeGreaterThan((share / 4) * 0.7);
    expect(timeouts / requests).toBeLessThan((share / 4) * 1.3);
    expect(r.metrics['router.shard.a.requests'] as number).toBeGreaterThan(0);
  });
});

describe('a router crash during a resize', () => {
  it('resumes the move in progress after its restart, and every check holds', () => {
    const r = runScenario(sharded({ resize: true, timeoutMs: 300, faults: [{ atMs: 1040, type: 'crash', node: 'router', restartAfterMs: 200 }] }));
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.metrics['router.keysMoved']).toBe((r.metrics['router.keysToMove'] as { value: number }).value);
    expect(r.metrics['clients.timeout'] as number).toBeGreaterThan(0);
  });
});

describe('the shard check catches planted bugs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a resize that skips a key\'s copy loses its acknowledged writes', () => {
    vi.spyOn(ShardRouterNode.prototype as unknown as { copies(): boolean }, 'copies').mockReturnValue(false);
    const check = shardCheck(runScenario(sharded({ resize: true })));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/key \d+ moved from \w at version [1-9]\d* to \w, which holds version 0: acknowledged writes were lost/);
  });

  it('a request routed to the wrong shard', () => {
    const real = (ShardRouterNode.prototype as unknown as { route(key: number): string }).route;
    vi.spyOn(ShardRouterNode.prototype as unknown as { route(key: number): string }, 'route').mockImplementation(function (this: ShardRouterNode, key: number) {
      const right = real.call(this, key);
      return key === 17 ? (right === 'a' ? 'b' : 'a') : right;
    });
    const check = shardCheck(runScenario(sharded()));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/a request for key 17 went to \w, but its owner is \w/);
  });

  it('and pass the same runs without the bugs', () => {
    expect(shardCheck(runScenario(sharded({ resize: true }))).ok).toBe(true);
    expect(shardCheck(runScenario(sharded())).ok).toBe(true);
  });

  it('the store check sees a write acknowledged after its key was handed over', () => {
    // A store that ignores its own handover keeps writing a moved key: the write is lost. (A
    // busy workload, so that requests are in flight to old owners while keys move.)
    vi.spyOn(StoreNode.prototype as unknown as { handedOver(): boolean }, 'handedOver').mockReturnValue(false);
    const check = shardCheck(runScenario(sharded({ resize: true, ratePerSec: 20_000 })));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/acknowledged a write of key \d+ after handing the key over|acknowledged writes were lost/);
  });
});

describe('workload key distributions', () => {
  it('an explicit uniform distribution draws exactly the keys an absent one does (same trace)', () => {
    expect(runScenario(sharded({ keyDistribution: { type: 'uniform' } })).traceHash).toBe(runScenario(sharded()).traceHash);
  });

  it('a hot key sends its share of requests to its shard', () => {
    const r = runScenario(sharded({ keyDistribution: { type: 'hot-key', share: 0.5, key: 17 } }));
    const owner = makeShardMap('mod', ['a', 'b', 'c'], { keySpace: KEYS, virtualNodes: 100 }).ownerOf(17);
    const perShard = ['a', 'b', 'c'].map((s) => r.metrics[`router.shard.${s}.requests`] as number);
    const total = perShard.reduce((x, y) => x + y, 0);
    // Half the requests, plus its share of the uniform half (about a third).
    expect(perShard[['a', 'b', 'c'].indexOf(owner)] / total).toBeGreaterThan(0.6);
    expect((r.metrics['router.loadMaxMean'] as { value: number }).value).toBeGreaterThan(1.8);
  });
});

describe('input', () => {
  const base = (router: Record<string, unknown>) => ({
    version: 1,
    title: 't',
    description: 't',
    durationMs: 1000,
    nodes: [{ id: 'router', kind: 'shard-router', shards: ['a', 'b'], ...router }, { id: 'a', kind: 'store' }, { id: 'b', kind: 'store' }, { id: 'svc', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
    workloads: [],
  });
  const errors = (input: unknown) => {
    const r = validateScenario(input);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it('shards must be stores', () => {
    expect(errors(base({ shards: ['a', 'svc'] })).join('\n')).toMatch(/nodes\[0\]\.shards\[1\].*store/);
  });

  it('a resize must add a store that is not a shard yet, or remove one that is', () => {
    expect(errors(base({ resize: { atMs: 1, add: 'a' } })).join('\n')).toMatch(/nodes\[0\]\.resize\.add/);
    expect(errors(base({ resize: { atMs: 1, remove: 'zz' } })).join('\n')).toMatch(/nodes\[0\]\.resize\.remove/);
  });

  it('a key distribution needs a key space', () => {
    const input = { ...base({}), workloads: [{ id: 'c', kind: 'open', target: 'router', arrival: { type: 'poisson', ratePerSec: 1 }, keyDistribution: { type: 'zipf', s: 1 } }] };
    expect(errors(input).join('\n')).toMatch(/workloads\[0\]\.keyDistribution: expected keySpace/);
  });
});

describe('scatter-gather against theory', () => {
  /** The median of the slowest of n round trips: two lognormal legs (median 2 ms, σ 0.6) and a 1 ms read, by Monte Carlo. */
  function predictedMedianMs(n: number): number {
    const rng = new AleaRng('scatter-theory');
    const leg = () => rng.lognormal(Math.log(2), 0.6);
    const maxima = Float64Array.from({ length: 40_000 }, () => {
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, leg() + 1 + leg());
      return worst;
    }).sort();
    return maxima[maxima.length / 2];
  }

  for (const n of [4, 16]) {
    it(`a query to ${n} shards takes the median of the slowest of ${n} round trips, P(max ≤ t) = F(t)^${n}`, () => {
      const shards = Array.from({ length: n }, (_, i) => `s${i + 1}`);
      let sum = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const r = runScenario(
          scenario({
            seed,
            durationMs: 10_000,
            // Unordered links: with TCP-like FIFO links a leg also waits for earlier messages on its link (head-of-line), which the formula leaves out.
            network: { latency: { type: 'lognormal', medianMs: 2, sigma: 0.6 }, ordered: false },
            nodes: [
              { id: 'router', kind: 'shard-router', shards, scheme: 'jump', keySpace: 1000, readFraction: 1, scatterFraction: 1 },
              ...shards.map((id) => ({ id, kind: 'store', readMs: 1 })),
            ],
            workloads: [{ id: 'clients', kind: 'open', target: 'router', keySpace: 1000, arrival: { type: 'poisson', ratePerSec: 300 } }],
          }),
        );
        sum += (r.metrics['router.scatterMs'] as { p50: number }).p50;
      }
      const predicted = predictedMedianMs(n);
      // ~3,000 queries per seed; the histogram's buckets are ~1–2% wide.
      expect(Math.abs(sum / 5 - predicted) / predicted).toBeLessThan(0.05);
    });
  }
});
