import { formatNumber, readMetric } from '../check/checks.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';

/**
 * The main metrics of a run, the rows of `compare` and `sweep` tables: for each workload its
 * requests and their outcomes, the latency of successes (p50, p99) and the throughput; then
 * every metric a check of the scenario (or of any compared variant) names.
 */

/** Outcome counters of a workload, in the order tables show them. */
export const OUTCOMES = ['ok', 'fallback', 'error', 'timeout', 'rejected'] as const;

/** Workloads beyond this many are left out of tables (their checks' metrics still appear). */
export const MAX_WORKLOADS_IN_TABLES = 10;

/**
 * A derived metric: answered requests (ok + fallback) per simulated second of the run. It is
 * not a metric of the run, so checks cannot name it.
 */
export const THROUGHPUT = 'throughputPerSec';

/** What key metrics are read from: a run's metrics and the span they cover. */
type MeasuredRun = Pick<RunResult, 'metrics' | 'simTimeUs'> & { measuredFromUs?: number };

export function keyMetricNames(scenarios: readonly Scenario[]): string[] {
  const names: string[] = [];
  const add = (name: string) => {
    if (!names.includes(name)) names.push(name);
  };
  const first = scenarios[0];
  if (first !== undefined) {
    for (const w of first.workloads.slice(0, MAX_WORKLOADS_IN_TABLES)) {
      add(`${w.id}.requests`);
      for (const o of OUTCOMES) add(`${w.id}.${o}`);
      add(`${w.id}.latencyMs.p50`);
      add(`${w.id}.latencyMs.p99`);
      add(`${w.id}.${THROUGHPUT}`);
    }
  }
  for (const s of scenarios) for (const c of s.checks) if (c.type === 'metric') add(c.metric);
  return names;
}

/** The value of a key metric in a run, or null if the run has no such metric. */
export function keyMetricValue(result: MeasuredRun, name: string): number | null {
  if (name.endsWith(`.${THROUGHPUT}`)) {
    const id = name.slice(0, -THROUGHPUT.length - 1);
    const ok = readMetric(result.metrics, `${id}.ok`);
    // Counters start after the warm-up, so the rate is over the measured span.
    const measuredUs = result.simTimeUs - (result.measuredFromUs ?? 0);
    if (ok === undefined || measuredUs <= 0) return null;
    const fallback = readMetric(result.metrics, `${id}.fallback`) ?? 0;
    return (ok + fallback) / (measuredUs / 1e6);
  }
  const v = readMetric(result.metrics, name);
  return v === undefined || !Number.isFinite(v) ? null : v;
}

export function keyMetrics(result: MeasuredRun, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [name, keyMetricValue(result, name)]));
}

/**
 * Goodput (ok answers per simulated second) may differ by this fraction of the larger side
 * before the latency of successes stops being comparable between two runs.
 */
export const GOODPUT_TOLERANCE = 0.1;

/**
 * Why the latency metric `name` (`<workload>.latencyMs.<q>`, of successful requests only) of
 * runs `a` and `b` cannot be judged better or worse, or null when it can. When one run
 * answers far fewer requests ok, its latency is over the few that still succeeded — the easy
 * ones, or those that came before the trouble — so lower latency there is not an improvement.
 */
export function latencyCaveat(a: Pick<RunResult, 'metrics' | 'simTimeUs'>, b: Pick<RunResult, 'metrics' | 'simTimeUs'>, name: string): string | null {
  const workload = /^(.+)\.latencyMs\.[a-z0-9]+$/.exec(name)?.[1];
  if (workload === undefined) return null;
  const goodput = (r: Pick<RunResult, 'metrics' | 'simTimeUs'>) => {
    const ok = keyMetricValue(r, `${workload}.ok`);
    return ok === null || r.simTimeUs <= 0 ? null : ok / (r.simTimeUs / 1e6);
  };
  const ga = goodput(a);
  const gb = goodput(b);
  if (ga === null || gb === null) return null;
  const high = Math.max(ga, gb);
  if (high === 0 || Math.abs(ga - gb) / high <= GOODPUT_TOLERANCE) return null;
  const fewer = ga < gb ? 'A' : 'B';
  const pct = Math.round((Math.abs(ga - gb) / high) * 100);
  return `not judged: ${fewer} answered ${pct}% fewer requests ok per second (A ${formatNumber(ga)}/s, B ${formatNumber(gb)}/s), so its latency is over the requests that still succeeded, not the same requests faster`;
}

/** The change from `base` to `value`: absolute, and in percent of |base| (0 → 0 is no change; 0 → x has no percentage). */
export function delta(base: number | null, value: number | null): { abs: number | null; pct: number | null } {
  if (base === null || value === null) return { abs: null, pct: null };
  const abs = value - base;
  return { abs, pct: base === 0 ? (abs === 0 ? 0 : null) : (abs / Math.abs(base)) * 100 };
}
