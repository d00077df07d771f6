/**
 * The teaching formats, version 1, as zod schemas: a **lesson** (narrated steps over a scenario,
 * with predictions, required actions and reveals), a **challenge** (a scenario, what a learner
 * may change, fixed seeds, goals and a cost), and a **course** (lessons and challenges in order).
 * lessons/FORMAT.md is the contract; this file is its executable form.
 *
 * Like scenarios these are data, never code: narration is a small Markdown subset rendered as
 * text, and nothing in a file is ever evaluated. No Node imports: the browser loads them too.
 */
import { z } from 'zod';
import { CheckSchema, ID_PATTERN, MAX_ID_LENGTH, MAX_MS, parseFieldPath } from '../scenario/schema.ts';

// ---------------------------------------------------------------------------------------------
// Limits of the formats
// ---------------------------------------------------------------------------------------------

export const MAX_STEPS = 100;
export const MAX_NARRATION_CHARS = 4000;
export const MAX_HIGHLIGHTS = 20;
export const MAX_CHOICES = 8;
export const MAX_CHALLENGE_SEEDS = 20;
export const MAX_ALLOW_RULES = 50;
export const MAX_GOALS = 50;
export const MAX_COURSE_ENTRIES = 100;

/** A built-in scenario as `list` names it: `resilience/cascading-failure`. */
export const SCENARIO_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;
/** A lesson or challenge as a course names it: its file name without `.json`, in the course's folder. */
export const ENTRY_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

const Id = z.string().min(1).max(MAX_ID_LENGTH).regex(ID_PATTERN);
const Title = z.string().min(1).max(200);
const Markdown = (max: number) => z.string().max(max);
const FieldPathText = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const parsed = parseFieldPath(path);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path.slice(0, 80))} is not a field path: ${parsed.reason}` });
  });

/**
 * The scenario a lesson or challenge plays: a built-in by name, or a whole scenario inline
 * (validated as a scenario when the file is loaded, with paths under `scenario`).
 */
const ScenarioRef = z
  .union([z.string().regex(SCENARIO_NAME_PATTERN), z.record(z.string(), z.unknown())])
  .describe('A built-in scenario by name ("resilience/cascading-failure") or a scenario object inline.');

// ---------------------------------------------------------------------------------------------
// Lesson steps
// ---------------------------------------------------------------------------------------------

/** One thing a step points at; exactly one key is set. */
export const HighlightSchema = z
  .strictObject({
    node: Id.optional().describe('A node or workload by id.'),
    link: z.strictObject({ from: Id, to: Id }).optional().describe('The directed link from → to.'),
    badge: Id.optional().describe("The pattern badge drawn on this node (breaker state, bucket level, …)."),
    chart: z.string().min(1).max(200).optional().describe('A chart by its title as the page shows it.'),
    metric: z.string().min(1).max(200).optional().describe('A metric by name; its value is shown beside the narration.'),
  })
  .superRefine((h, ctx) => {
    const set = (['node', 'link', 'badge', 'chart', 'metric'] as const).filter((k) => h[k] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `expected exactly one of node, link, badge, chart, metric; got ${set.length === 0 ? 'none' : set.join(', ')}` });
    }
  })
  .meta({ id: 'Highlight' });

/** Where a numeric prediction's measured answer comes from. */
export const MeasuredSchema = z
  .strictObject({
    metric: z.string().min(1).max(200).optional().describe('A metric at the end of the run, named as checks name it ("client.latency.p99").'),
    rate: z
      .strictObject({ series: z.string().min(1).max(200), fromMs: z.number().min(0).max(MAX_MS), toMs: z.number().min(0).max(MAX_MS) })
      .optional()
      .describe('A series\' rate per second between two times, as a "rate" check computes it.'),
    value: z.number().optional().describe('A fixed answer, for a question the run does not measure.'),
  })
  .superRefine((m, ctx) => {
    const set = (['metric', 'rate', 'value'] as const).filter((k) => m[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', message: `expected exactly one of metric, rate, value; got ${set.length === 0 ? 'none' : set.join(', ')}` });
    if (m.rate && m.rate.toMs <= m.rate.fromMs) ctx.addIssue({ code: 'custom', path: ['rate', 'toMs'], message: `expected a number > fromMs (${m.rate.fromMs}), got ${m.rate.toMs}` });
  })
  .meta({ id: 'Measured' });

const NumberPrediction = z
  .strictObject({
    type: z.literal('number'),
    question: Markdown(1000).min(1),
    unit: z.string().max(20).default('').describe('Shown after the learner\'s number and the measured one ("ms", "requests/s").'),
    answer: MeasuredSchema,
    /** A guess is right when within either tolerance of the measured value. */
    toleranceAbs: z.number().min(0).optional().describe('Right when |guess − measured| ≤ this.'),
    tolerancePct: z.number().min(0).optional().describe('Right when |guess − measured| ≤ this percent of |measured|.'),
  })
  .superRefine((p, ctx) => {
    if (p.toleranceAbs === undefined && p.tolerancePct === undefined) {
      ctx.addIssue({ code: 'custom', path: ['toleranceAbs'], message: 'expected toleranceAbs or tolerancePct (or both)' });
    }
  });

const ChoicePrediction = z
  .strictObject({
    type: z.literal('choice'),
    question: Markdown(1000).min(1),
    choices: z.array(z.string().min(1).max(300)).min(2).max(MAX_CHOICES),
    correct: z.int().min(0).describe('Index (from 0) of the right choice.'),
  })
  .superRefine((p, ctx) => {
    if (p.correct >= p.choices.length) ctx.addIssue({ code: 'custom', path: ['correct'], message: `expected an index below ${p.choices.length} (the number of choices), got ${p.correct}` });
  });

export const PredictionSchema = z.discriminatedUnion('type', [NumberPrediction, ChoicePrediction]).meta({ id: 'Prediction' });

export const COMPARE_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
export const INTERVENTION_TYPES = ['crash', 'restart', 'pause', 'resume', 'slow', 'brownout', 'partition', 'heal', 'latency', 'loss'] as const;

/** What lets the learner continue past an action step. */
export const ConditionSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('intervention'),
      fault: z.enum(INTERVENTION_TYPES).describe('The kind of intervention the learner must make.'),
      node: Id.optional().describe('On this node (any node when absent).'),
    }),
    z.strictObject({
      type: z.literal('variant'),
      name: z.union([z.string().min(1).max(100), z.null()]).describe('The learner runs this variant; null: the scenario as written, with no variant.'),
    }),
    z.strictObject({
      type: z.literal('parameter'),
      path: FieldPathText.describe('A field path as --set takes it.'),
      op: z.enum(COMPARE_OPS),
      value: z.union([z.number(), z.string().max(200), z.boolean()]),
    }),
    z.strictObject({ type: z.literal('run'), description: z.string().max(200).optional() }).describe('The learner runs the scenario (again).'),
    z.strictObject({
      type: z.literal('check'),
      name: z.string().min(1).max(200),
      ok: z.boolean().default(true).describe('The named check passes (or fails, with false) in the learner\'s latest run.'),
    }),
    z.strictObject({ type: z.literal('metric'), metric: z.string().min(1).max(200), op: z.enum(COMPARE_OPS), value: z.number() }),
  ])
  .meta({ id: 'Condition' });

export const ActionSchema = z
  .strictObject({
    instruction: Markdown(1000).min(1).describe('What the learner must do, in words.'),
    until: ConditionSchema,
  })
  .meta({ id: 'Action' });

export const StepSchema = z
  .strictObject({
    title: z.string().max(120).optional(),
    narration: Markdown(MAX_NARRATION_CHARS).min(1).describe('A Markdown subset: *emphasis*, **strong**, `code`, lists, [links](https://…). Rendered as text.'),
    pauseAtMs: z.number().min(0).max(MAX_MS).optional().describe('The run plays to this simulated time and pauses there.'),
    highlight: z.array(HighlightSchema).max(MAX_HIGHLIGHTS).default(() => []),
    predict: PredictionSchema.optional().describe('Asked before the step reveals the measured answer.'),
    action: ActionSchema.optional().describe('The learner must do this before continuing.'),
    explanation: Markdown(MAX_NARRATION_CHARS).optional().describe('Shown once the prediction is answered and the action done.'),
    reveal: z.boolean().default(false).describe('From this step on, the run\'s results and checks are shown.'),
  })
  .meta({ id: 'Step' });

export const LessonSchema = z
  .strictObject({
    $schema: z.string().max(1000).optional(),
    kind: z.literal('lesson'),
    version: z.literal(1),
    title: Title,
    summary: Markdown(2000),
    scenario: ScenarioRef,
    variant: z.string().min(1).max(100).optional().describe('Play this variant of the scenario.'),
    seed: z.int().min(0).optional().describe("The run's seed (the scenario's own when absent)."),
    steps: z.array(StepSchema).min(1).max(MAX_STEPS),
  })
  .meta({ id: 'Lesson' });

// ---------------------------------------------------------------------------------------------
// Challenges
// ---------------------------------------------------------------------------------------------

/**
 * A field the learner may change. `path` is a field path as --set takes it, where `[*]` stands
 * for any index. With `min`/`max` the field is a number in that range; with `values` it is one of
 * them; with `policies` it is a call path (a list of policies) whose policies' types are among
 * these, in any order and with any of their parameters.
 */
export const AllowRuleSchema = z
  .strictObject({
    path: z.string().min(1).max(1000).describe('A field path; [*] matches any index.'),
    label: z.string().max(200).optional().describe('How the page names the field.'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(false),
    values: z.array(z.union([z.number(), z.string().max(200), z.boolean()])).min(1).max(50).optional(),
    policies: z.array(z.string().min(1).max(100)).min(1).max(50).optional().describe('Policy types a call path may hold.'),
  })
  .superRefine((r, ctx) => {
    const parsed = parseFieldPath(r.path.replace(/\[\*\]/g, '[0]'));
    if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['path'], message: `${JSON.stringify(r.path.slice(0, 80))} is not a field path: ${parsed.reason}` });
    const shapes = [r.min !== undefined || r.max !== undefined, r.values !== undefined, r.policies !== undefined].filter(Boolean).length;
    if (shapes > 1) ctx.addIssue({ code: 'custom', message: 'expected one of min/max, values or policies' });
    if (r.min !== undefined && r.max !== undefined && r.min > r.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected a number ≥ min (${r.min}), got ${r.max}` });
  })
  .meta({ id: 'AllowRule' });

/** A budget over the learner's choices: the sum of these fields must stay within `max`. */
export const BudgetSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    sum: z.array(z.string().min(1).max(1000)).min(1).max(100).describe('Field paths ([*] allowed) whose values are added up.'),
    max: z.number(),
  })
  .meta({ id: 'Budget' });

export const ChallengeSchema = z
  .strictObject({
    $schema: z.string().max(1000).optional(),
    kind: z.literal('challenge'),
    version: z.literal(1),
    title: Title,
    summary: Markdown(2000),
    brief: Markdown(MAX_NARRATION_CHARS).min(1).describe('The task, in the narration Markdown subset.'),
    scenario: ScenarioRef,
    variant: z.string().min(1).max(100).optional(),
    seeds: z.array(z.int().min(0)).min(1).max(MAX_CHALLENGE_SEEDS).describe('Every goal must hold on every one of these seeds.'),
    allow: z.array(AllowRuleSchema).min(1).max(MAX_ALLOW_RULES),
    budgets: z.array(BudgetSchema).max(20).default(() => []),
    goals: z.array(CheckSchema).min(1).max(MAX_GOALS).describe('Checks, as a scenario writes them, that a passing design meets.'),
    cost: z
      .array(z.strictObject({ path: z.string().min(1).max(1000), weight: z.number() }))
      .max(100)
      .default(() => [])
      .describe('Score = Σ weight × value over these fields; lower is better (a cheaper design).'),
  })
  .meta({ id: 'Challenge' });

// ---------------------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------------------

export const CourseSchema = z
  .strictObject({
    $schema: z.string().max(1000).optional(),
    kind: z.literal('course'),
    version: z.literal(1),
    title: Title,
    summary: Markdown(2000),
    order: z.int().min(0).default(100).describe('Courses are listed by this number, then title.'),
    entries: z.array(z.string().regex(ENTRY_NAME_PATTERN)).min(1).max(MAX_COURSE_ENTRIES).describe("Lesson and challenge files of the course's folder, in order, without .json."),
    guide: z.string().regex(/^[a-z0-9][a-z0-9._-]*\.md$/).optional().describe("A teacher's guide in the course's folder (Markdown)."),
  })
  .meta({ id: 'Course' });

export type Lesson = z.output<typeof LessonSchema>;
export type Step = z.output<typeof StepSchema>;
export type Highlight = z.output<typeof HighlightSchema>;
export type Prediction = z.output<typeof PredictionSchema>;
export type Measured = z.output<typeof MeasuredSchema>;
export type Condition = z.output<typeof ConditionSchema>;
export type Challenge = z.output<typeof ChallengeSchema>;
export type AllowRule = z.output<typeof AllowRuleSchema>;
export type Course = z.output<typeof CourseSchema>;
export type TeachingFile = Lesson | Challenge | Course;
