/**
 * Loading scenarios: text → JSON → (variant, --set) → validation, with every problem reported
 * as `path: message` in words a scenario author understands. No Node imports: the browser
 * sandbox loads scenarios with the same code as the command line.
 */
import type { z } from 'zod';
import { canonicalJson, closestName } from './text.ts';
import {
  ID_PATTERN,
  ScenarioSchema,
  parseFieldPath,
  schemaAcceptsNull,
  type FieldPath,
  type Scenario,
} from './schema.ts';

export const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;

export type ScenarioError = { path: string; message: string };
export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };
export type JsonReadResult = { ok: true; value: unknown } | { ok: false; errors: ScenarioError[] };

/** A `--set path=value` (or a variant's `set`) that cannot be applied. */
export class ScenarioSetError extends Error {
  override name = 'ScenarioSetError';
}

const ROOT = '(root)';

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Validates a parsed scenario and fills its defaults. Never throws; reports every problem. */
export function validateScenario(input: unknown): LoadResult {
  const result = validateWithSchema(ScenarioSchema, input, 'not a valid scenario');
  return result.ok ? { ok: true, scenario: result.value } : result;
}

/**
 * Any of our file formats (scenarios, lessons, challenges, courses) validated the same way:
 * every problem as `path: message`, in the words scenario errors use. Never throws.
 */
export function validateWithSchema<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fallback: string,
): { ok: true; value: z.output<S> } | { ok: false; errors: ScenarioError[] } {
  let result: ReturnType<S['safeParse']>;
  try {
    result = schema.safeParse(input, { error: humanMessage }) as ReturnType<S['safeParse']>;
  } catch (e) {
    // Only exotic inputs get here (a getter or proxy that throws); files never do.
    return { ok: false, errors: [{ path: ROOT, message: `could not be read: ${errorText(e)}` }] };
  }
  if (result.success) return { ok: true, value: result.data as z.output<S> };
  const errors = dedupe(result.error.issues.flatMap((issue) => toScenarioErrors(issue, [])));
  return { ok: false, errors: errors.length > 0 ? errors : [{ path: ROOT, message: fallback }] };
}

/** Size check, JSON parse and validation, in that order. Never throws. */
export function parseScenarioText(text: string, opts: { maxBytes?: number } = {}): LoadResult {
  const read = readScenarioJson(text, opts);
  return read.ok ? validateScenario(read.value) : read;
}

/**
 * The first two steps of `parseScenarioText`, for callers that change the JSON (a variant,
 * `--set`) before validating it.
 */
export function readScenarioJson(text: string, opts: { maxBytes?: number } = {}): JsonReadResult {
  if (typeof text !== 'string') return rootError(`expected the text of a JSON file, got ${describeValue(text)}`);
  const limit = typeof opts.maxBytes === 'number' && opts.maxBytes >= 0 ? opts.maxBytes : MAX_SCENARIO_BYTES;
  // Every UTF-16 unit is at least one UTF-8 byte, so a long string is rejected without counting.
  const bytes = text.length > limit ? text.length : utf8ByteLength(text);
  if (bytes > limit) {
    const size = text.length > limit ? `at least ${formatBytes(bytes)}` : formatBytes(bytes);
    return rootError(`the scenario is ${size}, more than the limit of ${formatBytes(limit)}`);
  }
  try {
    // Editors on some systems start UTF-8 files with a byte order mark; JSON.parse rejects it.
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (e) {
    return rootError(`not valid JSON: ${withLineAndColumn(errorText(e), text)}`);
  }
}

function rootError(message: string): { ok: false; errors: ScenarioError[] } {
  return { ok: false, errors: [{ path: ROOT, message }] };
}

/** One line per error, indented, for terminals and logs. */
export function formatErrors(errors: ScenarioError[]): string {
  return errors.map((e) => `  ${e.path}: ${e.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// zod issues → ScenarioError
// ---------------------------------------------------------------------------------------------

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

/**
 * zod's error map: called once per issue, with the offending input and the schema that raised
 * it. Messages say what was expected and what was found.
 */
function humanMessage(issue: RawIssue): string {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedType(issue.expected, issue.input, issue.inst);
      return expectOrMissing(issue.input, schemaAcceptsNull(issue.inst) ? `${expected} or null` : expected);
    }
    case 'too_small':
      return boundMessage(issue.origin, 'min', issue.minimum, issue.inclusive !== false, issue.input, issue.schema);
    case 'too_big':
      return boundMessage(issue.origin, 'max', issue.maximum, issue.inclusive !== false, issue.input, issue.schema);
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern === String(ID_PATTERN)
        ? `expected an id made of letters, digits, "_", ".", ":" and "-", got ${got}`
        : `expected a string matching ${issue.pattern ?? issue.format}, got ${got}`;
    case 'invalid_value':
      return expectOrMissing(issue.input, oneOf(issue.values));
    case 'invalid_union':
      return unionMessage(issue);
    case 'unrecognized_keys':
      // The allowed keys, for `toScenarioErrors`, which writes one message per unknown key.
      return allowedKeys(issue.inst).join(', ');
    default:
      return `invalid value, got ${got}`;
  }
}

function expectOrMissing(input: unknown, expected: string): string {
  return input === undefined ? `missing required field: expected ${expected}` : `expected ${expected}, got ${describeValue(input)}`;
}

function expectedType(expected: string, input: unknown, inst: unknown): string {
  const disc = discriminatorOf(inst);
  if (disc) return `an object with ${JSON.stringify(disc.key)} one of ${disc.values.map(formatPrimitive).join(', ')}`;
  switch (expected) {
    case 'number':
      return typeof input === 'number' ? 'a finite number' : 'a number';
    case 'int':
      return 'an integer';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array':
      return 'a list (array)';
    case 'null':
      return 'null';
    default:
      return `a value of type ${expected}`;
  }
}

/** For a discriminated union schema: its discriminator key and the values it accepts. */
function discriminatorOf(inst: unknown): { key: string; values: unknown[] } | null {
  const zod = (inst as { _zod?: { def?: { discriminator?: unknown }; propValues?: Record<string, Set<unknown>> } })?._zod;
  const key = zod?.def?.discriminator;
  if (typeof key !== 'string') return null;
  return { key, values: [...(zod?.propValues?.[key] ?? [])] };
}

function boundMessage(
  origin: string,
  side: 'min' | 'max',
  limit: number | bigint,
  inclusive: boolean,
  input: unknown,
  schema: unknown,
): string {
  const op = side === 'min' ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
  const most = side === 'min' ? 'at least' : 'at most';
  switch (origin) {
    case 'number':
    case 'int':
    case 'bigint': {
      const noun = origin === 'int' || isIntegerSchema(schema) ? 'an integer' : 'a number';
      return `expected ${noun} ${op} ${String(limit)}, got ${describeValue(input)}`;
    }
    case 'string': {
      const length = typeof input === 'string' ? input.length : 0;
      if (side === 'min' && limit === 1) return `expected a non-empty string, got ${describeValue(input)}`;
      return `expected ${most} ${plural(Number(limit), 'character')}, got ${length}`;
    }
    case 'array':
    case 'set': {
      const length = Array.isArray(input) ? input.length : 0;
      if (side === 'min' && limit === 1) return 'expected at least 1 item, got an empty list';
      return `expected ${most} ${plural(Number(limit), 'item')}, got ${length}`;
    }
    default:
      return `expected a value ${op} ${String(limit)}, got ${describeValue(input)}`;
  }
}

/** A bound check on `z.int()` reports origin "number"; the schema it belongs to says "int". */
function isIntegerSchema(schema: unknown): boolean {
  const format = (schema as { _zod?: { def?: { format?: unknown } } })?._zod?.def?.format;
  return typeof format === 'string' && format.includes('int');
}

function unionMessage(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  if ('discriminator' in issue && typeof issue.discriminator === 'string') {
    const value = isObject(issue.input) ? issue.input[issue.discriminator] : undefined;
    const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
    return expectOrMissing(value, oneOf(options));
  }
  return `no accepted form matches, got ${describeValue(issue.input)}`;
}

function allowedKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: object } } })?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Final issues → errors: one per unknown key, and the closest branch of a failed union. */
function toScenarioErrors(issue: Issue, prefix: PropertyKey[]): ScenarioError[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.message.split(', ').filter((k) => k.length > 0);
    return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: unknownKeyMessage(key, allowed) }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch with the fewest complaints is most likely the one the author meant.
    const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
    return closest.flatMap((inner) => toScenarioErrors(inner, path));
  }
  return [{ path: formatPath(path), message: issue.message }];
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const list = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'no keys are allowed here';
  const guess = closestName(key, allowed);
  return guess
    ? `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(guess)}? ${list})`
    : `unknown key ${JSON.stringify(key)} (${list})`;
}


const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["nodes", 1, "serviceTime"]` → `nodes[1].serviceTime`; the empty path is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return ROOT;
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function dedupe(errors: ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Describing values in messages
// ---------------------------------------------------------------------------------------------

const MAX_QUOTED = 40;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${plural(value.length, 'item')}`;
  switch (typeof value) {
    case 'string':
      return value.length > MAX_QUOTED ? `${JSON.stringify(value.slice(0, MAX_QUOTED))}…` : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

function formatPrimitive(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? formatPrimitive(values[0]) : `one of ${values.map(formatPrimitive).join(', ')}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Sizes and JSON errors
// ---------------------------------------------------------------------------------------------

function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3; // includes a lone surrogate, which encodes as U+FFFD
  }
  return bytes;
}

function formatBytes(bytes: number): string {
  const exact = plural(bytes, 'byte');
  if (bytes < 1024) return exact;
  const [size, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB'];
  return `${Number(size.toFixed(1))} ${unit} (${exact})`;
}

/** Older engines report only a character offset; authors think in lines. */
function withLineAndColumn(message: string, text: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}

// ---------------------------------------------------------------------------------------------
// --set and variants
// ---------------------------------------------------------------------------------------------

/** Deeper than any scenario needs; stops runaway (or cyclic) inputs before the stack does. */
const MAX_COPY_DEPTH = 256;

interface SetOperation {
  text: string;
  path: FieldPath;
  value: unknown;
}

/**
 * Returns a copy of `input` with each `path=value` applied in order. In the string form the
 * value is JSON when it parses and a string otherwise. Throws `ScenarioSetError`.
 */
export function applySets(input: unknown, sets: string[] | Record<string, unknown>): unknown {
  const operations = Array.isArray(sets)
    ? sets.map(parseSetArgument)
    : Object.keys(sets).map((path) => ({ text: path, path: parseSetPath(path, path), value: sets[path] }));
  const root = deepCopy(input, 0);
  if (!isObject(root)) throw new ScenarioSetError(`cannot change the scenario: expected an object, got ${describeValue(root)}`);
  for (const op of operations) setAt(root, op, deepCopy(op.value, 0));
  return root;
}

/** Applies the `set` of the variant called `variantName`. Throws `ScenarioSetError`. */
export function applyVariant(input: unknown, variantName: string): unknown {
  const variants = isObject(input) && Array.isArray(input.variants) ? input.variants : [];
  const named = variants.filter(isObject).filter((v) => typeof v.name === 'string');
  const variant = named.find((v) => v.name === variantName);
  if (!variant) {
    const known = named.map((v) => JSON.stringify(v.name));
    throw new ScenarioSetError(
      known.length > 0
        ? `unknown variant ${JSON.stringify(variantName)} (known: ${known.join(', ')})`
        : `unknown variant ${JSON.stringify(variantName)}: this scenario has no variants`,
    );
  }
  if (!isObject(variant.set)) {
    throw new ScenarioSetError(`variant ${JSON.stringify(variantName)} has no "set" object`);
  }
  return applySets(input, variant.set);
}

function parseSetArgument(text: unknown): SetOperation {
  if (typeof text !== 'string') throw new ScenarioSetError(`expected path=value, got ${describeValue(text)}`);
  const eq = text.indexOf('=');
  if (eq < 0) throw new ScenarioSetError(`cannot apply ${JSON.stringify(text)}: expected path=value`);
  const raw = text.slice(eq + 1);
  return { text, path: parseSetPath(text.slice(0, eq).trim(), text), value: parseLooseJson(raw) };
}

function parseSetPath(path: string, text: string): FieldPath {
  const parsed = parseFieldPath(path);
  if (!parsed.ok) throw new ScenarioSetError(`cannot apply ${JSON.stringify(text)}: ${parsed.reason}`);
  return parsed.segments;
}

function parseLooseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function setAt(root: Record<string, unknown>, op: SetOperation, value: unknown): void {
  let container: unknown = root;
  for (let i = 0; i < op.path.length - 1; i++) {
    const segment = op.path[i];
    checkContainer(container, segment, op, i);
    const existing = readOwn(container as Record<string | number, unknown>, segment);
    if (existing === undefined) {
      const created = typeof op.path[i + 1] === 'number' ? [] : {};
      writeOwn(container as Record<string | number, unknown>, segment, created);
      container = created;
    } else {
      container = existing;
    }
  }
  const last = op.path.length - 1;
  checkContainer(container, op.path[last], op, last);
  writeOwn(container as Record<string | number, unknown>, op.path[last], value);
}

/** The thing at `path[0..at)` must be able to hold `segment`: a list for an index, else an object. */
function checkContainer(container: unknown, segment: string | number, op: SetOperation, at: number): void {
  const where = at === 0 ? 'the scenario' : formatPath(op.path.slice(0, at));
  const fail = (why: string) => {
    throw new ScenarioSetError(`cannot apply ${JSON.stringify(op.text)}: ${why}`);
  };
  if (typeof segment === 'number') {
    if (!Array.isArray(container)) fail(`${where} is ${describeValue(container)}, not a list`);
    const length = (container as unknown[]).length;
    if (segment > length) fail(`index ${segment} is past the end of ${where} (length ${length}; [${length}] would append)`);
  } else if (!isObject(container)) {
    fail(
      Array.isArray(container)
        ? `${where} is a list: use an index, such as ${where}[0]`
        : `${where} is ${describeValue(container)}, not an object`,
    );
  }
}

function readOwn(container: Record<string | number, unknown>, segment: string | number): unknown {
  return Object.prototype.hasOwnProperty.call(container, segment) ? container[segment] : undefined;
}

/** defineProperty, not assignment: no setter (on any key) can run. */
function writeOwn(container: Record<string | number, unknown>, segment: string | number, value: unknown): void {
  Object.defineProperty(container, segment, { value, writable: true, enumerable: true, configurable: true });
}

function deepCopy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_COPY_DEPTH) {
    throw new ScenarioSetError(`the scenario is nested more than ${MAX_COPY_DEPTH} levels deep (or contains a cycle)`);
  }
  if (Array.isArray(value)) return value.map((v) => deepCopy(v, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    writeOwn(copy, key, deepCopy((value as Record<string, unknown>)[key], depth + 1));
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON
// ---------------------------------------------------------------------------------------------

// Zod-free helpers live in text.ts (the engine uses them without loading the schema).
export { canonicalJson, closestName };
