/**
 * Grading a challenge: is the submission only the changes the challenge allows (field by field,
 * within ranges and budgets), and does the design meet every goal on every fixed seed? The
 * browser and `npm run sim -- grade` grade with these same functions, so a file gets the same
 * grade in both: `prepareSubmission` says what runs, the caller runs it (in a worker, or in
 * process), and `summarizeGrade` turns the runs into the grade.
 */
import type { CheckResult } from '../check/checks.ts';
import { formatPath, readScenarioJson, validateScenario, type ScenarioError } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AllowRule, Challenge } from './schema.ts';

/** Top-level scenario fields a submission may differ in without affecting the run. */
const IGNORED_FIELDS = new Set(['$schema', 'seed', 'title', 'description', 'watch', 'notes', 'variants', 'checks']);

/** One field the learner changed, and the rule that allows it. */
export interface Change {
  path: string;
  rule: AllowRule;
  from: unknown;
  to: unknown;
}

export type PreparedSubmission =
  | {
      ok: true;
      /** What each seed runs: the submission with the challenge's goals as its checks. */
      scenario: Scenario;
      changes: Change[];
      /** Σ weight × value over `cost`; lower is better. */
      cost: number;
      seeds: number[];
    }
  | { ok: false; errors: ScenarioError[] };

/** Checks a submission's text against the challenge and the scenario it starts from. Never throws. */
export function prepareSubmission(challenge: Challenge, base: Scenario, submissionText: string): PreparedSubmission {
  const read = readScenarioJson(submissionText);
  if (!read.ok) return read;
  const submitted = validateScenario(read.value);
  if (!submitted.ok) return submitted;
  const submission = submitted.scenario;

  const errors: ScenarioError[] = [];
  const changes: Change[] = [];
  diff(base, submission, [], challenge.allow, changes, errors);
  for (const change of changes) errors.push(...ruleProblems(change));
  for (const budget of challenge.budgets) {
    const total = sumAt(submission, budget.sum);
    if (total > budget.max) errors.push({ path: budget.sum.join(' + '), message: `the budget "${budget.name}" allows at most ${budget.max}, the design uses ${total}` });
  }
  if (errors.length > 0) return { ok: false, errors };

  const graded = validateScenario({ ...(read.value as Record<string, unknown>), checks: challenge.goals });
  if (!graded.ok) return graded;
  return { ok: true, scenario: graded.scenario, changes, cost: sumAt(submission, [], challenge.cost), seeds: challenge.seeds };
}

/** The outcome of one seed's run, as the grader needs it (a RunResult has these fields). */
export interface SeedRun {
  seed: number;
  traceHash: string;
  outcome: { status: string; reason?: string };
  checks: CheckResult[];
}

export interface Grade {
  passed: boolean;
  cost: number;
  seeds: { seed: number; traceHash: string; passed: boolean; failed: CheckResult[]; limit: string | null }[];
  /** Goal name → on how many seeds it held. */
  goals: { name: string; held: number; of: number }[];
}

/** The grade from every seed's run: passed when every goal and invariant held on every seed, to the end. */
export function summarizeGrade(prepared: Extract<PreparedSubmission, { ok: true }>, runs: SeedRun[]): Grade {
  const seeds = runs.map((r) => {
    const failed = r.checks.filter((c) => !c.ok);
    const limit = r.outcome.status === 'completed' ? null : (r.outcome.reason ?? r.outcome.status);
    return { seed: r.seed, traceHash: r.traceHash, passed: failed.length === 0 && limit === null, failed, limit };
  });
  const names = [...new Set(runs.flatMap((r) => r.checks.map((c) => c.name)))];
  const goals = names.map((name) => ({ name, held: runs.filter((r) => r.checks.some((c) => c.name === name && c.ok)).length, of: runs.length }));
  const complete = runs.length === prepared.seeds.length && prepared.seeds.every((s) => runs.some((r) => r.seed === s));
  return { passed: complete && seeds.every((s) => s.passed), cost: prepared.cost, seeds, goals };
}

// ---------------------------------------------------------------------------------------------
// The difference between the scenario and the submission
// ---------------------------------------------------------------------------------------------

type Path = (string | number)[];

function diff(a: unknown, b: unknown, path: Path, rules: readonly AllowRule[], changes: Change[], errors: ScenarioError[]): void {
  if (path.length === 1 && IGNORED_FIELDS.has(String(path[0]))) return;
  if (sameJson(a, b)) return;
  const rule = rules.find((r) => matches(r.path, path));
  if (rule) {
    changes.push({ path: formatPath(path), rule, from: a, to: b });
    return;
  }
  const container = isRecord(a) && isRecord(b) && Array.isArray(a) === Array.isArray(b);
  if (!container || (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)) {
    errors.push({ path: formatPath(path), message: `the challenge does not allow changing this field${allowedHint(rules)}` });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    a.forEach((item, i) => diff(item, b[i], [...path, i], rules, changes, errors));
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) diff(ra[key], rb[key], [...path, key], rules, changes, errors);
}

function allowedHint(rules: readonly AllowRule[]): string {
  const shown = rules.slice(0, 6).map((r) => r.path);
  return ` (it allows ${shown.join(', ')}${rules.length > shown.length ? ', …' : ''})`;
}

/** A rule's path (`nodes[*].workers`, `[*]` any index) against a concrete one (`['nodes', 0, 'workers']`). */
export function matches(pattern: string, path: Path): boolean {
  const concrete = formatPath(path);
  if (!pattern.includes('[*]')) return concrete === pattern;
  const escaped = pattern.split('[*]').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('\\[\\d+\\]')}$`).test(concrete);
}

/** A change outside its rule's range, choices or policy types. */
function ruleProblems(change: Change): ScenarioError[] {
  const { rule, to, path } = change;
  const fail = (message: string) => [{ path, message }];
  if (rule.policies) {
    if (!Array.isArray(to)) return fail('expected a call path (a list of policies)');
    const bad = to.map((p) => (isRecord(p) ? String(p.type) : '?')).filter((t) => !rule.policies!.includes(t));
    return bad.length > 0 ? fail(`the challenge allows only ${rule.policies.join(', ')} here, not ${[...new Set(bad)].join(', ')}`) : [];
  }
  if (rule.values) return rule.values.some((v) => sameJson(v, to)) ? [] : fail(`expected one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(to)}`);
  if (rule.min !== undefined || rule.max !== undefined || rule.integer) {
    if (typeof to !== 'number') return fail(`expected a number, got ${JSON.stringify(to)?.slice(0, 40)}`);
    if (rule.integer && !Number.isInteger(to)) return fail(`expected a whole number, got ${to}`);
    if (rule.min !== undefined && to < rule.min) return fail(`expected a number ≥ ${rule.min}, got ${to}`);
    if (rule.max !== undefined && to > rule.max) return fail(`expected a number ≤ ${rule.max}, got ${to}`);
  }
  return [];
}

/** Σ weight × value over fields (`[*]` expanded); `paths` alone count with weight 1. Missing fields count 0. */
function sumAt(scenario: Scenario, paths: readonly string[], weighted: readonly { path: string; weight: number }[] = []): number {
  const terms = [...paths.map((path) => ({ path, weight: 1 })), ...weighted];
  let total = 0;
  for (const { path, weight } of terms) for (const v of valuesAt(scenario, path)) if (typeof v === 'number') total += weight * v;
  return total;
}

/** Every value at a field path, `[*]` standing for each index. */
export function valuesAt(root: unknown, pattern: string): unknown[] {
  const segments = pattern.match(/[^.[\]]+|\[(\d+|\*)\]/g) ?? [];
  let current: unknown[] = [root];
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const c of current) {
      if (seg === '[*]') {
        if (Array.isArray(c)) next.push(...c);
      } else if (seg.startsWith('[')) {
        if (Array.isArray(c)) next.push(c[Number(seg.slice(1, -1))]);
      } else if (isRecord(c) && !Array.isArray(c) && Object.prototype.hasOwnProperty.call(c, seg)) {
        next.push(c[seg]);
      }
    }
    current = next.filter((v) => v !== undefined);
  }
  return current;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isRecord(a) || !isRecord(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
}
