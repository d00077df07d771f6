import type { Command } from 'commander';
import { applySets, applyVariant, formatErrors, readScenarioJson, validateScenario, type ScenarioError } from '../../scenario/load.ts';
import { collect, EXIT_BAD_INPUT, EXIT_OK, resolveScenario } from '../common.ts';
import type { CommandContext } from '../main.ts';
import { BadInput, readScenarioText } from '../scenario-file.ts';
import { chartErrors } from '../../scenario/chart-metrics.ts';
import { dirname } from 'node:path';
import { loadTeachingValue } from '../../lesson/load.ts';
import { builtInScenarioLookup, courseReferenceErrors, resolveTeachingFile, teachingErrorsMessage } from '../teaching-files.ts';
import { existsSync } from 'node:fs';

interface ValidateFlags {
  set: string[];
  variant?: string;
}

/**
 * Checks a scenario file without running it: the file itself, then each of its variants
 * (a variant's changes must give a valid scenario too). Exit 0 and "valid", or 2 with every
 * problem and its field path.
 */
export function registerValidate(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('validate')
    .summary('check a scenario, lesson, challenge or course file without running it')
    .description('Check a scenario file without running it: the file, then each of its variants. A lesson, challenge or course file (told apart by its kind field) is checked against lessons/FORMAT.md, with the scenario it plays and the entries of a course. Exit 0 and print "valid", or exit 2 with every problem and its field path (it runs nothing, so never 1 or 3).')
    .argument('<file>', 'scenario file (JSON), or a built-in scenario name')
    .option('--variant <name>', 'check the scenario with this variant applied (only)')
    .option('--set <path=value>', 'check the scenario with this change (repeatable)', collect, []);
  ctx.action(cmd, (arg: string, flags: ValidateFlags) => {
    const file = existsSync(arg) ? arg : resolveBuiltIn(arg);
    const json = readScenarioJson(readScenarioText(file));
    if (!json.ok) return invalid(ctx, file, json.errors);
    if (isTeachingFile(json.value)) return validateTeaching(ctx, file, json.value, flags);
    let raw = json.value;
    try {
      if (flags.variant !== undefined) raw = applyVariant(raw, flags.variant);
      if (flags.set.length > 0) raw = applySets(raw, flags.set);
    } catch (e) {
      throw new BadInput(`${file}: ${(e as Error).message}`);
    }
    const base = validateScenario(raw);
    if (!base.ok) return invalid(ctx, file, base.errors);
    const baseCharts = chartErrors(base.scenario, { allowMissing: flags.variant !== undefined || flags.set.length > 0 });
    if (baseCharts.length > 0) return invalid(ctx, file, baseCharts);
    // Each variant must give a valid scenario too (unless one was chosen already).
    const problems: ScenarioError[] = [];
    const variants = flags.variant === undefined ? base.scenario.variants : [];
    variants.forEach((v, i) => {
      let changed: unknown;
      try {
        changed = applySets(applyVariant(json.value, v.name), flags.set);
      } catch (e) {
        problems.push({ path: `variants[${i}].set`, message: (e as Error).message });
        return;
      }
      const result = validateScenario(changed);
      const errors = result.ok ? chartErrors(result.scenario, { allowMissing: true }) : result.errors;
      for (const err of errors) problems.push({ path: `variant ${JSON.stringify(v.name)}: ${err.path}`, message: err.message });
    });
    if (problems.length > 0) return invalid(ctx, file, problems);
    const checked = variants.length === 0 ? '' : ` and its ${variants.length} variant${variants.length === 1 ? '' : 's'}`;
    ctx.out.stdout(`valid: ${file} ("${base.scenario.title}"${checked})\n`);
    return EXIT_OK;
  });
}

/** A lesson, challenge or course says so in its "kind"; a scenario has no top-level kind. */
/** A built-in scenario's name, else a built-in lesson's or challenge's. */
function resolveBuiltIn(arg: string): string {
  try {
    return resolveScenario(arg);
  } catch (e) {
    try {
      return resolveTeachingFile(arg);
    } catch {
      throw e;
    }
  }
}

function isTeachingFile(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

/** A lesson, challenge or course: its fields, the scenario it plays, and a course's entries. */
function validateTeaching(ctx: CommandContext, file: string, value: unknown, flags: ValidateFlags): number {
  if (flags.variant !== undefined || flags.set.length > 0) throw new BadInput(`${file}: --variant and --set apply to scenario files only`);
  const loaded = loadTeachingValue(value, builtInScenarioLookup);
  const kind = String((value as { kind: unknown }).kind);
  if (!loaded.ok) return invalidTeaching(ctx, file, kind, loaded.errors);
  if (loaded.kind === 'course') {
    const errors = courseReferenceErrors(loaded.course, dirname(file));
    if (errors.length > 0) return invalidTeaching(ctx, file, kind, errors);
  }
  const title = loaded.kind === 'lesson' ? loaded.lesson.title : loaded.kind === 'challenge' ? loaded.challenge.title : loaded.course.title;
  ctx.out.stdout(`valid: ${file} (${loaded.kind} "${title}")\n`);
  return EXIT_OK;
}

function invalidTeaching(ctx: CommandContext, file: string, kind: string, errors: ScenarioError[]): number {
  ctx.out.stderr(`${teachingErrorsMessage(file, ['lesson', 'challenge', 'course'].includes(kind) ? kind : 'lesson, challenge or course', errors)}\n`);
  return EXIT_BAD_INPUT;
}

function invalid(ctx: CommandContext, file: string, errors: ScenarioError[]): number {
  ctx.out.stderr(`${file}: invalid scenario (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatErrors(errors)}\n`);
  return EXIT_BAD_INPUT;
}
