import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { Outcome } from '../engine/sim.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/schema.ts';
import { ROOT } from './paths.ts';
import { BadInput, loadScenarioFile } from './scenario-file.ts';

/** Exit status of every command. */
export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** A limit cut a run short (one the scenario does not list in `limits.expected`), whatever its checks say. */
export const EXIT_LIMIT = 3;

/** The exit statuses, for every command's --help. */
export const EXIT_STATUS_HELP =
  'Exit status: 0 every check passed, 1 a check failed, 2 bad input, 3 a limit cut a run short (unless the scenario lists it in limits.expected).';

/** The limit that cut a run short, unless the scenario lists it in `limits.expected`; null if none did. */
export function unexpectedLimit(scenario: Pick<Scenario, 'limits'>, outcome: Outcome): string | null {
  if (outcome.status !== 'limit') return null;
  return scenario.limits.expected?.includes(outcome.reason) ? null : outcome.reason;
}

/** What a summary says about a run a limit cut short; null for a complete run or an expected limit. */
export function cutShortNote(scenario: Pick<Scenario, 'limits'>, outcome: Outcome): string | null {
  const limit = unexpectedLimit(scenario, outcome);
  if (limit === null) return null;
  return `Cut short by the limit ${limit}: exit ${EXIT_LIMIT}. If the scenario is meant to end there, list it in limits.expected (e.g. "expected": ["${limit}"]).`;
}

/** A run's exit status: 3 if a limit it did not expect cut it short, else 1 if a check failed, else 0. */
export function runExitStatus(scenario: Pick<Scenario, 'limits'>, result: Pick<RunResult, 'outcome' | 'checks'>): number {
  if (unexpectedLimit(scenario, result.outcome) !== null) return EXIT_LIMIT;
  return result.checks.every((c) => c.ok) ? EXIT_OK : EXIT_CHECK_FAILED;
}

/** Where the command line writes; tests pass their own. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY?: boolean;
}

export const processOutput: Output = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
};

/** How the commands are invoked, for usage lines and replay commands. */
export const PROGRAM = 'npm run sim --';

/** The built-in scenarios: scenarios/<folder>/<name>.json in the repository. */
export const SCENARIOS_DIR = join(ROOT, 'scenarios');

// ---- argument parsers (commander calls them; InvalidArgumentError exits 2 with usage) -------

export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Number(value);
}

export function parseCount(min: number, max: number): (value: string) => number {
  return (value) => {
    const x = Number(value);
    if (!/^\d+$/.test(value) || x < min || x > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return x;
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** At most this many seeds in one sweep. */
export const MAX_SWEEP_SEEDS = 10_000_000;

export interface SeedRange {
  from: number;
  to: number;
}

/** `A..B`, both whole numbers, A ≤ B: the seeds A, A+1, …, B. */
export function parseSeedRange(value: string): SeedRange {
  const m = /^(\d+)\.\.(\d+)$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('expected a range of seeds A..B, e.g. 1..1000');
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new InvalidArgumentError('seeds must be whole numbers below 2^53');
  if (from > to) throw new InvalidArgumentError(`the range is empty: ${from} is greater than ${to} (write ${to}..${from})`);
  if (to - from + 1 > MAX_SWEEP_SEEDS) throw new InvalidArgumentError(`at most ${MAX_SWEEP_SEEDS.toLocaleString('en-US')} seeds per sweep (split it with --shard)`);
  return { from, to };
}

export interface Shard {
  /** 0-based, like Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

/** `i/n` with 0 ≤ i < n: shard i takes the seeds A+i, A+i+n, A+i+2n, … of the range. */
export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (m === null) throw new InvalidArgumentError('expected i/n, e.g. 0/4 (shards are numbered from 0)');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1_000_000) throw new InvalidArgumentError('the number of shards n must be from 1 to 1,000,000');
  if (index >= count) throw new InvalidArgumentError(`shards are numbered 0..${count - 1}: ${index}/${count} does not exist`);
  return { index, count };
}

export function shardSeeds(range: SeedRange, shard: Shard | null): number[] {
  const step = shard?.count ?? 1;
  const seeds: number[] = [];
  for (let s = range.from + (shard?.index ?? 0); s <= range.to; s += step) seeds.push(s);
  return seeds;
}

// ---- scenarios -------------------------------------------------------------------------------

export interface BuiltIn {
  folder: string;
  name: string;
  /** Path relative to the working directory when inside it, else absolute. */
  file: string;
}

export function builtInScenarios(): BuiltIn[] {
  if (!existsSync(SCENARIOS_DIR)) return [];
  const out: BuiltIn[] = [];
  for (const folder of readdirSync(SCENARIOS_DIR).sort()) {
    const dir = join(SCENARIOS_DIR, folder);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.json')) out.push({ folder, name: f.slice(0, -'.json'.length), file: displayPath(join(dir, f)) });
    }
  }
  return out;
}

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel) ? rel.split(sep).join('/') : abs;
}

/**
 * A scenario argument: a file, or the name of a built-in scenario (`network/crash-restart`,
 * or `crash-restart` when only one folder has it).
 */
export function resolveScenario(arg: string): string {
  if (existsSync(arg)) return arg;
  const name = arg.replace(/^scenarios\//, '').replace(/\.json$/, '');
  if (/^[\w-]+(\/[\w-]+)?$/.test(name)) {
    const matches = builtInScenarios().filter((b) => (name.includes('/') ? `${b.folder}/${b.name}` === name : b.name === name));
    if (matches.length === 1) return matches[0].file;
    if (matches.length > 1) throw new BadInput(`${arg}: more than one built-in scenario has that name: ${matches.map((m) => `${m.folder}/${m.name}`).join(', ')}`);
  }
  throw new BadInput(`${arg}: no such file, and no built-in scenario of that name (${PROGRAM} list shows them)`);
}

export interface ScenarioFlags {
  set: string[];
  variant?: string;
}

/** Resolves and loads a scenario with its variant and --set changes; BadInput on any problem. */
export function loadScenario(arg: string, flags: ScenarioFlags): Scenario {
  return loadScenarioFile(resolveScenario(arg), flags.set, flags.variant);
}

/** The command that replays a run exactly. */
export function replayCommand(file: string, seed: number, flags: { set: readonly string[]; variant?: string | null }): string {
  const parts = [`${PROGRAM} run`, shellQuote(file), `--seed ${seed}`];
  if (flags.variant) parts.push(`--variant ${shellQuote(flags.variant)}`);
  for (const s of flags.set) parts.push(`--set ${shellQuote(s)}`);
  return parts.join(' ');
}

export function shellQuote(s: string): string {
  return /^[\w./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An output path that can be written: its folder exists. */
export function outputPath(path: string): string {
  const dir = resolve(path, '..');
  if (!existsSync(dir)) throw new BadInput(`cannot write ${path}: the folder ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new BadInput(`cannot write ${path}: it is a folder`);
  return path;
}

/** The usage lines printed after a bad argument. */
export function usageHint(cmd: Command): string {
  return `Usage: ${PROGRAM} ${cmd.name()} ${cmd.usage()}\n(run '${PROGRAM} ${cmd.name()} --help' for details)`;
}

/** Adds --seed, --variant and --set, shared by every command that runs a scenario once. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', "random seed (default: the scenario's)", parseSeed)
    .option('--variant <name>', "apply one of the scenario's variants")
    .option('--set <path=value>', 'change a field before running, e.g. nodes[0].workers=2 (repeatable)', collect, []);
}

export const SCENARIO_ARGUMENT = ['<scenario>', 'scenario file (JSON), or a built-in scenario name such as network/crash-restart'] as const;
