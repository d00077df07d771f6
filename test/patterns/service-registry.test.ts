/**
 * Service discovery with Eureka's semantics (sim/patterns/service-registry.ts, registry-client.ts):
 * exact timings of a dead instance's way out — last renewal, lease expiry, eviction sweep,
 * response cache, the caller's fetch — the self-preservation threshold ⌊N × 2 × 0.85⌋, the
 * eviction cap, graceful deregistration, re-registration after a registry restart, scale-out.
 *
 * The network takes exactly 1 ms each way, so every time below can be worked out by hand:
 * an instance registers at 0 (arrives 0.001 s); its heartbeats go out at 30, 60.002, 90.004 s…
 * (each one interval after the previous answer, which takes 2 ms), arriving 1 ms later.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { DiscoveryViewRespected, RegistryEvictions } from '../../sim/check/discovery-checks.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

interface Options {
  instances?: number;
  registry?: Record<string, unknown>;
  faults?: unknown[];
  durationMs?: number;
  spares?: number;
  rate?: number;
  fetchIntervalMs?: number;
}

/** N instances of app "orders" registered with "eureka"; a client balancing over its discovered view. */
function discovery(o: Options = {}) {
  const n = o.instances ?? 10;
  const records: TraceRecord[] = [];
  const checks: { t: number; to: string }[] = [];
  const listener = (r: TraceRecord) => {
    if (r.k === 'send' && r.type === 'registry.check') checks.push({ t: r.t, to: String(r.to) });
    const key = String(r.key);
    if (r.k === 'state' && (key.startsWith('registry.') || key.endsWith('discovery.view') || key === 'lifecycle')) records.push(r);
  };
  const instance = (id: string, stopped = false) => ({
    id,
    kind: 'service',
    workers: 10,
    serviceTime: { type: 'constant', ms: 1 },
    registration: { registry: 'eureka', app: 'orders' },
    ...(stopped && { stopped: true }),
  });
  const ids = Array.from({ length: n }, (_, i) => `orders-${i}`);
  const spares = Array.from({ length: o.spares ?? 0 }, (_, i) => `spare-${i}`);
  const result = runScenario(
    scenario({
      durationMs: o.durationMs ?? 600_000,
      network: { latency: { type: 'constant', ms: 1 } },
      nodes: [{ id: 'eureka', kind: 'service-registry', ...o.registry }, ...ids.map((id) => instance(id)), ...spares.map((id) => instance(id, true))],
      workloads: [
        {
          id: 'client',
          kind: 'open',
          target: ids[0],
          arrival: { type: 'constant', ratePerSec: o.rate ?? 20 },
          callPath: [{ type: 'load-balancer', hosts: [...ids, ...spares], algorithm: 'round-robin', discovery: { registry: 'eureka', app: 'orders', firstFetchMs: 10, ...(o.fetchIntervalMs !== undefined && { fetchIntervalMs: o.fetchIntervalMs }) } }],
          timeoutMs: 1000,
        },
      ],
      faults: o.faults ?? [],
    }),
    { listeners: [listener] },
  );
  const at = (key: string, pred: (v: string) => boolean = () => true) => records.filter((r) => r.key === key && pred(r.value as string)).map((r) => r.t);
  const views = records.filter((r) => String(r.key).endsWith('discovery.view')).map((r) => ({ t: r.t, size: (r.value as string).split(' ').filter(Boolean).length, value: r.value as string }));
  return { result, records, at, views, checks: result.checks, healthChecks: checks };
}

const crash = (node: string, atMs: number) => ({ atMs, type: 'crash', node });
type Result = ReturnType<typeof runScenario>;
const count = (r: Result, name: string) => r.metrics[name] as number;
const gauge = (r: Result, name: string) => r.metrics[name] as { value: number; mean: number; max: number };

describe('Eureka registry timings', () => {
  it('a crashed instance leaves the registry at the first sweep after its lease expires, and the caller\'s view one cache refresh and one fetch later', () => {
    const { at, views, result, checks } = discovery({ faults: [crash('orders-3', 100_000)] });
    // Last renewal of orders-3 arrives at 90.005 s; it expires after 180.005 s; sweeps run every
    // 60 s, so the one at 240 s evicts it (180 s is too early: not yet expired).
    expect(at('registry.evicted')).toEqual([240_000_000]);
    // The read-only cache is refreshed at 240 s too (after the sweep). The client fetched at
    // 0.010 s and then one interval after each answer (2 ms): at 30.012 + 30.002·k s; the fetch
    // at 240.026 s arrives 240.027 s, after the refresh, and its answer lands at 240.028 s.
    const drop = views.find((v) => v.size === 9)!;
    expect(drop.t).toBe(240_028_000);
    expect(drop.value).not.toContain('orders-3');
    // Meanwhile the client kept sending a tenth of its requests to the dead instance, from the
    // crash at 100 s until its view dropped it: the window is 140 s.
    const toDead = count(result, 'client.load-balancer.toDeadInstance');
    expect(toDead).toBeGreaterThanOrEqual(279);
    expect(toDead).toBeLessThanOrEqual(281);
    expect(gauge(result, 'client.load-balancer.deadInstanceWindowMs').max).toBeGreaterThan(139_500);
    expect(gauge(result, 'client.load-balancer.deadInstanceWindowMs').max).toBeLessThanOrEqual(140_028);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('with Eureka\'s double expiry the lease runs 2 × 90 s after the last renewal: evicted one sweep later', () => {
    const { at } = discovery({ registry: { doubleExpiry: true }, faults: [crash('orders-3', 100_000)] });
    // Expires after 90.005 + 180 = 270.005 s: the sweep at 300 s evicts.
    expect(at('registry.evicted')).toEqual([300_000_000]);
  });

  it('without the read-only cache the view changes at the first fetch after the eviction', () => {
    const { views } = discovery({ registry: { useReadOnlyResponseCache: false }, faults: [crash('orders-3', 100_000)] });
    expect(views.find((v) => v.size === 9)!.t).toBe(240_028_000);
  });
});

describe('self-preservation: ⌊N × 2 × 0.85⌋ renewals a minute', () => {
  it('with 10 instances the threshold is 17: one death (18 renewals) is still evicted', () => {
    const { at, result, records } = discovery({ faults: [crash('orders-3', 100_000)] });
    expect(gauge(result, 'eureka.threshold').value).toBe(15); // 9 left: ⌊9 × 2 × 0.85⌋
    expect(at('registry.evicted')).toHaveLength(1);
    // The first minute has one heartbeat per instance (10 ≤ 17): the first sweep preserves; from the second on, expiry is enabled.
    expect(records.filter((r) => r.key === 'registry.mode').map((r) => [r.t, r.value])).toEqual([
      [60_000_000, 'self-preservation'],
      [120_000_000, 'normal'],
    ]);
  });

  it('two deaths (16 renewals ≤ 17) engage self-preservation: nothing is evicted, callers keep both dead instances', () => {
    const { at, views, result } = discovery({ faults: [crash('orders-3', 100_000), crash('orders-7', 100_000)] });
    expect(at('registry.evicted')).toEqual([]);
    // The minute [120 s, 180 s) has 16 renewals: the sweep at 180 s finds expiry disabled.
    expect(at('registry.mode', (v) => v === 'self-preservation')).toEqual([60_000_000, 180_000_000]);
    expect(views.at(-1)!.size).toBe(10);
    expect(count(result, 'eureka.expiredNotEvicted')).toBeGreaterThan(0);
    // Both dead from 100 s to the end (600 s), each a tenth of 20 requests a second: 2 × 500 × 2.
    expect(count(result, 'client.load-balancer.toDeadInstance')).toBe(2000);
  });

  it('with self-preservation off both are evicted, and the sweep never evicts more than size − ⌊size × 0.85⌋', () => {
    const { at } = discovery({ registry: { selfPreservation: false }, faults: [crash('orders-3', 100_000), crash('orders-7', 100_000)] });
    // 10 leases: the cap is 10 − ⌊8.5⌋ = 2, so both go in one sweep.
    expect(at('registry.evicted')).toEqual([240_000_000, 240_000_000]);
  });

  it('caps one sweep\'s evictions: of 20 instances with 5 dead, 3 go at 240 s and the other 2 at the next sweeps', () => {
    const faults = [0, 1, 2, 3, 4].map((i) => crash(`orders-${i}`, 100_000));
    const { at } = discovery({ instances: 20, registry: { selfPreservation: false }, faults });
    // Cap 20 − ⌊17⌋ = 3; then 17 − ⌊14.45⌋ = 3 ≥ the 2 left.
    expect(at('registry.evicted')).toEqual([240_000_000, 240_000_000, 240_000_000, 300_000_000, 300_000_000]);
  });
});

describe('registration lifecycle', () => {
  it('a graceful scale-in deregisters at once: the view drops it at the first fetch after the next cache refresh', () => {
    const { at, views, result } = discovery({ faults: [{ atMs: 100_000, type: 'scale-in', node: 'orders-3' }] });
    expect(at('registry.evicted')).toEqual([]);
    expect(count(result, 'eureka.cancels')).toBe(1);
    // Cancelled at 100.001 s; the cache refreshes at 120 s; the fetch at 120.018 s answers at 120.020 s.
    expect(views.find((v) => v.size === 9)!.t).toBe(120_020_000);
    expect(at('lifecycle', (v) => v === 'scaled-in')).toEqual([100_000_000]);
  });

  it('draining keeps the instance serving until callers have stopped using it: no request reaches it down', () => {
    const drained = discovery({ faults: [{ atMs: 100_000, type: 'scale-in', node: 'orders-3', drainMs: 60_000 }] });
    expect(count(drained.result, 'client.load-balancer.toDeadInstance')).toBe(0);
    const abrupt = discovery({ faults: [{ atMs: 100_000, type: 'scale-in', node: 'orders-3' }] });
    expect(count(abrupt.result, 'client.load-balancer.toDeadInstance')).toBeGreaterThan(0);
  });

  it('a spare scaled out registers and joins the caller\'s view within a cache refresh and a fetch', () => {
    const { views, records } = discovery({ spares: 1, faults: [{ atMs: 100_000, type: 'scale-out', node: 'spare-0' }] });
    expect(views.filter((v) => v.value.includes('spare-0')).length).toBeGreaterThan(0);
    expect(views.find((v) => v.value.includes('spare-0'))!.t).toBe(120_020_000);
    expect(records.some((r) => r.key === 'lifecycle' && r.value === 'scaled-out')).toBe(true);
  });

  it('after a registry restart every instance re-registers when its next renewal is answered "not found"', () => {
    const { result } = discovery({ faults: [{ atMs: 100_000, type: 'crash', node: 'eureka', restartAfterMs: 5_000 }] });
    // 10 first registrations, then 10 more after the restart (each at its next heartbeat).
    expect(count(result, 'eureka.registrations')).toBe(20);
  });

  it('with the registry down, callers keep the view they had', () => {
    const { views } = discovery({ faults: [{ atMs: 50_000, type: 'crash', node: 'eureka' }, crash('orders-3', 60_000)], durationMs: 400_000 });
    expect(views.at(-1)!.size).toBe(10);
  });
});

describe('server-side discovery', () => {
  it('a service whose call balances over its discovered view: the load balancer reads the registry, clients know one address', () => {
    // Ten instances: one death leaves 18 renewals a minute, above ⌊20 × 0.85⌋ = 17 (with four,
    // one death would already engage self-preservation, and nothing would be evicted).
    const ids = Array.from({ length: 10 }, (_, i) => `orders-${i}`);
    const views: { t: number; node: string; value: string }[] = [];
    const result = runScenario(
      scenario({
        durationMs: 400_000,
        network: { latency: { type: 'constant', ms: 1 } },
        nodes: [
          { id: 'eureka', kind: 'service-registry' },
          {
            id: 'edge',
            kind: 'service',
            workers: 50,
            serviceTime: { type: 'constant', ms: 0 },
            calls: [{ to: ids[0], callPath: [{ type: 'timeout', timeoutMs: 500 }, { type: 'load-balancer', hosts: ids, discovery: { registry: 'eureka', app: 'orders', firstFetchMs: 10 } }] }],
          },
          ...ids.map((id) => ({ id, kind: 'service', workers: 10, serviceTime: { type: 'constant', ms: 1 }, registration: { registry: 'eureka', app: 'orders' } })),
        ],
        workloads: [{ id: 'client', kind: 'open', target: 'edge', arrival: { type: 'constant', ratePerSec: 20 }, timeoutMs: 1000 }],
        faults: [crash('orders-3', 100_000)],
      }),
      {
        listeners: [
          (r: TraceRecord) => {
            if (r.k === 'state' && String(r.key).endsWith('discovery.view')) views.push({ t: r.t, node: r.node, value: String(r.value) });
          },
        ],
      },
    );
    // The view is the edge's, not the client's; it drops the dead instance after its eviction (240 s).
    expect(new Set(views.map((v) => v.node))).toEqual(new Set(['edge']));
    const dropped = views.find((v) => !v.value.includes('orders-3') && v.t > 100_000_000);
    expect(dropped?.t).toBeGreaterThan(240_000_000);
    expect(dropped?.t).toBeLessThan(270_100_000);
    // Until then a tenth of the edge's calls went to the dead instance and timed out there.
    const toDead = count(result, 'edge->orders-0.load-balancer.toDeadInstance');
    expect(toDead).toBeGreaterThan(0.1 * 20 * 140 * 0.95);
    expect(result.checks.filter((c) => c.name.includes('discovery view')).map((c) => c.ok)).toEqual([true]);
  });
});

describe('the checks', () => {
  it('a run with discovery checks both invariants, and they hold', () => {
    const { checks } = discovery({ registry: { selfPreservation: false }, faults: [crash('orders-3', 100_000), crash('orders-7', 100_000)] });
    const names = checks.map((c) => c.name);
    expect(names).toContain('client.load-balancer routes only to instances in its discovery view');
    expect(names).toContain('eureka evicts only expired leases, within the eviction cap');
    expect(checks.every((c) => c.ok)).toBe(true);
  });
});

describe('Consul-style health checks instead of leases', () => {
  const consul = (healthCheck: Record<string, unknown>, faults: unknown[] = [crash('orders-3', 100_000)]) =>
    discovery({ registry: { healthCheck }, fetchIntervalMs: 1000, faults, durationMs: 300_000 });

  it('a crashed instance is critical one timeout after the first check it misses, and out of the view within a fetch', () => {
    const { records, views, healthChecks, result } = consul({ intervalMs: 10_000, timeoutMs: 2_000 });
    const missed = healthChecks.find((c) => c.to === 'orders-3' && c.t >= 100_000_000)!;
    expect(missed.t).toBeLessThan(110_000_000);
    const critical = records.find((r) => r.key === 'registry.health' && r.value === 'orders-3 critical' && r.t > 1_000_000)!;
    expect(critical.t).toBe(missed.t + 2_000_000);
    const drop = views.find((v) => v.t > critical.t && !v.value.includes('orders-3'))!;
    // The next fetch goes out within one interval (1 s) and takes 2 ms.
    expect(drop.t - critical.t).toBeGreaterThan(0);
    expect(drop.t - critical.t).toBeLessThanOrEqual(1_002_000 + 2_000);
    expect(count(result, 'eureka.evictions')).toBe(0);
    expect(count(result, 'client.load-balancer.toDeadInstance')).toBeLessThan(400); // at most ~12 s of an eighth of 20/s
  });

  it('failuresBeforeCritical 2: critical at the third failed check in a row', () => {
    const { records, healthChecks } = consul({ intervalMs: 10_000, timeoutMs: 2_000, failuresBeforeCritical: 2 });
    const missed = healthChecks.filter((c) => c.to === 'orders-3' && c.t >= 100_000_000);
    const critical = records.find((r) => r.key === 'registry.health' && r.value === 'orders-3 critical' && r.t > 1_000_000)!;
    expect(critical.t).toBe(missed[2].t + 2_000_000);
    expect(missed[1].t - missed[0].t).toBe(10_000_000);
  });

  it('new instances are critical until their first check passes: nothing is served before', () => {
    const { records, views, healthChecks } = consul({ intervalMs: 10_000 });
    const firstPass = records.find((r) => r.key === 'registry.health' && r.value === 'orders-0 passing')!;
    const firstCheck = healthChecks.find((c) => c.to === 'orders-0')!;
    expect(firstCheck.t).toBeLessThan(10_000_000);
    // Answered 2 ms after the check (1 ms each way).
    expect(firstPass.t).toBe(firstCheck.t + 2_000);
    expect(views[0].size).toBeLessThan(10);
  });

  it('deregisterCriticalAfterMs: the reaper (every 30 s) removes an instance critical for longer', () => {
    const { records, result } = consul({ intervalMs: 10_000, timeoutMs: 2_000, deregisterCriticalAfterMs: 60_000 });
    const critical = records.find((r) => r.key === 'registry.health' && r.value === 'orders-3 critical' && r.t > 1_000_000)!;
    const reaped = records.filter((r) => r.key === 'registry.reaped').map((r) => r.t);
    // The first reaper tick (a multiple of 30 s) more than 60 s after it turned critical.
    const expected = (Math.floor((critical.t + 60_000_000) / 30_000_000) + 1) * 30_000_000;
    expect(reaped).toEqual([expected]);
    expect(gauge(result, 'eureka.registered').value).toBe(9);
  });
});

describe('the checks catch planted bugs', () => {
  const state = (t: number, node: string, key: string, value: string) => ({ t, k: 'state', node, key, value }) as TraceRecord;
  const call = (t: number, node: string, layer: string, event: string) => ({ t, k: 'call', node, call: 1, layer, event }) as TraceRecord;
  const deliver = (t: number, node: string, from: string, type: string) => ({ t, k: 'deliver', node, from, msg: 1, type }) as TraceRecord;

  it('a balancer that routes to an instance its view dropped fails DiscoveryViewRespected', () => {
    const inv = new DiscoveryViewRespected('client', 'client.lb');
    inv.onRecord(state(0, 'client', 'client.lb.discovery.view', 'a b'));
    inv.onRecord(call(1, 'client', 'client.lb', 'to:b'));
    expect(inv.violation).toBeNull();
    inv.onRecord(state(2, 'client', 'client.lb.discovery.view', 'a'));
    inv.onRecord(call(3, 'client', 'client.lb', 'to:b'));
    expect(inv.violation?.detail).toBe('request 1 routed to b, which is not in the view (a)');
    expect(inv.examined).toBe(2);
  });

  it('a registry that evicts a lease still running, or more than the cap, fails RegistryEvictions', () => {
    const early = new RegistryEvictions('eureka', false, 0.85);
    early.onRecord(deliver(1_000_000, 'eureka', 'a', 'registry.register'));
    early.onRecord(state(1_000_000, 'eureka', 'registry.registered', 'a 90000'));
    early.onRecord(deliver(30_000_000, 'eureka', 'a', 'registry.renew'));
    early.onRecord(state(120_000_000, 'eureka', 'registry.evicted', 'a'));
    expect(early.violation?.detail).toBe('a evicted while its lease ran until 120 s (last renewal at 30 s)');

    const capped = new RegistryEvictions('eureka', false, 0.85);
    for (const n of ['a', 'b', 'c', 'd']) {
      capped.onRecord(deliver(0, 'eureka', n, 'registry.register'));
      capped.onRecord(state(0, 'eureka', 'registry.registered', `${n} 90000`));
    }
    capped.onRecord(state(200_000_000, 'eureka', 'registry.evicted', 'a'));
    expect(capped.violation).toBeNull();
    // 4 leases: the cap is 4 − ⌊3.4⌋ = 1.
    capped.onRecord(state(200_000_000, 'eureka', 'registry.evicted', 'b'));
    expect(capped.violation?.detail).toBe('2 evictions in one sweep of 4 leases: more than the cap of 1');
  });
});

describe('validation', () => {
  const base = {
    version: 1,
    title: 't',
    description: 'd',
    durationMs: 1000,
    nodes: [
      { id: 'eureka', kind: 'service-registry' },
      { id: 'a', kind: 'service', serviceTime: { type: 'constant', ms: 1 }, registration: { registry: 'eureka', app: 'orders' } },
    ],
    workloads: [{ id: 'c', kind: 'open', target: 'a', arrival: { type: 'poisson', ratePerSec: 1 }, callPath: [{ type: 'load-balancer', hosts: ['a'], discovery: { registry: 'eureka', app: 'orders' } }] }],
  };
  const errors = (changes: (s: typeof base) => void) => {
    const s = structuredClone(base);
    changes(s);
    const r = validateScenario(s);
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it('accepts the valid one', () => {
    expect(errors(() => {})).toEqual([]);
  });

  it('names an unknown app with the apps that exist', () => {
    expect(errors((s) => ((s.workloads[0].callPath[0].discovery as { app: string }).app = 'users'))).toEqual([
      'workloads[0].callPath[0].discovery.app: expected an app some service registers with "eureka" as ("orders"), got "users"',
    ]);
  });

  it('wants a service-registry where a registry is named', () => {
    expect(errors((s) => ((s.nodes[1] as { registration: { registry: string } }).registration.registry = 'a'))).toContain(
      'nodes[1].registration.registry: expected a service-registry node, got "a", which is not one',
    );
  });

  it('refuses a negative lease and a threshold above 1', () => {
    const e = errors((s) => {
      (s.nodes[1] as { registration: Record<string, unknown> }).registration.leaseDurationMs = -1;
      (s.nodes[0] as Record<string, unknown>).renewalPercentThreshold = 1.5;
    });
    expect(e.some((m) => m.startsWith('nodes[1].registration.leaseDurationMs'))).toBe(true);
    expect(e.some((m) => m.startsWith('nodes[0].renewalPercentThreshold'))).toBe(true);
  });
});
