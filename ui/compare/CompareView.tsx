/**
 * Compare mode: the selected scenario run two to four times with the same seed — as written
 * against its variants (or under other seeds) — in one worker each, played side by side on one
 * clock, with the metrics table (every side against side A) once all runs are complete.
 * "All variants" compares the scenario as written with each variant at once (the four
 * architecture styles, say). Loaded lazily by App (its own chunk), so none of it is in the
 * first page load.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { ErrorList } from '../ErrorList.tsx';
import { CompareRuns } from './CompareRuns.tsx';
import { ComparePair } from './pair.ts';
import { SidePicker } from './SidePicker.tsx';
import { allVariantSides, defaultSides, MAX_SIDES, nextSide, resolveSide, SIDE_NAMES, type Side } from './sides.ts';
import './compare.css';

export interface CompareViewProps {
  /** The scenario file's text, as the worker loads it. */
  text: string;
  scenario: Scenario;
  /** The seed box's seed, or null while it holds no valid seed. */
  seed: number | null;
}

const noSubscribe = () => () => {};
const zero = () => 0;

export default function CompareView({ text, scenario, seed }: CompareViewProps) {
  const [sides, setSides] = useState<Side[]>(() => defaultSides(scenario, seed));
  /** Per side: false while its own seed box holds no valid seed. */
  const [valid, setValid] = useState<boolean[]>(() => sides.map(() => true));
  const [pair, setPair] = useState<ComparePair | null>(null);
  /** Comparisons started: each gets fresh views and a fresh clock. */
  const [generation, setGeneration] = useState(0);
  const [problems, setProblems] = useState<{ name: string; errors: ScenarioError[] }[]>([]);
  useSyncExternalStore(pair?.subscribe ?? noSubscribe, pair?.getVersion ?? zero);

  useEffect(() => () => pair?.dispose(), [pair]);

  const allValid = valid.every(Boolean);
  const compare = useCallback(() => {
    if (seed === null || !allValid) return;
    const resolved = sides.map((side) => resolveSide(text, side, seed));
    const bad = resolved.flatMap((r, i) => (r.ok ? [] : [{ name: SIDE_NAMES[i], errors: r.errors }]));
    setProblems(bad);
    if (bad.length > 0) return;
    const next = new ComparePair(resolved.flatMap((r) => (r.ok ? [r.resolved] : [])));
    setPair(next);
    setGeneration((n) => n + 1);
    next.start();
  }, [text, sides, seed, allValid]);

  const setSide = (i: number) => (side: Side) => setSides((s) => s.map((x, k) => (k === i ? side : x)));
  const setValidity = (i: number) => (ok: boolean) => setValid((v) => (v[i] === ok ? v : v.map((x, k) => (k === i ? ok : x))));
  const replaceSides = (next: Side[]) => {
    setSides(next);
    setValid(next.map(() => true));
  };
  const running = pair?.phase === 'running';
  const ready = seed !== null && allValid;

  return (
    <section className="compare" aria-label="Compare" data-testid="compare">
      <div className="compare-controls">
        {sides.map((side, i) => (
          <span key={i} className="compare-side-slot">
            {i > 0 && (
              <span className="compare-vs" aria-hidden="true">
                vs
              </span>
            )}
            <SidePicker name={SIDE_NAMES[i]} side={side} scenario={scenario} seed={seed} onChange={setSide(i)} onValidity={setValidity(i)} />
            {i >= 2 && (
              <button type="button" className="compare-remove" onClick={() => replaceSides(sides.filter((_, k) => k !== i))} aria-label={`Remove side ${SIDE_NAMES[i]}`} data-testid={`compare-remove-${SIDE_NAMES[i].toLowerCase()}`}>
                ✕
              </button>
            )}
          </span>
        ))}
        {sides.length < MAX_SIDES && (
          <button type="button" className="button secondary" onClick={() => replaceSides([...sides, nextSide(scenario, sides, seed)])} data-testid="compare-add">
            + add run
          </button>
        )}
        {scenario.variants.length >= 2 && (
          <button type="button" className="button secondary" onClick={() => replaceSides(allVariantSides(scenario))} data-testid="compare-all-variants" title={`The scenario as written and ${Math.min(scenario.variants.length, MAX_SIDES - 1)} of its variants`}>
            All variants
          </button>
        )}
        <button type="button" className="button" onClick={compare} disabled={!ready || running} data-testid="compare-run">
          Compare
        </button>
        {running && (
          <button type="button" className="button secondary" onClick={() => pair?.stop()}>
            Stop
          </button>
        )}
        <span className="status" role="status" data-testid="compare-status" data-phase={pair?.phase ?? 'idle'}>
          {pairStatus(pair, seed, ready)}
        </span>
      </div>

      {scenario.variants.length === 0 && (
        <p className="muted compare-note" data-testid="compare-no-variants">
          This scenario has no variants, so there is no pattern to switch off. Compare it with itself under two seeds instead: side B runs it as written
          with a seed of its own — how much of what you see is the seed, and how much the system?
        </p>
      )}

      {problems.map((p) => (
        <div key={p.name} className="compare-problem" data-testid={`compare-invalid-${p.name.toLowerCase()}`}>
          <p className="error-lead">Side {p.name} cannot run:</p>
          <ErrorList errors={p.errors} />
        </div>
      ))}

      {pair ? (
        <CompareRuns key={generation} pair={pair} />
      ) : (
        <p className="muted compare-note">Pick the sides (up to {MAX_SIDES}) and press Compare: all run with the same seed in parallel, then play side by side on one clock.</p>
      )}
    </section>
  );
}

function pairStatus(pair: ComparePair | null, seed: number | null, ready: boolean): string {
  if (!pair) return ready ? 'Ready' : seed === null ? 'The seed must be a whole number ≥ 0' : 'A side’s seed must be a whole number ≥ 0';
  switch (pair.phase) {
    case 'running':
      return pair.sides.length === 2 ? 'Running both sides…' : `Running ${pair.sides.length} sides…`;
    case 'done':
      return pair.sides.length === 2 ? 'Both runs done' : `All ${pair.sides.length} runs done`;
    case 'stopped':
      return 'Stopped';
    case 'invalid':
      return 'A side is not a valid scenario';
    case 'failed':
      return 'A run failed';
  }
}
