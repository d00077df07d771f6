import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { scenario } from '../helpers.ts';

/**
 * The four scenarios that fuzzing found crashing or hanging the engine although the validator
 * accepted them (issue 16). Each must now end quickly with a validation error or a reported
 * limit. The two that used to exhaust the heap run as `sim run --json` in a child process with
 * V8's heap capped at 1.5 GB and the default limits, so "ends before the heap does" is what is
 * tested, not assumed; the time budget is the test's timeout.
 */
const dir = mkdtempSync(join(tmpdir(), 'faultline-crashers-'));
const HEAP_MB = 1536;

const base = { version: 1, title: 'former crasher', description: 'issue 16' };
const oneWorker = (serviceMs: number) => [{ id: 's', kind: 'service', workers: 1, serviceTime: { type: 'constant', ms: serviceMs } }];

/** Runs the scenario through the command line in a child process with a capped heap. */
function runCapped(name: string, input: Record<string, unknown>) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...base, ...input }));
  const child = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'sim/cli.ts', 'run', path, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { signal: child.signal, status: child.status, stderr: child.stderr, result: child.stdout === '' ? null : (JSON.parse(child.stdout) as { outcome: unknown; events: number }) };
}

describe('the former crashers end with a validation error or a reported limit', () => {
  it('a burst of a billion requests is generated lazily, and the queue it builds ends the run (maxQueuedRequests)', () => {
    const r = runCapped('burst', {
      durationMs: 30_000,
      nodes: oneWorker(1),
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 1e9 }] } }],
    });
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/FATAL ERROR|heap out of memory|Invalid array length/);
    expect(r.result?.outcome).toEqual({ status: 'limit', reason: 'maxQueuedRequests' });
  }, 120_000);

  it('an overloaded unbounded queue over 1e12 ms ends with maxQueuedRequests before the heap runs out', () => {
    const r = runCapped('overloaded-queue', {
      durationMs: 1e12,
      nodes: oneWorker(10),
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 1000 } }],
    });
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/FATAL ERROR|heap out of memory/);
    expect(r.result?.outcome).toEqual({ status: 'limit', reason: 'maxQueuedRequests' });
  }, 120_000);

  it('a ramp that starts after the run makes no arrival and the run completes (it used to hang even with maxEvents 1)', () => {
    for (const maxEvents of [1, 50_000_000]) {
      const r = runScenario(scenario({
        durationMs: 1000,
        limits: { maxEvents },
        nodes: oneWorker(1),
        workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'ramp', fromRatePerSec: 0, toRatePerSec: 1000, rampStartMs: 1e12, rampDurationMs: 1000 } }],
      }));
      expect(r.outcome).toEqual({ status: 'completed' });
      expect(r.metrics['c.requests']).toBe(0);
    }
  });

  it('a ramp that starts very late in a long run does its work in a bounded number of events', () => {
    const r = runScenario(scenario({
      durationMs: 1e12,
      limits: { maxEvents: 10_000 },
      nodes: oneWorker(0),
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'ramp', fromRatePerSec: 0, toRatePerSec: 1000, rampStartMs: 9e11, rampDurationMs: 1e11 } }],
    }));
    // Arrivals do come (the rate reaches 1000/s), and the event limit, not a loop inside an event, ends the run.
    expect(r.outcome).toEqual({ status: 'limit', reason: 'maxEvents' });
    expect(r.metrics['c.requests']).toBeGreaterThan(1000);
    expect(r.simTimeUs).toBeGreaterThan(9e14);
  });

  it('a 1 µs metrics window over a 30 s run is refused, naming the smallest window allowed', () => {
    const r = validateScenario({
      ...base,
      durationMs: 30_000,
      metrics: { windowMs: 0.001 },
      nodes: oneWorker(1),
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'poisson', ratePerSec: 10 } }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ path: 'metrics.windowMs', message: 'expected at least 3 (durationMs / 10000: a run has at most 10000 windows), got 0.001' }]);
  });
});
