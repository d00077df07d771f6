#!/usr/bin/env node
/**
 * The command line: `npm run sim -- <command>`. Exit status: 0 when every check passed,
 * 1 when a check failed, 2 on bad input (arguments, files, scenarios).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { TraceFileWriter } from './cli/trace-file.ts';
import { BadInput, loadScenarioFile } from './cli/scenario-file.ts';
import { formatSummary } from './cli/summary.ts';
import { ScenarioRun, scenarioHash } from './scenario/run.ts';

const EXIT_CHECK_FAILED = 1;
const EXIT_BAD_INPUT = 2;

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface RunFlags {
  seed?: number;
  json?: boolean;
  trace?: string;
  set: string[];
  variant?: string;
}

/** The command that replays a run exactly. */
function replayCommand(file: string, seed: number, flags: RunFlags): string {
  const parts = ['npm run sim -- run', quote(file), `--seed ${seed}`];
  if (flags.variant) parts.push(`--variant ${quote(flags.variant)}`);
  for (const s of flags.set) parts.push(`--set ${quote(s)}`);
  return parts.join(' ');
}

function quote(s: string): string {
  return /^[\w./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function runCommand(file: string, flags: RunFlags): number {
  const { scenario } = loadScenarioFile(file, flags.set, flags.variant);
  const seed = flags.seed ?? scenario.seed;
  let writer: TraceFileWriter | undefined;
  const nodes = [...scenario.nodes.map((n) => n.id), ...scenario.workloads.map((w) => w.id)];
  if (flags.trace) {
    writer = new TraceFileWriter(flags.trace, { k: 'header', format: 'faultline-trace', version: 1, nodes, seed, scenarioHash: scenarioHash(scenario) });
  }
  const run = new ScenarioRun(scenario, { seed, listeners: writer ? [writer.write] : [] });
  const result = run.finish();
  writer?.close();
  const replay = replayCommand(file, seed, flags);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ...result, replay }, null, 2) + '\n');
  } else {
    process.stdout.write(formatSummary(result, replay) + '\n');
  }
  return result.checks.every((c) => c.ok) ? 0 : EXIT_CHECK_FAILED;
}

function main(argv: string[]): number {
  let exitCode = 0;
  const program = new Command()
    .name('faultline')
    .description('Run Faultline scenarios from the command line.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('Run a scenario and print a summary (exit 1 if a check fails, 2 on bad input)')
    .argument('<scenario>', 'scenario file (JSON)')
    .option('--seed <n>', 'random seed (default: the scenario\'s)', parseSeed)
    .option('--json', 'print one JSON object instead of the summary')
    .option('--trace <file>', 'write the trace as JSON lines')
    .option('--set <path=value>', 'change a field before running, e.g. nodes[0].workers=2 (repeatable)', collect, [])
    .option('--variant <name>', 'apply one of the scenario\'s variants')
    .action((file: string, flags: RunFlags) => {
      exitCode = runCommand(file, flags);
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (e instanceof BadInput) {
      process.stderr.write(`error: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  return exitCode;
}

process.exitCode = main(process.argv.slice(2));
