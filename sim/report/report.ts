import { formatNumber } from '../check/checks.ts';
import type { TraceRecord } from '../engine/trace.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { chartSeriesColor, chartSeriesValue, chartUnit, seriesLabel, type ChartSpec } from '../scenario/charts.ts';
import { lineChart, stateBandsChart, type LineSeries } from './charts.ts';
import { esc, OUTCOME_COLORS, PALETTE } from './html.ts';
import { keyMetricValue, OUTCOMES, THROUGHPUT } from './key-metrics.ts';
import { spaceTimeDiagram } from './spacetime.ts';
import { faultMarks, stateBands } from './timeline.ts';

/**
 * The HTML report of one run: a single self-contained file (inline CSS and SVG, no scripts,
 * no fonts, nothing fetched — its Content-Security-Policy forbids it) that opens anywhere.
 * A pure function of the run: the same run gives the same bytes.
 */
export interface ReportInput {
  scenario: Scenario;
  result: RunResult;
  /** Trace records of the run (all, or what a `ReportCollector` kept). */
  records: readonly TraceRecord[];
  /** The command that replays the run. */
  replay: string;
  /** The scenario file as given on the command line. */
  file?: string;
  variant?: string;
  sets?: readonly string[];
  /** Messages in the space-time diagram. */
  firstMessages: number;
}

/** Rows of a table beyond which the report says "…and N more" (a scenario may have 100,000 nodes). */
const MAX_TABLE_ROWS = 60;

export function renderReport(input: ReportInput): string {
  const { scenario, result } = input;
  const endMs = result.simTimeUs / 1000;
  const faults = faultMarks(input.records, result.faultLog, endMs);
  const failed = result.checks.filter((c) => !c.ok).length;
  const workloads = scenario.workloads.map((w) => w.id);
  const order = [...workloads, ...scenario.nodes.map((n) => n.id)];
  const sections: string[] = [];

  // Identity and verdict.
  const outcome = result.outcome.status === 'completed' ? 'completed' : `stopped by a limit: ${result.outcome.reason}`;
  const identity: [string, string][] = [
    ['seed', String(result.seed)],
    ['scenario hash', result.scenarioHash],
    ['trace hash', result.traceHash],
    ['outcome', outcome],
    ['simulated time', `${formatNumber(endMs / 1000)} s`],
    ['events', formatNumber(result.events)],
  ];
  if (input.file) identity.unshift(['file', input.file]);
  if (input.variant) identity.push(['variant', input.variant]);
  for (const s of input.sets ?? []) identity.push(['--set', s]);
  sections.push(`<dl class="identity">${identity.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd></div>`).join('')}</dl>`);
  sections.push(
    `<p class="verdict ${failed === 0 ? 'pass' : 'fail'}">${result.checks.length === 0 ? 'No checks.' : failed === 0 ? `All ${result.checks.length} checks passed.` : `${failed} of ${result.checks.length} checks failed.`}</p>`,
  );

  // Key numbers.
  const rows = workloads.slice(0, MAX_TABLE_ROWS).map((id) => {
    const cell = (name: string) => {
      const v = keyMetricValue(result, name);
      return `<td>${v === null ? '—' : esc(formatNumber(v))}</td>`;
    };
    return `<tr><th scope="row">${esc(id)}</th>${cell(`${id}.requests`)}${OUTCOMES.map((o) => cell(`${id}.${o}`)).join('')}${cell(`${id}.${THROUGHPUT}`)}</tr>`;
  });
  if (rows.length > 0) {
    sections.push(
      `<h2>Requests</h2><table class="num"><thead><tr><th>workload</th><th>requests</th>${OUTCOMES.map((o) => `<th>${o}</th>`).join('')}<th>answered / s</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
        `<p class="note">answered / s: ok + fallback per simulated second. A fallback is a degraded success (the caller's policy answered instead of the callee).</p>`,
    );
  }
  const histograms = Object.entries(result.metrics).filter(([name, v]) => typeof v !== 'number' && 'p99' in v && /latency/i.test(name)) as [string, Record<string, number>][];
  const others = Object.entries(result.metrics).filter(([name, v]) => typeof v !== 'number' && 'p99' in v && !/latency/i.test(name)) as [string, Record<string, number>][];
  const histTable = (title: string, list: [string, Record<string, number>][]) =>
    `<h2>${esc(title)}</h2><table class="num"><thead><tr><th>distribution (ms)</th>${['count', 'mean', 'p50', 'p90', 'p99', 'max'].map((f) => `<th>${f}</th>`).join('')}</tr></thead><tbody>${list
      .slice(0, MAX_TABLE_ROWS)
      .map(([name, v]) => `<tr><th scope="row">${esc(name)}</th>${['count', 'mean', 'p50', 'p90', 'p99', 'max'].map((f) => `<td>${esc(formatNumber(v[f]))}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>${list.length > MAX_TABLE_ROWS ? `<p class="note">…and ${list.length - MAX_TABLE_ROWS} more (all of them in <code>run --json</code>).</p>` : ''}`;
  if (histograms.length > 0) sections.push(histTable('Latency percentiles', histograms));

  // Charts.
  const charts: string[] = [];
  const windowMs = Object.values(result.series)[0]?.windowMs ?? endMs / 200;
  const windows = Math.max(1, Math.ceil(endMs / windowMs - 1e-9));
  const perSec = (name: string): (number | null)[] | null => {
    const s = result.series[name];
    if (s === undefined) return null;
    return Array.from({ length: windows }, (_, i) => ((s.counts[i] ?? 0) * 1000) / s.windowMs);
  };
  // The scenario's own charts first: they tell its story.
  for (const chart of scenario.charts) charts.push(declaredChart(chart, result, endMs, faults));
  // The clients' charts after them, unless the scenario says the clients are not its story.
  const charted = scenario.clientCharts === false ? [] : workloads;
  const many = charted.length > 1;
  const answered: LineSeries[] = [];
  const trouble: LineSeries[] = [];
  const latency: LineSeries[] = [];
  charted.slice(0, 8).forEach((id, i) => {
    const prefix = many ? `${id} ` : '';
    const color = (o: string) => (many ? PALETTE[i % PALETTE.length] : OUTCOME_COLORS[o]);
    const ok = perSec(`${id}.ok`);
    if (ok) answered.push({ label: `${prefix}ok`, color: color('ok'), values: ok });
    const fb = perSec(`${id}.fallback`);
    if (fb && fb.some((v) => v !== 0)) answered.push({ label: `${prefix}fallback`, color: many ? color('fallback') : OUTCOME_COLORS.fallback, values: fb, dashed: true });
    for (const o of ['error', 'timeout', 'rejected']) {
      const v = perSec(`${id}.${o}`);
      if (v) trouble.push({ label: `${prefix}${o}`, color: many ? color(o) : OUTCOME_COLORS[o], values: v, dashed: many && o !== 'error' });
    }
    const s = result.series[`${id}.ok`];
    if (s?.p50Ms && s.p99Ms) {
      const at = (arr: number[]) => Array.from({ length: windows }, (_, w) => ((s.counts[w] ?? 0) > 0 && Number.isFinite(arr[w]) ? arr[w] : null));
      latency.push({ label: `${prefix}p50`, color: many ? color('ok') : '#4e79a7', values: at(s.p50Ms) });
      latency.push({ label: `${prefix}p99`, color: many ? color('ok') : '#e15759', values: at(s.p99Ms), dashed: true });
    }
  });
  if (answered.length > 0) charts.push(chartFigure('Answers per second', 'Successful answers (ok) and fallbacks per second of simulated time, per window.', lineChart({ title: 'Answers per second', yLabel: 'per second', windowMs, endMs, series: answered, faults })));
  if (trouble.length > 0) {
    const none = trouble.every((s) => s.values.every((v) => v === 0));
    charts.push(chartFigure('Errors, timeouts and rejections per second', none ? 'None in this run.' : 'Failed requests per second, by outcome.', lineChart({ title: 'Errors, timeouts and rejections per second', yLabel: 'per second', windowMs, endMs, series: trouble, faults })));
  }
  if (latency.length > 0) charts.push(chartFigure('Latency of successful requests', 'p50 and p99 of the requests that completed in each window (gaps: no successes in that window).', lineChart({ title: 'Latency of successful requests', yLabel: 'ms', windowMs, endMs, series: latency, faults })));
  const patternSeries = Object.keys(result.series).filter((name) => !workloads.some((id) => name.startsWith(`${id}.`) && OUTCOMES.some((o) => name === `${id}.${o}`)));
  if (patternSeries.length > 0) {
    const series = patternSeries.slice(0, 10).map((name, i) => ({ label: name, color: PALETTE[i % PALETTE.length], values: perSec(name) ?? [] }));
    charts.push(chartFigure('Pattern series per second', 'Per-window counts of the patterns\u2019 own series.', lineChart({ title: 'Pattern series per second', yLabel: 'per second', windowMs, endMs, series, faults })));
  }
  const bands = stateBands(input.records, scenario, endMs);
  if (bands.length > 0) charts.push(chartFigure('States over time', 'Named states from the trace: pattern states (e.g. a circuit breaker) and node status. Faded: the initial state, before its first recorded change.', stateBandsChart(bands, endMs, faults)));
  if (charts.length > 0) {
    const legend = faults.length > 0 ? `<p class="note"><span class="fault-key"></span> faults: shaded while they last, a dashed line where they start.</p>` : '';
    sections.push(`<h2>Over time</h2>${legend}${charts.join('\n')}`);
  }

  // Space-time diagram.
  const diagram = spaceTimeDiagram(input.records, { first: input.firstMessages, order });
  sections.push(
    `<h2>Space-time diagram</h2><p class="note">The first ${input.firstMessages} messages of the run: a vertical line per node, time flowing down; an arrow from each send to its delivery, a dashed red line ending in × for a drop. Hover an arrow for its details.</p><div class="scroll">${diagram}</div>`,
  );

  // Checks.
  if (result.checks.length > 0) {
    sections.push(
      `<h2>Checks</h2><table class="checks"><tbody>${result.checks
        .map((c) => `<tr class="${c.ok ? 'pass' : 'fail'}"><td class="badge">${c.ok ? 'PASS' : 'FAIL'}</td><td>${esc(c.name)}</td><td class="detail">${esc(c.detail)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  }
  sections.push(`<h2>Replay</h2><p class="note">Runs exactly this run again (same seed, same scenario, same trace hash):</p><pre><code>${esc(input.replay)}</code></pre>`);

  // Call paths, faults, other distributions.
  if (result.callPaths.some((c) => c.layers.length > 0)) {
    sections.push(`<h2>Call paths</h2><p class="note">Outermost policy first.</p><ul class="paths">${result.callPaths.map((c) => `<li><code>${esc(c.path)}: ${esc([...c.layers, c.target].join(' → '))}</code></li>`).join('')}</ul>`);
  }
  if (result.faultLog.length > 0) {
    const log = result.faultLog.slice(0, 500);
    sections.push(
      `<h2>Fault log</h2><table class="faults"><thead><tr><th>at</th><th>source</th><th>fault</th></tr></thead><tbody>${log
        .map((e) => `<tr><td>${esc(formatNumber(e.atUs / 1e6))} s</td><td>${esc(e.source)}</td><td><code>${esc(JSON.stringify(e.fault))}</code></td></tr>`)
        .join('')}</tbody></table>${result.faultLog.length > log.length ? `<p class="note">…and ${result.faultLog.length - log.length} more.</p>` : ''}`,
    );
  }
  if (others.length > 0) sections.push(histTable('Other distributions', others));

  const text = (label: string, value: string | undefined) => (value ? `<section class="text"><h2>${label}</h2><p>${esc(value)}</p></section>` : '');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="faultline report">
<title>${esc(scenario.title)} — Faultline report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<p class="kicker">Faultline run report</p>
<h1>${esc(scenario.title)}</h1>
<p class="description">${esc(scenario.description)}</p>
</header>
<main>
${sections[0]}
${sections[1]}
${text('What to watch', scenario.watch)}
${sections.slice(2).join('\n')}
${text('Notes', scenario.notes)}
</main>
<footer>Made by <code>npm run sim -- report</code>. Self-contained: nothing here is fetched from the network.</footer>
</body>
</html>
`;
}

/** A chart the scenario declares, from the run's metric windows (the sandbox draws it from the same definition). */
function declaredChart(chart: ChartSpec, result: RunResult, endMs: number, faults: ReturnType<typeof faultMarks>): string {
  const { windowMs, metrics } = result.chartWindows;
  const missing: string[] = [];
  const series: LineSeries[] = chart.series.map((s, i) => {
    const raw = metrics[s.metric];
    if (raw === undefined) missing.push(s.metric);
    return { label: seriesLabel(s), color: chartSeriesColor(i), values: (raw ?? []).map((v) => chartSeriesValue(s, v, windowMs * 1000)) };
  });
  const shows = { rate: 'per second in each window', count: 'per window', level: 'mean level in each window' }[chart.series[0].show];
  const caption = `${chart.series.map((s) => s.metric).join(', ')}: ${shows} (${windowMs} ms windows).${missing.length > 0 ? ` Not in this run: ${missing.join(', ')}.` : ''}`;
  return chartFigure(chart.title, caption, lineChart({ title: chart.title, yLabel: chartUnit(chart), windowMs, endMs, series, faults }));
}

function chartFigure(title: string, caption: string, svg: string): string {
  return `<figure class="chart"><figcaption><strong>${esc(title)}</strong> — ${esc(caption)}</figcaption>${svg}</figure>`;
}

const CSS = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5f6b76; --line: #d9dee3; --pass: #2e7d32; --fail: #c62828; --bg: #fff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 980px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
.kicker { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; }
h1 { margin: 4px 0 8px; font-size: 26px; line-height: 1.25; }
h2 { margin: 32px 0 10px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.description, .text p { white-space: pre-wrap; margin: 0 0 8px; }
.note { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
dl.identity { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px 18px; margin: 18px 0 8px; padding: 12px 14px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
dl.identity div { min-width: 0; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; overflow-wrap: anywhere; }
.verdict { font-weight: 600; padding: 8px 12px; border-radius: 6px; }
.verdict.pass { color: var(--pass); background: #e8f5e9; }
.verdict.fail { color: var(--fail); background: #ffebee; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; }
table.num td, table.num thead th:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
table.num td.left { text-align: left; }
table.checks td.badge { width: 52px; font-weight: 700; font-size: 12px; }
tr.pass td.badge { color: var(--pass); }
tr.fail td.badge { color: var(--fail); }
tr.fail { background: #fff5f5; }
td.detail { color: var(--muted); }
figure.chart { margin: 14px 0 22px; }
figcaption { font-size: 13.5px; margin-bottom: 4px; }
figcaption strong { font-size: 14.5px; }
svg { display: block; max-width: 100%; height: auto; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll svg { max-width: none; }
.fault-key { display: inline-block; width: 14px; height: 10px; background: rgba(225, 87, 89, .18); border-left: 1px dashed #c0392b; vertical-align: middle; }
ul.paths { padding-left: 20px; }
footer { margin-top: 40px; padding-bottom: 28px; color: var(--muted); font-size: 12.5px; }
`;
