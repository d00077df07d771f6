/**
 * The metrics delta table of a comparison: the command line's key metrics (sim/report/
 * key-metrics.ts — each workload's requests and outcomes, latency p50/p99, throughput, and
 * every metric a check of either side names) for side A and side B, the change B − A, the
 * relative change, and whether the change is good or bad where the metric's direction is known.
 */
import { delta, keyMetricNames, keyMetrics, latencyCaveat, THROUGHPUT } from '../../sim/report/key-metrics.ts';
import type { RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { formatNumber } from '../format.ts';

/** Which way a metric should move: 'up' (more is better), 'down' (less is better), or null (neither is better). */
export type Direction = 'up' | 'down' | null;

/**
 * How B compares with A on one metric; null when the metric has no good direction or a side
 * lacks it; 'conditional' when it changed but cannot be judged on its own (see `note`).
 */
export type Verdict = 'better' | 'worse' | 'same' | 'conditional' | null;

export interface DeltaRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** B − A, or null when a side lacks the metric. */
  change: number | null;
  /** (B − A) / |A| as a fraction; null when a side lacks the metric or A is 0 and B is not. */
  relative: number | null;
  direction: Direction;
  verdict: Verdict;
  /** Why a 'conditional' verdict is not better or worse (the row's tooltip). */
  note?: string;
}

export interface ComparedSide {
  scenario: Scenario;
  result: Pick<RunResult, 'metrics' | 'simTimeUs'>;
}

/**
 * Direction by a metric's last name segment. `fallback` has none on purpose: a degraded answer
 * is better than a failure and worse than a real one, so more of it is good or bad depending
 * on what it replaced. Pattern counters (`retries`, `breaker.opened`) have none either: a
 * variant that removes the pattern makes them zero, which is neither good nor bad in itself.
 */
const DIRECTIONS: Record<string, Direction> = {
  ok: 'up',
  [THROUGHPUT]: 'up',
  error: 'down',
  errors: 'down',
  timeout: 'down',
  timeouts: 'down',
  rejected: 'down',
  dropped: 'down',
  p50: 'down',
  p90: 'down',
  p99: 'down',
  max: 'down',
};

export function metricDirection(metric: string): Direction {
  const segments = metric.split('.');
  const last = segments[segments.length - 1];
  // Quantiles are good low only for latency; a bare "p99" of another quantity says nothing.
  if (/^p\d+$|^max$/.test(last) && !segments.some((s) => /latency/i.test(s))) return null;
  return DIRECTIONS[last] ?? null;
}

/** The change from `a` to `b`: absolute, and relative to |a| as a fraction (the command line's `delta`, which gives percent). */
export function change(a: number | null, b: number | null): { change: number | null; relative: number | null } {
  const d = delta(a, b);
  return { change: d.abs, relative: d.pct === null ? null : d.pct / 100 };
}

export function verdictOf(diff: number | null, direction: Direction): Verdict {
  if (diff === null) return null;
  if (diff === 0) return 'same';
  if (direction === null) return null;
  return (diff > 0) === (direction === 'up') ? 'better' : 'worse';
}

/** One row per key metric of the two sides, in the command line's order. */
export function deltaRows(a: ComparedSide, b: ComparedSide): DeltaRow[] {
  const names = keyMetricNames([a.scenario, b.scenario]);
  const valuesA = keyMetrics(a.result, names);
  const valuesB = keyMetrics(b.result, names);
  return names.map((metric) => {
    const direction = metricDirection(metric);
    const d = change(valuesA[metric], valuesB[metric]);
    const verdict = verdictOf(d.change, direction);
    // Latency of successes says nothing on its own when far fewer requests succeed on one side.
    const note = verdict === 'better' || verdict === 'worse' ? latencyCaveat(a.result, b.result, metric) : null;
    if (note !== null) return { metric, a: valuesA[metric], b: valuesB[metric], ...d, direction, verdict: 'conditional', note };
    return { metric, a: valuesA[metric], b: valuesB[metric], ...d, direction, verdict };
  });
}

/** A value cell: the number, or a dash for a metric the run does not have. */
export function formatValue(v: number | null): string {
  return v === null ? '—' : formatNumber(v);
}

/** "+1,234", "−12.5", "0", "—". */
export function formatChange(v: number | null): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  return `${v > 0 ? '+' : '−'}${formatNumber(Math.abs(v))}`;
}

/** "+12.5%", "−100%", "0%", "new" (from zero), "—" (a side lacks the metric). */
export function formatRelative(row: Pick<DeltaRow, 'change' | 'relative'>): string {
  if (row.change === null) return '—';
  if (row.relative === null) return 'new';
  if (row.relative === 0) return '0%';
  const pct = Math.abs(row.relative) * 100;
  return `${row.relative > 0 ? '+' : '−'}${pct >= 100 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}
