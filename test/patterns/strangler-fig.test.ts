/**
 * The strangler-fig facade (sim/patterns/strangler-fig.ts): the schedule's shares at each time
 * and the split they make, shadow traffic never answered nor waited for, rollback exactly at
 * its bound, stale reads at the rate the sync lag predicts, validation, and the facade's checks
 * with planted bugs.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { StranglerAnswers } from '../../sim/check/strangler-checks.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

const constant = (ms: number) => ({ type: 'constant', ms });

interface Options {
  facade?: Record<string, unknown>;
  legacy?: Record<string, unknown>;
  modern?: Record<string, unknown>;
  workload?: Record<string, unknown>;
  durationMs?: number;
  seed?: number;
  faults?: unknown[];
}

function run(o: Options = {}) {
  const routes: { t: number; value: string }[] = [];
  const result = runScenario(
    scenario({
      durationMs: o.durationMs ?? 10_000,
      seed: o.seed ?? 1,
      network: { latency: constant(1) },
      nodes: [
        { id: 'facade', kind: 'strangler-facade', legacy: 'legacy', modern: 'modern', overheadMs: 0, ...o.facade },
        { id: 'legacy', kind: 'service', workers: 100, serviceTime: constant(1), ...o.legacy },
        { id: 'modern', kind: 'service', workers: 100, serviceTime: constant(1), ...o.modern },
      ],
      workloads: [{ id: 'web', kind: 'open', target: 'facade', arrival: { type: 'poisson', ratePerSec: 100 }, requests: [{ name: 'read', weight: 1 }, { name: 'write', weight: 1 }], ...o.workload }],
      faults: o.faults ?? [],
    }),
    {
      listeners: [
        (r: TraceRecord) => {
          if (r.k === 'state' && r.key === 'strangler.routes') routes.push({ t: r.t, value: String(r.value) });
        },
      ],
    },
  );
  const n = (name: string) => result.metrics[name] as number;
  return { result, routes, n };
}

describe('the strangler-fig facade', () => {
  it('puts each step\'s shares in force at its time, a type keeping its share until a step names it', () => {
    const { routes } = run({
      durationMs: 5000,
      facade: {
        schedule: [
          { atMs: 1000, routes: [{ type: 'read', modernShare: 0.25 }] },
          { atMs: 2000, routes: [{ type: '*', modernShare: 0.5 }] },
          { atMs: 3000, routes: [{ type: 'read', modernShare: 1 }] },
        ],
      },
    });
    expect(routes.map((r) => [r.t, r.value])).toEqual([
      [0, 'read 0% · write 0%'],
      [1_000_000, 'read 25% · write 0%'],
      [2_000_000, 'read 50% · write 50%'],
      [3_000_000, 'read 100% · write 50%'],
    ]);
  });

  it('splits by the share: over 20,000 requests, within 4 standard deviations of 30 %', () => {
    const { n } = run({ durationMs: 200_000, facade: { schedule: [{ atMs: 0, routes: [{ type: '*', modernShare: 0.3 }] }] } });
    const total = n('facade.requests');
    expect(total).toBeGreaterThan(19_000);
    const sd = Math.sqrt(total * 0.3 * 0.7);
    expect(Math.abs(n('facade.toModern') - 0.3 * total)).toBeLessThan(4 * sd);
    expect(n('facade.toModern') + n('facade.toLegacy')).toBe(total);
  });

  it('mirrors to the modern system without waiting for it or ever answering with it', () => {
    // The modern system is slow and always wrong; the legacy one quick and right.
    const { result, n } = run({ facade: { shadow: { types: ['*'] } }, modern: { serviceTime: constant(400), errorProbability: 1 } });
    expect(n('facade.shadowed')).toBe(n('facade.requests'));
    expect(n('web.error')).toBe(0);
    // Answers come at the legacy system's pace: 1 ms of work and 4 hops of 1 ms.
    expect((result.metrics['web.latencyMs'] as { max: number }).max).toBeLessThan(6);
    // Every comparison that finished disagreed (the shadow's last answers may be in flight at the end).
    expect(n('facade.divergent')).toBeGreaterThan(n('facade.shadowed') - 50);
    expect(result.checks.filter((c) => c.name.startsWith('facade')).map((c) => c.ok)).toEqual([true, true]);
  });

  it('rolls a route back when the modern error rate is above the bound, not at it', () => {
    // One request every 100 ms, all to a modern system that always fails: the 20th answer
    // completes the window, and a rate of 1 is above 0.99 …
    const base = { workload: { arrival: { type: 'constant', ratePerSec: 10 }, requests: undefined }, modern: { errorProbability: 1 } };
    const above = run({ ...base, facade: { schedule: [{ atMs: 0, routes: [{ type: '*', modernShare: 1 }] }], rollback: { errorRateAbove: 0.99, windowMs: 60_000, minRequests: 20 } } });
    expect(above.n('facade.rolledBack')).toBe(1);
    expect(above.n('facade.toModern')).toBe(20);
    expect(above.n('web.error')).toBe(20);
    expect(above.routes.at(-1)?.value).toBe('(untyped) 0% rolled back');
    // … but not above a bound of 1: the route stays.
    const at = run({ ...base, facade: { schedule: [{ atMs: 0, routes: [{ type: '*', modernShare: 1 }] }], rollback: { errorRateAbove: 1, windowMs: 60_000, minRequests: 20 } } });
    expect(at.n('facade.rolledBack')).toBe(0);
    expect(at.n('facade.toLegacy')).toBe(0);
  });

  it('counts stale reads at the rate the sync lag predicts: λL / (1 + λL) with one key', () => {
    // Writes (10/s) go to legacy, reads (90/s) to modern; each write reaches the modern store
    // after an exponential lag of mean L = 50 ms. A read is stale when the last write's copy has
    // not arrived: the last write's age is exponential with rate λ, so P = λL / (1 + λL) = 1/3.
    let stale = 0;
    let reads = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const { n } = run({
        seed,
        durationMs: 100_000,
        workload: { keySpace: 1, requests: [{ name: 'read', weight: 9 }, { name: 'write', weight: 1 }] },
        facade: { schedule: [{ atMs: 0, routes: [{ type: 'read', modernShare: 1 }] }], sync: { writes: ['write'], lagMeanMs: 50 } },
      });
      stale += n('facade.staleReads');
      reads += n('facade.toModern');
    }
    const p = 0.5 / 1.5;
    expect(reads).toBeGreaterThan(30_000);
    expect(Math.abs(stale / reads - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / reads) + 0.005);
  });

  it('validates shares, nodes and request types with field paths', () => {
    const paths = (facade: Record<string, unknown>) => {
      const r = validateScenario({
        version: 1, title: 't', description: 'd', durationMs: 1000,
        nodes: [{ id: 'facade', kind: 'strangler-facade', legacy: 'legacy', modern: 'modern', ...facade }, { id: 'legacy', kind: 'service', serviceTime: constant(1) }, { id: 'modern', kind: 'service', serviceTime: constant(1) }],
        workloads: [{ id: 'web', kind: 'open', target: 'facade', arrival: { type: 'poisson', ratePerSec: 1 }, requests: [{ name: 'read' }] }],
      });
      return r.ok ? [] : r.errors.map((e) => e.path);
    };
    expect(paths({})).toEqual([]);
    expect(paths({ schedule: [{ atMs: 0, routes: [{ type: 'read', modernShare: 1.5 }] }] })).toEqual(['nodes[0].schedule[0].routes[0].modernShare']);
    expect(paths({ schedule: [{ atMs: 0, routes: [{ type: 'nope', modernShare: 1 }] }] })).toEqual(['nodes[0].schedule[0].routes[0].type']);
    expect(paths({ modern: 'nowhere' })).toEqual(['nodes[0].modern']);
    expect(paths({ modern: 'legacy' })).toEqual(['nodes[0].modern']);
    expect(paths({ schedule: [{ atMs: 5, routes: [{ type: '*', modernShare: 1 }] }, { atMs: 1, routes: [{ type: '*', modernShare: 0 }] }] })).toEqual(['nodes[0].schedule[1].atMs']);
  });
});

describe("the facade's checks, with planted bugs", () => {
  const rec = (t: number, k: string, node: string, fields: Record<string, string | number>): TraceRecord => ({ t, k, node, ...fields }) as TraceRecord;
  /** Client request 7 through the facade, served by legacy (facade request 10 → response 11), shadowed to modern (12 → 13). */
  function story(clientAnswers: TraceRecord[], extra: TraceRecord[] = []): { once: StranglerAnswers; shadow: StranglerAnswers } {
    const once = new StranglerAnswers('facade', 'legacy', 'modern', 'once');
    const shadow = new StranglerAnswers('facade', 'legacy', 'modern', 'shadow');
    const records = [
      rec(100, 'deliver', 'facade', { from: 'web', msg: 7, type: 'request' }),
      rec(100, 'call', 'facade', { call: 7, layer: 'strangler', event: 'serve:legacy' }),
      rec(100, 'send', 'facade', { to: 'legacy', msg: 10, parent: 7, type: 'request' }),
      rec(100, 'send', 'facade', { to: 'modern', msg: 12, parent: 7, type: 'request' }),
      rec(200, 'send', 'modern', { to: 'facade', msg: 13, parent: 12, type: 'response' }),
      rec(300, 'send', 'legacy', { to: 'facade', msg: 11, parent: 10, type: 'response' }),
      ...extra,
      ...clientAnswers,
    ].sort((a, b) => a.t - b.t);
    for (const r of records) {
      once.onRecord(r);
      shadow.onRecord(r);
    }
    once.finish(10_000);
    shadow.finish(10_000);
    return { once, shadow };
  }
  const shadowDelivered = rec(201, 'deliver', 'facade', { from: 'modern', msg: 13, type: 'response' });
  const servingDelivered = rec(301, 'deliver', 'facade', { from: 'legacy', msg: 11, type: 'response' });
  const answerAt = (t: number) => rec(t, 'send', 'facade', { to: 'web', msg: 20 + t, parent: 7, type: 'response' });

  it('hold for a facade that answers with the serving system, once, at once', () => {
    const { once, shadow } = story([answerAt(301)], [shadowDelivered, servingDelivered]);
    expect([once.violation, shadow.violation]).toEqual([null, null]);
    expect(once.examined).toBe(1);
  });

  it('catch a double answer', () => {
    expect(story([answerAt(301), answerAt(305)], [shadowDelivered, servingDelivered]).once.violation?.detail).toBe('request 7 answered twice');
  });

  it('catch a dropped request: the serving system answered, the client never heard', () => {
    expect(story([], [shadowDelivered, servingDelivered]).once.violation?.detail).toBe('request 7: legacy answered it, the facade never did');
  });

  it('forgive what a crashed facade held', () => {
    expect(story([], [shadowDelivered, servingDelivered, rec(301, 'fault', 'facade', { fault: 'crash', detail: '{}' })]).once.violation).toBeNull();
  });

  it('catch a shadow answer passed to the client', () => {
    const { shadow } = story([answerAt(201)], [shadowDelivered]);
    expect(shadow.violation?.detail).toBe('request 7 answered by the shadow (modern) before legacy had answered');
  });
});
