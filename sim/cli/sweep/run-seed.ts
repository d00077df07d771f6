import { keyMetrics } from '../../report/key-metrics.ts';
import { runScenario, scenarioHash } from '../../scenario/run.ts';
import type { Scenario } from '../../scenario/schema.ts';
import type { SeedResult } from './protocol.ts';

/** Scenario hashes by scenario object: a worker runs one scenario for every seed it is given. */
const hashes = new WeakMap<Scenario, string>();

/** Runs one seed of a sweep. A run that throws is a failed seed, not a failed sweep. */
export function runSeed(scenario: Scenario, seed: number, metricNames: readonly string[]): SeedResult {
  try {
    let hash = hashes.get(scenario);
    if (hash === undefined) {
      hash = scenarioHash(scenario);
      hashes.set(scenario, hash);
    }
    const r = runScenario(scenario, { seed, scenarioHash: hash });
    return {
      seed,
      traceHash: r.traceHash,
      outcome: r.outcome.status === 'completed' ? 'completed' : `limit: ${r.outcome.reason}`,
      checks: { passed: r.checks.filter((c) => c.ok).map((c) => c.name), failed: r.checks.filter((c) => !c.ok).map((c) => c.name) },
      metrics: keyMetrics(r, metricNames),
    };
  } catch (e) {
    return {
      seed,
      traceHash: '',
      outcome: `crashed: ${e instanceof Error ? e.message : String(e)}`,
      checks: { passed: [], failed: ['the run completes without an exception'] },
      metrics: Object.fromEntries(metricNames.map((m) => [m, null])),
    };
  }
}
