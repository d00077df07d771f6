/**
 * What a shared link opens: the scenario it names (a built-in by id, or file text under its
 * file name), with the variant and `--set`s it was run with, and — for a what-if — its
 * interventions and cursor time, so the run opens as the same scenario with the same
 * interventions listed as interventions. A bad link, or interventions that do not fit the
 * scenario, open as an invalid source that explains itself field by field.
 */
import { loadBuiltIn, type ScenarioSource } from './gallery.ts';
import { loadScenarioText } from './load.ts';
import { applyParameters, withVariant } from './params/parameters.ts';
import type { Intervention } from './protocol.ts';
import { checkInterventions, type SharedLink } from './share.ts';

/** The name a scenario opened from a link goes by when the link does not name it. */
export const SHARED_LINK_ID = 'shared-link.json';

export interface OpenedLink {
  source: ScenarioSource;
  seed: number | null;
  /** A what-if to run at once: its interventions and where the cursor was; null: just select the scenario. */
  run: { interventions: Intervention[]; cursorUs: number } | null;
}

/** What `link` opens, once the built-in it names (if any) is fetched. */
export async function openLink(link: Exclude<SharedLink, { kind: 'none' }>): Promise<OpenedLink> {
  const builtIn = link.kind === 'built-in' ? await (loadBuiltIn(link.id) ?? Promise.resolve(null)) : null;
  return openLinkWith(link, builtIn);
}

/** What `link` opens; `builtIn` is the built-in it names, fetched (null: none, or not a built-in). */
export function openLinkWith(link: Exclude<SharedLink, { kind: 'none' }>, builtIn: ScenarioSource | null): OpenedLink {
  const base = baseOfLink(link, builtIn);
  if (link.kind === 'error' || !base.loaded.ok) return { source: base, seed: null, run: null };
  const changed = withRunChanges(base, link.variant, link.sets);
  if (!changed.loaded.ok) return { source: changed, seed: link.seed, run: null };
  const problems = checkInterventions(changed.text, link.interventions);
  if (problems.length > 0) return { source: { ...changed, loaded: { ok: false, errors: problems } }, seed: link.seed, run: null };
  const whatIf = link.interventions.length > 0 || link.atUs !== null;
  return { source: changed, seed: link.seed, run: whatIf ? { interventions: link.interventions, cursorUs: link.atUs ?? 0 } : null };
}

/** A built-in, or text validated exactly like a file; a bad link explains itself. */
function baseOfLink(link: Exclude<SharedLink, { kind: 'none' }>, builtIn: ScenarioSource | null): ScenarioSource {
  const failed = (message: string): ScenarioSource => ({ id: SHARED_LINK_ID, folder: null, text: '', loaded: { ok: false, errors: [{ path: '(link)', message }] } });
  switch (link.kind) {
    case 'built-in':
      return builtIn ?? failed(`there is no built-in scenario ${JSON.stringify(link.id.slice(0, 200))}`);
    case 'text':
      return { id: link.name ?? SHARED_LINK_ID, folder: null, text: link.text, loaded: loadScenarioText(link.text) };
    case 'error':
      return failed(link.message);
  }
}

/** The variant, then the sets, as the command line applies `--variant` and `--set`. */
function withRunChanges(base: ScenarioSource, variant: string | null, sets: readonly string[]): ScenarioSource {
  const invalid = (errors: { path: string; message: string }[]): ScenarioSource => ({ ...base, loaded: { ok: false, errors } });
  const varied = withVariant(base, variant);
  if (!varied.ok) return invalid(varied.errors);
  if (sets.length === 0) return varied.source;
  const changes = Object.fromEntries(sets.map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''])));
  const applied = applyParameters(varied.source, changes);
  return applied.ok ? applied.source : invalid(applied.errors);
}
