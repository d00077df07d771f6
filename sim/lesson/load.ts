/**
 * Loading lessons, challenges and courses: text → JSON → validation → the scenario they play
 * (a built-in by name, or inline) → cross-references (highlighted nodes exist, variants exist,
 * pauses fall inside the run). Every problem is reported as `path: message`, like a scenario's.
 * No Node imports: the caller says how to find a built-in scenario's text, so the command line
 * reads `scenarios/` and the browser its bundled copies.
 */
import {
  applyVariant,
  formatPath,
  readScenarioJson,
  validateScenario,
  validateWithSchema,
  type ScenarioError,
} from '../scenario/load.ts';
import { parseFieldPath, type Scenario } from '../scenario/schema.ts';
import { ChallengeSchema, CourseSchema, LessonSchema, type Challenge, type Course, type Lesson } from './schema.ts';

/** The text of a built-in scenario (`resilience/cascading-failure`), or undefined if there is none. */
export type ScenarioLookup = (name: string) => string | undefined;

/** The scenario a lesson or challenge plays, validated, with the variant applied. */
export interface PlayedScenario {
  /** The built-in's name, or null when the scenario is inline. */
  name: string | null;
  /** The scenario as JSON text, before the variant (what the sandbox opens and exports). */
  text: string;
  /** Validated, variant applied. */
  scenario: Scenario;
}

export type TeachingLoad =
  | { ok: true; kind: 'lesson'; lesson: Lesson; played: PlayedScenario }
  | { ok: true; kind: 'challenge'; challenge: Challenge; played: PlayedScenario }
  | { ok: true; kind: 'course'; course: Course }
  | { ok: false; errors: ScenarioError[] };

const KINDS = ['lesson', 'challenge', 'course'] as const;

/** Parses and validates a lesson, challenge or course file. Never throws. */
export function loadTeachingText(text: string, lookup: ScenarioLookup): TeachingLoad {
  const read = readScenarioJson(text);
  return read.ok ? loadTeachingValue(read.value, lookup) : read;
}

/** Validates an already parsed lesson, challenge or course. Never throws. */
export function loadTeachingValue(value: unknown, lookup: ScenarioLookup): TeachingLoad {
  const kind = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'lesson':
      return loadLesson(value, lookup);
    case 'challenge':
      return loadChallenge(value, lookup);
    case 'course': {
      const v = validateWithSchema(CourseSchema, value, 'not a valid course');
      return v.ok ? { ok: true, kind: 'course', course: v.value } : v;
    }
    default:
      return {
        ok: false,
        errors: [{ path: 'kind', message: `expected one of ${KINDS.map((k) => JSON.stringify(k)).join(', ')}, got ${kind === undefined ? 'nothing' : JSON.stringify(kind).slice(0, 60)}` }],
      };
  }
}

function loadLesson(value: unknown, lookup: ScenarioLookup): TeachingLoad {
  const v = validateWithSchema(LessonSchema, value, 'not a valid lesson');
  if (!v.ok) return v;
  const lesson = v.value;
  const played = resolveScenario(lesson.scenario, lesson.variant, lookup);
  if (!played.ok) return played;
  const errors = lessonReferences(lesson, played.value.scenario);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, kind: 'lesson', lesson, played: played.value };
}

function loadChallenge(value: unknown, lookup: ScenarioLookup): TeachingLoad {
  const v = validateWithSchema(ChallengeSchema, value, 'not a valid challenge');
  if (!v.ok) return v;
  const challenge = v.value;
  const played = resolveScenario(challenge.scenario, challenge.variant, lookup);
  if (!played.ok) return played;
  return { ok: true, kind: 'challenge', challenge, played: played.value };
}

/** A built-in by name, or an inline scenario; the variant applied; errors under `scenario` / `variant`. */
export function resolveScenario(
  ref: string | Record<string, unknown>,
  variant: string | undefined,
  lookup: ScenarioLookup,
): { ok: true; value: PlayedScenario } | { ok: false; errors: ScenarioError[] } {
  let text: string;
  let json: unknown;
  if (typeof ref === 'string') {
    const found = lookup(ref);
    if (found === undefined) return { ok: false, errors: [{ path: 'scenario', message: `there is no built-in scenario ${JSON.stringify(ref)}` }] };
    const read = readScenarioJson(found);
    if (!read.ok) return { ok: false, errors: prefixed('scenario', read.errors) };
    text = found;
    json = read.value;
  } else {
    text = JSON.stringify(ref, null, 2);
    json = ref;
  }
  let input = json;
  if (variant !== undefined) {
    try {
      input = applyVariant(json, variant);
    } catch (e) {
      return { ok: false, errors: [{ path: 'variant', message: e instanceof Error ? e.message : String(e) }] };
    }
  }
  const loaded = validateScenario(input);
  if (!loaded.ok) return { ok: false, errors: prefixed('scenario', loaded.errors) };
  return { ok: true, value: { name: typeof ref === 'string' ? ref : null, text, scenario: loaded.scenario } };
}

function prefixed(prefix: string, errors: ScenarioError[]): ScenarioError[] {
  return errors.map((e) => ({ path: e.path === '(root)' ? prefix : `${prefix}.${e.path}`, message: e.message }));
}

/** Names a lesson uses that its scenario must have: nodes, links, variants; pauses inside the run. */
function lessonReferences(lesson: Lesson, scenario: Scenario): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const ids = new Set<string>([...scenario.nodes.map((n) => n.id), ...scenario.workloads.map((w) => w.id)]);
  const variants = new Set(scenario.variants.map((v) => v.name));
  const node = (path: (string | number)[], id: string) => {
    if (!ids.has(id)) errors.push({ path: formatPath(path), message: `the scenario has no node ${JSON.stringify(id)}` });
  };
  lesson.steps.forEach((step, i) => {
    const at = ['steps', i];
    if (step.pauseAtMs !== undefined && step.pauseAtMs > scenario.durationMs) {
      errors.push({ path: formatPath([...at, 'pauseAtMs']), message: `expected a time within the run (≤ ${scenario.durationMs} ms), got ${step.pauseAtMs}` });
    }
    step.highlight.forEach((h, j) => {
      const hp = [...at, 'highlight', j];
      if (h.node !== undefined) node([...hp, 'node'], h.node);
      if (h.badge !== undefined) node([...hp, 'badge'], h.badge);
      if (h.link !== undefined) {
        node([...hp, 'link', 'from'], h.link.from);
        node([...hp, 'link', 'to'], h.link.to);
      }
    });
    const until = step.action?.until;
    if (until?.type === 'intervention' && until.node !== undefined) node([...at, 'action', 'until', 'node'], until.node);
    if (until?.type === 'variant' && until.name !== null && !variants.has(until.name)) {
      errors.push({ path: formatPath([...at, 'action', 'until', 'name']), message: `the scenario has no variant ${JSON.stringify(until.name)}${variants.size > 0 ? ` (it has ${[...variants].map((v) => JSON.stringify(v)).join(', ')})` : ''}` });
    }
    if (until?.type === 'parameter' && !parseFieldPath(until.path).ok) {
      errors.push({ path: formatPath([...at, 'action', 'until', 'path']), message: 'not a field path' });
    }
  });
  return errors;
}
