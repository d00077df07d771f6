import { describe, expect, it } from 'vitest';
import { link, makeWorld, type Recorder } from './harness.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { builtIn } from '../helpers.ts';
import { NoPartitionCrossing } from '../../sim/check/invariants.ts';
import type { TraceRecord } from '../../sim/engine/trace.ts';

describe('network', () => {
  it('delivers after the link latency, carrying id and causal parent', () => {
    const { sim, nodes, trace } = makeWorld(['a', 'b'], link({ latencySpec: { type: 'constant', ms: 2.5 } }));
    const first = nodes[0].send(1, 'hello', { x: 1 });
    nodes[0].send(1, 'again', null, first.id);
    sim.run();
    const got = (nodes[1] as Recorder).received;
    expect(got.map((r) => [r.t, r.msg.type, r.msg.parent])).toEqual([[2500, 'hello', -1], [2500, 'again', first.id]]);
    expect(trace.filter((r) => r.k === 'send').map((r) => [r.node, r.to, r.msg])).toEqual([['a', 'b', 0], ['a', 'b', 1]]);
  });

  it('loses messages at the configured rate, within binomial tolerance', () => {
    const p = 0.2;
    const n = 50_000;
    const { sim, nodes, network } = makeWorld(['a', 'b'], link({ lossProbability: p }));
    for (let i = 0; i < n; i++) nodes[0].send(1, 'm');
    sim.run();
    const lost = n - (nodes[1] as Recorder).received.length;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(lost - n * p)).toBeLessThan(4 * sd);
    expect(sim.metrics.counter('net.dropped.loss').value).toBe(lost);
    expect(network.inFlight).toBe(0);
  });

  it('duplicates messages at the configured rate; a copy keeps the id', () => {
    const n = 20_000;
    const { sim, nodes } = makeWorld(['a', 'b'], link({ duplicateProbability: 0.1 }));
    for (let i = 0; i < n; i++) nodes[0].send(1, 'm');
    sim.run();
    const got = (nodes[1] as Recorder).received;
    const extra = got.length - n;
    expect(Math.abs(extra - n * 0.1)).toBeLessThan(4 * Math.sqrt(n * 0.1 * 0.9));
    expect(new Set(got.map((r) => r.msg.id)).size).toBe(n);
  });

  it('keeps FIFO order on an ordered link despite random latency, and reorders when allowed', () => {
    const spec = { type: 'uniform' as const, minMs: 1, maxMs: 50 };
    const ordered = makeWorld(['a', 'b'], link({ latencySpec: spec }));
    for (let i = 0; i < 1000; i++) ordered.nodes[0].send(1, 'm', i);
    ordered.sim.run();
    const order = (ordered.nodes[1] as Recorder).received.map((r) => r.msg.payload as number);
    expect(order).toEqual([...order].sort((x, y) => x - y));

    const loose = makeWorld(['a', 'b'], link({ latencySpec: spec, ordered: false }));
    for (let i = 0; i < 1000; i++) loose.nodes[0].send(1, 'm', i);
    loose.sim.run();
    const looseOrder = (loose.nodes[1] as Recorder).received.map((r) => r.msg.payload as number);
    expect(looseOrder).not.toEqual([...looseOrder].sort((x, y) => x - y));
  });

  it('a capacity-limited link spaces messages 1/capacity apart and drops past its queue limit', () => {
    const { sim, nodes } = makeWorld(['a', 'b'], link({ latencySpec: { type: 'constant', ms: 0 }, capacityPerSec: 1000, queueLimit: 5 }));
    for (let i = 0; i < 10; i++) nodes[0].send(1, 'm');
    sim.run();
    expect((nodes[1] as Recorder).received.map((r) => r.t)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(sim.metrics.counter('net.dropped.link-full').value).toBe(4);
  });

  it('a symmetric partition blocks both ways, including messages already in flight; heal restores', () => {
    const { sim, nodes, faults } = makeWorld(['a', 'b', 'c'], link({ latencySpec: { type: 'constant', ms: 10 } }));
    nodes[0].send(1, 'in-flight'); // would arrive at 10 ms
    faults.schedule({ atMs: 5, type: 'partition', groups: [['a'], ['b', 'c']], durationMs: 100 });
    sim.run(6000);
    nodes[0].send(1, 'blocked');
    nodes[1].send(0, 'blocked-back');
    nodes[1].send(2, 'same-side');
    sim.run(200_000);
    nodes[0].send(1, 'healed');
    sim.run();
    expect((nodes[1] as Recorder).received.map((r) => r.msg.type)).toEqual(['healed']);
    expect((nodes[0] as Recorder).received).toEqual([]);
    expect((nodes[2] as Recorder).received.map((r) => r.msg.type)).toEqual(['same-side']);
    expect(sim.metrics.counter('net.dropped.partition').value).toBe(3);
  });

  it('an asymmetric partition blocks one direction only', () => {
    const { sim, nodes, faults } = makeWorld(['a', 'b']);
    faults.schedule({ atMs: 0, type: 'partition', from: ['a'], to: ['b'] });
    sim.run(1);
    nodes[0].send(1, 'a-to-b');
    nodes[1].send(0, 'b-to-a');
    sim.run();
    expect((nodes[1] as Recorder).received).toEqual([]);
    expect((nodes[0] as Recorder).received.map((r) => r.msg.type)).toEqual(['b-to-a']);
  });

  it('a latency fault applies to the link it names, for its duration, and the link stays FIFO', () => {
    const { sim, nodes, faults } = makeWorld(['a', 'b', 'c'], link({ latencySpec: { type: 'constant', ms: 1 } }));
    faults.schedule({ atMs: 0, type: 'latency', extraMs: 50, link: { from: 'a', to: 'b' }, durationMs: 10 });
    sim.run(1);
    nodes[0].send(1, 'slow');
    nodes[0].send(2, 'normal');
    sim.run(20_000);
    nodes[0].send(1, 'after');
    sim.run();
    expect((nodes[1] as Recorder).received.map((r) => [r.msg.type, r.t])).toEqual([['slow', 51_001], ['after', 51_001]]); // FIFO: 'after' may not overtake
    expect((nodes[2] as Recorder).received.map((r) => r.t)).toEqual([1001]);
  });

  it('in a full scenario, no message is ever delivered across a partition (checked from the trace)', () => {
    for (const seed of [1, 2, 3]) {
      const r = runScenario(builtIn('network/lossy-partition.json'), { seed });
      expect(r.checks.every((c) => c.ok)).toBe(true);
    }
  });

  it('the partition checker names the first delivery across a partition (fed a planted bad trace)', () => {
    const inv = new NoPartitionCrossing();
    const rec = (r: Record<string, unknown>) => inv.onRecord(r as unknown as TraceRecord);
    rec({ t: 10, k: 'fault', node: '', fault: 'partition', detail: JSON.stringify({ id: 1, groups: [['c'], ['s']] }) });
    rec({ t: 20, k: 'deliver', node: 'c', from: 'x', msg: 1, type: 'm' }); // x is in no group: allowed
    expect(inv.violation).toBeNull();
    rec({ t: 30, k: 'deliver', node: 's', from: 'c', msg: 2, type: 'm' });
    rec({ t: 40, k: 'deliver', node: 'c', from: 's', msg: 3, type: 'm' });
    expect(inv.violation).toEqual({ t: 30, node: 's', detail: 'message 2 from c delivered across a partition' });
    const healed = new NoPartitionCrossing();
    healed.onRecord({ t: 10, k: 'fault', node: '', fault: 'partition', detail: JSON.stringify({ id: 1, from: ['c'], to: ['s'] }) } as unknown as TraceRecord);
    healed.onRecord({ t: 11, k: 'fault', node: '', fault: 'partition-end', detail: JSON.stringify({ id: 1 }) } as unknown as TraceRecord);
    healed.onRecord({ t: 12, k: 'deliver', node: 's', from: 'c', msg: 1, type: 'm' } as unknown as TraceRecord);
    expect(healed.violation).toBeNull();
  });
});
