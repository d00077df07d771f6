import { describe, expect, it } from 'vitest';
import type { Rng } from '../../sim/engine/rng.ts';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import type { Call, CallResult, Done, Invoker } from '../../sim/nodes/call.ts';
import {
  boundedLoadCapacity,
  buildHashRing,
  buildMaglevTable,
  hashKey,
  hashString,
  pickLeastConnections,
  pickPowerOfChoices,
  ringLookup,
  ringPointCounts,
  SmoothWeightedRoundRobin,
} from '../../sim/patterns/balancing.ts';
import { PolicyContext } from '../../sim/patterns/context.ts';
import { LoadBalancerPolicy } from '../../sim/patterns/load-balancer.ts';
import { LoadBalancerSchema } from '../../sim/patterns/load-balancer.schema.ts';
import { EjectionCapInvariant, maxEjectedHosts, successRateThreshold } from '../../sim/patterns/outlier-detection.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { makeWorld } from '../sim/harness.ts';

const MS = 1000;
const SEC = 1_000_000;
const OK: CallResult = { outcome: 'ok', reason: '' };
const ERROR: CallResult = { outcome: 'error', reason: 'error' };

/** What the fake dependency does with a call to `host`: answer now, answer later, or hold it. */
type Answer = CallResult | { result: CallResult; afterUs: number } | 'hold';

/**
 * A balancer on node "client" over hosts h0…h(n−1) (Recorder nodes), with a scripted
 * dependency below it that records where each call went.
 */
function lb(hostCount: number, params: Record<string, unknown>, answer: (host: string, call: Call) => Answer = () => OK) {
  const names = Array.from({ length: hostCount }, (_, i) => `h${i}`);
  const w = makeWorld(['client', ...names]);
  const node = w.nodes[0];
  const sent: { t: number; host: string; call: Call }[] = [];
  const held: { host: string; call: Call; done: Done }[] = [];
  const next: Invoker = {
    invoke(call, done) {
      const host = w.world.nodes[call.host].name;
      sent.push({ t: node.now, host, call });
      const a = answer(host, call);
      if (a === 'hold') held.push({ host, call, done });
      else if ('afterUs' in a) node.after(a.afterUs, () => done(a.result));
      else done(a);
    },
  };
  const spec = LoadBalancerSchema.parse({ type: 'load-balancer', hosts: names, ...params });
  const ctx = new PolicyContext(node, 'client.lb');
  const policy = new LoadBalancerPolicy(ctx, spec, next);
  const answers: { id: number; t: number; result: CallResult }[] = [];
  let nextId = 0;
  const call = (key?: number): number => {
    const id = nextId++;
    policy.invoke({ id, attempt: 1, startedAt: node.now, deadline: Infinity, key: key ?? id, host: -1, parent: -1 }, (result) => answers.push({ id, t: node.now, result }));
    return id;
  };
  /** The hosts the user calls (probes, id −1, left out) went to. */
  const routed = () => sent.filter((s) => s.call.id >= 0).map((s) => s.host);
  /** Answers the oldest held call to `host`. */
  const release = (host: string, result: CallResult = OK) => {
    const i = held.findIndex((h) => h.host === host);
    if (i < 0) throw new Error(`nothing held on ${host}`);
    const [h] = held.splice(i, 1);
    h.done(result);
  };
  const states = (prefix: string) =>
    w.trace.filter((r) => r.k === 'state' && (r.key as string).startsWith(`client.lb.${prefix}`)).map((r) => `${r.t / MS}ms ${(r.key as string).slice(`client.lb.${prefix}`.length)}=${r.value}`);
  const at = (t: number) => w.sim.run(t);
  return { ...w, node, spec, policy, sent, held, answers, call, routed, release, states, at };
}

/** An Rng whose int() returns the scripted values (then 0). */
function scriptedRng(ints: number[]): Rng {
  const queue = [...ints];
  const rng = {
    next: () => 0,
    uniform: () => 0,
    int: () => queue.shift() ?? 0,
    exponential: () => 0,
    normal: () => 0,
    lognormal: () => 0,
    pareto: () => 0,
    bernoulli: () => false,
    pick: <T>(items: readonly T[]) => items[0],
  };
  return rng;
}

const imbalance = (counts: number[]) => Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length);

describe('load balancer: round robin and weighted round robin', () => {
  it('round robin takes the hosts in turn', () => {
    const h = lb(3, { algorithm: 'round-robin' });
    for (let i = 0; i < 7; i++) h.call();
    expect(h.routed()).toEqual(['h0', 'h1', 'h2', 'h0', 'h1', 'h2', 'h0']);
    expect(h.sim.metrics.counter('client.lb.host.h0.requests').value).toBe(3);
  });

  it('is the default algorithm', () => {
    expect(LoadBalancerSchema.parse({ type: 'load-balancer', hosts: ['a'] }).algorithm).toBe('round-robin');
  });

  it('weighted round robin is nginx\'s smooth sequence: weights [5, 1, 1] give a a b a c a a, then again', () => {
    const h = lb(3, { algorithm: 'weighted-round-robin', weights: [5, 1, 1] });
    for (let i = 0; i < 14; i++) h.call();
    const seq = h.routed().map((x) => 'abc'[Number(x.slice(1))]).join('');
    expect(seq).toBe('aabacaa'.repeat(2));
  });

  it('smooth WRR spreads shares exactly by weight over a full cycle', () => {
    const swrr = new SmoothWeightedRoundRobin([3, 2, 1]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) counts[swrr.pick([0, 1, 2])]++;
    expect(counts).toEqual([300, 200, 100]);
  });

  it('random spreads evenly', () => {
    const h = lb(4, { algorithm: 'random' });
    for (let i = 0; i < 8000; i++) h.call();
    const counts = ['h0', 'h1', 'h2', 'h3'].map((x) => h.routed().filter((r) => r === x).length);
    expect(imbalance(counts)).toBeLessThan(1.05);
  });
});

describe('load balancer: least request and least connections', () => {
  it('power of two choices keeps the less loaded of its two samples (ties: the first sample)', () => {
    const active = [5, 1, 3, 0];
    const c = [0, 1, 2, 3];
    expect(pickPowerOfChoices(c, active, 2, scriptedRng([0, 1]))).toBe(1);
    expect(pickPowerOfChoices(c, active, 2, scriptedRng([2, 0]))).toBe(2);
    expect(pickPowerOfChoices(c, active, 2, scriptedRng([3, 1]))).toBe(3);
    expect(pickPowerOfChoices(c, active, 2, scriptedRng([0, 0]))).toBe(0);
    expect(pickPowerOfChoices(c, [1, 1, 1, 1], 2, scriptedRng([2, 1]))).toBe(2);
    // choiceCount 3: the best of three.
    expect(pickPowerOfChoices(c, active, 3, scriptedRng([0, 2, 1]))).toBe(1);
  });

  it('least request avoids a loaded host: it is chosen only when both samples fall on it', () => {
    const h = lb(4, { algorithm: 'least-request' }, (host) => (host === 'h0' && h.held.length < 10 ? 'hold' : OK));
    // Load h0 with 10 requests in flight (every pick before that is either h0 or answered at once).
    while (h.held.length < 10) h.call();
    const before = h.routed().length;
    for (let i = 0; i < 4000; i++) h.call();
    const toH0 = h.routed().slice(before).filter((x) => x === 'h0').length;
    // P(both samples are h0) = 1/16 → about 250 of 4000.
    expect(toH0 / 4000).toBeGreaterThan(0.04);
    expect(toH0 / 4000).toBeLessThan(0.085);
    expect(h.policy.active[0]).toBe(10);
  });

  it('least request with unequal weights follows weight / (active + 1)', () => {
    const h = lb(2, { algorithm: 'least-request', weights: [3, 1] });
    for (let i = 0; i < 4000; i++) h.call();
    const counts = ['h0', 'h1'].map((x) => h.routed().filter((r) => r === x).length);
    expect(counts).toEqual([3000, 1000]);
  });

  it('least connections scans every host for the fewest active; ties go in turn', () => {
    const h = lb(4, { algorithm: 'least-connections' }, () => 'hold');
    for (let i = 0; i < 8; i++) h.call();
    expect(h.routed()).toEqual(['h0', 'h1', 'h2', 'h3', 'h0', 'h1', 'h2', 'h3']);
    h.release('h2');
    h.release('h2');
    h.release('h0');
    // active: h0 1, h1 2, h2 0, h3 2
    h.call();
    expect(h.routed().at(-1)).toBe('h2');
    h.call(); // h0 1, h1 2, h2 1, h3 2 → the first of the least after h2 is h0
    expect(h.routed().at(-1)).toBe('h0');
    expect(Array.from(h.policy.active)).toEqual([2, 2, 1, 2]);
    h.call();
    expect(h.routed().at(-1)).toBe('h2');
  });

  it('least connections compares active per weight', () => {
    // active 4 with weight 4 (1 per weight) beats active 2 with weight 1.
    expect(pickLeastConnections([0, 1], [4, 2], [4, 1], 0)).toBe(0);
    expect(pickLeastConnections([0, 1], [4, 1], [4, 1], 0)).toBe(0);
    expect(pickLeastConnections([0, 1], [4, 1], [4, 1], 1)).toBe(1);
  });
});

describe('ring hash (ketama)', () => {
  const opts = { minimumRingSize: 1024, maximumRingSize: 8_388_608 };
  const keys = Array.from({ length: 10_000 }, (_, k) => hashKey(k));
  const all = () => true;

  it('sizes the ring as Envoy does: at least minimumRingSize, the lightest host a whole number of points', () => {
    expect(ringPointCounts([1, 1, 1, 1], opts)).toEqual([256, 256, 256, 256]);
    expect(ringPointCounts([1, 1, 1, 1, 1], opts)).toEqual([205, 205, 205, 205, 205]);
    expect(ringPointCounts([1, 3], opts)).toEqual([256, 768]);
    expect(ringPointCounts([1, 1], { ...opts, maximumRingSize: 100 })).toEqual([50, 50]);
    expect(ringPointCounts([1, 2], { ...opts, virtualNodesPerHost: 160 })).toEqual([160, 320]);
  });

  it('maps the same key to the same host, every time and in every balancer', () => {
    const a = lb(4, { algorithm: 'ring-hash' });
    const b = lb(4, { algorithm: 'ring-hash' });
    for (let k = 0; k < 200; k++) {
      a.call(k % 50);
      b.call(k % 50);
    }
    const ra = a.routed();
    for (let k = 0; k < 200; k++) expect(ra[k]).toBe(ra[k % 50]);
    expect(b.routed()).toEqual(ra);
  });

  it('spreads keys in proportion to the hosts\' points', () => {
    const ring = buildHashRing(['h0', 'h1', 'h2', 'h3'], [1, 1, 1, 1], opts);
    const counts = [0, 0, 0, 0];
    for (const h of keys) counts[ringLookup(ring, h, all)]++;
    expect(imbalance(counts)).toBeLessThan(1.15);
  });

  it('ketama (fixed virtual nodes per host): adding a 5th host moves about 1/5 of the keys, all of them to the new host', () => {
    const o = { ...opts, virtualNodesPerHost: 256 };
    const r4 = buildHashRing(['h0', 'h1', 'h2', 'h3'], [1, 1, 1, 1], o);
    const r5 = buildHashRing(['h0', 'h1', 'h2', 'h3', 'h4'], [1, 1, 1, 1, 1], o);
    let moved = 0;
    for (const h of keys) {
      const before = ringLookup(r4, h, all);
      const after = ringLookup(r5, h, all);
      if (before !== after) {
        moved++;
        expect(after).toBe(4);
      }
    }
    expect(Math.abs(moved / keys.length - 0.2)).toBeLessThan(0.03);
  });

  it('Envoy sizing: adding a 5th host also shrinks every host from 256 to 205 points, so more than 1/5 of the keys move', () => {
    const r4 = buildHashRing(['h0', 'h1', 'h2', 'h3'], [1, 1, 1, 1], opts);
    const r5 = buildHashRing(['h0', 'h1', 'h2', 'h3', 'h4'], [1, 1, 1, 1, 1], opts);
    let moved = 0;
    for (const h of keys) if (ringLookup(r4, h, all) !== ringLookup(r5, h, all)) moved++;
    // About 1/5 to the new host plus the keys of the 4 × 51 dropped points (~12 %).
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.36);
  });

  it('removing a host moves only that host\'s keys', () => {
    const ring = buildHashRing(['h0', 'h1', 'h2', 'h3', 'h4'], [1, 1, 1, 1, 1], opts);
    let movedOthers = 0;
    let h2Keys = 0;
    const to = [0, 0, 0, 0, 0];
    for (const h of keys) {
      const before = ringLookup(ring, h, all);
      const after = ringLookup(ring, h, (p) => p !== 2);
      if (before === 2) {
        h2Keys++;
        to[after]++;
      } else if (after !== before) movedOthers++;
    }
    expect(movedOthers).toBe(0);
    expect(h2Keys).toBeGreaterThan(1500);
    expect(to[2]).toBe(0);
    // They scatter over the other hosts rather than all falling on one neighbour.
    expect(to.filter((n) => n > 0).length).toBe(4);
  });

  it('an ejected host\'s keys go elsewhere; every other key stays put', () => {
    // Host h1 fails everything: after 5 failures in a row it is ejected.
    const h = lb(4, { algorithm: 'ring-hash', outlierDetection: {} }, (host) => (host === 'h1' ? ERROR : OK));
    for (let k = 0; k < 400; k++) h.call(k);
    const first = h.routed();
    expect(h.policy.outlier!.ejected[1]).toBe(1);
    for (let k = 0; k < 400; k++) h.call(k);
    const second = h.routed().slice(400);
    for (let k = 0; k < 400; k++) {
      if (first[k] !== 'h1') expect(second[k]).toBe(first[k]);
      else expect(second[k]).not.toBe('h1');
    }
  });
});

describe('key moves (trackKeys)', () => {
  const moves = (h: ReturnType<typeof lb>) => h.sim.metrics.snapshot(h.node.now).counters['client.lb.keyMoves'];

  it('counts a request whose key last went to another host; a key\'s first request is no move', () => {
    const h = lb(4, { algorithm: 'round-robin', trackKeys: 100 });
    for (let i = 0; i < 4; i++) h.call(7);
    expect(h.routed()).toEqual(['h0', 'h1', 'h2', 'h3']);
    expect(moves(h)).toBe(3);
  });

  it('follows at most trackKeys distinct keys', () => {
    const h = lb(4, { algorithm: 'round-robin', trackKeys: 2 });
    for (const k of [1, 2, 3, 1, 2, 3]) h.call(k);
    // 1→h0, 2→h1, 3→h2 (not followed), 1→h3 (moved), 2→h0 (moved), 3→h1 (not followed).
    expect(moves(h)).toBe(2);
  });

  it('on a ring, only the keys of an ejected host move', () => {
    const h = lb(4, { algorithm: 'ring-hash', trackKeys: 1000, outlierDetection: {} }, (host) => (host === 'h1' ? ERROR : OK));
    for (let k = 0; k < 400; k++) h.call(k);
    for (let k = 0; k < 400; k++) h.call(k);
    const [first, second] = [h.routed().slice(0, 400), h.routed().slice(400)];
    const moved = first.filter((host, k) => host !== second[k]).length;
    expect(moved).toBe(5); // the 5 calls h1 failed before its ejection
    expect(moves(h)).toBe(moved);
  });

  it('is off by default: no map, no metric', () => {
    const h = lb(2, { algorithm: 'round-robin' });
    h.call(1);
    h.call(1);
    expect(moves(h)).toBeUndefined();
  });
});

describe('Maglev', () => {
  const names = ['h0', 'h1', 'h2', 'h3', 'h4'];

  it('fills every entry of the 65537-entry table, with near-even shares', () => {
    const table = buildMaglevTable(names, [1, 1, 1, 1, 1], 65537);
    expect(table.length).toBe(65537);
    expect(table.every((x) => x >= 0 && x < 5)).toBe(true);
    const counts = [0, 0, 0, 0, 0];
    for (const x of table) counts[x]++;
    expect(imbalance(counts)).toBeLessThan(1.05);
  });

  it('gives weighted hosts weighted shares', () => {
    const table = buildMaglevTable(['a', 'b', 'c'], [2, 1, 1], 65537);
    const counts = [0, 0, 0];
    for (const x of table) counts[x]++;
    expect(counts[0] / counts[1]).toBeCloseTo(2, 2);
  });

  it('disrupts little when a host leaves: the others keep almost all their entries', () => {
    const t5 = buildMaglevTable(names, [1, 1, 1, 1, 1], 65537);
    const t4 = buildMaglevTable(names.slice(0, 4), [1, 1, 1, 1], 65537);
    let others = 0;
    let kept = 0;
    for (let i = 0; i < t5.length; i++) {
      if (t5[i] === 4) continue;
      others++;
      if (t4[i] === t5[i]) kept++;
    }
    expect(kept / others).toBeGreaterThan(0.98);
  });

  it('as a balancer: the same key always reaches the same host, and the shares are even', () => {
    const h = lb(5, { algorithm: 'maglev' });
    for (let k = 0; k < 5000; k++) h.call(k % 1000);
    const r = h.routed();
    for (let k = 1000; k < 5000; k++) expect(r[k]).toBe(r[k % 1000]);
    const counts = names.map((x) => r.filter((y) => y === x).length);
    expect(imbalance(counts)).toBeLessThan(1.2);
  });

  it('rejects a table size that is not prime', () => {
    expect(LoadBalancerSchema.safeParse({ type: 'load-balancer', hosts: ['a'], maglevTableSize: 65536 }).success).toBe(false);
  });
});

describe('consistent hashing with bounded loads', () => {
  it('the capacity is ⌈factor × (active + 1) / hosts⌉', () => {
    expect(boundedLoadCapacity(1.25, 7, 1, 4)).toBe(3); // 1.25 × 8 / 4 = 2.5
    expect(boundedLoadCapacity(1.25, 15, 1, 4)).toBe(5); // exactly 5: not rounded up to 6
    expect(boundedLoadCapacity(1.25, 0, 1, 4)).toBe(1);
  });

  it('never lets a host exceed ⌈factor × average⌉, even for one hot key', () => {
    const h = lb(4, { algorithm: 'bounded-load' }, () => 'hold');
    const checks: boolean[] = [];
    for (let i = 0; i < 100; i++) {
      h.call(42);
      const total = h.policy.active.reduce((a, b) => a + b, 0);
      const cap = Math.ceil((1.25 * total) / 4 - 1e-9);
      checks.push(Math.max(...h.policy.active) <= cap);
    }
    expect(checks.every(Boolean)).toBe(true);
    // Plain ring hash would have sent all 100 to one host.
    expect(Math.max(...h.policy.active)).toBe(32);
  });

  it('holds the bound under churn with many keys', () => {
    const h = lb(5, { algorithm: 'bounded-load', hashBalanceFactor: 1.1 }, () => 'hold');
    const rng = h.sim.rng.stream('test');
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      if (h.held.length > 0 && rng.next() < 0.45) h.release(h.held[rng.int(h.held.length)].host);
      h.call(rng.int(20)); // 20 keys only: hot spots are certain
      const total = h.policy.active.reduce((a, b) => a + b, 0);
      const chosen = h.policy.active[Number(h.routed().at(-1)!.slice(1))];
      worst = Math.max(worst, chosen - Math.ceil((1.1 * total) / 5 - 1e-9));
    }
    expect(worst).toBeLessThanOrEqual(0);
  });
});

describe('outlier detection (Envoy)', () => {
  it('ejects after exactly 5 consecutive failures; a success resets the count', () => {
    const script: CallResult[] = [ERROR, ERROR, ERROR, ERROR, OK, ERROR, ERROR, ERROR, ERROR, ERROR];
    const h = lb(1, { outlierDetection: {} }, () => script.shift()!);
    for (let i = 0; i < 9; i++) h.call();
    expect(h.policy.outlier!.ejected[0]).toBe(0);
    h.call(); // the 5th failure in a row
    expect(h.policy.outlier!.ejected[0]).toBe(1);
    expect(h.states('eject.')).toEqual(['0ms h0=ejected']);
    // Nothing left to send to (one host: 10 % of 1, but one may always be ejected).
    h.call();
    expect(h.answers.at(-1)!.result).toEqual({ outcome: 'rejected', reason: 'no-healthy-host' });
    expect(h.sim.metrics.counter('client.lb.noHealthyHost').value).toBe(1);
    expect(h.sim.metrics.counter('client.lb.ejections').value).toBe(1);
  });

  it('ejects for 30 s the first time and 60 s the second', () => {
    const h = lb(1, { outlierDetection: {} }, () => ERROR);
    for (let i = 0; i < 5; i++) h.call();
    h.at(30 * SEC - 1);
    expect(h.policy.outlier!.ejected[0]).toBe(1);
    h.at(30 * SEC);
    expect(h.policy.outlier!.ejected[0]).toBe(0);
    h.at(30 * SEC + 5 * MS);
    for (let i = 0; i < 5; i++) h.call();
    h.at(200 * SEC);
    expect(h.states('eject.')).toEqual(['0ms h0=ejected', '30000ms h0=ok', '30005ms h0=ejected', '90005ms h0=ok']);
    expect(h.policy.outlier!.backoff[0]).toBe(0); // decays by one per sweep once back in service
  });

  it('the multiplier decays while the host behaves: ejected again later, it is back to 30 s', () => {
    const h = lb(1, { outlierDetection: {} }, () => ERROR);
    for (let i = 0; i < 5; i++) h.call(); // ejected 0–30 s, multiplier 1
    h.at(45 * SEC); // the sweep at 40 s finds it back for ≥ 10 s: multiplier 0
    for (let i = 0; i < 5; i++) h.call();
    h.at(100 * SEC);
    expect(h.states('eject.')).toEqual(['0ms h0=ejected', '30000ms h0=ok', '45000ms h0=ejected', '75000ms h0=ok']);
  });

  it('caps ejections at 10 % of hosts (at least one): with 3 of 10 hosts failing, one is ejected at a time', () => {
    const failing = new Set(['h0', 'h1', 'h2']);
    const h = lb(10, { outlierDetection: {} }, (host) => (failing.has(host) ? ERROR : OK));
    // A call every 10 ms for 300 s.
    const tick = () => {
      h.call();
      if (h.node.now < 300 * SEC) h.node.after(10 * MS, tick);
    };
    tick();
    h.at(300 * SEC);
    const inv = new EjectionCapInvariant('client', 'client.lb', 10, 10);
    let most = 0;
    const current = new Set<string>();
    for (const r of h.trace as TraceRecord[]) {
      inv.onRecord(r);
      if (r.k === 'state' && (r.key as string).startsWith('client.lb.eject.')) {
        if (r.value === 'ejected') current.add(r.key as string);
        else current.delete(r.key as string);
        most = Math.max(most, current.size);
      }
    }
    expect(most).toBe(1);
    expect(inv.violation).toBeNull();
    expect(inv.examined).toBeGreaterThan(0);
    // Each failing host is ejected in its turn; the refused ones are counted as overflow.
    const ejectedHosts = new Set(h.states('eject.').filter((s) => s.endsWith('=ejected')).map((s) => s.split(' ')[1].split('=')[0]));
    expect([...ejectedHosts].sort()).toEqual(['h0', 'h1', 'h2']);
    expect(h.sim.metrics.counter('client.lb.ejectionsOverflow').value).toBeGreaterThan(0);
  });

  it('allows max(1, ⌊10 % × hosts⌋) ejected hosts', () => {
    expect([3, 10, 19, 20, 25, 100].map((n) => maxEjectedHosts(10, n))).toEqual([1, 1, 1, 2, 2, 10]);
  });

  it('success rate: ejects at the sweep a host below mean − 1.9·stdev, when ≥ 5 hosts have ≥ 100 requests', () => {
    // h5 fails every other call (never 5 in a row); the other five never fail.
    let h5Calls = 0;
    const h = lb(6, { outlierDetection: {} }, (host) => (host === 'h5' && h5Calls++ % 2 === 0 ? ERROR : OK));
    for (let i = 0; i < 600; i++) h.call(); // 100 per host
    h.at(10 * SEC);
    expect(h.states('eject.')).toEqual(['10000ms h5=ejected']);
    expect(h.sim.metrics.counter('client.lb.ejections.successRate').value).toBe(1);
  });

  it('success rate: judges nobody without enough volume or enough hosts', () => {
    let h5Calls = 0;
    const few = lb(6, { outlierDetection: {} }, (host) => (host === 'h5' && h5Calls++ % 2 === 0 ? ERROR : OK));
    for (let i = 0; i < 594; i++) few.call(); // 99 per host
    few.at(10 * SEC);
    expect(few.states('eject.')).toEqual([]);
    let h4Calls = 0;
    const small = lb(5, { outlierDetection: { successRateMinimumHosts: 6 } }, (host) => (host === 'h4' && h4Calls++ % 2 === 0 ? ERROR : OK));
    for (let i = 0; i < 1000; i++) small.call();
    small.at(10 * SEC);
    expect(small.states('eject.')).toEqual([]);
  });

  it('the threshold is mean − factor × population stdev', () => {
    const { mean, threshold } = successRateThreshold([100, 100, 100, 100, 100, 50], 1.9);
    // mean 550/6; deviations 50/6 (five times) and −250/6: variance 75000/216.
    expect(mean).toBeCloseTo(550 / 6, 12);
    expect(threshold).toBeCloseTo(550 / 6 - 1.9 * Math.sqrt(75000 / 216), 12);
    expect(threshold).toBeCloseTo(56.2623, 4);
  });
});

describe('active health checks', () => {
  it('marks a dead host unhealthy after the threshold and healthy again after it recovers', () => {
    let h1Alive = true;
    const h = lb(2, { healthCheck: { intervalMs: 1000, timeoutMs: 100, unhealthyThreshold: 3, healthyThreshold: 2 } }, (host) =>
      host === 'h1' && !h1Alive ? 'hold' : { result: OK, afterUs: 1 * MS },
    );
    h1Alive = false;
    // Probes to h1 at 0, 1.1 s, 2.2 s time out 100 ms later: unhealthy at 2.3 s.
    h.at(2300 * MS - 1);
    expect(h.policy.health!.healthy[1]).toBe(1);
    h.at(2300 * MS);
    expect(h.policy.health!.healthy[1]).toBe(0);
    // Traffic now goes to h0 only.
    for (let i = 0; i < 4; i++) h.call();
    expect(h.routed()).toEqual(['h0', 'h0', 'h0', 'h0']);
    // It recovers at 4 s. The probe at 3.3 s times out (3.4 s); the one at 4.4 s is answered at
    // 4.401 s, the next at 5.401 s → answered at 5.402 s: the second success in a row.
    h.at(4000 * MS);
    h1Alive = true;
    h.at(10 * SEC);
    expect(h.states('health.')).toEqual(['2300ms h1=unhealthy', '5402ms h1=healthy']);
    const probeTimes = h.sent.filter((s) => s.call.id === -1 && s.host === 'h1').map((s) => s.t / MS);
    expect(probeTimes.slice(0, 6)).toEqual([0, 1100, 2200, 3300, 4400, 5401]);
    // h0 is probed every 1.001 s (1 ms answer + 1 s interval), never failing.
    expect(h.sent.filter((s) => s.call.id === -1 && s.host === 'h0').map((s) => s.t / MS).slice(0, 3)).toEqual([0, 1001, 2002]);
    expect(h.policy.health!.healthy[0]).toBe(1);
    h.call();
    h.call();
    expect(h.routed().slice(-2).sort()).toEqual(['h0', 'h1']);
  });

  it('a probe is a synthetic call through the path below, with its own deadline', () => {
    const h = lb(1, { healthCheck: { intervalMs: 1000, timeoutMs: 250 } });
    h.at(0);
    expect(h.sent[0].call).toEqual({ id: -1, attempt: 1, startedAt: 0, deadline: 250 * MS, key: 0, host: 1, parent: -1 });
  });

  it('with every host down, calls are rejected "no-healthy-host"', () => {
    const h = lb(2, { healthCheck: { intervalMs: 1000, timeoutMs: 100, unhealthyThreshold: 1 } }, (_host, call) => (call.id === -1 ? ERROR : OK));
    h.at(1);
    h.call();
    expect(h.answers[0].result).toEqual({ outcome: 'rejected', reason: 'no-healthy-host' });
    expect(h.trace.some((r) => r.k === 'call' && r.event === 'rejected:no-healthy-host')).toBe(true);
  });
});

describe('load balancer scenario (end to end)', () => {
  function run(algorithm: string) {
    const r = validateScenario({
      version: 1,
      title: 'lb',
      description: 'three hosts, one slow',
      seed: 7,
      durationMs: 20_000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [
        { id: 'fast1', kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 2 } },
        { id: 'fast2', kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 2 } },
        { id: 'slow', kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 20 } },
      ],
      workloads: [
        {
          id: 'client',
          kind: 'open',
          target: 'fast1',
          arrival: { type: 'poisson', ratePerSec: 300 },
          callPath: [{ type: 'load-balancer', hosts: ['fast1', 'fast2', 'slow'], algorithm }],
        },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const result = runScenario(r.scenario);
    const requests = (h: string) => result.metrics[`client.load-balancer.host.${h}.requests`] as number;
    return { result, fast1: requests('fast1'), fast2: requests('fast2'), slow: requests('slow') };
  }

  it('least request sends fewer requests to the slow host than round robin does', () => {
    const rr = run('round-robin');
    const lr = run('least-request');
    const share = (x: ReturnType<typeof run>) => x.slow / (x.fast1 + x.fast2 + x.slow);
    expect(Math.abs(share(rr) - 1 / 3)).toBeLessThan(0.001);
    expect(share(lr)).toBeLessThan(share(rr) * 0.8);
    expect(lr.result.checks.every((c) => c.ok)).toBe(true);
    // Fewer requests wait on the slow host, so latency is better too.
    const latency = (x: ReturnType<typeof run>) => x.result.metrics['client.latencyMs'] as Record<string, number>;
    expect(latency(lr).mean).toBeLessThan(latency(rr).mean);
    expect(latency(lr).p99).toBeLessThan(latency(rr).p99);
  });

  it('hashes deterministically: host names hash the same everywhere', () => {
    expect(hashString('h0_0')).toBe(hashString('h0_0'));
    expect(hashString('h0_0')).not.toBe(hashString('h0_1'));
  });
});
