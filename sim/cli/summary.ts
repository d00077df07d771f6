import { formatNumber } from '../check/checks.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { cutShortNote } from './common.ts';

/** The human-readable summary of a run: identity, outcome, metrics table, checks. */
export function formatSummary(r: RunResult, replay: string, scenario: Pick<Scenario, 'limits'>): string {
  const lines: string[] = [];
  lines.push(r.scenario);
  lines.push(`  seed ${r.seed} · scenario ${r.scenarioHash} · trace ${r.traceHash}`);
  const outcome = r.outcome.status === 'completed' ? 'completed' : `stopped by limit: ${r.outcome.reason}${scenario.limits.expected?.includes(r.outcome.reason) ? ' (expected: listed in limits.expected)' : ''}`;
  lines.push(`  ${outcome} at t=${formatDuration(r.simTimeUs)} after ${r.events.toLocaleString('en-US')} events`);
  if (r.measuredFromUs > 0) lines.push(`  metrics measured from t=${formatDuration(r.measuredFromUs)} (after the warm-up; series cover the whole run)`);
  lines.push('');
  if (r.callPaths.some((c) => c.layers.length > 0)) {
    lines.push('Call paths (outermost policy first):');
    for (const c of r.callPaths) lines.push(`  ${c.path}: ${[...c.layers, c.target].join(' → ')}`);
    lines.push('');
  }
  lines.push(...metricsTable(r.metrics));
  lines.push('');
  const failed = r.checks.filter((c) => !c.ok).length;
  lines.push(r.checks.length === 0 ? 'No checks.' : `Checks: ${r.checks.length - failed} passed, ${failed} failed`);
  for (const c of r.checks) lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name} — ${c.detail}`);
  if (failed > 0) {
    lines.push('');
    lines.push(`Replay: ${replay}`);
  }
  const cutShort = cutShortNote(scenario, r.outcome);
  if (cutShort !== null) lines.push('', cutShort);
  return lines.join('\n');
}

function metricsTable(metrics: RunResult['metrics']): string[] {
  const counters: [string, string][] = [];
  const hist: string[][] = [];
  const gauges: string[][] = [];
  for (const [name, v] of Object.entries(metrics)) {
    if (typeof v === 'number') counters.push([name, formatNumber(v)]);
    else if ('p99' in v) hist.push([name, ...['count', 'mean', 'p50', 'p90', 'p99', 'max'].map((f) => formatNumber(v[f]))]);
    else gauges.push([name, formatNumber(v.value), formatNumber(v.mean), formatNumber(v.max)]);
  }
  const out: string[] = [];
  if (hist.length > 0) out.push(...table(['distribution', 'count', 'mean', 'p50', 'p90', 'p99', 'max'], hist), '');
  if (gauges.length > 0) out.push(...table(['gauge', 'now', 'time-avg', 'max'], gauges), '');
  if (counters.length > 0) out.push(...table(['counter', 'value'], counters));
  return out;
}

/** A text table: the first column left-aligned, the others right-aligned, indented by two. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(header), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

export function formatDuration(us: number): string {
  if (us >= 3_600_000_000) return `${formatNumber(us / 3_600_000_000)} h`;
  if (us >= 1_000_000) return `${formatNumber(us / 1_000_000)} s`;
  return `${formatNumber(us / 1000)} ms`;
}
