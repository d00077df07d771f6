import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { MAX_COUNT, MAX_MS, MAX_RATE_PER_SEC, MAX_WORKERS } from '../../sim/scenario/schema.ts';

/**
 * Scenarios at the validator's extremes — the smallest and largest values each field accepts,
 * and a few just outside — must each end with `completed`, a reported limit, or a validation
 * error: never a hang, a crash or an exhausted heap. Every run is capped by a small
 * `maxEvents` (the property is about work that escapes the limits, and a limit that is
 * reached is a pass), so the whole test is a few dozen small runs.
 */
const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Mostly `values`, now and then one just outside what the validator accepts. */
const orBeyond = <T>(beyond: T, ...values: T[]) => fc.oneof({ arbitrary: pick(...values), weight: 9 }, { arbitrary: pick(beyond), weight: 1 });
const TINY = 1e-3;

const durationMs = pick(TINY, 1, 1000, 1e6, MAX_MS);
const ms = pick(0, TINY, 1, 1000, MAX_MS);
const dist = fc.oneof(
  ms.map((v) => ({ type: 'constant', ms: v })),
  pick(TINY, 1, MAX_MS).map((v) => ({ type: 'exponential', meanMs: v })),
  fc.record({ type: pick('pareto'), scaleMs: pick(TINY, MAX_MS), shape: pick(1e-9, 1, 1e9) }),
  fc.record({ type: pick('lognormal'), medianMs: pick(TINY, MAX_MS), sigma: pick(0, 1, 1e3) }),
  fc.record({ type: pick('normal'), meanMs: ms, stdDevMs: ms }),
  fc.record({ type: pick('uniform'), minMs: pick(0), maxMs: ms }),
);
const rate = orBeyond(2 * MAX_RATE_PER_SEC, 1e-9, 1, 1000, MAX_RATE_PER_SEC);
const arrival = fc.oneof(
  rate.map((r) => ({ type: 'poisson', ratePerSec: r })),
  rate.map((r) => ({ type: 'constant', ratePerSec: r })),
  fc.array(fc.record({ atMs: ms, count: orBeyond(10 * MAX_COUNT, 1, 1000, MAX_COUNT) }), { minLength: 1, maxLength: 3 }).map((bursts) => ({ type: 'bursts', bursts })),
  fc.array(fc.record({ atMs: ms, ratePerSec: pick(0, 1, MAX_RATE_PER_SEC) }), { minLength: 1, maxLength: 3 }).map((steps) => ({ type: 'steps', steps })),
  fc.record({ type: pick('ramp'), fromRatePerSec: pick(0, 1, MAX_RATE_PER_SEC), toRatePerSec: pick(0, 1e-9, MAX_RATE_PER_SEC), rampStartMs: ms, rampDurationMs: ms }),
);
const service = (id: string) => fc.record({
  id: pick(id),
  kind: pick('service'),
  workers: pick(1, 100, MAX_WORKERS),
  queueCapacity: pick(null, 0, MAX_COUNT),
  queueDiscipline: pick('fifo', 'lifo', 'adaptive-lifo'),
  serviceTime: dist,
  errorProbability: pick(0, 1),
  slowdownFactor: pick(1e-9, 1, 1e9),
  dropExpired: fc.boolean(),
});
const timing = { timeoutMs: pick(null, TINY, MAX_MS), startMs: pick(0, MAX_MS), stopMs: pick(null, MAX_MS) };
const workload = (id: string) => fc.oneof(
  fc.record({ id: pick(id), kind: pick('open'), target: pick('a', 'b'), arrival, ...timing }),
  fc.record({ id: pick(id), kind: pick('closed'), target: pick('a', 'b'), clients: pick(1, 1000, 100_000), thinkTime: dist, ...timing }),
);
const extremeScenario = fc.record({
  version: pick(1),
  title: pick('extremes'),
  description: pick('a scenario at the validator\'s extremes'),
  durationMs,
  limits: fc.record({
    maxEvents: pick(1, 1000, 20_000),
    maxPendingEvents: pick(1, 1000, 5_000_000),
    maxMessagesInFlight: pick(1, 1000, 1_000_000),
    maxQueuedRequests: pick(1, 1000, 1_000_000),
  }),
  // Windows per run and the warm-up's share of it; the metrics are made from them below.
  windowsPerRun: orBeyond(1e9, 1, 200, 10_000, null),
  warmupShare: orBeyond(1, 0, 0.5, null),
  network: fc.record({
    latency: dist,
    lossProbability: pick(0, 1),
    duplicateProbability: pick(0, 1),
    capacityPerSec: pick(null, 1e-9, MAX_RATE_PER_SEC),
    queueLimit: pick(0, MAX_COUNT),
  }),
  nodes: fc.tuple(service('a'), service('b')),
  workloads: fc.tuple(workload('w1'), workload('w2')),
  faults: fc.array(fc.oneof(
    fc.record({ atMs: ms, type: pick('pause'), node: pick('a', 'b'), durationMs: pick(null, MAX_MS) }),
    fc.record({ atMs: ms, type: pick('crash'), node: pick('a', 'b'), restartAfterMs: pick(null, TINY) }),
  ), { maxLength: 2 }),
}).map(({ windowsPerRun, warmupShare, ...rest }) => ({
  ...rest,
  // More than 10,000 windows, or a warm-up as long as the run, is refused.
  metrics: {
    ...(windowsPerRun === null ? {} : { windowMs: Math.max(TINY, rest.durationMs / windowsPerRun) }),
    ...(warmupShare === null ? {} : { warmupMs: rest.durationMs * warmupShare }),
  },
}));

describe('scenarios at the validator\'s extremes', () => {
  it('each is refused with field paths, or runs to completion or to a reported limit', () => {
    const ends = { invalid: 0, completed: 0, limit: 0 };
    fc.assert(
      fc.property(extremeScenario, (input) => {
        const v = validateScenario(input);
        if (!v.ok) {
          ends.invalid++;
          for (const e of v.errors) expect(e.path).not.toBe('');
          return;
        }
        const r = runScenario(v.scenario);
        ends[r.outcome.status]++;
        expect(['completed', 'limit']).toContain(r.outcome.status);
        expect(r.events).toBeLessThanOrEqual(v.scenario.limits.maxEvents);
        // Whatever the run built stays far from the heap's end (V8 does not give memory back
        // at once, so the resident size after a run bounds what it held).
        expect(process.memoryUsage().rss).toBeLessThan(1.5e9);
      }),
      { numRuns: 60, seed: 16 },
    );
    // The generator reaches every ending, so none of the three is tested vacuously.
    expect(ends.invalid).toBeGreaterThan(0);
    expect(ends.completed).toBeGreaterThan(0);
    expect(ends.limit).toBeGreaterThan(0);
  }, 300_000);
});
