import type { Command } from 'commander';
import { parseCount, runExitStatus, SCENARIO_ARGUMENT, withRunOptions } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { checksLine, DEFAULT_FIRST, runOnce, type RunOnce, type RunOnceFlags } from '../run-once.ts';

interface OutFlags extends RunOnceFlags {
  out: string;
}

/** `report`, `trace` and `diagram`: one run, one file. */
export function registerFileCommands(program: Command, ctx: CommandContext): void {
  const report = program
    .command('report')
    .summary('write a self-contained HTML report of a run, with charts')
    .description(
      'Run a scenario and write one self-contained HTML report (no network needed to open it): identity and hashes, latency ' +
        'percentiles, throughput, errors and rejections over time with fault markers, pattern state bands, a space-time ' +
        `diagram of the first messages, the checks and the replay command. ${exitStatusNote('report')}`,
    )
    .argument(...SCENARIO_ARGUMENT)
    .requiredOption('--out <file>', 'the HTML file to write, e.g. report.html');
  withRunOptions(report).option('--first <n>', `messages in the space-time diagram (default ${DEFAULT_FIRST})`, parseCount(1, 10_000));
  ctx.action(report, (file: string, flags: OutFlags) => {
    return written(ctx, runOnce(file, { ...flags, report: flags.out }), `Report: ${flags.out}`);
  });

  const trace = program
    .command('trace')
    .summary('write the trace of a run as JSON lines')
    .description(
      'Run a scenario and write its trace as JSON lines: a header (node names, seed, scenario hash), then one record per line ' +
        `(the same file as run --trace). ${exitStatusNote('trace')}`,
    )
    .argument(...SCENARIO_ARGUMENT)
    .requiredOption('--out <file>', 'the JSONL file to write, e.g. trace.jsonl');
  withRunOptions(trace);
  ctx.action(trace, (file: string, flags: OutFlags) => {
    const run = runOnce(file, { ...flags, trace: flags.out });
    return written(ctx, run, `Trace: ${flags.out} (${run.result.traceRecords.toLocaleString('en-US')} records)`);
  });

  const diagram = program
    .command('diagram')
    .summary('write the space-time diagram of the first messages as SVG')
    .description(
      'Run a scenario and write the space-time (Lamport) diagram of its first messages as SVG: a vertical line per node, time ' +
        `flowing down, an arrow from each send to its delivery, drops marked ×. ${exitStatusNote('diagram')}`,
    )
    .argument(...SCENARIO_ARGUMENT)
    .requiredOption('--out <file>', 'the SVG file to write, e.g. messages.svg');
  withRunOptions(diagram).option('--first <n>', `how many messages, in order of sending (default ${DEFAULT_FIRST})`, parseCount(1, 10_000));
  ctx.action(diagram, (file: string, flags: OutFlags) => {
    return written(ctx, runOnce(file, { ...flags, diagram: flags.out }), `Diagram: ${flags.out}`);
  });
}

function exitStatusNote(what: string): string {
  return `Exit 1 if a check failed, 3 if a limit cut the run short (unless the scenario lists it in limits.expected) — the ${what} is written anyway — 2 on bad input.`;
}

/** Prints what was run and written; the run's exit status (the file is written whatever it is). */
function written(ctx: CommandContext, { scenario, result, replay }: RunOnce, fileLine: string): number {
  ctx.out.stdout(`${result.scenario}\n  seed ${result.seed} · scenario ${result.scenarioHash} · trace ${result.traceHash}\n${checksLine(result, replay, scenario)}\n${fileLine}\n`);
  return runExitStatus(scenario, result);
}
