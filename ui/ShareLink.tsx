import { useState } from 'react';
import type { ScenarioSource } from './gallery.ts';
import { baseSource, isEdited, variantOf } from './params/parameters.ts';
import type { Session } from './session.ts';
import { shareFragment, type SharedScenario } from './share.ts';

interface Props {
  source: ScenarioSource;
  seed: number | null;
  session: Session | null;
  /** The playback cursor now (µs). */
  cursorUs: () => number;
}

/**
 * "Share link": a URL that opens this scenario (by its built-in id, or its text under its file
 * name) with this seed, its variant and parameter changes — and, after a what-if branch, its
 * interventions, listed as interventions when opened, and the cursor time. The link goes into
 * the address bar and a box to copy it from.
 */
export function ShareLink({ source, seed, session, cursorUs }: Props) {
  const [link, setLink] = useState<{ url: string } | { error: string } | null>(null);
  const interventions = session?.interventions ?? [];
  const branching = interventions.length > 0;
  // A what-if is the run's: its seed, not one typed since.
  const runSeed = branching && session ? session.seed : seed;

  const share = async () => {
    if (runSeed === null) return;
    const base = baseSource(source);
    const scenario: SharedScenario = base.folder !== null ? { builtInId: base.id } : { text: base.text, name: base.id };
    const made = await shareFragment(scenario, {
      seed: runSeed,
      variant: variantOf(source),
      sets: isEdited(source) ? source.sets : [],
      interventions,
      atUs: session ? cursorUs() : null,
    });
    if (!made.ok) return setLink({ error: made.message });
    // replaceState, not location.hash: setting the hash would make the page load the link again.
    history.replaceState(null, '', made.fragment);
    const url = location.href;
    setLink({ url });
    navigator.clipboard?.writeText(url).catch(() => {
      /* no clipboard permission (e.g. headless): the box below still has the link */
    });
  };

  return (
    <span className="share">
      <button
        type="button"
        className="button secondary"
        onClick={() => void share()}
        disabled={runSeed === null}
        title={branching ? 'A link to this what-if run: the scenario with its seed, interventions and cursor time' : 'A link to this scenario and seed'}
        data-testid="share"
      >
        Share link
      </button>
      {link && 'url' in link && (
        <input className="share-url" type="text" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} aria-label="Link to share" data-testid="share-url" />
      )}
      {link && 'error' in link && (
        <span className="share-error" role="alert" data-testid="share-error">
          {link.error}
        </span>
      )}
    </span>
  );
}
