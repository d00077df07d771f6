import { hashString } from '../engine/hash.ts';
import type { MetricsSnapshot } from '../engine/metrics.ts';
import type { Outcome } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { TraceKind, type TraceListener } from '../engine/trace.ts';
import { createChecks, type CheckResult, type ScenarioChecks } from '../check/checks.ts';
import type { FaultLogEntry, FaultSpec } from '../faults/faults.ts';
import { buildWorld, workloadCallPath, type BuiltWorld } from './build.ts';
import { pathInvariants, type PolicySpec } from '../patterns/registry.ts';
import { NODE_KINDS } from '../patterns/node-kinds.ts';
import { canonicalJson } from './text.ts';
import type { Scenario } from './schema.ts';
import { chartMetricNames } from './chart-names.ts';
import { groupMetrics, instanceGroups, metricOwner } from './group-metrics.ts';

/**
 * Running a scenario: in one go (`runScenario`, the command line) or step by step
 * (`ScenarioRun`, the sandbox), with the same result either way.
 */
export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Receive every trace record as it is emitted. */
  listeners?: TraceListener[];
  /** The scenario's `scenarioHash`, when the caller has it already (a sweep runs one scenario many times). */
  scenarioHash?: string;
  /** Report every member of a node group on its own, besides the group (default: the group, and the members checks name). */
  perNodeMetrics?: boolean;
}

export interface RunResult {
  scenario: string;
  seed: number;
  scenarioHash: string;
  traceHash: string;
  events: number;
  traceRecords: number;
  simTimeUs: Micros;
  /** When counters, histograms and gauges' means began: 0, or the end of `metrics.warmupMs` if the run got there. */
  measuredFromUs: Micros;
  outcome: Outcome;
  /** Counters as numbers; gauges as {value, mean, max}; histograms as {count, mean, p50, p90, p99, max}. */
  metrics: Record<string, number | Record<string, number>>;
  series: MetricsSnapshot['series'];
  /** Per metric window, the metrics the scenario's charts name: a counter's count, a gauge's time-weighted mean level. */
  chartWindows: ChartWindows;
  checks: CheckResult[];
  faultLog: FaultLogEntry[];
  /** Every call path, its policies outermost first: the order is part of the scenario. */
  callPaths: CallPathInfo[];
}

export interface ChartWindows {
  windowMs: number;
  /** Values by metric name, one per window; a metric the run does not have is absent. */
  metrics: Record<string, number[]>;
}

export interface CallPathInfo {
  /** The workload id, or `<service>-><dependency>`; policy metrics are named `<path>.<layer>…`. */
  path: string;
  target: string;
  layers: string[];
}

/** The call paths of a scenario, for reports. */
export function callPaths(scenario: Scenario): CallPathInfo[] {
  const describe = (specs: readonly PolicySpec[]) => specs.map((p) => (p.name && p.name !== p.type ? `${p.name} (${p.type})` : p.type));
  return [
    ...scenario.workloads.map((w) => ({ path: w.id, target: w.target, layers: describe(workloadCallPath(w)) })),
    ...scenario.nodes.flatMap((n) => (n.kind === 'service' ? n.calls.map((c) => ({ path: `${n.id}->${c.to}`, target: c.to, layers: describe(c.callPath) })) : [])),
  ];
}

/** The scenario's identity: a hash of its canonical JSON, leaving out the seed (reported apart) and the editor's `$schema` hint. */
export function scenarioHash(scenario: Scenario): string {
  // With node groups, the scenario as written: a million instances need not be hashed one by one.
  const { seed: _seed, $schema: _schema, ...rest } = scenario.declared ?? scenario;
  return hashString(canonicalJson(rest));
}

export class ScenarioRun {
  readonly built: BuiltWorld;
  readonly seed: number;
  private readonly checks: ScenarioChecks;
  private result: RunResult | null = null;
  private readonly knownScenarioHash: string | undefined;
  private readonly perNodeMetrics: boolean;

  constructor(readonly scenario: Scenario, options: RunOptions = {}) {
    this.seed = options.seed ?? scenario.seed;
    this.knownScenarioHash = options.scenarioHash;
    this.perNodeMetrics = options.perNodeMetrics ?? false;
    this.checks = createChecks(scenario, patternInvariants(scenario));
    const listeners = [...(this.checks.listener !== null ? [this.checks.listener] : []), ...(options.listeners ?? [])];
    this.built = buildWorld(scenario, this.seed, listeners);
    const charted = chartMetricNames(scenario.charts);
    if (charted.length > 0) this.built.sim.recordWindows(charted);
  }

  get now(): Micros {
    return this.built.sim.now;
  }

  get done(): boolean {
    return this.built.sim.finished;
  }

  /** Processes at most `n` events. */
  step(n = 1): number {
    return this.built.sim.step(n);
  }

  /** Runs up to simulated time `us`. */
  runUntil(us: Micros): void {
    this.built.sim.run(us);
  }

  /**
   * An intervention at the current instant: `fault` as `interventionFault` (intervention.ts)
   * made it for this instant — it lands 1 µs from now and enters the fault log. Throws for an
   * unknown node, or a fault made for another instant.
   */
  inject(fault: FaultSpec): FaultLogEntry {
    const atUs = this.built.sim.now + 1;
    if (Math.round(fault.atMs * 1000) !== atUs) throw new Error(`an intervention made for ${fault.atMs} ms injected at ${atUs / 1000} ms`);
    for (const name of faultNodes(fault)) this.built.world.node(name); // throws for an unknown node
    return this.built.faults.schedule(fault, 'injected');
  }

  /** Runs to the end and evaluates the checks; calling it again returns the same result. */
  finish(): RunResult {
    if (this.result !== null) return this.result;
    const { sim, faults } = this.built;
    sim.run();
    sim.finishWindows();
    const { metrics, series } = this.reportedMetrics();
    const measuredFromUs = sim.metrics.measuringSinceUs;
    const checks = this.checks.evaluate({ metrics, series, simTimeUs: sim.now, measuredFromUs });
    for (const c of checks) sim.trace.emit(TraceKind.check, sim.now, -1, c.name, c.ok ? 1 : 0, c.detail);
    this.result = {
      scenario: this.scenario.title,
      seed: this.seed,
      scenarioHash: this.knownScenarioHash ?? scenarioHash(this.scenario),
      traceHash: sim.trace.hex(),
      events: sim.events,
      traceRecords: sim.trace.count,
      simTimeUs: sim.now,
      measuredFromUs,
      outcome: sim.outcome(),
      metrics,
      series,
      chartWindows: chartWindows(sim),
      checks,
      faultLog: faults.log.slice(),
      callPaths: callPaths(this.scenario),
    };
    return this.result;
  }

  /**
   * Every metric and series, with node groups reported as one (sim/scenario/group-metrics.ts):
   * a member's own metrics are left out, except with `perNodeMetrics` and for the members a
   * check names, so checks find everything they ask for.
   */
  private reportedMetrics(): { metrics: RunResult['metrics']; series: RunResult['series'] } {
    const { sim, nodeNames } = this.built;
    const groupOf = instanceGroups(this.scenario);
    if (groupOf.size === 0) {
      const snapshot = sim.metrics.snapshot(sim.now);
      return { metrics: flattenMetrics(snapshot), series: snapshot.series };
    }
    const nodeIds = new Set(nodeNames);
    const named = this.scenario.checks.map((c) => (c.type === 'metric' ? c.metric : c.type === 'rate' ? c.series : 'node' in c ? `${c.node}.` : ''));
    const detail = new Set(named.map((name) => metricOwner(name, nodeIds)));
    const grouped = groupMetrics(sim.metrics, sim.now, groupOf, nodeIds, (id) => this.perNodeMetrics || detail.has(id));
    const snapshot = sim.metrics.snapshot(sim.now, (name) => !grouped.folded(name));
    return {
      metrics: sortedRecord([...Object.entries(flattenMetrics(snapshot)), ...Object.entries(grouped.metrics)]),
      series: sortedRecord([...Object.entries(snapshot.series), ...Object.entries(grouped.series)]),
    };
  }
}

/** Node names a fault refers to. */
function faultNodes(f: FaultSpec): string[] {
  const names: string[] = [];
  if ('node' in f && typeof f.node === 'string') names.push(f.node);
  if ('link' in f && f.link) names.push(f.link.from, f.link.to);
  if ('groups' in f && f.groups) names.push(...f.groups.flat());
  if ('from' in f && f.from) names.push(...f.from);
  if ('to' in f && f.to) names.push(...f.to);
  return names;
}

/** The invariants every policy on every call path brings, named after their layer. */
function patternInvariants(scenario: Scenario) {
  const paths = [
    ...scenario.workloads.map((w) => ({ node: w.id, path: w.id, specs: workloadCallPath(w) })),
    ...scenario.nodes.flatMap((n) => (n.kind === 'service' ? n.calls.map((c) => ({ node: n.id, path: `${n.id}->${c.to}`, specs: c.callPath })) : [])),
    // A sidecar's own policies (sim/patterns/sidecar.ts): on requests coming in, and below each call.
    ...scenario.nodes.flatMap((n) =>
      n.kind === 'service' && n.sidecar !== undefined && n.sidecar !== null
        ? [{ node: n.id, path: `${n.id}.sidecar.in`, specs: n.sidecar.inbound }, ...n.calls.map((c) => ({ node: n.id, path: `${n.id}->${c.to}.sidecar`, specs: n.sidecar!.outbound }))]
        : [],
    ),
  ];
  const ofPolicies = paths.flatMap(({ node, path, specs }) => pathInvariants(node, path, specs).map((invariant) => ({ name: `${invariant.describe()}`, invariant })));
  const ofNodes = scenario.nodes.flatMap((n) => (n.kind === 'service' ? [] : NODE_KINDS[n.kind].invariants?.(n, scenario.nodes) ?? []));
  return [...ofPolicies, ...ofNodes];
}

export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  return new ScenarioRun(scenario, options).finish();
}

function chartWindows(sim: BuiltWorld['sim']): ChartWindows {
  const w = sim.windows;
  const metrics: Record<string, number[]> = {};
  // A metric the run never had (a variant without the pattern) is left out, not shown as zeros.
  w?.names.forEach((name, i) => {
    if (sim.metrics.find(name) !== undefined) metrics[name] = w.values[i].slice();
  });
  return { windowMs: sim.metrics.windowUs / 1000, metrics };
}

function flattenMetrics(s: MetricsSnapshot): RunResult['metrics'] {
  const out: RunResult['metrics'] = {};
  for (const [k, v] of Object.entries(s.counters)) out[k] = v;
  for (const [k, v] of Object.entries(s.gauges)) out[k] = { ...v };
  for (const [k, v] of Object.entries(s.histograms)) out[k] = { ...v };
  return sortedRecord(Object.entries(out));
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
