import type { TraceListener } from '../engine/trace.ts';
import type { Check, Scenario } from '../scenario/schema.ts';
import { invariantListener } from './dispatch.ts';
import { NoDeliveryToDownNode, NoPartitionCrossing, type TraceInvariant } from './invariants.ts';
import { mm1MeanSojourn, mm1MeanWait, mmcMeanSojourn, mmcMeanWait } from './queueing.ts';

/**
 * A scenario's checks: what a correct run must show. Trace invariants watch the run as it
 * happens; metric, theory and Little's-law checks read the final metrics.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the checks read at the end of a run. */
export interface CheckContext {
  /** Metric name → number (counters) or an object of numbers (histograms, gauges). */
  metrics: Record<string, number | Record<string, number>>;
  /** Per-window counts of the run's time series. */
  series: Record<string, { windowMs: number; counts: number[] }>;
  simTimeUs: number;
  /** When the metrics began accumulating (the end of the warm-up; 0 without one). */
  measuredFromUs?: number;
}

export interface ScenarioChecks {
  /** Listens to the trace; only present when some check needs it. */
  listener: TraceListener | null;
  evaluate(ctx: CheckContext): CheckResult[];
}

/**
 * The scenario's own checks, plus the invariants its patterns bring (`automatic`: e.g. no
 * call passes an open breaker), which every run checks whether the scenario asks or not.
 */
export function createChecks(scenario: Scenario, automatic: { name: string; invariant: TraceInvariant }[] = []): ScenarioChecks {
  const invariants = new Map<Check, TraceInvariant>();
  for (const check of scenario.checks) {
    if (check.type === 'no-partition-crossing') invariants.set(check, new NoPartitionCrossing());
    else if (check.type === 'no-delivery-to-down-node') invariants.set(check, new NoDeliveryToDownNode());
  }
  const watchers = [...invariants.values(), ...automatic.map((a) => a.invariant)];
  return {
    listener: watchers.length === 0 ? null : invariantListener(watchers),
    evaluate: (ctx) => {
      for (const w of watchers) w.finish?.(ctx.simTimeUs);
      return evaluateAll(ctx);
    },
  };

  function evaluateAll(ctx: CheckContext): CheckResult[] {
    // An automatic invariant that a `violated` check expects to fail is judged by that check.
    const expectedToFail = new Set(scenario.checks.flatMap((c) => (c.type === 'violated' ? [c.invariant] : [])));
    return [
      ...scenario.checks.map((check) => {
        const invariant = invariants.get(check);
        const result =
          invariant !== undefined ? invariantResult(invariant, invariant.unit ?? 'deliveries')
          : check.type === 'violated' ? expectedViolation(check.invariant, automatic)
          : evaluateCheck(check, scenario, ctx);
        return { name: check.name ?? describeCheck(check), ...result };
      }),
      ...automatic.filter((a) => !expectedToFail.has(a.name)).map((a) => ({ name: a.name, ...invariantResult(a.invariant, a.invariant.unit ?? 'events') })),
    ];
  }
}

export function describeCheck(check: Check): string {
  switch (check.type) {
    case 'metric':
      return check.op === 'within' ? `${check.metric} within ${check.tolerancePct}% of ${check.value}` : `${check.metric} ${check.op} ${check.value}`;
    case 'rate':
      return `${check.series} between ${check.fromMs / 1000} s and ${check.toMs / 1000} s ${check.op} ${check.valuePerSec}/s`;
    case 'theory':
      return `${check.node} mean ${check.measure} within ${check.tolerancePct}% of ${check.model.toUpperCase()} theory`;
    case 'littles-law':
      return `Little's law at ${check.node} within ${check.tolerancePct}%`;
    case 'no-partition-crossing':
      return 'no message crosses a partition';
    case 'no-delivery-to-down-node':
      return 'no message is delivered to a down node';
    case 'violated':
      return `the checker catches it: ${check.invariant} — does not hold`;
  }
}

type Verdict = { ok: boolean; detail: string };

function invariantResult(inv: TraceInvariant, what = 'deliveries'): Verdict {
  const v = inv.violation;
  if (v !== null) return { ok: false, detail: `first violation at t=${v.t / 1000} ms on ${v.node}: ${v.detail}` };
  return { ok: true, detail: `held over ${inv.examined} ${what}` };
}

/** Passes only if the named automatic invariant was violated; its detail says how. */
function expectedViolation(name: string, automatic: readonly { name: string; invariant: TraceInvariant }[]): Verdict {
  const found = automatic.find((a) => a.name === name);
  if (found === undefined) {
    const known = automatic.map((a) => `"${a.name}"`).join(', ');
    return { ok: false, detail: `this run checks no invariant named "${name}"${known === '' ? '' : `; it checks ${known}`}` };
  }
  const v = found.invariant.violation;
  if (v === null) return { ok: false, detail: `expected a violation, but it held over ${found.invariant.examined} ${found.invariant.unit ?? 'events'}` };
  return { ok: true, detail: `violated, as this design must be — first at t=${v.t / 1000} ms on ${v.node}: ${v.detail}` };
}

function evaluateCheck(check: Check, scenario: Scenario, ctx: CheckContext): Verdict {
  switch (check.type) {
    case 'metric':
      return metricCheck(check, ctx);
    case 'rate':
      return rateCheck(check, ctx);
    case 'theory':
      return theoryCheck(check, scenario, ctx);
    case 'littles-law':
      return littlesLawCheck(check.node, check.tolerancePct, ctx);
    default:
      return { ok: false, detail: `check type ${check.type} has no evaluator` };
  }
}

/** Reads `a.b.c`: a metric named `a.b.c`, or field `c` of the metric `a.b`. */
export function readMetric(metrics: CheckContext['metrics'], path: string): number | undefined {
  const direct = metrics[path];
  if (typeof direct === 'number') return direct;
  if (direct !== undefined && 'value' in direct) return direct.value;
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  const base = metrics[path.slice(0, dot)];
  if (base === undefined || typeof base === 'number') return undefined;
  return base[path.slice(dot + 1)];
}

function metricCheck(check: Extract<Check, { type: 'metric' }>, ctx: CheckContext): Verdict {
  const actual = readMetric(ctx.metrics, check.metric);
  if (actual === undefined) return { ok: false, detail: `no metric named ${check.metric}` };
  const v = check.value;
  // A duration metric (…Ms) reads in the unit a check's name would use for its threshold.
  const fmt = /Ms(\.|$)/.test(check.metric) ? durationFormat(v) : formatNumber;
  switch (check.op) {
    case '<': return { ok: actual < v, detail: `${fmt(actual)} < ${fmt(v)}` };
    case '<=': return { ok: actual <= v, detail: `${fmt(actual)} <= ${fmt(v)}` };
    case '>': return { ok: actual > v, detail: `${fmt(actual)} > ${fmt(v)}` };
    case '>=': return { ok: actual >= v, detail: `${fmt(actual)} >= ${fmt(v)}` };
    case '==': return { ok: actual === v, detail: `${fmt(actual)} == ${fmt(v)}` };
    case 'within': return withinPct(actual, v, check.tolerancePct ?? 0, fmt);
  }
}

function withinPct(actual: number, expected: number, tolerancePct: number, fmt: (x: number) => string = formatNumber): Verdict {
  const errorPct = expected === 0 ? (actual === 0 ? 0 : Infinity) : (Math.abs(actual - expected) / Math.abs(expected)) * 100;
  return {
    ok: errorPct <= tolerancePct,
    detail: `measured ${fmt(actual)}, expected ${fmt(expected)} (off by ${formatNumber(errorPct)}%, tolerance ${tolerancePct}%)`,
  };
}

/**
 * Formats durations given in ms, both sides of a comparison in one unit: seconds when the
 * reference is a second or more (a check named "within 3% of 5 s" reads "measured 5.011 s"),
 * else milliseconds.
 */
function durationFormat(referenceMs: number): (ms: number) => string {
  return Math.abs(referenceMs) >= 1000 ? (ms) => `${formatNumber(ms / 1000)} s` : (ms) => `${formatNumber(ms)} ms`;
}

/** The rate of a series over [fromMs, toMs), from the windows that lie inside the span. */
function rateCheck(check: Extract<Check, { type: 'rate' }>, ctx: CheckContext): Verdict {
  const s = ctx.series[check.series];
  if (s === undefined) return { ok: false, detail: `no time series named ${check.series}` };
  const first = Math.ceil(check.fromMs / s.windowMs);
  const last = Math.floor(check.toMs / s.windowMs); // exclusive
  if (last <= first) return { ok: false, detail: `the span is shorter than one ${s.windowMs} ms window` };
  let total = 0;
  for (let w = first; w < last; w++) total += s.counts[w] ?? 0;
  const rate = total / (((last - first) * s.windowMs) / 1000);
  const pass = { '<': rate < check.valuePerSec, '<=': rate <= check.valuePerSec, '>': rate > check.valuePerSec, '>=': rate >= check.valuePerSec }[check.op];
  return { ok: pass, detail: `${formatNumber(rate)}/s ${check.op} ${formatNumber(check.valuePerSec)}/s` };
}

/** Compares a service's mean sojourn or wait with the M/M/1 or M/M/c formula for its parameters. */
function theoryCheck(check: Extract<Check, { type: 'theory' }>, scenario: Scenario, ctx: CheckContext): Verdict {
  const node = scenario.nodes.find((n) => n.id === check.node);
  if (node === undefined || node.kind !== 'service') return { ok: false, detail: `${check.node} is not a service` };
  if (node.serviceTime.type !== 'exponential') return { ok: false, detail: 'queueing theory here needs exponential service times' };
  let lambda = 0;
  for (const w of scenario.workloads) {
    if (w.target !== check.node) continue;
    if (w.kind !== 'open' || w.arrival.type !== 'poisson') return { ok: false, detail: `workload ${w.id} is not a Poisson open loop` };
    lambda += w.arrival.ratePerSec;
  }
  const mu = 1000 / (node.serviceTime.meanMs * node.slowdownFactor);
  const c = check.model === 'mm1' ? 1 : node.workers;
  if (check.model === 'mm1' && node.workers !== 1) return { ok: false, detail: 'M/M/1 needs exactly one worker' };
  const expectedSec = check.measure === 'sojourn'
    ? (c === 1 ? mm1MeanSojourn(lambda, mu) : mmcMeanSojourn(c, lambda, mu))
    : (c === 1 ? mm1MeanWait(lambda, mu) : mmcMeanWait(c, lambda, mu));
  const metric = `${check.node}.${check.measure === 'sojourn' ? 'sojournMs' : 'waitMs'}.mean`;
  const actual = readMetric(ctx.metrics, metric);
  if (actual === undefined) return { ok: false, detail: `no metric named ${metric}` };
  return withinPct(actual, expectedSec * 1000, check.tolerancePct, durationFormat(expectedSec * 1000));
}

/** L = λW at a service: time-average number in system against arrival rate × mean sojourn. */
function littlesLawCheck(node: string, tolerancePct: number, ctx: CheckContext): Verdict {
  const L = readMetric(ctx.metrics, `${node}.inSystem.mean`);
  const accepted = readMetric(ctx.metrics, `${node}.accepted`);
  const W = readMetric(ctx.metrics, `${node}.sojournMs.mean`);
  if (L === undefined || accepted === undefined || W === undefined) return { ok: false, detail: `${node} has no queue metrics` };
  // The counter covers the measured span only: after the warm-up, if there was one.
  const lambdaPerMs = accepted / ((ctx.simTimeUs - (ctx.measuredFromUs ?? 0)) / 1000);
  const r = withinPct(L, lambdaPerMs * W, tolerancePct);
  return { ok: r.ok, detail: `L=${formatNumber(L)}, λW=${formatNumber(lambdaPerMs * W)}: ${r.detail}` };
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(1) : abs >= 1 ? x.toFixed(3) : x.toPrecision(3);
}
