/**
 * The command line: `npm run sim -- <command>`. Exit status: 0 when every check passed,
 * 1 when a check failed, 2 on bad input (arguments, files, scenarios).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ScenarioRun, scenarioHash } from '../scenario/run.ts';
import { BadInput, loadScenarioFile } from './scenario-file.ts';
import { formatSummary } from './summary.ts';
import { TraceFileWriter } from './trace-file.ts';

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Where the command line writes; tests pass their own. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: Output = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

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
export function replayCommand(file: string, seed: number, flags: { set: string[]; variant?: string }): string {
  const parts = ['npm run sim -- run', shellQuote(file), `--seed ${seed}`];
  if (flags.variant) parts.push(`--variant ${shellQuote(flags.variant)}`);
  for (const s of flags.set) parts.push(`--set ${shellQuote(s)}`);
  return parts.join(' ');
}

function shellQuote(s: string): string {
  return /^[\w./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function runCommand(file: string, flags: RunFlags, out: Output): number {
  const scenario = loadScenarioFile(file, flags.set, flags.variant);
  const seed = flags.seed ?? scenario.seed;
  const nodes = [...scenario.nodes.map((n) => n.id), ...scenario.workloads.map((w) => w.id)];
  const writer = flags.trace
    ? new TraceFileWriter(flags.trace, { k: 'header', format: 'faultline-trace', version: 1, nodes, seed, scenarioHash: scenarioHash(scenario) })
    : undefined;
  const result = new ScenarioRun(scenario, { seed, listeners: writer ? [writer.write] : [] }).finish();
  writer?.close();
  const replay = replayCommand(file, seed, flags);
  out.stdout(flags.json ? JSON.stringify({ ...result, replay }, null, 2) + '\n' : formatSummary(result, replay) + '\n');
  return result.checks.every((c) => c.ok) ? EXIT_OK : EXIT_CHECK_FAILED;
}

export function main(argv: string[], out: Output = processOutput): number {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('faultline')
    .description('Run Faultline scenarios from the command line.')
    .exitOverride()
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('Run a scenario and print a summary (exit 1 if a check fails, 2 on bad input)')
    .argument('<scenario>', 'scenario file (JSON)')
    .option('--seed <n>', "random seed (default: the scenario's)", parseSeed)
    .option('--json', 'print one JSON object instead of the summary')
    .option('--trace <file>', 'write the trace as JSON lines (a header line, then one record per line)')
    .option('--set <path=value>', 'change a field before running, e.g. nodes[0].workers=2 (repeatable)', collect, [])
    .option('--variant <name>', "apply one of the scenario's variants")
    .exitOverride()
    .configureOutput({ writeOut: out.stdout, writeErr: out.stderr })
    .action((file: string, flags: RunFlags) => {
      exitCode = runCommand(file, flags, out);
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    if (e instanceof BadInput) {
      out.stderr(`error: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  return exitCode;
}
