/**
 * Presenter mode's keys (listed in the help overlay, ui/HelpOverlay.tsx): a workshop leader
 * steps through a whole course from the keyboard. Not while typing in a field.
 */
import { useEffect, useRef } from 'react';

export interface PresenterActions {
  next: () => void;
  back: () => void;
  reveal: () => void;
  replay: () => void;
  toggleControls: () => void;
  toggleWide: () => void;
}

/** Key → action name; PageDown/PageUp are what presentation clickers send. */
const KEYS: Record<string, keyof PresenterActions> = {
  n: 'next',
  PageDown: 'next',
  b: 'back',
  PageUp: 'back',
  r: 'reveal',
  p: 'replay',
  c: 'toggleControls',
  w: 'toggleWide',
};

export function usePresenterKeys(enabled: boolean, actions: PresenterActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target;
      if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const action = KEYS[e.key.length === 1 ? e.key.toLowerCase() : e.key];
      if (!action) return;
      e.preventDefault();
      latest.current[action]();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
