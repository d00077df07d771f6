/**
 * The sides of a comparison (two to four; the first is the baseline), as small data: what each side runs (the scenario as written,
 * one of its variants, or the scenario as written under its own seed) and how that becomes the
 * scenario text and seed a worker runs. The worker receives scenario TEXT, so a variant is
 * applied here (the same `applyVariant` the command line's `--variant` uses) and written back
 * as canonical JSON; the worker then loads it exactly as it loads any file.
 *
 * To add another kind of side (a parameter set, say), add a member to `Side` and a case to
 * `sideText`, `sideSeed` and `describeSide`: the compare view needs nothing else.
 */
import { applyVariant, canonicalJson, readScenarioJson, type ScenarioError } from '../../sim/scenario/load.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { loadScenarioText } from '../load.ts';

export type Side =
  /** The scenario as written, under the seed in the seed box. */
  | { kind: 'as-written' }
  /** The scenario with one of its `variants` applied, under the seed in the seed box. */
  | { kind: 'variant'; name: string }
  /** The scenario as written, under a seed of its own (for scenarios without variants). */
  | { kind: 'seed'; seed: number };

/** The most sides a comparison runs at once (their panes must stay readable: a 2 × 2 grid). */
export const MAX_SIDES = 4;
/** Sides are named A, B, C, D: A is the baseline every other side's change is measured from. */
export const SIDE_NAMES = ['A', 'B', 'C', 'D'] as const;

/** A side made ready to run: the text the worker loads, the scenario it validates to, the seed. */
export interface ResolvedSide {
  side: Side;
  label: string;
  text: string;
  scenario: Scenario;
  seed: number;
}

export type ResolveResult = { ok: true; resolved: ResolvedSide } | { ok: false; errors: ScenarioError[] };

/**
 * The scenario as written against its first variant; without variants, against itself under
 * the next seed (side A keeps following the seed box).
 */
export function defaultSides(scenario: Scenario, sharedSeed: number | null): Side[] {
  const first = scenario.variants[0];
  const b: Side = first ? { kind: 'variant', name: first.name } : { kind: 'seed', seed: nextSeed(sharedSeed ?? scenario.seed) };
  return [{ kind: 'as-written' }, b];
}

/** The scenario as written and its variants, as many as fit (MAX_SIDES): "all variants". */
export function allVariantSides(scenario: Scenario): Side[] {
  return [{ kind: 'as-written' as const }, ...scenario.variants.map((v): Side => ({ kind: 'variant', name: v.name }))].slice(0, MAX_SIDES);
}

/** A side to add: the first variant not compared yet, else the scenario under another seed. */
export function nextSide(scenario: Scenario, sides: readonly Side[], sharedSeed: number | null): Side {
  const used = new Set(sides.map(choiceKey));
  const variant = scenario.variants.find((v) => !used.has(`variant:${v.name}`));
  if (variant) return { kind: 'variant', name: variant.name };
  const seeds = sides.flatMap((s) => (s.kind === 'seed' ? [s.seed] : []));
  return { kind: 'seed', seed: nextSeed(Math.max(sharedSeed ?? scenario.seed, ...seeds)) };
}

/** The seed after `seed`, wrapping at the largest seed the seed box accepts. */
export function nextSeed(seed: number): number {
  return seed >= Number.MAX_SAFE_INTEGER ? 0 : seed + 1;
}

/** The sides a scenario offers: as written, each variant, and as written under another seed. */
export function sideChoices(scenario: Scenario, sharedSeed: number | null): Side[] {
  return [
    { kind: 'as-written' },
    ...scenario.variants.map((v): Side => ({ kind: 'variant', name: v.name })),
    { kind: 'seed', seed: nextSeed(sharedSeed ?? scenario.seed) },
  ];
}

/** A short stable key for a choice, for <select> values. */
export function choiceKey(side: Side): string {
  return side.kind === 'variant' ? `variant:${side.name}` : side.kind;
}

/** What a side runs, in words: "as written", "variant no-protection", "as written, seed 7". */
export function describeSide(side: Side): string {
  switch (side.kind) {
    case 'as-written':
      return 'as written';
    case 'variant':
      return `variant ${side.name}`;
    case 'seed':
      return `as written, seed ${side.seed}`;
  }
}

/** The scenario text a side runs. Throws the loader's ScenarioSetError for an unknown variant or a bad `set`. */
export function sideText(text: string, side: Side): string {
  if (side.kind !== 'variant') return text;
  const read = readScenarioJson(text);
  if (!read.ok) throw new Error(read.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return canonicalJson(applyVariant(read.value, side.name));
}

/** The seed a side runs: its own, or the seed box's. */
export function sideSeed(side: Side, sharedSeed: number): number {
  return side.kind === 'seed' ? side.seed : sharedSeed;
}

/** Text, scenario and seed for one side, or why it cannot run. */
export function resolveSide(text: string, side: Side, sharedSeed: number): ResolveResult {
  let changed: string;
  try {
    changed = sideText(text, side);
  } catch (e) {
    return { ok: false, errors: [{ path: '(variant)', message: e instanceof Error ? e.message : String(e) }] };
  }
  const loaded = loadScenarioText(changed);
  if (!loaded.ok) return loaded;
  return { ok: true, resolved: { side, label: describeSide(side), text: changed, scenario: loaded.scenario, seed: sideSeed(side, sharedSeed) } };
}
