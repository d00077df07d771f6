/**
 * The scenario's main numeric parameters, for the sandbox's sliders, and how a change to them
 * becomes a new scenario text. Pure: no DOM, no React, so it is tested in Node.
 *
 * Finding them: the validated scenario is walked beside its zod schema, which gives each
 * number's bounds (`min`, `max`, exclusive or not, integer or not) without a second table of
 * ranges that could drift from the validator. What is walked: workloads (arrival rates,
 * clients, think time, timeout), nodes (workers, service time, queue, error rate, and the
 * numeric fields of the other node kinds) and every call path's policies. A policy field the
 * file leaves unset shows its effective value (defaults, then the preset), so a breaker with
 * `preset: "hystrix"` shows Hystrix's numbers.
 *
 * Applying them: each change is a `--set path=value`, applied with the command line's own
 * `applySets` to the file's JSON and validated as a whole like a file, so a bad value gets the
 * same message, naming the field path, that `npm run sim -- run … --set` would print.
 */
import { breakerParams } from '../../sim/patterns/circuit-breaker.ts';
import { aimdParams, gradient2Params } from '../../sim/patterns/concurrency-limit.ts';
import { PolicySchema, type PolicySpec } from '../../sim/patterns/registry.ts';
import { retryParams } from '../../sim/patterns/retry.ts';
import { applySets, readScenarioJson, ScenarioSetError, type ScenarioError } from '../../sim/scenario/load.ts';
import { NodeSchema, WorkloadSchema, type Scenario } from '../../sim/scenario/schema.ts';
import type { ScenarioSource } from '../gallery.ts';
import { loadScenarioValue } from '../load.ts';

export interface Parameter {
  /** The `--set` field path: `workloads[0].arrival.ratePerSec`. */
  path: string;
  /** The field within its group: `arrival.ratePerSec`, `breaker.failureRateThreshold`. */
  label: string;
  /** The schema's description of the field, when it has one. */
  help: string;
  /** The value the run uses now (the file's, or the effective default). */
  value: number;
  integer: boolean;
  /** The slider's range and step: around the value, inside the schema's bounds. */
  min: number;
  max: number;
  step: number;
}

export interface ParameterGroup {
  /** `workload client`, `service api`, `api → payments call path`. */
  title: string;
  parameters: Parameter[];
}

/**
 * A scenario source whose text the sliders changed: the file it came from (`base`) and the
 * `--set`s that make this text from it, in order. It counts as a file of its own (`folder`
 * null), so a share link carries its text rather than naming the unchanged built-in.
 */
export interface EditedSource extends ScenarioSource {
  folder: null;
  base: ScenarioSource;
  sets: string[];
}

export type ApplyResult = { ok: true; source: EditedSource } | { ok: false; errors: ScenarioError[] };

/**
 * Fields not offered: where a thing is drawn, when a workload starts, and the balancer's
 * hashing details (a ring size or a Maglev prime is not something to drag).
 */
const SKIPPED = new Set([
  'position',
  'startMs',
  'stopMs',
  'keySpace',
  'trackKeys',
  'maglevTableSize',
  'minimumRingSize',
  'maximumRingSize',
  'virtualNodesPerHost',
  'rampStartMs',
  'rampDurationMs',
]);

/** Fields that only matter in one setting of another field. */
const ONLY_WHEN: Record<string, (owner: Record<string, unknown>) => boolean> = {
  adaptiveLifoThreshold: (node) => node.queueDiscipline === 'adaptive-lifo',
  choiceCount: (balancer) => balancer.algorithm === 'least-request',
  activeRequestBias: (balancer) => balancer.algorithm === 'least-request',
  hashBalanceFactor: (balancer) => balancer.algorithm === 'bounded-load',
};

/** How deep inside a workload, node or policy numbers are looked for (arrival.ratePerSec, budget.ratio). */
const MAX_DEPTH = 2;

// ---------------------------------------------------------------------------------------------
// Finding parameters
// ---------------------------------------------------------------------------------------------

export function findParameters(scenario: Scenario): ParameterGroup[] {
  const groups: ParameterGroup[] = [];
  const add = (title: string, parameters: Parameter[]) => {
    if (parameters.length > 0) groups.push({ title, parameters });
  };
  // Field paths name the file's entries: a node group is one entry, not its instances.
  const written = scenario.declared ?? scenario;
  written.workloads.forEach((w, i) => {
    add(`workload ${w.id}`, numbersOf(WorkloadSchema, w, w, `workloads[${i}]`, ''));
    add(`${w.id} call path`, callPathParameters(w.callPath, `workloads[${i}].callPath`));
  });
  written.nodes.forEach((n, i) => {
    add(`${n.kind === 'service' ? 'service' : n.kind} ${n.id}`, numbersOf(NodeSchema, n, n, `nodes[${i}]`, ''));
    if (n.kind !== 'service') return;
    n.calls.forEach((c, j) => add(`${n.id} → ${c.to} call path`, callPathParameters(c.callPath, `nodes[${i}].calls[${j}].callPath`)));
  });
  return groups;
}

function callPathParameters(callPath: readonly PolicySpec[], base: string): Parameter[] {
  return callPath.flatMap((spec, k) => numbersOf(PolicySchema, spec, effectivePolicy(spec), `${base}[${k}]`, `${spec.name || spec.type}.`));
}

/** A policy's parameters as it runs: for the policies whose fields default through presets or algorithms. */
function effectivePolicy(spec: PolicySpec): Record<string, unknown> {
  switch (spec.type) {
    case 'retry':
      return retryParams(spec);
    case 'circuit-breaker':
      return breakerParams(spec);
    case 'concurrency-limit': {
      const defined = Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
      return { ...(spec.algorithm === 'gradient2' ? gradient2Params() : aimdParams()), ...defined };
    }
    default:
      return spec;
  }
}

/**
 * Every finite number field of `value` (read from `effective`, which may fill unset fields)
 * that its schema describes, down to MAX_DEPTH objects deep. Lists are not walked: their
 * entries are data (burst times, weights), not knobs.
 */
function numbersOf(schema: unknown, value: unknown, effective: unknown, path: string, label: string, depth = 0): Parameter[] {
  const shape = objectShape(schema, value);
  if (!shape || !isRecord(value)) return [];
  const eff = isRecord(effective) ? effective : value;
  const out: Parameter[] = [];
  for (const key of Object.keys(shape)) {
    if (SKIPPED.has(key) || ONLY_WHEN[key]?.(value) === false) continue;
    const field = shape[key];
    const v = value[key] !== undefined ? value[key] : eff[key];
    const bounds = numberBounds(field);
    if (bounds && typeof v === 'number' && Number.isFinite(v)) {
      out.push(parameter(`${path}.${key}`, `${label}${key}`, describe(field), v, bounds));
    } else if (isRecord(v) && depth + 1 < MAX_DEPTH) {
      out.push(...numbersOf(field, v, v, `${path}.${key}`, `${label}${key}.`, depth + 1));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading zod schemas (zod 4's `_zod.def`)
// ---------------------------------------------------------------------------------------------

interface Bounds {
  min: number;
  minExclusive: boolean;
  max: number;
  integer: boolean;
}

type Def = {
  type?: string;
  innerType?: unknown;
  in?: unknown;
  shape?: Record<string, unknown>;
  options?: unknown[];
  discriminator?: string;
  values?: unknown[];
  checks?: { _zod?: { def?: { check?: string; value?: unknown; inclusive?: boolean } } }[];
  format?: string;
};

function defOf(schema: unknown): Def {
  const zod = isRecord(schema) ? schema._zod : undefined;
  return isRecord(zod) && isRecord(zod.def) ? (zod.def as Def) : {};
}

/** Through optional, default, nullable and pipes (a transform's input side) to the schema of the value. */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else return s;
  }
  return s;
}

/** The fields of an object schema; for a union, of the option `value` belongs to (by its discriminator). */
function objectShape(schema: unknown, value: unknown): Record<string, unknown> | null {
  const def = defOf(unwrap(schema));
  if (def.type === 'object' && def.shape) return def.shape;
  if (def.type !== 'union' || !def.options || !isRecord(value)) return null;
  const key = def.discriminator;
  for (const option of def.options) {
    const shape = objectShape(option, value);
    if (!shape) continue;
    if (key === undefined || literalValues(shape[key]).includes(value[key])) return shape;
  }
  return null;
}

function literalValues(schema: unknown): unknown[] {
  const def = defOf(unwrap(schema));
  return def.type === 'literal' && def.values ? def.values : [];
}

/** A number schema's bounds, or null when the field is not a number. */
export function numberBounds(schema: unknown): Bounds | null {
  const def = defOf(unwrap(schema));
  if (def.type !== 'number') return null;
  const bounds: Bounds = { min: -Infinity, minExclusive: false, max: Infinity, integer: def.format !== undefined && /int/.test(def.format) };
  for (const check of def.checks ?? []) {
    const c = check._zod?.def;
    if (!c || typeof c.value !== 'number') continue;
    if (c.check === 'greater_than' && c.value >= bounds.min) {
      bounds.min = c.value;
      bounds.minExclusive = c.inclusive === false;
    } else if (c.check === 'less_than' && c.value < bounds.max) {
      bounds.max = c.value;
    }
  }
  return bounds;
}

function describe(schema: unknown): string {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    if (isRecord(s) && typeof s.description === 'string') return s.description;
    const def = defOf(s);
    if (def.innerType === undefined) break;
    s = def.innerType;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Slider ranges
// ---------------------------------------------------------------------------------------------

/** Bounds at most this wide are the slider's range as they are (probabilities, fractions). */
const NARROW = 1;

function parameter(path: string, label: string, help: string, value: number, bounds: Bounds): Parameter {
  return { path, label, help, value, integer: bounds.integer, ...sliderRange(value, bounds) };
}

/**
 * 0…4× the value (at least up to the value's next "nice" number), inside the schema's bounds;
 * a narrow schema range (a probability's 0…1) is used whole. A value of 0 gets a small default span.
 * An exclusive lower bound starts the slider one step above it.
 */
export function sliderRange(value: number, bounds: Bounds): { min: number; max: number; step: number } {
  const lo = Number.isFinite(bounds.min) ? bounds.min : Math.min(0, value);
  let hi: number;
  if (Number.isFinite(bounds.max) && bounds.max - lo <= NARROW) hi = bounds.max;
  else {
    const span = value > 0 ? value * 4 : bounds.integer ? 10 : 1000;
    hi = Math.min(bounds.max, niceCeil(Math.max(span, lo + 1)));
  }
  hi = Math.max(hi, value);
  const step = bounds.integer ? 1 : niceStep((hi - lo) / 200);
  const min = bounds.minExclusive ? lo + step : lo;
  return { min, max: hi, step };
}

/** The smallest 1, 2, 2.5 or 5 × 10^k that is ≥ x. */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** The largest 1, 2 or 5 × 10^k that is ≤ x (a slider step that keeps numbers round). */
function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p >= 5 ? 5 : x / p >= 2 ? 2 : 1;
  return Number((m * p).toPrecision(1));
}

// ---------------------------------------------------------------------------------------------
// Applying changes
// ---------------------------------------------------------------------------------------------

/**
 * The scenario source with `changes` (field path → value as typed) applied to its text: each
 * change is a `--set path=value` (the value JSON when it parses, else a string, as on the
 * command line), earlier sets of an edited source are kept (a later one for the same path
 * replaces it), and the result is validated as a whole. The new text is the file's JSON with
 * the new values, pretty-printed.
 */
export function applyParameters(source: ScenarioSource, changes: Readonly<Record<string, string>>): ApplyResult {
  const paths = Object.keys(changes);
  const sets = paths.map((path) => `${path}=${changes[path].trim()}`);
  if (sets.length === 0) return { ok: false, errors: [{ path: '(root)', message: 'nothing was changed' }] };
  const read = readScenarioJson(source.text);
  if (!read.ok) return read;
  let changed: unknown = read.value;
  // One set at a time, so a set that cannot be applied is named by its own path.
  for (const [i, path] of paths.entries()) {
    try {
      changed = applySets(changed, [sets[i]]);
    } catch (e) {
      if (!(e instanceof ScenarioSetError)) throw e;
      return { ok: false, errors: [{ path, message: e.message }] };
    }
  }
  const loaded = loadScenarioValue(changed);
  if (!loaded.ok) return loaded;
  const previous = isEdited(source) ? source.sets : [];
  const changedPaths = new Set(paths);
  return {
    ok: true,
    source: {
      ...source,
      folder: null,
      text: `${JSON.stringify(changed, null, 2)}\n`,
      loaded,
      base: baseSource(source),
      sets: [...previous.filter((s) => !changedPaths.has(s.slice(0, s.indexOf('=')))), ...sets],
    },
  };
}

export function isEdited(source: ScenarioSource): source is EditedSource {
  return 'base' in source && 'sets' in source;
}

/** The file a source came from: itself, unless the sliders changed it. */
export function baseSource(source: ScenarioSource): ScenarioSource {
  return isEdited(source) ? source.base : source;
}

/** ` --set a=1 --set b=2`: the command-line arguments that make a source's changes, or '' for an unchanged file. */
export function setArguments(source: ScenarioSource): string {
  return isEdited(source) ? source.sets.map((s) => ` --set ${shellQuote(s)}`).join('') : '';
}

function shellQuote(s: string): string {
  return /^[\w./:=@+-[\]]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
