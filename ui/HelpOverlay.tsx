import { useEffect, useRef, useState } from 'react';

/** The keyboard shortcuts, as the sandbox's key handler implements them (ui/Sandbox.tsx). */
export const SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ['Space'], what: 'Play or pause (starts the run if there is none)' },
  { keys: ['→'], what: 'Step forward to the next trace record' },
  { keys: ['←'], what: 'Step back to the previous trace record' },
  { keys: ['Home'], what: 'Back to the start' },
  { keys: ['End'], what: 'To the end of what is recorded' },
  { keys: [']', '['], what: 'Faster / slower (×1.6 each)' },
  { keys: ['F'], what: 'Zoom the topology to fit' },
  { keys: ['Esc'], what: 'Close a menu or this help' },
  { keys: ['?'], what: 'Show or hide this help' },
];

/** Presenter mode's keys (Learn mode), as ui/teach/presenter.ts implements them. */
export const PRESENTER_SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ['N', 'PageDown'], what: 'Next step (after the last, the course’s next lesson)' },
  { keys: ['B', 'PageUp'], what: 'Back a step' },
  { keys: ['R'], what: 'Reveal the step’s answer (no guess needed) and let it continue' },
  { keys: ['P'], what: 'Replay the step from the previous pause' },
  { keys: ['C'], what: 'Show or hide the run controls' },
  { keys: ['W'], what: 'Narration full width (the system below it), or beside the system again' },
];

/**
 * The help overlay: keyboard shortcuts and how to intervene. Opened with `?` (anywhere but a
 * text field) or the header's button; closed with Esc, the button or a click outside.
 */
export function HelpOverlay() {
  const [open, setOpen] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target;
      if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
      if (e.key === '?') {
        e.preventDefault();
        setOpen((o) => !o);
      } else if (e.key === 'Escape') {
        setOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (open) closeRef.current?.focus();
  }, [open]);

  return (
    <>
      <button type="button" className="help-button" onClick={() => setOpen(true)} aria-label="Keyboard shortcuts and help" title="Keyboard shortcuts (?)" data-testid="help-button">
        ?
      </button>
      {open && (
        <div className="help-backdrop" onClick={() => setOpen(false)} data-testid="help-backdrop">
          <div className="help-dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={(e) => e.stopPropagation()} data-testid="help">
            <div className="help-head">
              <h2 id="help-title">Keyboard shortcuts</h2>
              <button type="button" className="icon-button" onClick={() => setOpen(false)} aria-label="Close help" ref={closeRef}>
                ✕
              </button>
            </div>
            <KeyTable shortcuts={SHORTCUTS} />
            <h3>Presenter mode (Learn)</h3>
            <KeyTable shortcuts={PRESENTER_SHORTCUTS} testId="presenter-keys" />
            <h3>With the mouse</h3>
            <ul>
              <li>Click a node to crash, restart, pause, slow or brown it out at the cursor’s time; click a link to cut it or add latency or loss. The run branches there with the same seed.</li>
              <li>Drag the scrubber to travel in time; the wheel zooms the topology and dragging pans it.</li>
              <li>Export the scenario, or share a link, to replay exactly what you see: the command line gives the same trace hash.</li>
            </ul>
          </div>
        </div>
      )}
    </>
  );
}

function KeyTable({ shortcuts, testId }: { shortcuts: readonly { keys: string[]; what: string }[]; testId?: string }) {
  return (
    <table className="help-keys" data-testid={testId}>
      <tbody>
        {shortcuts.map((s) => (
          <tr key={s.what}>
            <td>
              {s.keys.map((k, i) => (
                <span key={k}>
                  {i > 0 && ' '}
                  <kbd>{k}</kbd>
                </span>
              ))}
            </td>
            <td>{s.what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
