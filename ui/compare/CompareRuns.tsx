/**
 * The runs of a comparison on one clock: one Player drives every side, one frame loop draws
 * every pane (topology and charts) at the same cursor — two side by side, three or four in a
 * 2 × 2 grid — and once all runs are complete the metrics table and each side's checks follow.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ChartFigure } from '../charts/ChartFigure.tsx';
import { chartsFor } from '../charts/declared.ts';
import { chartMaxima, type ChartSpec } from '../charts/view.ts';
import { formatNumber, formatPercent, formatSimTime } from '../format.ts';
import { FrameGate } from '../frame-gate.ts';
import { computeLayout } from '../layout.ts';
import { PlaybackBar } from '../PlaybackBar.tsx';
import { defaultSpeedExp, Player } from '../playback.ts';
import type { Session } from '../session.ts';
import { drawsApart, useElementWidth } from '../topology/stage.ts';
import type { TraceStore } from '../trace/store.ts';
import { CompareResults } from './CompareResults.tsx';
import { ComparePane, type PaneElements } from './pane.ts';
import type { ComparePair, RunningSide } from './pair.ts';
import { SIDE_NAMES } from './sides.ts';

/** A pane's topology: `.compare-topology`'s height, and its width beside another pane (compare.css: a 0.6 rem gap, 1 px borders). */
const PANE_TOPOLOGY_H = 250;
function paneTopologyWidth(sidesWidth: number): number {
  return (sidesWidth - 10) / 2 - 2;
}

/** The elements of one side, filled in by React's ref callbacks. */
interface SideRefs {
  topology: HTMLDivElement | null;
  chartSvgs: (SVGSVGElement | null)[];
  chartCursors: (HTMLDivElement | null)[];
}

export function CompareRuns({ pair }: { pair: ComparePair }) {
  const sides = pair.sides;
  const layouts = useMemo(() => pair.sides.map((s) => computeLayout(s.resolved.scenario)), [pair]);
  const player = useMemo(() => {
    // A variant may change the duration: the clock runs to the longer side's end.
    const endUs = Math.max(...pair.sides.map((s) => s.session.endUs));
    const p = new Player(endUs);
    p.setSpeedExp(defaultSpeedExp(endUs));
    return p;
  }, [pair]);
  // Every side draws the charts of side A's scenario (a variant changes parameters, not charts).
  const charts = useMemo(() => chartsFor(pair.sides[0].resolved.scenario), [pair]);
  const refs = useRef<SideRefs[]>(pair.sides.map(() => ({ topology: null, chartSvgs: [], chartCursors: [] })));
  const panes = useRef<(ComparePane | null)[]>(pair.sides.map(() => null));

  useEffect(() => {
    const elements = refs.current.map((r) => complete(r, charts.length));
    if (elements.some((e) => e === null)) return;
    const made = pair.sides.map((s, i) => new ComparePane(elements[i]!, layouts[i], s.resolved.scenario, charts, player.endUs));
    panes.current = made;
    const gate = new FrameGate();
    let raf = 0;
    const loop = (ts: number) => {
      raf = requestAnimationFrame(loop);
      const stores = pair.sides.map((s) => s.session.store);
      const present = stores.filter((s): s is TraceStore => s !== null);
      const frame = gate.next(ts, player, clockLimitUs(pair.sides), present, made.some((p) => p.dirty));
      if (!frame) return;
      // One y scale per chart for all sides, so equal heights mean equal values.
      const shared = frame.detail && present.length > 0 ? present.map((store) => chartMaxima(charts, store)).reduce((a, b) => a.map((v, k) => Math.max(v, b[k]))) : undefined;
      stores.forEach((store, i) => store && made[i].draw(store, player.cursorUs, player.speed * 1000, frame.detail, shared));
    };
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      for (const p of made) p.destroy();
      panes.current = made.map(() => null);
    };
  }, [pair, layouts, player, charts]);

  // Side by side unless a pane that narrow would draw a side's boxes over each other (the user
  // can choose either way).
  const sidesRef = useRef<HTMLDivElement>(null);
  const sidesWidth = useElementWidth(sidesRef);
  const [chosenStacked, setChosenStacked] = useState<boolean | null>(null);
  const crowded = sidesWidth > 0 && layouts.some((l) => !drawsApart(l, paneTopologyWidth(sidesWidth), PANE_TOPOLOGY_H));
  const stacked = chosenStacked ?? crowded;
  const clock = clockStore(pair.sides);
  const done = pair.phase === 'done';
  return (
    <div className="compare-runs" data-testid="compare-runs">
      {clock ? <PlaybackBar player={player} store={clock} onPlayWithoutRun={null} /> : <p className="muted">Starting the workers…</p>}
      <label className="compare-stack">
        <input type="checkbox" checked={stacked} onChange={(e) => setChosenStacked(e.currentTarget.checked)} data-testid="compare-stacked" />
        One above the other (full width: bigger topologies)
      </label>
      <div className={`compare-sides sides-${sides.length}${stacked ? ' stacked' : ''}`} data-testid="compare-sides" ref={sidesRef}>
        {sides.map((side, i) => (
          <SideColumn key={SIDE_NAMES[i]} name={SIDE_NAMES[i]} side={side} charts={charts} refs={refs.current[i]} onFit={() => panes.current[i]?.fit()} />
        ))}
      </div>
      {done && <CompareResults sides={pair.sides} />}
    </div>
  );
}

/** One side's column: what it runs, its progress, its topology and its charts. */
function SideColumn({ name, side, charts, refs, onFit }: { name: string; side: RunningSide; charts: readonly ChartSpec[]; refs: SideRefs; onFit: () => void }) {
  const id = name.toLowerCase();
  const { session, resolved } = side;
  return (
    <section className={`compare-side side-${id}`} aria-label={`Side ${name}`} data-testid={`compare-side-${id}`} data-phase={session.phase}>
      <header className="compare-side-header">
        <span className={`compare-side-tag side-${id}`}>{name}</span>
        <span className="compare-side-label" data-testid={`compare-side-${id}-label`}>
          {resolved.label}
        </span>
        <span className="muted">seed {resolved.seed}</span>
        <span className={`compare-side-status status-${session.phase}`} data-testid={`compare-side-${id}-status`}>
          {sideStatus(session)}
        </span>
      </header>
      <div
        className="compare-topology"
        data-testid={`compare-topology-${id}`}
        ref={(el) => {
          refs.topology = el;
        }}
      >
        <button type="button" className="fit-button" onClick={onFit} title="Zoom to fit">
          Fit
        </button>
      </div>
      <div className="compare-charts">
        {charts.map((c, i) => (
          <ChartFigure
            key={c.id}
            chart={c}
            className="compare-chart"
            labelSuffix={`side ${name}`}
            testId={`compare-chart-${id}-${c.id}`}
            svgRef={(el) => {
              refs.chartSvgs[i] = el;
            }}
            cursorRef={(el) => {
              refs.chartCursors[i] = el;
            }}
          />
        ))}
      </div>
    </section>
  );
}

/** The side's elements once React has mounted all of them. */
function complete(r: SideRefs, chartCount: number): PaneElements | null {
  const svgs = r.chartSvgs.filter((s): s is SVGSVGElement => s !== null);
  const cursors = r.chartCursors.filter((c): c is HTMLDivElement => c !== null);
  if (!r.topology || svgs.length !== chartCount || cursors.length !== chartCount) return null;
  return { topology: r.topology, chartSvgs: svgs, chartCursors: cursors };
}

/**
 * How far the one clock may go: to where the slower running side has recorded. A side that is
 * no longer running (complete, stopped, failed) holds nobody back, so a side with a shorter
 * duration does not stop the clock short of the other's end.
 */
function clockLimitUs(sides: readonly RunningSide[]): number {
  let limit = Infinity;
  for (const { session } of sides) {
    if (session.phase === 'running') limit = Math.min(limit, session.store?.recordedUntilUs ?? -1);
  }
  return limit;
}

/** The recording the playback bar shows and steps through: the one that holds the clock back, else the longest. */
function clockStore(sides: readonly RunningSide[]): TraceStore | null {
  let best: TraceStore | null = null;
  const anyRunning = sides.some((s) => s.session.phase === 'running');
  for (const { session } of sides) {
    const s = session.store;
    if (!s || (anyRunning && session.phase !== 'running')) continue;
    if (!best || (anyRunning ? s.recordedUntilUs < best.recordedUntilUs : s.recordedUntilUs > best.recordedUntilUs)) best = s;
  }
  return best ?? sides.find((s) => s.session.store)?.session.store ?? null;
}

function sideStatus(session: Session): string {
  switch (session.phase) {
    case 'running': {
      const fraction = session.endUs > 0 ? session.simTimeUs / session.endUs : 0;
      return `Running… ${formatPercent(fraction)} · ${formatSimTime(session.simTimeUs)} · ${formatNumber(session.events)} events`;
    }
    case 'done':
      return session.result?.outcome.status === 'completed' ? 'Done' : `Done: stopped by limit ${session.result?.outcome.reason ?? ''}`;
    case 'stopped':
      return 'Stopped';
    case 'invalid':
      return `Not a valid scenario: ${session.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
    case 'failed':
      return `The run failed: ${session.message}`;
  }
}
