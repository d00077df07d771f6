import { describe, expect, it } from 'vitest';
import type { Message } from '../../sim/net/message.ts';
import { SimNode } from '../../sim/nodes/node.ts';
import type { World } from '../../sim/nodes/world.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario, ScenarioRun } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';
import { link, makeWorld, type Recorder } from './harness.ts';

/** Counts messages in volatile memory and in durable storage; ticks a timer every 10 ms. */
class Counting extends SimNode {
  volatileCount = 0;
  ticks = 0;
  constructor(world: World, index: number, name: string) {
    super(world, index, name, 'counting');
  }
  override start(): void {
    this.volatileCount = 0;
    this.durable.count ??= 0;
    this.setTimer(10_000, 0);
  }
  override onMessage(_msg: Message): void {
    this.volatileCount++;
    this.durable.count = (this.durable.count as number) + 1;
  }
  override onTimer(): void {
    this.ticks++;
    this.setTimer(10_000, 0);
  }
}

function countingWorld() {
  return makeWorld(['sender', 'node'], link({ latencySpec: { type: 'constant', ms: 0 } }), (w, i, n) => new Counting(w, i, n));
}

describe('node lifecycle', () => {
  it('a crash loses volatile state and keeps durable state', () => {
    const { sim, world, nodes } = countingWorld();
    const node = nodes[1];
    for (let i = 0; i < 5; i++) nodes[0].send(1, 'm');
    sim.run(1000);
    expect([node.volatileCount, node.durable.count]).toEqual([5, 5]);
    world.crash(node);
    world.finishRestart(node);
    nodes[0].send(1, 'm');
    sim.run(2000);
    expect([node.volatileCount, node.durable.count]).toEqual([1, 6]);
  });

  it('drops messages to a crashed node, and timers set before the crash never fire', () => {
    const { sim, world, nodes, trace } = countingWorld();
    const node = nodes[1];
    sim.run(25_000); // ticks at 10 and 20 ms
    world.crash(node);
    nodes[0].send(1, 'lost');
    sim.run(100_000);
    expect(node.ticks).toBe(2);
    expect(trace.filter((r) => r.k === 'drop').map((r) => r.reason)).toEqual(['node-down']);
    world.finishRestart(node); // at 100 ms; its new timer ticks at 110, 120
    sim.run(125_000);
    expect(node.ticks).toBe(4);
  });

  it('a paused node handles what arrived while paused, in order, when it resumes', () => {
    const { sim, nodes, faults } = makeWorld(['a', 'b'], link({ latencySpec: { type: 'constant', ms: 1 } }));
    faults.schedule({ atMs: 0, type: 'pause', node: 'b', durationMs: 50 });
    sim.run(0);
    for (let i = 0; i < 3; i++) nodes[0].send(1, `m${i}`);
    sim.run();
    expect((nodes[1] as Recorder).received.map((r) => [r.t, r.msg.type])).toEqual([[50_000, 'm0'], [50_000, 'm1'], [50_000, 'm2']]);
  });

  it('a restart with a boot time drops messages as "restarting" until it is up', () => {
    const { sim, nodes, faults, trace } = makeWorld(['a', 'b'], link({ latencySpec: { type: 'constant', ms: 0 } }));
    faults.schedule({ atMs: 1, type: 'crash', node: 'b', restartAfterMs: 1, bootMs: 5 });
    sim.run(4000);
    nodes[0].send(1, 'during-boot');
    sim.run(10_000);
    nodes[0].send(1, 'after-boot');
    sim.run();
    expect(trace.filter((r) => r.k === 'state').map((r) => [r.t, r.value])).toEqual([[1000, 'crashed'], [2000, 'restarting'], [7000, 'up']]);
    expect(trace.filter((r) => r.k === 'drop').map((r) => r.reason)).toEqual(['node-restarting']);
    expect((nodes[1] as Recorder).received.map((r) => r.msg.type)).toEqual(['after-boot']);
  });
});

describe('clock skew', () => {
  it('shifts what a node\'s own clock reads, not simulated time', () => {
    const { sim, nodes, faults } = makeWorld(['a', 'b']);
    faults.schedule({ atMs: 10, type: 'clock-skew', node: 'b', skewMs: -2.5 });
    sim.run(20_000);
    expect([nodes[0].localTime(), nodes[1].localTime(), sim.now]).toEqual([20_000, 17_500, 20_000]);
  });
});

describe('service model', () => {
  const base = (node: Record<string, unknown>, workload: Record<string, unknown>) => scenario({
    durationMs: 10_000,
    nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 100 }, ...node }],
    workloads: [{ id: 'c', kind: 'open', target: 's', ...workload }],
  });

  it('rejects when the queue is full and answers the caller at once', () => {
    const r = runScenario(base({ workers: 1, queueCapacity: 2 }, { arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 10 }] } }));
    expect([r.metrics['c.ok'], r.metrics['c.rejected'], r.metrics['s.rejected']]).toEqual([3, 7, 7]);
  });

  it('adaptive LIFO serves the newest while the backlog exceeds its threshold, then the oldest', () => {
    const starts: number[] = [];
    new ScenarioRun(base({ workers: 1, queueDiscipline: 'adaptive-lifo', adaptiveLifoThreshold: 5 }, { arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 20 }] } }), {
      listeners: [(r) => { if (r.k === 'work' && r.phase === 'start') starts.push(r.msg as number); }],
    }).finish();
    expect(starts).toEqual([0, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 1, 2, 3, 4, 5]);
  });

  it('serves c at a time with c workers', () => {
    const r = runScenario(base({ workers: 4 }, { arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 8 }] } }));
    expect(r.metrics['c.latencyMs']).toMatchObject({ count: 8, max: 200, p50: 100 });
  });

  it('drops work whose caller has given up, when told to', () => {
    const arrival = { type: 'bursts', bursts: [{ atMs: 0, count: 5 }] };
    const keep = runScenario(base({ workers: 1 }, { arrival, timeoutMs: 250, propagateDeadline: true }));
    const drop = runScenario(base({ workers: 1, dropExpired: true }, { arrival, timeoutMs: 250, propagateDeadline: true }));
    expect([keep.metrics['s.served'], keep.metrics['c.timeout.lateReplies']]).toEqual([5, 3]);
    expect([drop.metrics['s.served'], drop.metrics['s.expired'], drop.metrics['c.timeout']]).toEqual([3, 2, 3]);
  });

  it('fails requests at the error probability and during a brownout', () => {
    const r = runScenario(scenario({
      durationMs: 20_000,
      nodes: [{ id: 's', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 1 }, errorProbability: 0.1 }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 1000 } }],
      faults: [{ atMs: 10_000, type: 'brownout', node: 's', errorProbability: 0.5, durationMs: 10_000 }],
    }));
    // 10 s at 10% errors + 10 s at 1 − 0.9·0.5 = 55% errors → 6,500 of 20,000.
    const errors = r.metrics['c.error'] as number;
    expect(Math.abs(errors - 6500)).toBeLessThan(4 * Math.sqrt(10_000 * 0.1 * 0.9 + 10_000 * 0.55 * 0.45));
  });
});

describe('workloads', () => {
  const run = (workload: Record<string, unknown>, durationMs = 100_000) => runScenario(scenario({
    durationMs,
    nodes: [{ id: 's', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 1 } }],
    workloads: [{ id: 'c', kind: 'open', target: 's', ...workload }],
  }));

  it('Poisson arrivals come at the configured rate', () => {
    const n = run({ arrival: { type: 'poisson', ratePerSec: 100 } }).metrics['c.requests'] as number;
    expect(Math.abs(n - 10_000)).toBeLessThan(4 * 100);
  });

  it('constant arrivals are evenly spaced, and startMs/stopMs bound them', () => {
    expect(run({ arrival: { type: 'constant', ratePerSec: 10 }, startMs: 10_000, stopMs: 20_000 }).metrics['c.requests']).toBe(99);
  });

  it('steps change the Poisson rate at each step', () => {
    const n = run({ arrival: { type: 'steps', steps: [{ atMs: 0, ratePerSec: 10 }, { atMs: 50_000, ratePerSec: 100 }] } }).metrics['c.requests'] as number;
    expect(Math.abs(n - 5500)).toBeLessThan(4 * Math.sqrt(5500));
  });

  it('a ramp moves the rate linearly', () => {
    const n = run({ arrival: { type: 'ramp', fromRatePerSec: 0, toRatePerSec: 200, rampStartMs: 0, rampDurationMs: 100_000 } }).metrics['c.requests'] as number;
    expect(Math.abs(n - 10_000)).toBeLessThan(4 * 100);
  });

  it('a ramp follows its rate: flat before the start, ∫rate arrivals on the ramp, none after a fall to zero', () => {
    // 100/s for 20 s, then down to 0 over the next 40 s (∫ = 2000 + 2000), then nothing.
    const r = run({ arrival: { type: 'ramp', fromRatePerSec: 100, toRatePerSec: 0, rampStartMs: 20_000, rampDurationMs: 40_000 } });
    const perWindow = r.series['c.ok'].counts; // 500 ms windows
    const sum = (from: number, to: number) => perWindow.slice(from, to).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum(0, 40) - 2000)).toBeLessThan(4 * Math.sqrt(2000));
    // On the ramp: the first half carries 3/4 of its 2000 arrivals, the second 1/4.
    expect(Math.abs(sum(40, 80) - 1500)).toBeLessThan(4 * Math.sqrt(1500));
    expect(Math.abs(sum(80, 120) - 500)).toBeLessThan(4 * Math.sqrt(500));
    expect(sum(120, perWindow.length)).toBe(0);
  });

  it('keySpace draws request keys from 1…keySpace on a stream of its own: the arrivals do not move', () => {
    const sent = (keySpace?: number) => {
      const run = new ScenarioRun(scenario({
        durationMs: 5_000,
        nodes: [{ id: 's', kind: 'service', workers: 1000, serviceTime: { type: 'constant', ms: 1 } }],
        workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 200 }, ...(keySpace ? { keySpace } : {}) }],
      }));
      const net = run.built.world.network;
      const send = net.send.bind(net);
      const keys: number[] = [];
      const times: number[] = [];
      net.send = (from, to, type, payload, parent, deadline) => {
        if (type === 'request') {
          keys.push(payload as number);
          times.push(run.now);
        }
        return send(from, to, type, payload, parent, deadline);
      };
      run.finish();
      return { keys, times };
    };
    const plain = sent();
    const keyed = sent(10);
    expect(plain.keys).toEqual(plain.keys.map((_, i) => i));
    expect(keyed.times).toEqual(plain.times);
    expect(keyed.keys.every((k) => Number.isInteger(k) && k >= 1 && k <= 10)).toBe(true);
    expect(new Set(keyed.keys).size).toBe(10);
    expect(validateScenario({ version: 1, title: 't', description: 'd', durationMs: 1, nodes: [], workloads: [{ id: 'c', kind: 'open', target: 'c', arrival: { type: 'poisson', ratePerSec: 1 }, keySpace: 0 }] }).ok).toBe(false);
  });

  it('closed-loop users each keep one request outstanding and think between them', () => {
    const r = runScenario(scenario({
      durationMs: 10_000,
      nodes: [{ id: 's', kind: 'service', workers: 100, serviceTime: { type: 'constant', ms: 100 } }],
      workloads: [{ id: 'u', kind: 'closed', target: 's', clients: 5, thinkTime: { type: 'constant', ms: 100 } }],
    }));
    // Each user: 100 ms service + 100 ms think → 5 users × 50 cycles, the last still in service.
    expect(r.metrics['u.ok']).toBe(5 * 50);
  });
});
