/**
 * The editor's model: a design is a scenario file's text, and every edit is a function from
 * the file (its JSON) to the next one. An edit is kept only if the result passes the same
 * validator as a file (ui/load.ts): otherwise its errors come back, with their field paths, and
 * the design stays as it was — so what the canvas shows, what Run runs and what Export saves is
 * always a valid scenario. Undo and redo step through the kept texts exactly. Pure: no DOM, no
 * React, tested in Node (test/ui/editor-model.test.ts).
 */
import { applySets, ScenarioSetError, type ScenarioError } from '../../sim/scenario/load.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { loadScenarioText } from '../load.ts';
import { paletteEntry, type PaletteEntry, type RawSpec } from './palette.ts';

/** A valid design: the file's text and what it validated to. */
export interface Design {
  readonly text: string;
  readonly scenario: Scenario;
}

export interface History {
  readonly past: readonly Design[];
  readonly present: Design;
  readonly future: readonly Design[];
}

export type EditResult = { ok: true; history: History } | { ok: false; errors: ScenarioError[] };

/** The file as JSON, for edits to change (a fresh copy each time). */
export type RawScenario = Record<string, unknown> & { nodes: RawSpec[]; workloads: RawSpec[]; faults?: Record<string, unknown>[] };

/** An edit changes the file in place (on a copy) or throws an EditError saying why it cannot. */
export type Edit = (raw: RawScenario) => void;

export class EditError extends Error {}

/** Undo keeps this many steps (a design's text is small; a day of editing is not). */
const MAX_UNDO = 200;

export const BLANK_DESIGN = {
  version: 1,
  title: 'My design',
  description: 'A design drawn in the editor.',
  durationMs: 60_000,
  nodes: [],
  workloads: [],
};

export function textOf(raw: unknown): string {
  return `${JSON.stringify(raw, null, 2)}\n`;
}

/** A history starting at a file's text, or its errors. */
export function startHistory(text: string): { ok: true; history: History } | { ok: false; errors: ScenarioError[] } {
  const loaded = loadScenarioText(text);
  if (!loaded.ok) return loaded;
  return { ok: true, history: { past: [], present: { text, scenario: loaded.scenario }, future: [] } };
}

export function rawOf(design: Design): RawScenario {
  const raw = JSON.parse(design.text) as RawScenario;
  raw.nodes ??= [];
  raw.workloads ??= [];
  return raw;
}

/** Applies an edit; kept only if the result is a valid scenario. */
export function applyEdit(history: History, edit: Edit): EditResult {
  const raw = rawOf(history.present);
  try {
    edit(raw);
  } catch (e) {
    if (e instanceof EditError || e instanceof ScenarioSetError) return { ok: false, errors: [{ path: '(edit)', message: e.message }] };
    throw e;
  }
  return replaceText(history, textOf(raw));
}

/** The design becomes this text (the JSON pane), if it is a valid scenario. */
export function replaceText(history: History, text: string): EditResult {
  if (text === history.present.text) return { ok: true, history };
  const loaded = loadScenarioText(text);
  if (!loaded.ok) return loaded;
  const past = [...history.past, history.present].slice(-MAX_UNDO);
  return { ok: true, history: { past, present: { text, scenario: loaded.scenario }, future: [] } };
}

export function undo(h: History): History {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future] };
}

export function redo(h: History): History {
  if (h.future.length === 0) return h;
  return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

const idsOf = (raw: RawScenario) => new Set([...raw.nodes, ...raw.workloads].map((n) => n.id));

/** An id maker that never repeats one in use or already handed out: `api`, `api-2`, `api-3`… */
export function idMaker(raw: RawScenario): (base: string) => string {
  const used = idsOf(raw);
  return (base) => {
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
    used.add(id);
    return id;
  };
}

/** Where a placed thing's companions go: a little below and to the right of it. */
const COMPANION_OFFSET = { x: 60, y: 150 };

/**
 * Places a palette entry at `position`. A workload is aimed at `target` (the selected node),
 * else at the first node; with no node yet there is nothing for it to call.
 */
export function place(entry: PaletteEntry, position: { x: number; y: number }, target?: string): Edit {
  return (raw) => {
    const made = entry.make(idMaker(raw));
    const all = [...made.nodes, ...made.workloads];
    all.forEach((spec, i) => {
      spec.position = i === 0 ? roundPosition(position) : roundPosition({ x: position.x + COMPANION_OFFSET.x * i, y: position.y + COMPANION_OFFSET.y });
    });
    for (const w of made.workloads) {
      if (w.target !== '') continue;
      const aim = target ?? raw.nodes[0]?.id ?? made.nodes[0]?.id;
      if (aim === undefined) throw new EditError(`place a service first: a ${entry.title.toLowerCase()} needs something to call`);
      w.target = aim;
    }
    raw.nodes.push(...made.nodes);
    raw.workloads.push(...made.workloads);
  };
}

const roundPosition = (p: { x: number; y: number }) => ({ x: Math.round(p.x), y: Math.round(p.y) });

function findSpec(raw: RawScenario, id: string): RawSpec {
  const spec = raw.nodes.find((n) => n.id === id) ?? raw.workloads.find((w) => w.id === id);
  if (spec === undefined) throw new EditError(`no node or workload "${id}"`);
  return spec;
}

/** Moves a node or workload: its position hint only, never the run. */
export function move(id: string, position: { x: number; y: number }): Edit {
  return (raw) => {
    findSpec(raw, id).position = roundPosition(position);
  };
}

/**
 * Wires `from` to call `to`: a workload is aimed at it, a service gains a call, another kind
 * changes as its palette entry's `wire` says (a gateway adds a backend to its "*" route).
 */
export function connect(from: string, to: string): Edit {
  return (raw) => {
    if (from === to) throw new EditError(`${from} cannot call itself`);
    const spec = findSpec(raw, from);
    findSpec(raw, to);
    if (raw.workloads.includes(spec)) {
      spec.target = to;
      return;
    }
    if (spec.kind === 'service') {
      const calls = (spec.calls ??= []) as { to: string; callPath?: Policy[] }[];
      if (calls.some((c) => c.to === to)) throw new EditError(`${from} already calls ${to}`);
      calls.push({ to }); // no policies yet: the design hints ask for a timeout and a guard
      return;
    }
    // Any other kind wires as its palette entry says (a gateway adds a backend to its routes).
    const wire = paletteEntry(spec.kind)?.wire;
    if (wire !== undefined) {
      const refused = wire(spec, to);
      if (refused !== null) throw new EditError(refused);
      return;
    }
    throw new EditError(`a ${spec.kind} does not call other nodes in the editor: set its fields instead`);
  };
}

/**
 * Removes a node or workload and what only made sense with it: calls to it, workloads aimed
 * at it, faults on it, links to it, its place in balancers' host lists. What else refers to it
 * (a saga's step, a shard list) stays, and the validator says where.
 */
export function remove(id: string): Edit {
  return (raw) => {
    findSpec(raw, id);
    raw.nodes = raw.nodes.filter((n) => n.id !== id);
    raw.workloads = raw.workloads.filter((w) => w.id !== id && w.target !== id);
    for (const n of raw.nodes) {
      if (Array.isArray(n.calls)) n.calls = (n.calls as { to: string; callPath?: Policy[] }[]).filter((c) => c.to !== id).map((c) => ({ ...c, callPath: withoutHost(c.callPath, id) }));
    }
    for (const w of raw.workloads) if (Array.isArray(w.callPath)) w.callPath = withoutHost(w.callPath as Policy[], id);
    if (Array.isArray(raw.faults)) raw.faults = raw.faults.filter((f) => f.node !== id && !refersTo(f.link, id));
    if (Array.isArray(raw.links)) raw.links = (raw.links as { from: string; to: string }[]).filter((l) => l.from !== id && l.to !== id);
  };
}

type Policy = Record<string, unknown> & { type: string };

function withoutHost(callPath: Policy[] | undefined, id: string): Policy[] | undefined {
  return callPath?.map((p) => (p.type === 'load-balancer' && Array.isArray(p.hosts) ? { ...p, hosts: (p.hosts as string[]).filter((h) => h !== id) } : p));
}

const refersTo = (link: unknown, id: string) => typeof link === 'object' && link !== null && ((link as { from?: string }).from === id || (link as { to?: string }).to === id);

/** A call the editor can change: a workload's own call path, or a service's call `index`. */
export type CallRef = { owner: string; call: number | null };

function callPathOf(raw: RawScenario, ref: CallRef): Policy[] {
  const spec = findSpec(raw, ref.owner);
  if (ref.call === null) return (spec.callPath ??= []) as Policy[];
  const calls = spec.calls as { callPath?: Policy[] }[] | undefined;
  const call = calls?.[ref.call];
  if (call === undefined) throw new EditError(`${ref.owner} has no call ${ref.call}`);
  return (call.callPath ??= []);
}

/** The smallest valid policy of a type (its defaults fill the rest); a balancer starts with the callee as its one host. */
export function newPolicy(type: string, callee: string): Policy {
  switch (type) {
    case 'token-bucket':
      return { type, maxTokens: 100, fillIntervalMs: 10 };
    case 'load-balancer':
      return { type, hosts: [callee] };
    case 'bulkhead':
      return { type, maxConcurrentCalls: 10 };
    default:
      return { type };
  }
}

/** Adds a policy at the innermost end of a call path (or at `at`). */
export function addPolicy(ref: CallRef, type: string, callee: string, at?: number): Edit {
  return (raw) => {
    const path = callPathOf(raw, ref);
    path.splice(at ?? path.length, 0, newPolicy(type, callee));
  };
}

export function removePolicy(ref: CallRef, index: number): Edit {
  return (raw) => {
    const path = callPathOf(raw, ref);
    if (index < 0 || index >= path.length) throw new EditError(`no policy ${index} on this call`);
    path.splice(index, 1);
  };
}

/** Moves a policy one place outwards (-1) or inwards (+1): the order is the order calls pass them. */
export function movePolicy(ref: CallRef, index: number, by: -1 | 1): Edit {
  return (raw) => {
    const path = callPathOf(raw, ref);
    const to = index + by;
    if (index < 0 || index >= path.length || to < 0 || to >= path.length) throw new EditError('the policy cannot move further');
    [path[index], path[to]] = [path[to], path[index]];
  };
}

/** Removes a service's call. */
export function removeCall(owner: string, index: number): Edit {
  return (raw) => {
    const spec = findSpec(raw, owner);
    const calls = spec.calls as unknown[] | undefined;
    if (calls?.[index] === undefined) throw new EditError(`${owner} has no call ${index}`);
    calls.splice(index, 1);
  };
}

export function addFault(fault: Record<string, unknown>): Edit {
  return (raw) => {
    raw.faults = [...(raw.faults ?? []), fault];
  };
}

/** Moves a fault in time (the timeline lane's drag), to the millisecond. */
export function moveFault(index: number, atMs: number): Edit {
  return (raw) => {
    const f = raw.faults?.[index];
    if (f === undefined) throw new EditError(`no fault ${index}`);
    f.atMs = Math.max(0, Math.round(atMs));
  };
}

export function removeFault(index: number): Edit {
  return (raw) => {
    if (raw.faults?.[index] === undefined) throw new EditError(`no fault ${index}`);
    raw.faults.splice(index, 1);
  };
}

/** Sets fields by `--set` paths (`nodes[0].workers` → `8`), exactly as the command line does. */
export function setFields(sets: Record<string, unknown>): Edit {
  return (raw) => {
    const changed = applySets(raw, sets) as RawScenario;
    for (const key of Object.keys(raw)) delete raw[key];
    Object.assign(raw, changed);
  };
}

type RawLink = Record<string, unknown> & { from: string; to: string; bidirectional?: boolean };

/**
 * A per-link override of the network's latency between two nodes (both ways), or null to take
 * it out; other fields of an existing override (loss, capacity) stay.
 */
export function setLinkLatency(a: string, b: string, ms: number | null): Edit {
  return (raw) => {
    const links = ((raw.links as RawLink[] | undefined) ?? []).slice();
    const at = links.findIndex((l) => (l.from === a && l.to === b) || (l.bidirectional === true && l.from === b && l.to === a));
    if (ms === null) {
      if (at < 0) return;
      const { latency: _latency, ...rest } = links[at];
      if (Object.keys(rest).some((k) => !['from', 'to', 'bidirectional'].includes(k))) links[at] = rest as RawLink;
      else links.splice(at, 1);
    } else if (at < 0) {
      links.push({ from: a, to: b, bidirectional: true, latency: { type: 'constant', ms } });
    } else {
      links[at] = { ...links[at], latency: { type: 'constant', ms } };
    }
    raw.links = links;
  };
}
