import { formatNumber } from '../../check/checks.ts';
import { hashString } from '../../engine/hash.ts';
import { EXIT_CHECK_FAILED, EXIT_LIMIT, EXIT_OK, replayCommand } from '../common.ts';
import { table } from '../summary.ts';
import type { SeedResult, SweepHeader } from './protocol.ts';
import { describe, type MetricStats } from './stats.ts';

/**
 * A sweep's summary, from its header and its seeds' results in any order. `sweep` and
 * `merge` both print through here, so two shards merged print exactly what one sweep of the
 * whole range prints.
 */
export interface SweepSummary {
  scenario: string;
  file: string;
  scenarioHash: string;
  seeds: { from: number; to: number };
  shard: { index: number; count: number } | null;
  variant: string | null;
  sets: string[];
  runs: number;
  outcomes: Record<string, number>;
  /** Seeds that ran to the end (or to a limit the scenario expects) and passed every check. */
  passed: number;
  /** Seeds that failed a check, and were not cut short. */
  failed: number;
  /** Seeds a limit cut short (one the scenario does not expect), whatever their checks say. */
  limited: number;
  /** A hash of every seed's trace hash, in seed order: equal sweeps have equal ones. */
  combinedTraceHash: string;
  interval: string;
  metrics: Record<string, MetricStats>;
  /** Check name → seeds that failed it. */
  failedChecks: Record<string, number>;
  failingSeeds: { seed: number; outcome: string; failed: string[]; replay: string }[];
  results: SeedResult[];
}

export const INTERVAL_NOTE = "95% interval of the mean: mean ± t(0.975, n−1)·sd/√n, Student's t with n−1 degrees of freedom";

/** Failing seeds listed in the text summary (all of them are in --json and --out). */
const LISTED_FAILURES = 25;

export function summarize(header: SweepHeader, results: readonly SeedResult[]): SweepSummary {
  const sorted = [...results].sort((a, b) => a.seed - b.seed);
  const outcomes: Record<string, number> = {};
  const failedChecks: Record<string, number> = {};
  const failingSeeds: SweepSummary['failingSeeds'] = [];
  const expectedLimits = new Set((header.expectedLimits ?? []).map((name) => `limit: ${name}`));
  let limited = 0;
  for (const r of sorted) {
    const kind = r.outcome.startsWith('limit') ? 'stopped by a limit' : r.outcome.startsWith('crashed') ? 'crashed' : r.outcome;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
    for (const name of r.checks.failed) failedChecks[name] = (failedChecks[name] ?? 0) + 1;
    const cutShort = r.outcome.startsWith('limit: ') && !expectedLimits.has(r.outcome);
    if (cutShort) limited++;
    if (cutShort || r.checks.failed.length > 0) {
      failingSeeds.push({ seed: r.seed, outcome: r.outcome, failed: r.checks.failed, replay: replayCommand(header.file, r.seed, { set: header.sets, variant: header.variant }) });
    }
  }
  return {
    scenario: header.title,
    file: header.file,
    scenarioHash: header.scenarioHash,
    seeds: header.seeds,
    shard: header.shard,
    variant: header.variant,
    sets: header.sets,
    runs: sorted.length,
    outcomes,
    passed: sorted.length - failingSeeds.length,
    failed: failingSeeds.length - limited,
    limited,
    combinedTraceHash: hashString(sorted.map((r) => `${r.seed}:${r.traceHash}`).join('\n')),
    interval: INTERVAL_NOTE,
    metrics: Object.fromEntries(header.metrics.map((m) => [m, describe(sorted.map((r) => r.metrics[m] ?? null))])),
    failedChecks,
    failingSeeds,
    results: sorted,
  };
}

export function formatSweepSummary(s: SweepSummary): string {
  const lines: string[] = [];
  lines.push(`Sweep: ${s.scenario}`);
  const range = `seeds ${s.seeds.from}..${s.seeds.to}${s.shard ? `, shard ${s.shard.index}/${s.shard.count} (every ${s.shard.count === 1 ? '' : `${ordinal(s.shard.count)} `}seed from ${s.seeds.from + s.shard.index})` : ''}`;
  lines.push(`  ${s.file} · scenario ${s.scenarioHash} · ${range}`);
  if (s.variant !== null || s.sets.length > 0) lines.push(`  ${[...(s.variant !== null ? [`variant ${s.variant}`] : []), ...s.sets.map((x) => `--set ${x}`)].join(' · ')}`);
  const outcomes = Object.entries(s.outcomes).map(([k, v]) => `${v} ${k}`).join(', ');
  const cutShort = s.limited > 0 ? `, ${s.limited} cut short by a limit` : '';
  lines.push(`  ${s.runs} run${s.runs === 1 ? '' : 's'}${outcomes ? ` (${outcomes})` : ''}: ${s.passed} passed every check, ${s.failed} failed a check${cutShort}`);
  lines.push(`  combined trace hash ${s.combinedTraceHash} (of every seed's trace hash, in seed order)`);
  lines.push('');
  if (s.runs > 0) {
    const fmt = (x: number | null) => (x === null ? '—' : formatNumber(x));
    const rows = Object.entries(s.metrics).map(([name, m]) => [name, String(m.n), fmt(m.mean), fmt(m.sd), fmt(m.min), fmt(m.max), m.ci95 === null ? '—' : `${formatNumber(m.ci95[0])} … ${formatNumber(m.ci95[1])}`]);
    lines.push(...table(['metric', 'n', 'mean', 'sd', 'min', 'max', '95% CI of mean'], rows));
    lines.push(`  (${s.interval}; throughputPerSec: ok + fallback answers per simulated second)`);
    lines.push('');
  }
  const failedChecks = Object.entries(s.failedChecks);
  if (failedChecks.length > 0) {
    lines.push('Checks that failed:');
    for (const [name, count] of failedChecks) lines.push(`  ${name} — on ${count} of ${s.runs} seeds`);
    lines.push('');
  }
  if (s.limited > 0) {
    lines.push(`Seeds cut short by a limit: ${s.limited} of ${s.runs} (exit ${EXIT_LIMIT}; list the limit in limits.expected if the scenario is meant to end there)`);
    lines.push('');
  }
  const failing = s.failingSeeds.length;
  if (failing > 0) {
    lines.push(`Failing seeds (${failing}) — replay each with:`);
    for (const f of s.failingSeeds.slice(0, LISTED_FAILURES)) lines.push(`  ${f.replay}${f.outcome === 'completed' ? '' : `    # ${f.outcome}`}`);
    if (failing > LISTED_FAILURES) lines.push(`  … and ${failing - LISTED_FAILURES} more (all of them in --json and --out)`);
  } else if (s.runs > 0) {
    lines.push('Every seed passed every check.');
  } else {
    lines.push('No seeds in this shard.');
  }
  return lines.join('\n');
}

/** 3 if a limit cut any seed short, else 1 if any seed failed a check, else 0. */
export function sweepExitStatus(s: SweepSummary): number {
  if (s.limited > 0) return EXIT_LIMIT;
  return s.failed > 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

function ordinal(n: number): string {
  const rem100 = n % 100;
  const suffix = rem100 >= 11 && rem100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
