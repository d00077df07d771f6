import type { Command } from 'commander';
import { formatNumber } from '../../check/checks.ts';
import { delta, keyMetricNames, keyMetrics, latencyCaveat } from '../../report/key-metrics.ts';
import { runScenario, type RunResult } from '../../scenario/run.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { collect, EXIT_LIMIT, EXIT_OK, loadScenario, parseSeed, PROGRAM, replayCommand, resolveScenario, SCENARIO_ARGUMENT, unexpectedLimit } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { table } from '../summary.ts';

interface CompareFlags {
  variant: string[];
  set: string[];
  seed?: number;
  json?: boolean;
}

interface ComparedRun {
  name: string;
  variant: string | null;
  description?: string;
  scenario: Scenario;
  result: RunResult;
  metrics: Record<string, number | null>;
  replay: string;
}

/**
 * The same seed under the base scenario and each variant: the main metrics side by side with
 * their change from the base, and each run's checks. A study tool: it exits 0 whatever the
 * checks say (2 on bad input, 3 when a limit cut a run short: its numbers are not the whole run's).
 */
export function registerCompare(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('compare')
    .summary('the same seed under the base and each variant, side by side')
    .description(
      'Run the same seed under the base scenario and each variant (all of them unless --variant is given), and print the main ' +
        'metrics side by side — client ok/fallback/error/timeout/rejected counts, latency p50/p99, throughput, and every metric a ' +
        "check names — with each variant's change from the base (absolute and %), then each run's checks. Exit status: 0 whatever " +
        "the checks say (compare is a study tool: a variant is often meant to fail its base's checks; use run to gate on them), " +
        "2 on bad input, 3 if a limit cut a run short (unless that run's scenario lists it in limits.expected).",
    )
    .argument(...SCENARIO_ARGUMENT)
    .option('--variant <name>', 'compare the base with this variant (repeatable; default: every variant)', collect, [])
    .option('--set <path=value>', 'change a field in every run, e.g. nodes[0].workers=2 (repeatable)', collect, [])
    .option('--seed <n>', "random seed for every run (default: the scenario's)", parseSeed)
    .option('--json', 'print one JSON object instead of the table');
  ctx.action(cmd, (arg: string, flags: CompareFlags) => {
    const file = resolveScenario(arg);
    const base = loadScenario(file, { set: flags.set });
    const names = flags.variant.length > 0 ? [...new Set(flags.variant)] : base.variants.map((v) => v.name);
    // Load every variant before running anything: a bad name fails fast.
    const scenarios = [{ name: 'base', variant: null as string | null, scenario: base }, ...names.map((name) => ({ name, variant: name as string | null, scenario: loadScenario(file, { set: flags.set, variant: name }) }))];
    const seed = flags.seed ?? base.seed;
    const metricNames = keyMetricNames(scenarios.map((s) => s.scenario));
    const runs: ComparedRun[] = scenarios.map(({ name, variant, scenario }) => {
      const result = runScenario(scenario, { seed });
      const description = variant === null ? undefined : base.variants.find((v) => v.name === variant)?.description;
      return { name, variant, description, scenario, result, metrics: keyMetrics(result, metricNames), replay: replayCommand(arg, seed, { set: flags.set, variant }) };
    });
    ctx.out.stdout(flags.json ? JSON.stringify(compareJson(arg, seed, metricNames, runs), null, 2) + '\n' : formatCompare(arg, seed, metricNames, runs) + '\n');
    return runs.some((r) => unexpectedLimit(r.scenario, r.result.outcome) !== null) ? EXIT_LIMIT : EXIT_OK;
  });
}

function compareJson(file: string, seed: number, metricNames: string[], runs: ComparedRun[]) {
  const base = runs[0];
  return {
    scenario: base.result.scenario,
    file,
    seed,
    metrics: metricNames,
    runs: runs.map((r) => ({
      name: r.name,
      variant: r.variant,
      ...(r.description !== undefined ? { description: r.description } : {}),
      scenarioHash: r.result.scenarioHash,
      traceHash: r.result.traceHash,
      outcome: r.result.outcome,
      metrics: r.metrics,
      ...(r.variant !== null ? { delta: Object.fromEntries(metricNames.map((m) => [m, delta(base.metrics[m], r.metrics[m])])), notJudged: notJudged(base, r, metricNames) } : {}),
      checks: r.result.checks,
      replay: r.replay,
    })),
  };
}

function formatCompare(file: string, seed: number, metricNames: string[], runs: ComparedRun[]): string {
  const base = runs[0];
  const lines: string[] = [];
  lines.push(`Compare: ${base.result.scenario}`);
  lines.push(`  ${file} · seed ${seed}, the same for every run`);
  lines.push('');
  lines.push(
    ...table(
      ['run', 'scenario hash', 'trace hash', 'outcome', 'checks passed'],
      runs.map((r) => {
        const passed = r.result.checks.filter((c) => c.ok).length;
        return [r.name, r.result.scenarioHash, r.result.traceHash, r.result.outcome.status === 'completed' ? 'completed' : `limit: ${r.result.outcome.reason}`, `${passed} of ${r.result.checks.length}`];
      }),
    ),
  );
  lines.push('');
  const header = ['metric', 'base'];
  for (const r of runs.slice(1)) header.push(r.name, 'Δ', 'Δ%');
  const value = (v: number | null) => (v === null ? '—' : formatNumber(v));
  const rows = metricNames.map((m) => {
    const row = [m, value(base.metrics[m])];
    for (const r of runs.slice(1)) {
      const d = delta(base.metrics[m], r.metrics[m]);
      row.push(value(r.metrics[m]), formatDelta(d.abs), formatPct(d, base.metrics[m], r.metrics[m]));
    }
    return row;
  });
  lines.push(...table(header, rows));
  lines.push('  (throughputPerSec: ok + fallback answers per simulated second; latency in ms, of successful requests)');
  for (const r of runs.slice(1)) {
    for (const [m, why] of Object.entries(notJudged(base, r, metricNames))) lines.push(`  ${m}, ${r.name} against base (A = base, B = ${r.name}): ${why}`);
  }
  for (const r of runs) {
    const failed = r.result.checks.filter((c) => !c.ok).length;
    lines.push('');
    lines.push(`Checks — ${r.name}${r.description ? ` (${r.description})` : ''}: ${r.result.checks.length - failed} passed, ${failed} failed`);
    for (const c of r.result.checks) lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name} — ${c.detail}`);
  }
  lines.push('');
  lines.push('Replay each run:');
  const width = Math.max(...runs.map((r) => r.name.length));
  for (const r of runs) lines.push(`  ${r.name.padEnd(width)}  ${r.replay}`);
  lines.push('');
  lines.push(`(compare exits 0 whatever the checks say, 3 if a limit cut a run short; '${PROGRAM} run' exits 1 when a check fails)`);
  return lines.join('\n');
}

/**
 * The latency metrics whose change from `base` to `run` says nothing on its own, with why
 * (the same rule the sandbox's compare view applies: goodput differs by more than 10 %).
 */
function notJudged(base: ComparedRun, run: ComparedRun, metricNames: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of metricNames) {
    const why = latencyCaveat(base.result, run.result, m);
    if (why !== null) out[m] = why;
  }
  return out;
}

function formatDelta(abs: number | null): string {
  if (abs === null) return '—';
  if (abs === 0) return '0';
  return `${abs > 0 ? '+' : '-'}${formatNumber(Math.abs(abs))}`;
}

function formatPct(d: { abs: number | null; pct: number | null }, base: number | null, value: number | null): string {
  if (base === null || value === null) return '—';
  if (d.pct === null) return 'new';
  if (d.pct === 0) return '0%';
  const abs = Math.abs(d.pct);
  return `${d.pct > 0 ? '+' : '-'}${abs >= 100 ? abs.toFixed(0) : abs.toFixed(1)}%`;
}
