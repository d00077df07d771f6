import { closeSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { keyMetricNames } from '../../report/key-metrics.ts';
import { scenarioHash } from '../../scenario/run.ts';
import {
  collect,
  loadScenario,
  outputPath,
  parseCount,
  parseSeedRange,
  parseShard,
  PROGRAM,
  SCENARIO_ARGUMENT,
  shardSeeds,
  type SeedRange,
  type Shard,
} from '../common.ts';
import type { CommandContext } from '../main.ts';
import { readTextFile } from '../input-file.ts';
import { BadInput } from '../scenario-file.ts';
import { runSeedsOnWorkers } from '../sweep/pool.ts';
import { ProgressBar } from '../sweep/progress.ts';
import type { SeedLine, SeedResult, SweepHeader } from '../sweep/protocol.ts';
import { formatSweepSummary, summarize, sweepExitStatus, type SweepSummary } from '../sweep/summary.ts';

interface SweepFlags {
  seeds: SeedRange;
  workers?: number;
  shard?: Shard;
  json?: boolean;
  out?: string;
  variant?: string;
  set: string[];
}

export function registerSweep(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('sweep')
    .summary('run a range of seeds on every core: spread, 95% intervals, failing seeds')
    .description(
      'Run a scenario under every seed of a range on worker threads, one per core by default, and print per-metric mean, ' +
        "standard deviation, min/max and a 95% interval of the mean (Student's t), the checks that failed and the exact command " +
        'that replays each failing seed. A progress bar with an ETA is drawn on stderr when it is a terminal. Exit 0 if every ' +
        'seed passed every check, 1 if any failed, 2 on bad input, 3 if a limit cut any seed short (unless the scenario lists it in limits.expected).',
    )
    .argument(...SCENARIO_ARGUMENT)
    .requiredOption('--seeds <A..B>', 'the seeds A, A+1, …, B (whole numbers, A ≤ B), e.g. 1..1000', parseSeedRange)
    .option('--workers <n>', `worker threads (default: ${availableParallelism()}, the available parallelism)`, parseCount(1, 1024))
    .option(
      '--shard <i/n>',
      'run only shard i of n, numbered from 0 like $JOB_COMPLETION_INDEX: the seeds A+i, A+i+n, A+i+2n, … ≤ B. Combine the shards\' --out files with merge',
      parseShard,
    )
    .option('--json', 'print the summary as one JSON object (with every seed\'s result)')
    .option('--out <file>', 'also write results as JSON lines as they arrive: a header line, then one line per seed (seed, traceHash, outcome, checks, metrics), for merge')
    .option('--variant <name>', "apply one of the scenario's variants to every run")
    .option('--set <path=value>', 'change a field in every run (repeatable)', collect, []);
  cmd.addHelpText(
    'after',
    `\nExamples:\n  ${PROGRAM} sweep network/crash-restart --seeds 1..1000\n  ${PROGRAM} sweep network/crash-restart --seeds 1..1000 --shard 0/4 --out shard-0.jsonl   # on four machines, i = 0..3\n  ${PROGRAM} merge shard-*.jsonl                                                      # the same summary as one sweep`,
  );
  ctx.action(cmd, async (file: string, flags: SweepFlags) => {
    const scenario = loadScenario(file, flags);
    const header: SweepHeader = {
      k: 'faultline-sweep',
      version: 1,
      file,
      title: scenario.title,
      scenarioHash: scenarioHash(scenario),
      seeds: { from: flags.seeds.from, to: flags.seeds.to },
      shard: flags.shard ?? null,
      variant: flags.variant ?? null,
      sets: flags.set,
      metrics: keyMetricNames([scenario]),
      expectedLimits: scenario.limits.expected ?? [],
    };
    const seeds = shardSeeds(flags.seeds, header.shard);
    const sink = flags.out !== undefined ? openOut(flags.out) : null;
    const progress = ctx.out.stderrIsTTY && seeds.length > 0 ? new ProgressBar(seeds.length, ctx.out.stderr) : null;
    let done = 0;
    let failed = 0;
    let results: SeedResult[];
    try {
      sink?.line(header);
      results = await runSeedsOnWorkers({
        scenario,
        metrics: header.metrics,
        seeds,
        workers: flags.workers ?? availableParallelism(),
        onResult: (r) => {
          sink?.line({ k: 'seed', ...r } satisfies SeedLine);
          done++;
          if (r.checks.failed.length > 0) failed++;
          progress?.update(done, failed);
        },
      });
    } finally {
      progress?.finish();
      sink?.close();
    }
    const summary = summarize(header, results);
    print(ctx, summary, flags.json === true);
    return sweepExitStatus(summary);
  });
}

export function registerMerge(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('merge')
    .summary("combine sweep shards' --out files into one sweep's summary")
    .description(
      "Combine the --out files of a sweep's shards into the summary one sweep of the whole range prints, byte for byte. The " +
        'files must come from the same scenario, variant, --set changes and seed range, and together hold every seed of the ' +
        'range. Exit 0 if every seed passed every check, 1 if any failed, 2 on bad input (missing seeds included), 3 if a limit cut any seed short (unless the scenario lists it in limits.expected).',
    )
    .argument('<files...>', 'the shards\' --out files (JSON lines)')
    .option('--json', 'print the summary as one JSON object (with every seed\'s result)');
  ctx.action(cmd, (files: string[], flags: { json?: boolean }) => {
    const shards = files.map(readShard);
    const first = shards[0];
    for (const s of shards.slice(1)) {
      for (const key of ['file', 'scenarioHash', 'seeds', 'variant', 'sets', 'metrics'] as const) {
        if (JSON.stringify(s.header[key]) !== JSON.stringify(first.header[key])) {
          throw new BadInput(`${s.path} is from another sweep than ${first.path}: its ${key} is ${JSON.stringify(s.header[key])}, not ${JSON.stringify(first.header[key])}`);
        }
      }
    }
    const bySeed = new Map<number, { result: SeedResult; path: string }>();
    for (const s of shards) {
      for (const r of s.results) {
        const seen = bySeed.get(r.seed);
        if (seen !== undefined && seen.result.traceHash !== r.traceHash) {
          throw new BadInput(`seed ${r.seed} has two different results: trace ${seen.result.traceHash} in ${seen.path}, ${r.traceHash} in ${s.path}`);
        }
        if (seen === undefined) bySeed.set(r.seed, { result: r, path: s.path });
      }
    }
    const { from, to } = first.header.seeds;
    const outside = [...bySeed.keys()].filter((seed) => seed < from || seed > to);
    if (outside.length > 0) throw new BadInput(`seed ${outside[0]} is outside the sweep's range ${from}..${to}`);
    const missing = to - from + 1 - bySeed.size;
    if (missing > 0) {
      const examples: number[] = [];
      for (let seed = from; seed <= to && examples.length < 10; seed++) if (!bySeed.has(seed)) examples.push(seed);
      const shardsSeen = shards.map((s) => (s.header.shard ? `${s.header.shard.index}/${s.header.shard.count}` : 'whole range')).join(', ');
      throw new BadInput(`${missing} seed${missing === 1 ? '' : 's'} of ${from}..${to} missing (e.g. ${examples.join(', ')}${missing > examples.length ? ', …' : ''}); shards given: ${shardsSeen}`);
    }
    const summary = summarize({ ...first.header, shard: null }, [...bySeed.values()].map((v) => v.result));
    print(ctx, summary, flags.json === true);
    return sweepExitStatus(summary);
  });
}

function print(ctx: CommandContext, summary: SweepSummary, json: boolean): void {
  ctx.out.stdout(json ? JSON.stringify(summary, null, 2) + '\n' : formatSweepSummary(summary) + '\n');
}

/** JSON lines written as results arrive, so a long sweep that dies keeps what it finished. */
function openOut(path: string): { line(value: unknown): void; close(): void } {
  outputPath(path);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new BadInput(`cannot write ${path}: ${(e as Error).message}`);
  }
  return {
    line: (value) => {
      writeSync(fd, JSON.stringify(value) + '\n');
    },
    close: () => closeSync(fd),
  };
}

interface ShardFile {
  path: string;
  header: SweepHeader;
  results: SeedResult[];
}

function readShard(path: string): ShardFile {
  const text = readTextFile(path);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parse = (line: string, i: number): unknown => {
    try {
      return JSON.parse(line);
    } catch {
      throw new BadInput(`${path}:${i + 1}: not a JSON line`);
    }
  };
  const header = lines.length > 0 ? (parse(lines[0], 0) as Partial<SweepHeader>) : {};
  if (header.k !== 'faultline-sweep' || header.version !== 1) throw new BadInput(`${path}: not a sweep's --out file (its first line should be a "faultline-sweep" header)`);
  const results: SeedResult[] = [];
  lines.slice(1).forEach((line, i) => {
    const r = parse(line, i + 1) as Partial<SeedLine>;
    if (r.k !== 'seed' || typeof r.seed !== 'number' || typeof r.traceHash !== 'string' || typeof r.outcome !== 'string' || !r.checks || !r.metrics) {
      throw new BadInput(`${path}:${i + 2}: not a seed's result`);
    }
    const { k: _k, ...result } = r as SeedLine;
    results.push(result);
  });
  return { path, header: header as SweepHeader, results };
}
