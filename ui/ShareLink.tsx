import { useState } from 'react';
import { exportScenarioText } from './export.ts';
import type { ScenarioSource } from './gallery.ts';
import type { Session } from './session.ts';
import { builtInFragment, textFragment } from './share.ts';

interface Props {
  source: ScenarioSource;
  seed: number | null;
  session: Session | null;
}

/**
 * "Share link": a URL that opens this scenario with this seed — and, after a what-if branch,
 * with its interventions (the exported scenario, compressed into the link). The link goes into
 * the address bar and a box to copy it from.
 */
export function ShareLink({ source, seed, session }: Props) {
  const [link, setLink] = useState<{ url: string } | { error: string } | null>(null);
  const branching = session !== null && session.interventions.length > 0;
  const disabled = seed === null || (branching && session.phase !== 'done');

  const share = async () => {
    if (seed === null) return;
    let fragment: string;
    if (branching && session.result) {
      const made = await textFragment(exportScenarioText(session.text, session.seed, session.result.faultLog));
      if (!made.ok) return setLink({ error: made.message });
      fragment = made.fragment;
    } else if (source.folder !== null) {
      fragment = builtInFragment(source.id, seed);
    } else {
      const made = await textFragment(exportScenarioText(source.text, seed, []));
      if (!made.ok) return setLink({ error: made.message });
      fragment = made.fragment;
    }
    // replaceState, not location.hash: setting the hash would make the page load the link again.
    history.replaceState(null, '', fragment);
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
        disabled={disabled}
        title={branching ? 'A link to this what-if run: the scenario with its seed and interventions' : 'A link to this scenario and seed'}
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
