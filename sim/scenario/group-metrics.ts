import { Histogram } from '../engine/histogram.ts';
import { Counter, Gauge, seriesSummary, TimeSeries, type Metrics, type MetricsSnapshot } from '../engine/metrics.ts';
import type { Micros } from '../engine/time.ts';

/**
 * Per-group metrics: a node group's members report as one (sim/scenario/groups.ts), so a
 * result's size grows with groups, not nodes. A member's metric `web-3.sojournMs` (or a call
 * path's `web-3->db.breaker…`) folds into `web.sojournMs`:
 * - counters add up;
 * - gauges: `value` and `mean` add up (the time average of a sum is the sum of the time
 *   averages, so Little's law holds for the group), `max` is the largest member's max;
 * - histograms merge bucket by bucket, so the group's percentiles are exact over all samples;
 * - series add up window by window, latency samples included.
 * A load balancer's per-host metrics fold the same way: `….host.web-3.requests` into
 * `….host.web.requests`. `<group>.instances` counts the members. Members keep their own metrics where asked to
 * (`keepDetail`: every member on request, and the members a check names).
 */
export interface GroupedMetrics {
  /** The groups' metrics, flattened like a run result's `metrics`. */
  metrics: Record<string, number | Record<string, number>>;
  series: MetricsSnapshot['series'];
  /** Whether the member metric `name` is left out of the result (it is folded into its group's). */
  folded(name: string): boolean;
}

/** Which node a metric belongs to: the longest node id that `name` starts with, cut at `.` or `->`. */
export function metricOwner(name: string, nodeIds: ReadonlySet<string>): string | null {
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '.' && !name.startsWith('->', i)) continue;
    const candidate = name.slice(0, i);
    if (nodeIds.has(candidate)) return candidate;
  }
  return null;
}

export function groupMetrics(
  metrics: Metrics,
  now: Micros,
  groupOf: ReadonlyMap<string, string>,
  nodeIds: ReadonlySet<string>,
  keepDetail: (instance: string) => boolean,
): GroupedMetrics {
  const groupName = (name: string): string | null => fold(name, groupOf, nodeIds)?.name ?? null;
  const out: GroupedMetrics['metrics'] = {};
  const merged = new Map<string, { counter?: number; gauge?: { value: number; mean: number; max: number }; histogram?: Histogram }>();
  for (const [name, metric] of metrics.entries()) {
    const target = groupName(name);
    if (target === null) continue;
    const acc = merged.get(target) ?? {};
    merged.set(target, acc);
    if (metric instanceof Counter) acc.counter = (acc.counter ?? 0) + metric.value;
    else if (metric instanceof Gauge) acc.gauge = addGauge(acc.gauge, metric, now);
    else (acc.histogram ??= new Histogram(metric.scale)).merge(metric);
  }
  for (const [name, acc] of merged) out[name] = acc.counter ?? acc.gauge ?? { ...acc.histogram!.summary() };
  for (const group of groupOf.values()) out[`${group}.instances`] = ((out[`${group}.instances`] as number | undefined) ?? 0) + 1;

  const series = new Map<string, TimeSeries>();
  for (const [name, s] of metrics.seriesEntries()) {
    const target = groupName(name);
    if (target === null) continue;
    if (!series.has(target)) series.set(target, new TimeSeries(s.windowUs));
    series.get(target)!.absorb(s);
  }
  const seriesOut: MetricsSnapshot['series'] = {};
  for (const [name, s] of series) seriesOut[name] = seriesSummary(s);

  const folded = (name: string) => {
    const f = fold(name, groupOf, nodeIds);
    return f !== null && !keepDetail(f.member);
  };
  return { metrics: out, series: seriesOut, folded };
}

const HOST = '.host.';

/** The group metric that member metric `name` folds into, and the member; null if it is no member's. */
function fold(name: string, groupOf: ReadonlyMap<string, string>, nodeIds: ReadonlySet<string>): { name: string; member: string } | null {
  const owner = metricOwner(name, nodeIds);
  const group = owner === null ? undefined : groupOf.get(owner);
  if (group !== undefined) return { name: group + name.slice(owner!.length), member: owner! };
  const at = name.indexOf(HOST);
  if (at < 0) return null;
  const end = name.lastIndexOf('.');
  const host = name.slice(at + HOST.length, end);
  const hostGroup = groupOf.get(host);
  return hostGroup === undefined ? null : { name: `${name.slice(0, at + HOST.length)}${hostGroup}${name.slice(end)}`, member: host };
}

function addGauge(acc: { value: number; mean: number; max: number } | undefined, g: Gauge, now: Micros) {
  const mean = g.timeAverage(now);
  if (acc === undefined) return { value: g.value, mean, max: g.max };
  return { value: acc.value + g.value, mean: acc.mean + mean, max: Math.max(acc.max, g.max) };
}

/** The group of each instance, from a validated scenario's nodes and workloads (empty without groups). */
export function instanceGroups(scenario: { nodes: readonly { id: string; group?: string }[]; workloads: readonly { id: string; group?: string }[] }): Map<string, string> {
  const groupOf = new Map<string, string>();
  for (const n of [...scenario.nodes, ...scenario.workloads]) if (n.group !== undefined) groupOf.set(n.id, n.group);
  return groupOf;
}
