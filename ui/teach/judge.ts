/**
 * What a lesson step asks of the learner, decided from the learner's runs: the measured answer
 * to a numeric prediction, whether a guess is right, and whether an action's condition holds.
 * Pure functions of the run results and what the learner did, so they are unit-tested.
 */
import { readMetric } from '../../sim/check/checks.ts';
import type { RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { valuesAt } from '../../sim/lesson/grade.ts';
import type { Condition, Measured, Prediction } from '../../sim/lesson/schema.ts';
import type { Intervention } from '../protocol.ts';

/** The measured answer in a run's result; undefined when the run does not have it. */
export function measure(answer: Measured, result: RunResult | null): number | undefined {
  if (answer.value !== undefined) return answer.value;
  if (!result) return undefined;
  if (answer.metric !== undefined) return readMetric(result.metrics, answer.metric);
  if (answer.rate !== undefined) return ratePerSec(result, answer.rate.series, answer.rate.fromMs, answer.rate.toMs);
  return undefined;
}

/** Per second over the whole windows inside [fromMs, toMs), the way a `rate` check counts. */
function ratePerSec(result: RunResult, name: string, fromMs: number, toMs: number): number | undefined {
  const series = result.series[name];
  if (!series) return undefined;
  const windows = { first: Math.ceil(fromMs / series.windowMs), end: Math.floor(toMs / series.windowMs) };
  if (windows.end <= windows.first) return undefined;
  const counted = series.counts.slice(windows.first, windows.end).reduce((sum, c) => sum + c, 0);
  return counted / (((windows.end - windows.first) * series.windowMs) / 1000);
}

export type Guess = { type: 'number'; value: number } | { type: 'choice'; index: number };

/** Right when within either tolerance (number), or the correct choice. Undefined while the answer is not measured. */
export function isRight(prediction: Prediction, guess: Guess, measured: number | undefined): boolean | undefined {
  if (prediction.type === 'choice') return guess.type === 'choice' && guess.index === prediction.correct;
  if (guess.type !== 'number' || measured === undefined) return undefined;
  const off = Math.abs(guess.value - measured);
  const byAbs = prediction.toleranceAbs !== undefined && off <= prediction.toleranceAbs;
  const byPct = prediction.tolerancePct !== undefined && off <= (prediction.tolerancePct / 100) * Math.abs(measured);
  return byAbs || byPct;
}

/** What the learner did since the step began, as the conditions read it. */
export interface LearnerActivity {
  /** Interventions in the current run. */
  interventions: readonly Intervention[];
  /** Runs started since the step began, with the variant each ran (null: as written). */
  runs: readonly { variant: string | null }[];
  /** The scenario the learner's latest run played (parameters and variant applied). */
  scenario: Scenario;
  /** The latest complete run's result. */
  result: RunResult | null;
}

export function compare(a: number | string | boolean, op: string, b: number | string | boolean): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '==': return a === b;
    case '!=': return a !== b;
    default: return false;
  }
}

/** Whether an action's condition holds. */
export function conditionHolds(until: Condition, activity: LearnerActivity): boolean {
  switch (until.type) {
    case 'intervention':
      return activity.interventions.some((i) => i.action.type === until.fault && (until.node === undefined || ('node' in i.action && i.action.node === until.node)));
    case 'variant':
      return activity.runs.some((r) => r.variant === until.name);
    case 'run':
      return activity.runs.length > 0;
    case 'parameter': {
      const value = valuesAt(activity.scenario, until.path)[0];
      return (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') && compare(value, until.op, until.value);
    }
    case 'check':
      return activity.result?.checks.some((c) => c.name === until.name && c.ok === until.ok) ?? false;
    case 'metric': {
      const value = activity.result ? readMetric(activity.result.metrics, until.metric) : undefined;
      return value !== undefined && compare(value, until.op, until.value);
    }
  }
}
