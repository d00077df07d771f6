/**
 * Share by URL. A link carries a scenario in its fragment (after `#`, so it never reaches a
 * server), in one of two forms:
 *
 *   #scenario=resilience/retry-storm&seed=7    a built-in scenario, by id
 *   #s=<base64url of deflate-raw(JSON)>&name=f.json   any scenario text (an opened file), by name
 *
 * and then how it was run, so a what-if opens as the same scenario with the same changes:
 * `variant=NAME`, `set=path=value` (repeated, as `--set`), `i=<base64url of deflate-raw(JSON)>`
 * (the interventions, `[[atUs, action], …]`, listed as interventions when opened) and
 * `t=<µs>` (the playback cursor, restored on open).
 *
 * What arrives in a link is untrusted: the encoded part is capped before decoding, the decoded
 * text is capped while it inflates (a small link cannot expand into a huge one), and the text
 * then goes through the same validation as a file opened from disk. Nothing in it is evaluated.
 */
import type { FaultAction } from '../sim/faults/faults.ts';
import { MAX_SCENARIO_BYTES, readScenarioJson, type ScenarioError } from '../sim/scenario/load.ts';
import { loadScenarioValue } from './load.ts';
import type { Intervention } from './protocol.ts';

/** Longest fragment accepted or made (characters): what chat tools and browsers pass on intact. */
export const MAX_SHARE_CHARS = 32_000;

/** Most interventions a link may carry. */
export const MAX_LINK_INTERVENTIONS = 1000;
/** Longest file name a link may give its scenario. */
const MAX_NAME_CHARS = 200;

/** How a shared scenario was run: the seed, its variant and sets, the interventions, the cursor. */
export interface SharedRun {
  seed: number | null;
  variant: string | null;
  sets: string[];
  interventions: Intervention[];
  /** Where the cursor was, µs; null: at the start. */
  atUs: number | null;
}

export type SharedLink =
  | { kind: 'none' }
  | ({ kind: 'built-in'; id: string } & SharedRun)
  | ({ kind: 'text'; text: string; name: string | null } & SharedRun)
  | { kind: 'error'; message: string };

/** The scenario a link names: a built-in by id, or file text by name. */
export type SharedScenario = { builtInId: string } | { text: string; name: string };

const NOTHING_RUN: SharedRun = { seed: null, variant: null, sets: [], interventions: [], atUs: null };

/**
 * The fragment for a scenario and how it was run, or an error when too long. The parts after
 * the scenario are left out when they say nothing (no variant, no sets, cursor at 0).
 */
export async function shareFragment(scenario: SharedScenario, run: SharedRun): Promise<{ ok: true; fragment: string } | { ok: false; message: string }> {
  const parts: string[] = [];
  if ('builtInId' in scenario) parts.push(builtInFragment(scenario.builtInId, run.seed ?? 0).slice(1).split('&seed=')[0]);
  else {
    const made = await textFragment(scenario.text);
    if (!made.ok) return made;
    parts.push(made.fragment.slice(1), `name=${encodeURIComponent(scenario.name)}`);
  }
  if (run.seed !== null) parts.push(`seed=${run.seed}`);
  if (run.variant !== null) parts.push(`variant=${encodeURIComponent(run.variant)}`);
  for (const set of run.sets) parts.push(`set=${encodeURIComponent(set)}`);
  if (run.interventions.length > 0) {
    const json = JSON.stringify(run.interventions.map((i) => [i.atUs, i.action]));
    parts.push(`i=${base64url(await deflate(new TextEncoder().encode(json)))}`);
  }
  if (run.atUs !== null && run.atUs > 0) parts.push(`t=${Math.floor(run.atUs)}`);
  const fragment = `#${parts.join('&')}`;
  if (fragment.length > MAX_SHARE_CHARS) {
    return { ok: false, message: `the link would be ${fragment.length.toLocaleString('en')} characters, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}: export the file instead` };
  }
  return { ok: true, fragment };
}

/** The fragment for a built-in scenario and seed. */
export function builtInFragment(id: string, seed: number): string {
  return `#scenario=${encodeURIComponent(id).replace(/%2F/g, '/')}&seed=${seed}`;
}

/** The fragment carrying scenario text (compact JSON, compressed), or an error when too long. */
export async function textFragment(text: string): Promise<{ ok: true; fragment: string } | { ok: false; message: string }> {
  let compact: string;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch {
    return { ok: false, message: 'the scenario is not valid JSON' };
  }
  const packed = base64url(await deflate(new TextEncoder().encode(compact)));
  const fragment = `#s=${packed}`;
  if (fragment.length > MAX_SHARE_CHARS) {
    return { ok: false, message: `the link would be ${fragment.length.toLocaleString('en')} characters, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}: export the file instead` };
  }
  return { ok: true, fragment };
}

/** Reads a location fragment (`#…`, or empty). Never throws: a bad link is an `error`. */
export async function readFragment(hash: string): Promise<SharedLink> {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  if (raw === '') return { kind: 'none' };
  if (raw.length > MAX_SHARE_CHARS) {
    return { kind: 'error', message: `the link is ${raw.length.toLocaleString('en')} characters long, more than the limit of ${MAX_SHARE_CHARS.toLocaleString('en')}` };
  }
  const params = new URLSearchParams(raw);
  const run = await readRun(params);
  if ('message' in run) return { kind: 'error', message: run.message };
  const id = params.get('scenario');
  if (id !== null) return { kind: 'built-in', id, ...run };
  const packed = params.get('s');
  if (packed === null) {
    return { kind: 'error', message: `the link's fragment ${JSON.stringify(`#${raw.slice(0, 80)}`)} is not a Faultline link: expected #scenario=<folder/name>&seed=N or #s=<scenario>` };
  }
  const bytes = unbase64url(packed);
  if (bytes === null) return { kind: 'error', message: 'the link is damaged: its scenario part is not base64url text (was it cut short when copied?)' };
  const inflated = await inflate(bytes, MAX_SCENARIO_BYTES);
  if (!inflated.ok) return { kind: 'error', message: inflated.message };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
  } catch {
    return { kind: 'error', message: 'the link is damaged: its scenario is not UTF-8 text' };
  }
  const name = params.get('name');
  return { kind: 'text', text, name: name === null || name.trim() === '' ? null : name.slice(0, MAX_NAME_CHARS), ...run };
}

/** The run parts of a link (seed, variant, sets, interventions, cursor), or what is wrong with them. */
async function readRun(params: URLSearchParams): Promise<SharedRun | { message: string }> {
  const seed = wholeNumber(params.get('seed'));
  if (seed === undefined) return { message: `the link's seed must be a whole number ≥ 0, got ${JSON.stringify(params.get('seed')?.slice(0, 40))}` };
  const atUs = wholeNumber(params.get('t'));
  if (atUs === undefined) return { message: `the link's cursor time (t) must be a whole number of µs ≥ 0, got ${JSON.stringify(params.get('t')?.slice(0, 40))}` };
  const packed = params.get('i');
  let interventions: Intervention[] = [];
  if (packed !== null) {
    const read = await readInterventions(packed);
    if ('message' in read) return read;
    interventions = read.list;
  }
  return { ...NOTHING_RUN, seed, atUs, variant: params.get('variant'), sets: params.getAll('set'), interventions };
}

/** null when absent, undefined when not a whole number ≥ 0. */
function wholeNumber(text: string | null): number | null | undefined {
  if (text === null) return null;
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
}

/** `[[atUs, action], …]`, checked for shape here; each action is validated against the scenario on open (checkInterventions). */
async function readInterventions(packed: string): Promise<{ list: Intervention[] } | { message: string }> {
  const damaged = (why: string) => ({ message: `the link's interventions are damaged: ${why}` });
  const bytes = unbase64url(packed);
  if (bytes === null) return damaged('not base64url text');
  const inflated = await inflate(bytes, MAX_SCENARIO_BYTES);
  if (!inflated.ok) return { message: inflated.message };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes));
  } catch {
    return damaged('not JSON');
  }
  if (!Array.isArray(json)) return damaged('expected a list');
  if (json.length > MAX_LINK_INTERVENTIONS) return { message: `the link has ${json.length} interventions, more than the limit of ${MAX_LINK_INTERVENTIONS}` };
  const list: Intervention[] = [];
  for (const [n, entry] of json.entries()) {
    const [atUs, action] = Array.isArray(entry) ? (entry as unknown[]) : [];
    if (typeof atUs !== 'number' || !Number.isSafeInteger(atUs) || atUs < 0) return damaged(`intervention ${n + 1}: expected a time in whole µs ≥ 0`);
    if (typeof action !== 'object' || action === null || Array.isArray(action) || typeof (action as { type?: unknown }).type !== 'string') {
      return damaged(`intervention ${n + 1}: expected a fault with a type`);
    }
    list.push({ atUs, action: action as FaultAction });
  }
  return { list };
}

/**
 * The problems of interventions from a link, checked as the faults they become in the run
 * (at atUs + 1 µs, after the scenario's own): each must be a valid fault on nodes that exist,
 * before the end of the run. Paths name the intervention: `interventions[0].node`.
 */
export function checkInterventions(text: string, interventions: readonly Intervention[]): ScenarioError[] {
  const read = readScenarioJson(text);
  if (!read.ok || interventions.length === 0) return [];
  const json = read.value as { faults?: unknown[]; durationMs?: unknown };
  const own = Array.isArray(json.faults) ? json.faults.length : 0;
  const faults = interventions.map((i) => ({ ...i.action, atMs: (i.atUs + 1) / 1000 }));
  const loaded = loadScenarioValue({ ...json, faults: [...(json.faults ?? []), ...faults] });
  const errors: ScenarioError[] = [];
  const durationMs = typeof json.durationMs === 'number' ? json.durationMs : Infinity;
  interventions.forEach((i, n) => {
    if ((i.atUs + 1) / 1000 > durationMs) errors.push({ path: `interventions[${n}]`, message: `expected a time within the run (${durationMs} ms), got ${(i.atUs + 1) / 1000} ms` });
  });
  if (loaded.ok) return errors;
  for (const e of loaded.errors) {
    const m = /^faults\[(\d+)\](.*)$/.exec(e.path);
    if (m && Number(m[1]) >= own) errors.push({ path: `interventions[${Number(m[1]) - own}]${m[2]}`, message: e.message });
  }
  return errors;
}

export async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates, giving up as soon as the output passes `limit` bytes. */
export async function inflate(bytes: Uint8Array, limit: number): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        return { ok: false, message: `the link's scenario is larger than the limit of ${limit.toLocaleString('en')} bytes` };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, message: 'the link is damaged: its scenario part does not decompress (was it cut short when copied?)' };
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes: out };
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function unbase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
