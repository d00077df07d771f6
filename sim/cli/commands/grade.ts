import type { Command } from 'commander';
import { prepareSubmission, summarizeGrade, type Grade } from '../../lesson/grade.ts';
import type { Challenge } from '../../lesson/schema.ts';
import type { ScenarioError } from '../../scenario/load.ts';
import { runScenario } from '../../scenario/run.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { EXIT_CHECK_FAILED, EXIT_OK, PROGRAM } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { BadInput } from '../bad-input.ts';
import { loadTeachingFile, readTeachingText, resolveTeachingFile, teachingErrorsMessage } from '../teaching-files.ts';

/** One submission's grade: refused (with why) or run on every seed. */
export type GradedFile =
  | { file: string; status: 'refused'; passed: false; errors: ScenarioError[] }
  | ({ file: string; status: 'passed' | 'failed'; changes: { path: string; from: unknown; to: unknown }[] } & Grade);

/**
 * `grade <challenge> <submission...>`: a teacher's grading of a class's files. Each submission
 * (a scenario file as the sandbox exports it) is checked against what the challenge allows,
 * then run headless on the challenge's seeds with its goals as the checks, with the same
 * functions the browser grades with (sim/lesson/grade.ts), so a file gets the same grade in both.
 */
export function registerGrade(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('grade')
    .summary("grade submissions (exported scenario files) against a challenge's goals")
    .description(
      "Grade submissions against a challenge: each file is checked against the changes the challenge allows (a change to any other field refuses it, naming the field path), then run on each of the challenge's seeds with its goals as the checks. " +
        'Prints a table (file, result, cost, failed goals per seed, trace hashes) or --json. ' +
        'Exit status: 0 every submission passed, 1 some failed or were refused, 2 bad input (the challenge, an argument, or a submission file that cannot be read).',
    )
    .argument('<challenge>', `challenge file (JSON), or a built-in challenge's name as ${PROGRAM} list shows it (challenges/retry-budget)`)
    .argument('<submission...>', 'scenario files the learners exported')
    .option('--json', 'print one JSON object instead of the table');
  ctx.action(cmd, (challengeArg: string, submissions: string[], flags: { json?: boolean }) => {
    const challengeFile = resolveTeachingFile(challengeArg);
    const loaded = loadTeachingFile(challengeFile);
    if (!loaded.ok) throw new BadInput(teachingErrorsMessage(challengeFile, 'challenge', loaded.errors));
    if (loaded.kind !== 'challenge') throw new BadInput(`${challengeFile}: a ${loaded.kind}, not a challenge ("kind": "challenge")`);
    // Read every file first, so an unreadable one stops the grading before anything runs.
    const texts = submissions.map((file) => ({ file, text: readTeachingText(file) }));
    const graded = texts.map(({ file, text }) => gradeFile(loaded.challenge, loaded.played.scenario, file, text));
    ctx.out.stdout(flags.json ? JSON.stringify(gradeJson(challengeFile, loaded.challenge, graded), null, 2) + '\n' : formatGradeTable(challengeFile, loaded.challenge, graded));
    return graded.every((g) => g.passed) ? EXIT_OK : EXIT_CHECK_FAILED;
  });
}

/** One submission: refused, or each seed run in turn (in the challenge's order, so output is deterministic). */
export function gradeFile(challenge: Challenge, base: Scenario, file: string, text: string): GradedFile {
  const prepared = prepareSubmission(challenge, base, text);
  if (!prepared.ok) return { file, status: 'refused', passed: false, errors: prepared.errors };
  const runs = prepared.seeds.map((seed) => runScenario(prepared.scenario, { seed }));
  const grade = summarizeGrade(prepared, runs);
  const changes = prepared.changes.map(({ path, from, to }) => ({ path, from, to }));
  return { file, status: grade.passed ? 'passed' : 'failed', changes, ...grade };
}

function gradeJson(challengeFile: string, challenge: Challenge, graded: GradedFile[]) {
  return {
    challenge: challengeFile,
    title: challenge.title,
    seeds: challenge.seeds,
    passed: graded.filter((g) => g.passed).length,
    submissions: graded.map((g) =>
      g.status === 'refused'
        ? g
        : { ...g, seeds: g.seeds.map((s) => ({ ...s, failed: s.failed.map((c) => ({ name: c.name, detail: c.detail })) })) },
    ),
  };
}

/**
 * The table: a row per file (result and cost), under it a line per seed (its failed goals, or
 * the limit that cut it short, and its trace hash), or the reasons a file was refused.
 */
export function formatGradeTable(challengeFile: string, challenge: Challenge, graded: GradedFile[]): string {
  const lines = [`Challenge: ${challengeFile} — ${challenge.title}`, `Seeds: ${challenge.seeds.join(', ')}; cost: lower is better`, ''];
  const width = Math.max(4, ...graded.map((g) => g.file.length));
  lines.push(`${'file'.padEnd(width)}  result   cost`);
  for (const g of graded) {
    const cost = g.status === 'refused' ? '—' : formatCost(g.cost);
    lines.push(`${g.file.padEnd(width)}  ${g.status.padEnd(7)}  ${cost}`);
    if (g.status === 'refused') {
      for (const e of g.errors) lines.push(`    refused: ${e.path}: ${e.message}`);
      continue;
    }
    for (const s of g.seeds) {
      const why = s.passed ? 'every goal held' : [...(s.limit ? [`cut short by ${s.limit}`] : []), ...s.failed.map((c) => `FAIL ${c.name} (${c.detail})`)].join('; ');
      lines.push(`    seed ${s.seed}  trace ${s.traceHash}  ${why}`);
    }
  }
  const passed = graded.filter((g) => g.passed).length;
  lines.push('', `${passed} of ${graded.length} submission${graded.length === 1 ? '' : 's'} passed`);
  return lines.join('\n') + '\n';
}

function formatCost(cost: number): string {
  return Number.isInteger(cost) ? String(cost) : cost.toFixed(2);
}
