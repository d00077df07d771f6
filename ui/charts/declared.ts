/**
 * The charts the sandbox and compare mode draw for a scenario: the client charts (from the
 * request spans) when it has workloads (unless it says `clientCharts: false`), then the charts the scenario declares, from the metric
 * windows the worker streams. What a declared series shows, in which unit and colour, comes
 * from sim/scenario/charts.ts, which the HTML report uses too.
 */
import { chartMetricNames, chartSeriesColor, chartSeriesValue, chartUnit, seriesLabel, type ChartSpec as DeclaredChart } from '../../sim/scenario/charts.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { CHARTS, type ChartSpec } from './view.ts';

export function chartsFor(scenario: Pick<Scenario, 'workloads' | 'charts' | 'clientCharts'>): ChartSpec[] {
  const metrics = chartMetricNames(scenario.charts);
  const declared = scenario.charts.map((chart, i) => declaredChart(chart, i, metrics));
  const clients = scenario.workloads.length > 0 && scenario.clientCharts !== false;
  return [...(clients ? CHARTS : []), ...declared];
}

function declaredChart(chart: DeclaredChart, index: number, metrics: readonly string[]): ChartSpec {
  return {
    id: `declared-${index}`,
    title: chart.title,
    unit: chartUnit(chart),
    lines: chart.series.map((series, i) => {
      const m = metrics.indexOf(series.metric);
      return {
        name: seriesLabel(series),
        className: 'declared',
        color: chartSeriesColor(i),
        value: (store, w) => {
          const raw = store.chartWindows[m]?.[w];
          return raw === undefined ? null : chartSeriesValue(series, raw, store.setup.windowUs);
        },
      };
    }),
  };
}
