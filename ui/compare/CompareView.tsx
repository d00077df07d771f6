/**
 * Compare mode: the selected scenario run twice with the same seed — as written against one of
 * its variants (or under two seeds) — in two workers at once, played side by side on one
 * clock, with the metrics delta table once both runs are complete. Loaded lazily by App (its
 * own chunk), so none of it is in the first page load.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { ScenarioError } from '../../sim/scenario/load.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { ErrorList } from '../ErrorList.tsx';
import { CompareRuns } from './CompareRuns.tsx';
import { ComparePair } from './pair.ts';
import { SidePicker } from './SidePicker.tsx';
import { defaultSides, resolveSide, type Side, type SidePair } from './sides.ts';
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
  const [sides, setSides] = useState<SidePair>(() => defaultSides(scenario, seed));
  /** Per side: false while its own seed box holds no valid seed. */
  const [valid, setValid] = useState({ a: true, b: true });
  const [pair, setPair] = useState<ComparePair | null>(null);
  /** Comparisons started: each gets fresh views and a fresh clock. */
  const [generation, setGeneration] = useState(0);
  const [problems, setProblems] = useState<{ name: string; errors: ScenarioError[] }[]>([]);
  useSyncExternalStore(pair?.subscribe ?? noSubscribe, pair?.getVersion ?? zero);

  useEffect(() => () => pair?.dispose(), [pair]);

  const compare = useCallback(() => {
    if (seed === null || !valid.a || !valid.b) return;
    const a = resolveSide(text, sides.a, seed);
    const b = resolveSide(text, sides.b, seed);
    const bad = [
      ...(a.ok ? [] : [{ name: 'A', errors: a.errors }]),
      ...(b.ok ? [] : [{ name: 'B', errors: b.errors }]),
    ];
    setProblems(bad);
    if (!a.ok || !b.ok) return;
    const next = new ComparePair(a.resolved, b.resolved);
    setPair(next);
    setGeneration((n) => n + 1);
    next.start();
  }, [text, sides, seed, valid]);

  const setSide = (key: keyof SidePair) => (side: Side) => setSides((s) => ({ ...s, [key]: side }));
  const setValidity = (key: keyof SidePair) => (ok: boolean) => setValid((v) => (v[key] === ok ? v : { ...v, [key]: ok }));
  const running = pair?.phase === 'running';
  const ready = seed !== null && valid.a && valid.b;

  return (
    <section className="compare" aria-label="Compare" data-testid="compare">
      <div className="compare-controls">
        <SidePicker name="A" side={sides.a} scenario={scenario} seed={seed} onChange={setSide('a')} onValidity={setValidity('a')} />
        <span className="compare-vs" aria-hidden="true">
          vs
        </span>
        <SidePicker name="B" side={sides.b} scenario={scenario} seed={seed} onChange={setSide('b')} onValidity={setValidity('b')} />
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
        <p className="muted compare-note">Pick the two sides and press Compare: both run with the same seed in parallel, then play side by side on one clock.</p>
      )}
    </section>
  );
}

function pairStatus(pair: ComparePair | null, seed: number | null, ready: boolean): string {
  if (!pair) return ready ? 'Ready' : seed === null ? 'The seed must be a whole number ≥ 0' : 'A side’s seed must be a whole number ≥ 0';
  switch (pair.phase) {
    case 'running':
      return 'Running both sides…';
    case 'done':
      return 'Both runs done';
    case 'stopped':
      return 'Stopped';
    case 'invalid':
      return 'A side is not a valid scenario';
    case 'failed':
      return 'A run failed';
  }
}
