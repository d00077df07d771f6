/**
 * The check that a scenario's charts name real metrics: every series a counter (shown as a
 * rate or a count) or a gauge (shown as a level) that the world registers as it is built.
 * Metric names exist only once a world is built, so this is not part of the schema; the
 * command line runs it when it loads a file, the sandbox's worker before a run.
 */
import { Counter, Gauge, type Metrics } from '../engine/metrics.ts';
import { buildWorld } from './build.ts';
import type { ChartSpec } from './charts.ts';
import type { ScenarioError } from './load.ts';
import { closestName } from './text.ts';
import type { Scenario } from './schema.ts';

export interface ChartCheckOptions {
  /**
   * Let a series name a metric the world lacks (it draws nothing, and says so). For a variant
   * or a `--set` that switches a pattern off: its metrics go with it, and the scenario's charts
   * of it stay. The scenario as written must have every metric its charts name.
   */
  allowMissing?: boolean;
}

/** Problems with the charts of `scenario`, found on a freshly built world (empty when it has no charts). */
export function chartErrors(scenario: Scenario, options: ChartCheckOptions = {}): ScenarioError[] {
  if (scenario.charts.length === 0) return [];
  return chartMetricProblems(scenario.charts, buildWorld(scenario, scenario.seed).sim.metrics, options);
}

export function chartMetricProblems(charts: readonly ChartSpec[], metrics: Metrics, options: ChartCheckOptions = {}): ScenarioError[] {
  const problems: ScenarioError[] = [];
  let known: string[] | null = null;
  charts.forEach((chart, c) => {
    chart.series.forEach((s, i) => {
      const path = `charts[${c}].series[${i}]`;
      const metric = metrics.find(s.metric);
      const name = JSON.stringify(s.metric);
      if (metric instanceof Counter) {
        if (s.show === 'level') problems.push({ path: `${path}.show`, message: `${name} is a counter: expected "rate" or "count", got "level"` });
      } else if (metric instanceof Gauge) {
        if (s.show !== 'level') problems.push({ path: `${path}.show`, message: `${name} is a gauge: expected "level", got ${JSON.stringify(s.show)}` });
      } else if (metric !== undefined) {
        problems.push({ path: `${path}.metric`, message: `${name} is a histogram: expected a counter or a gauge` });
      } else if (!options.allowMissing) {
        known ??= metrics.counterAndGaugeNames();
        problems.push({ path: `${path}.metric`, message: `no counter or gauge named ${name} in this scenario${suggestion(s.metric, known)}` });
      }
    });
  });
  return problems;
}

/** "; did you mean …?" with the closest name, else the names that share the first segment (a node's metrics). */
function suggestion(name: string, known: string[]): string {
  const close = closestName(name, known);
  if (close !== null) return `; did you mean ${JSON.stringify(close)}?`;
  const prefix = `${name.split('.')[0]}.`;
  const related = known.filter((k) => k.startsWith(prefix)).slice(0, 8);
  return related.length > 0 ? `; its ${prefix}… metrics: ${related.join(', ')}` : ' (`run --json` lists its metrics)';
}
