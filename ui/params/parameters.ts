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
import { breakerParams } from '../../sim/patterns/circuit-breaker.schema.ts';
import { aimdParams, gradient2Params } from '../../sim/patterns/concurrency-limit.schema.ts';
import { PolicySchema, type PolicySpec } from '../../sim/patterns/policy-schemas.ts';
import { retryParams } from '../../sim/patterns/retry.schema.ts';
import { applySets, applyVariant, readScenarioJson, ScenarioSetError, type ScenarioError } from '../../sim/scenario/load.ts';
import { NodeSchema, parseFieldPath, WorkloadSchema, type Scenario } from '../../sim/scenario/schema.ts';
import type { ScenarioSource } from '../gallery.ts';
import { loadScenarioValue } from '../load.ts';

export interface ParameterBase {
  /** The `--set` field path: `workloads[0].arrival.ratePerSec`. */
  path: string;
  /** The field within its group: `arrival.ratePerSec`, `breaker.failureRateThreshold`. */
  label: string;
  /** The schema's description of the field, when it has one. */
  help: string;
  /** The unit its value is in (`ms`, `/s`, `%`, `0–1`, `×`), or '' for a count or a name. */
  unit: string;
}

/** A number: a slider and a number input. */
export interface NumberParameter extends ParameterBase {
  kind: 'number';
  /** The value the run uses now (the file's, or the effective default). */
  value: number;
  integer: boolean;
  /** The slider's range and step: around the value, inside the schema's bounds. */
  min: number;
  max: number;
  step: number;
}

/**
 * One of a list of names: an enum field (`backoff`, `algorithm`), or which kind of object an
 * optional field holds (`budget.type`: ratio, concurrent, token-bucket). The latter (`replaces`)
 * changes the whole object, since each kind has fields of its own: its change is
 * `budget={"type":"concurrent"}` (see changePath), the kind's defaults filling the rest.
 */
export interface ChoiceParameter extends ParameterBase {
  kind: 'choice';
  value: string;
  options: string[];
  /** The discriminator when the choice replaces the object at `path` (`type`), else null. */
  replaces: string | null;
}

/**
 * On or off: a boolean field, or whether an optional object is there at all (a retry budget,
 * a balancer's outlier detection). Turning an object on writes `on` (the smallest valid one);
 * turning it off takes the field out.
 */
export interface ToggleParameter extends ParameterBase {
  kind: 'toggle';
  value: boolean;
  /** For an optional object: the JSON that turns it on; null for a boolean field. */
  on: string | null;
}

export type Parameter = NumberParameter | ChoiceParameter | ToggleParameter;

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
  /** The variant applied to the file before the sets (the variant picker), or null. */
  variant: string | null;
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

type Owner = Record<string, unknown>;

/**
 * Fields that only matter in some settings of other fields of the same owner (a node, a
 * policy as it runs, or an object inside one), by the owner's `type` or `kind` (or, for an
 * object without one, the field that holds it). Each rule says what the code that reads the
 * field says: a field the configured mode never reads is not offered.
 */
const ONLY_WHEN: Record<string, Record<string, (owner: Owner) => boolean>> = {
  service: {
    adaptiveLifoThreshold: (node) => node.queueDiscipline === 'adaptive-lifo',
    callMode: (node) => Array.isArray(node.calls) && node.calls.length > 1,
  },
  // Which fallback answer is given is only shown, never simulated (sim/patterns/fallback.ts).
  fallback: { value: () => false },
  // backoffMs in sim/patterns/retry.ts: constant reads baseMs alone; the jittered kinds and
  // decorrelated cap at capMs over base · 2^n; exponential and randomized use the multiplier.
  retry: {
    multiplier: (retry) => retry.backoff === 'exponential' || retry.backoff === 'randomized',
    capMs: (retry) => retry.backoff !== 'constant',
    randomizationFactor: (retry) => retry.backoff === 'randomized',
  },
  // consecutiveFailures > 0 replaces the rate rule and its window (sim/patterns/circuit-breaker.ts).
  'circuit-breaker': Object.fromEntries(
    ['failureRateThreshold', 'slowCallRateThreshold', 'slowCallDurationThresholdMs', 'minimumNumberOfCalls', 'slidingWindowType', 'slidingWindowSize'].map((key) => [
      key,
      (breaker: Owner) => breaker.consecutiveFailures === 0,
    ]),
  ),
  // pickLeastRequest in sim/patterns/load-balancer.ts: power of choices with equal weights,
  // the active-request bias with unequal ones.
  'load-balancer': {
    choiceCount: (lb) => lb.algorithm === 'least-request' && equalWeights(lb),
    activeRequestBias: (lb) => lb.algorithm === 'least-request' && !equalWeights(lb),
    hashBalanceFactor: (lb) => lb.algorithm === 'bounded-load',
  },
  // Success-rate ejection is skipped altogether at 0 % enforcement.
  outlierDetection: Object.fromEntries(
    ['successRateMinimumHosts', 'successRateRequestVolume', 'successRateStdevFactor'].map((key) => [key, (od: Owner) => Number(od.enforcingSuccessRate) > 0]),
  ),
};

function equalWeights(lb: Owner): boolean {
  const w = lb.weights;
  return !Array.isArray(w) || w.every((x) => x === w[0]);
}

/** Whether an owner (`rules`: its type, kind or field name; `running`: its effective fields) reads `key` (see ONLY_WHEN). */
function isRead(rules: string, running: Owner, key: string): boolean {
  return ONLY_WHEN[rules]?.[key]?.(running) ?? true;
}

function ownerRules(value: Owner, fieldName: string): string {
  return typeof value.type === 'string' ? value.type : typeof value.kind === 'string' ? value.kind : fieldName;
}

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
    add(`workload ${w.id}`, parametersOf(WorkloadSchema, w, w, `workloads[${i}]`, ''));
    add(`${w.id} call path`, callPathParameters(w.callPath, `workloads[${i}].callPath`));
  });
  written.nodes.forEach((n, i) => {
    add(`${n.kind === 'service' ? 'service' : n.kind} ${n.id}`, parametersOf(NodeSchema, n, n, `nodes[${i}]`, ''));
    if (n.kind !== 'service') return;
    n.calls.forEach((c, j) => add(`${n.id} → ${c.to} call path`, callPathParameters(c.callPath, `nodes[${i}].calls[${j}].callPath`)));
  });
  return groups;
}

function callPathParameters(callPath: readonly PolicySpec[], base: string): Parameter[] {
  return callPath.flatMap((spec, k) => parametersOf(PolicySchema, spec, effectivePolicy(spec), `${base}[${k}]`, `${spec.name || spec.type}.`));
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
 * Every field of `value` (read from `effective`, which may fill unset fields) that its schema
 * makes a knob — a finite number, an enum, a boolean, an optional object that may be on or off
 * — and that the owner's current settings read (ONLY_WHEN), down to MAX_DEPTH objects deep.
 * Lists are not walked: their entries are data (burst times, weights), not knobs.
 */
function parametersOf(schema: unknown, value: unknown, effective: unknown, path: string, label: string, depth = 0, fieldName = ''): Parameter[] {
  const shape = objectShape(schema, value);
  if (!shape || !isRecord(value)) return [];
  const eff = isRecord(effective) ? effective : value;
  const rules = ownerRules(value, fieldName);
  const out: Parameter[] = [];
  for (const key of Object.keys(shape)) {
    if (SKIPPED.has(key) || !isRead(rules, eff, key)) continue;
    const field = shape[key];
    const v = value[key] !== undefined ? value[key] : eff[key];
    const at = { path: `${path}.${key}`, label: `${label}${key}`, help: describe(field), unit: unitOf(key) };
    const bounds = numberBounds(field);
    const options = enumValues(field);
    if (bounds && typeof v === 'number' && Number.isFinite(v)) {
      out.push({ kind: 'number', ...at, value: v, integer: bounds.integer, ...sliderRange(v, bounds) });
    } else if (options && typeof v === 'string' && options.includes(v)) {
      out.push({ kind: 'choice', ...at, unit: '', value: v, options, replaces: null });
    } else if (isBoolean(field) && typeof v === 'boolean') {
      out.push({ kind: 'toggle', ...at, unit: '', value: v, on: null });
    } else if (depth + 1 < MAX_DEPTH && (isRecord(v) || v === undefined)) {
      out.push(...optionalObject(field, v, at), ...parametersOf(field, v, v, at.path, `${at.label}.`, depth + 1, key));
    }
  }
  return out;
}

/**
 * For a field that may be left out and holds an object: an on/off toggle (on = the smallest
 * object the schema accepts), and when it is a union of kinds that each work with their
 * defaults alone, the choice of kind.
 */
function optionalObject(field: unknown, value: unknown, at: Omit<ParameterBase, 'kind'>): Parameter[] {
  if (!isOptional(field)) return [];
  const kinds = defaultOnlyKinds(field);
  const smallest = kinds ? { [kinds.key]: kinds.values[0] } : {};
  if (!kinds && !accepts(field, smallest)) return [];
  const out: Parameter[] = [{ kind: 'toggle', ...at, unit: '', value: isRecord(value), on: JSON.stringify(smallest) }];
  if (kinds && isRecord(value) && kinds.values.length > 1 && typeof value[kinds.key] === 'string') {
    const kind = { path: `${at.path}.${kinds.key}`, label: `${at.label}.${kinds.key}`, help: `Which kind of ${at.label.split('.').pop()}; each kind starts from its defaults.` };
    out.push({ kind: 'choice', ...kind, unit: '', value: value[kinds.key] as string, options: kinds.values, replaces: kinds.key });
  }
  return out;
}

/** The unit a field's value is in, from its name (DESIGN: "parameters that users see carry their unit in the name"). */
export function unitOf(key: string): string {
  if (/(^m|M)s$/.test(key)) return 'ms';
  if (/PerSec$/.test(key)) return '/s';
  if (/(^p|P)ercent$|RateThreshold$|^enforcing/.test(key)) return '%';
  if (/Probability$|^(ratio|smoothing|randomizationFactor)$/.test(key)) return '0–1';
  if (/^(slowdownFactor|hashBalanceFactor|multiplier|rttTolerance|backoffRatio|k)$/.test(key)) return '×';
  return '';
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

/** An enum schema's names, or null. */
function enumValues(schema: unknown): string[] | null {
  const def = defOf(unwrap(schema)) as Def & { entries?: Record<string, unknown> };
  if (def.type !== 'enum' || !def.entries) return null;
  const values = Object.values(def.entries);
  return values.every((v): v is string => typeof v === 'string') ? values : null;
}

function isBoolean(schema: unknown): boolean {
  return defOf(unwrap(schema)).type === 'boolean';
}

/** True when the field may be left out (optional, not defaulted). */
function isOptional(schema: unknown): boolean {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (def.type === 'optional') return true;
    if (def.innerType === undefined) return false;
    s = def.innerType;
  }
  return false;
}

function accepts(schema: unknown, value: unknown): boolean {
  const parse = isRecord(schema) ? schema.safeParse : undefined;
  return typeof parse === 'function' && (parse.call(schema, value) as { success: boolean }).success;
}

/**
 * For a union on a discriminator: the discriminator and the kinds whose object is valid with
 * the discriminator alone (every other field defaulted), in the schema's order; null when
 * fewer than one kind is, or the schema is not such a union.
 */
function defaultOnlyKinds(schema: unknown): { key: string; values: string[] } | null {
  const def = defOf(unwrap(schema));
  const key = def.discriminator;
  if (def.type !== 'union' || !def.options || key === undefined) return null;
  const values = def.options.flatMap((option) => {
    const shape = objectShape(option, {});
    const kind = shape ? literalValues(shape[key])[0] : undefined;
    return typeof kind === 'string' && accepts(option, { [key]: kind }) ? [kind] : [];
  });
  return values.length > 0 ? { key, values } : null;
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
 * Pending changes: field path → the value as typed (a number's text, a choice's name,
 * `true`/`false`, an object's JSON), or null to take an optional field out (a budget off).
 */
export type Changes = Readonly<Record<string, string | null>>;

/**
 * The scenario source with `changes` applied to its text: each change is a `--set path=value`
 * (the value JSON when it parses, else a string, as on the command line); taking a field out
 * is a `--set` of the object that held it, as it then stands, without the field. Earlier sets
 * of an edited source are kept (a later one for the same path, or for an object around it,
 * replaces it), and the result is validated as a whole. The new text is the file's JSON with
 * the new values, pretty-printed.
 */
export function applyParameters(source: ScenarioSource, changes: Changes): ApplyResult {
  const paths = Object.keys(changes);
  if (paths.length === 0) return { ok: false, errors: [{ path: '(root)', message: 'nothing was changed' }] };
  const read = readScenarioJson(source.text);
  if (!read.ok) return read;
  let changed: unknown = read.value;
  const sets: string[] = [];
  // One set at a time, so a set that cannot be applied is named by its own path.
  for (const path of paths) {
    try {
      const value = changes[path];
      const set = value === null ? removalSet(changed, path) : `${path}=${value.trim()}`;
      changed = applySets(changed, [set]);
      sets.push(set);
    } catch (e) {
      if (!(e instanceof ScenarioSetError)) throw e;
      return { ok: false, errors: [{ path, message: e.message }] };
    }
  }
  const loaded = loadScenarioValue(changed);
  if (!loaded.ok) return loaded;
  const previous = isEdited(source) ? source.sets : [];
  const replaced = sets.map(setPath);
  return {
    ok: true,
    source: {
      ...source,
      folder: null,
      text: `${JSON.stringify(changed, null, 2)}\n`,
      loaded,
      base: baseSource(source),
      variant: isEdited(source) ? source.variant : null,
      sets: [...previous.filter((s) => !replaced.some((r) => within(setPath(s), r))), ...sets],
    },
  };
}

/** `a.b.c` → the set that writes `a.b` as it stands in `json`, without `c`. */
function removalSet(json: unknown, path: string): string {
  const dot = path.lastIndexOf('.');
  const ownerPath = path.slice(0, dot);
  const parsed = parseFieldPath(ownerPath);
  let owner: unknown = json;
  for (const segment of parsed.ok ? parsed.segments : []) owner = isRecord(owner) || Array.isArray(owner) ? (owner as Record<string | number, unknown>)[segment] : undefined;
  if (dot <= 0 || !isRecord(owner)) throw new ScenarioSetError(`cannot take out ${JSON.stringify(path)}: ${ownerPath || 'its owner'} is not an object`);
  const { [path.slice(dot + 1)]: _removed, ...rest } = owner;
  return `${ownerPath}=${JSON.stringify(rest)}`;
}

function setPath(set: string): string {
  return set.slice(0, set.indexOf('='));
}

/** True when `path` is `outer` or a field inside it. */
function within(path: string, outer: string): boolean {
  return path === outer || path.startsWith(`${outer}.`) || path.startsWith(`${outer}[`);
}

/** `changes` with `path` set to `value`; changes inside `path` are dropped (the new value replaces them). */
export function withChange(changes: Changes, path: string, value: string | null): Record<string, string | null> {
  const next = Object.fromEntries(Object.entries(changes).filter(([p]) => !within(p, path) || p === path));
  next[path] = value;
  return next;
}

/** The field path a parameter's change is made at: its own, or for a choice of kind, the object's. */
export function changePath(p: Parameter): string {
  return p.kind === 'choice' && p.replaces !== null ? p.path.slice(0, -(p.replaces.length + 1)) : p.path;
}

/** The change a parameter's control makes when set to `input` (a number's text, a choice, on/off). */
export function changeOf(p: Parameter, input: string | boolean): string | null {
  switch (p.kind) {
    case 'number':
      return String(input);
    case 'choice':
      return p.replaces === null ? String(input) : JSON.stringify({ [p.replaces]: input });
    case 'toggle':
      if (p.on === null) return String(input === true);
      return input === true ? p.on : null;
  }
}

/** True when `change` leaves the parameter as the scenario has it. */
export function isUnchanged(p: Parameter, change: string | null): boolean {
  if (p.kind === 'number') return change !== null && change.trim() !== '' && Number(change) === p.value;
  return change === changeOf(p, p.value);
}

/**
 * What the panel shows while changes are pending: the parameters of the scenario with the
 * changes applied (so choosing exponential backoff brings up its multiplier at once), or, while
 * a typed number is not valid, with only the choices and toggles applied, or as it is.
 */
export function previewParameters(source: ScenarioSource, scenario: Scenario, changes: Changes, numberPaths: ReadonlySet<string>): ParameterGroup[] {
  const structural = Object.fromEntries(Object.entries(changes).filter(([path]) => !numberPaths.has(path)));
  for (const attempt of [changes, structural]) {
    if (Object.keys(attempt).length === 0) break;
    const result = applyParameters(source, attempt);
    if (result.ok && result.source.loaded.ok) return findParameters(result.source.loaded.scenario);
  }
  return findParameters(scenario);
}

/** The pending changes that still matter: those of parameters the preview shows (a multiplier typed before switching to full jitter does not). */
export function pendingChanges(shown: readonly ParameterGroup[], changes: Changes): Record<string, string | null> {
  const paths = new Set(shown.flatMap((g) => g.parameters.map(changePath)));
  return Object.fromEntries(Object.entries(changes).filter(([path]) => paths.has(path)));
}

export function isEdited(source: ScenarioSource): source is EditedSource {
  return 'base' in source && 'sets' in source;
}

/** The file a source came from: itself, unless the sliders changed it. */
export function baseSource(source: ScenarioSource): ScenarioSource {
  return isEdited(source) ? source.base : source;
}

/** ` --variant v --set a=1 --set b=2`: the command-line arguments that make a source's changes, or '' for an unchanged file. */
export function setArguments(source: ScenarioSource): string {
  if (!isEdited(source)) return '';
  const variant = source.variant === null ? '' : ` --variant ${shellQuote(source.variant)}`;
  return variant + source.sets.map((s) => ` --set ${shellQuote(s)}`).join('');
}

/**
 * The file a source came from with one of its variants applied, as `--variant NAME` makes it
 * (null: the file as written). Changes made with the sliders are not carried over: they were
 * made to another scenario, and a variant may replace the very policy they changed.
 */
export function withVariant(source: ScenarioSource, name: string | null): ApplyResult | { ok: true; source: ScenarioSource } {
  const base = baseSource(source);
  if (name === null) return { ok: true, source: base };
  const read = readScenarioJson(base.text);
  if (!read.ok) return read;
  let changed: unknown;
  try {
    changed = applyVariant(read.value, name);
  } catch (e) {
    if (!(e instanceof ScenarioSetError)) throw e;
    return { ok: false, errors: [{ path: '(variant)', message: e.message }] };
  }
  const loaded = loadScenarioValue(changed);
  if (!loaded.ok) return loaded;
  return { ok: true, source: { ...base, folder: null, text: `${JSON.stringify(changed, null, 2)}\n`, loaded, base, variant: name, sets: [] } };
}

/** The variant a source runs, or null for the file as written. */
export function variantOf(source: ScenarioSource): string | null {
  return isEdited(source) ? source.variant : null;
}

function shellQuote(s: string): string {
  return /^[\w./:=@+-[\]]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
