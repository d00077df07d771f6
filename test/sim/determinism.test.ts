import { describe, expect, it } from 'vitest';
import { interventionFault } from '../../sim/scenario/intervention.ts';
import { ScenarioRun, runScenario } from '../../sim/scenario/run.ts';
import { hashTraceRecords, type TraceRecord } from '../../sim/engine/trace.ts';
import { builtIn, scenario } from '../helpers.ts';

const busy = () => builtIn('network/lossy-partition.json');

describe('determinism', () => {
  it('the same scenario and seed give the same trace hash, twice', () => {
    const a = runScenario(busy());
    const b = runScenario(busy());
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.events).toBe(b.events);
    expect(a.metrics).toEqual(b.metrics);
  });

  it('a different seed gives a different trace hash', () => {
    expect(runScenario(busy(), { seed: 1 }).traceHash).not.toBe(runScenario(busy(), { seed: 2 }).traceHash);
  });

  it('a run split into many small steps equals one run', () => {
    const whole = runScenario(busy());
    const run = new ScenarioRun(busy());
    let steps = 0;
    while (!run.done) {
      run.step(7);
      steps++;
    }
    expect(steps).toBeGreaterThan(1000);
    expect(run.finish().traceHash).toBe(whole.traceHash);
  });

  it('running to intermediate times, then to the end, equals one run', () => {
    const whole = runScenario(busy());
    const run = new ScenarioRun(busy());
    for (let t = 0; t < 60_000_000; t += 333_333) run.runUntil(t);
    expect(run.finish().traceHash).toBe(whole.traceHash);
  });

  it('an intervention made mid-run replays exactly from the fault log', () => {
    const live = new ScenarioRun(busy());
    live.runUntil(12_345_678);
    live.step(3); // stop between two events, as a click in the sandbox would
    const entry = live.inject(interventionFault({ type: 'crash', node: 'api', restartAfterMs: 2000 }, live.built.sim.now));
    const liveResult = live.finish();
    expect(liveResult.faultLog).toContainEqual(entry);

    const replay = runScenario(builtIn('network/lossy-partition.json', {
      faults: liveResult.faultLog.map((e) => e.fault),
    }));
    expect(replay.traceHash).toBe(liveResult.traceHash);
    expect(liveResult.traceHash).not.toBe(runScenario(busy()).traceHash);
  });

  it('the JSONL trace re-hashes to the run\'s trace hash', () => {
    const records: TraceRecord[] = [];
    const s = busy();
    const r = new ScenarioRun(s, { listeners: [(rec) => records.push(JSON.parse(JSON.stringify(rec)))] }).finish();
    expect(records.length).toBe(r.traceRecords);
    const nodes = [...s.nodes.map((n) => n.id), ...s.workloads.map((w) => w.id)];
    expect(hashTraceRecords(nodes, records)).toBe(r.traceHash);
    records[100] = { ...records[100], t: records[100].t + 1 };
    expect(hashTraceRecords(nodes, records)).not.toBe(r.traceHash);
  });

  it('listeners hear every record, including the states policies publish as they start', () => {
    const s = builtIn('resilience/cascading-failure.json', { durationMs: 2000 });
    const records: TraceRecord[] = [];
    const r = new ScenarioRun(s, { listeners: [(rec) => records.push(rec)] }).finish();
    expect(records.length).toBe(r.traceRecords);
    expect(records[0]).toMatchObject({ t: 0, k: 'state', key: 'api->payments.breaker.state', value: 'CLOSED' });
  });

  it('an intervention is normalised like a timeline fault, so exporting the log replays it', () => {
    const live = new ScenarioRun(busy());
    live.runUntil(5_000_000);
    const entry = live.inject(interventionFault({ type: 'crash', node: 'api' }, live.built.sim.now));
    expect(entry.fault).toEqual({ atMs: 5000.001, type: 'crash', node: 'api', restartAfterMs: null });
    expect(() => live.inject(interventionFault({ type: 'crash', node: 'ghost' }, live.built.sim.now))).toThrow(/ghost/);
    expect(() => interventionFault({ type: 'crash', node: 'api', restartAfterMs: -5 }, live.built.sim.now)).toThrow(/invalid intervention: restartAfterMs/);
    expect(() => live.inject(interventionFault({ type: 'crash', node: 'api' }, 0))).toThrow(/made for 0.001 ms injected at 5000.001 ms/);
  });

  it('adding an unrelated node does not change the random numbers the others draw', () => {
    const base = { durationMs: 5000, nodes: [{ id: 'a', kind: 'service', serviceTime: { type: 'exponential', meanMs: 5 } }],
      workloads: [{ id: 'c', kind: 'open', target: 'a', arrival: { type: 'poisson', ratePerSec: 100 } }] };
    const one = runScenario(scenario(base));
    const two = runScenario(scenario({ ...base, nodes: [...base.nodes, { id: 'z', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }] }));
    expect(two.metrics['c.latencyMs']).toEqual(one.metrics['c.latencyMs']);
  });
});
