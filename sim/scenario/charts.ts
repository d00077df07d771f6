/**
 * Charts a scenario declares: the counters and gauges that tell its story (fallbacks at the
 * API, a queue's depth, a breaker open, sagas compensated…), drawn over simulated time by the
 * sandbox, compare mode and the command line's HTML report from the same definition here:
 * the format (`ChartSchema`) and what each series shows in which unit (`chartSeriesValue`).
 * That every series names a metric of the right kind is checked on a built world
 * (chart-metrics.ts), since metric names exist only there.
 *
 * The engine records just the metrics the charts name, per metric window (MetricWindows):
 * a counter's count in each window, a gauge's time-weighted mean level in each window.
 * No Node imports: the browser uses this too.
 */
import { z } from 'zod';
import { chartMetricNames } from './chart-names.ts';

export { chartMetricNames };

export const MAX_CHARTS = 12;
export const MAX_SERIES_PER_CHART = 8;

/** How a series is drawn: a counter as a rate per second or a count per window, a gauge as its level. */
export const SHOW = ['rate', 'count', 'level'] as const;
export type Show = (typeof SHOW)[number];

const ChartSeriesSchema = z.strictObject({
  metric: z
    .string()
    .min(1)
    .max(300)
    .describe('A counter or gauge of the run, by the name `run --json` gives it (e.g. "api->payments.fallback.fallbacks", "api.queueDepth").'),
  show: z
    .enum(SHOW)
    .describe('rate: a counter per second of each window; count: a counter per window; level: a gauge, its time-weighted mean in each window.'),
  label: z.string().min(1).max(40).optional().describe('Legend text; default: the metric name.'),
});

export const ChartSchema = z
  .strictObject({
    title: z.string().min(1).max(80).describe('The chart\u2019s title.'),
    unit: z.string().min(1).max(30).optional().describe('Unit of the y axis; default "per s" for rates, "per window" for counts, none for levels.'),
    series: z.array(ChartSeriesSchema).min(1).max(MAX_SERIES_PER_CHART).describe('The lines, drawn on one y axis.'),
  })
  .superRefine((chart, ctx) => {
    // One axis, one unit: a rate beside a level would share a scale that means neither.
    chart.series.forEach((s, i) => {
      if (s.show !== chart.series[0].show) ctx.addIssue({ code: 'custom', path: ['series', i, 'show'], message: `expected "${chart.series[0].show}" like series[0] (a chart's lines share one axis)` });
    });
  })
  .meta({ id: 'Chart', description: 'A chart of counters or gauges over simulated time.' });

export type ChartSpec = z.output<typeof ChartSchema>;
export type ChartSeriesSpec = ChartSpec['series'][number];

export const ChartsSchema = z
  .array(ChartSchema)
  .max(MAX_CHARTS)
  .default(() => [])
  .describe('Charts of counters and gauges that tell the scenario\u2019s story, drawn after (or, with no workloads, instead of) the client charts.');

/** The y axis's unit of a chart. */
export function chartUnit(chart: ChartSpec): string {
  if (chart.unit !== undefined) return chart.unit;
  const show = chart.series[0].show;
  return show === 'rate' ? 'per s' : show === 'count' ? 'per window' : 'level';
}

export function seriesLabel(series: ChartSeriesSpec): string {
  return series.label ?? series.metric;
}

/** Colours of a chart's lines, in order (the report's palette). */
const SERIES_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#9c755f', '#edc948'];

/** The colour of a declared chart's line `i`, the same in the sandbox and the report. */
export function chartSeriesColor(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length];
}


/** The value a series draws for a window whose recorded value is `raw` (a count, or a mean level). */
export function chartSeriesValue(series: ChartSeriesSpec, raw: number, windowUs: number): number {
  return series.show === 'rate' ? (raw * 1e6) / windowUs : raw;
}
