import type { Command } from 'commander';
import { parseCount, runExitStatus, SCENARIO_ARGUMENT, withRunOptions } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { DEFAULT_FIRST, runOnce, type RunOnceFlags } from '../run-once.ts';
import { formatSummary } from '../summary.ts';
import { writeJson } from '../json-stream.ts';

interface RunFlags extends RunOnceFlags {
  json?: boolean;
}

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('run')
    .summary('run a scenario and print a summary (--json, --trace, --report)')
    .description(
      'Run a scenario and print a summary. Exit 0 if every check passed, 1 if a check failed, 2 on bad input, 3 if a limit ' +
        '(maxEvents, maxPendingEvents, …) cut the run short, whatever the checks say — unless the scenario lists that limit in limits.expected.',
    )
    .argument(...SCENARIO_ARGUMENT);
  withRunOptions(cmd)
    .option('--json', 'print one JSON object instead of the summary')
    .option('--per-node', 'report each member of a node group on its own, besides the group')
    .option('--trace <file>', 'also write the trace as JSON lines (a header line, then one record per line)')
    .option('--report <file>', 'also write the HTML report (as the report command does)')
    .option('--first <n>', `messages in the report's space-time diagram (default ${DEFAULT_FIRST})`, parseCount(1, 10_000));
  ctx.action(cmd, (file: string, flags: RunFlags) => {
    const { scenario, result, replay } = runOnce(file, flags);
    // Streamed: a run of a million nodes has a result too big to hold as one string.
    if (flags.json) writeJson({ ...result, replay }, ctx.out.stdout);
    ctx.out.stdout(flags.json ? '\n' : formatSummary(result, replay, scenario) + '\n');
    if (flags.report !== undefined && flags.json !== true) ctx.out.stdout(`\nReport: ${flags.report}\n`);
    return runExitStatus(scenario, result);
  });
}
