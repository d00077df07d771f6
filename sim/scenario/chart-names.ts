/** The metric names a scenario's charts use, apart from the charts' schema (charts.ts) so the engine can ask without zod. */
import type { ChartSpec } from './charts.ts';

/** The metrics a scenario's charts name, each once, in order of first mention: what the engine records. */
export function chartMetricNames(charts: readonly ChartSpec[]): string[] {
  return [...new Set(charts.flatMap((c) => c.series.map((s) => s.metric)))];
}
