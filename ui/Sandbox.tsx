import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { FaultAction } from '../sim/faults/faults.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { ChartFigure } from './charts/ChartFigure.tsx';
import { chartsFor } from './charts/declared.ts';
import { ChartsView } from './charts/view.ts';
import { download, exportFileName, exportScenarioText } from './export.ts';
import { formatNumber, formatRunTime, formatSimTime } from './format.ts';
import { FrameGate } from './frame-gate.ts';
import type { Layout, LayoutNode } from './layout.ts';
import { describeNetworkAction, LinkMenu } from './LinkMenu.tsx';
import { NodeMenu } from './NodeMenu.tsx';
import { PartitionPanel } from './PartitionPanel.tsx';
import { policyParams } from './patterns/params.ts';
import { PlaybackBar } from './PlaybackBar.tsx';
import type { Player } from './playback.ts';
import type { Session } from './session.ts';
import { defaultChartsPlace, roomBeside, topologyHeightFor, useElementWidth, type ChartsPlace } from './topology/stage.ts';
import { TopologyView } from './topology/view.ts';
import { otherTypeColors } from './trace/colors.ts';
import { TraceStore } from './trace/store.ts';
import type { Selection } from './views/types.ts';
import { ViewPanel } from './views/ViewPanel.tsx';

interface Props {
  scenario: Scenario;
  /** Gallery id or file name, for the exported file's name. */
  sourceId: string;
  layout: Layout;
  session: Session | null;
  /** The playback clock (the page's status line reports it too). */
  player: Player;
  /** Starts a run (Play before Run). */
  onStart: () => void;
  /** What a lesson step points at on the topology (Learn mode). */
  highlights?: TopologyHighlights;
}

export interface TopologyHighlights {
  nodes: string[];
  links: { from: string; to: string }[];
  badges: string[];
}

const NO_HIGHLIGHTS: TopologyHighlights = { nodes: [], links: [], badges: [] };

declare global {
  interface Window {
    /** Draw times (ms) of the last frames, for the performance test. */
    __faultlinePerf?: { draws: number[] };
  }
}

const noSubscribe = () => () => {};
/** The node menu's size (CSS px, about), to keep it inside the topology. */
const MENU_W = 200;
const MENU_H = 230;
/** The link menu's size (CSS px, about). */
const LINK_MENU_W = 260;
const LINK_MENU_H = 410;
const zero = () => 0;

/**
 * The sandbox: playback controls, the topology and the charts, all drawn from the recorded
 * trace at the playback cursor in one requestAnimationFrame loop; a click on a node offers
 * interventions, which branch the run at the cursor.
 */
export function Sandbox({ scenario, sourceId, layout, session, player, onStart, highlights = NO_HIGHLIGHTS }: Props) {
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getStateVersion ?? zero);
  const endUs = Math.round(scenario.durationMs * 1000);
  const emptyStore = useMemo(
    () =>
      new TraceStore({
        nodeNames: layout.nodes.map((n) => n.id),
        queueing: layout.nodes.map((n) => n.kind === 'service'),
        endUs,
        windowUs: Math.round(scenario.metrics.windowMs * 1000),
      }),
    [layout, scenario, endUs],
  );
  const store = session?.store ?? emptyStore;
  const param = useMemo(() => policyParams(scenario), [scenario]);
  const charts = useMemo(() => chartsFor(scenario), [scenario]);

  const live = useRef({ store, session });
  live.current = { store, session };

  // A new run plays from the beginning as soon as records arrive (the clock waits for them); a
  // shared link's run opens paused where the link was made; a branch of the same run keeps the cursor.
  useEffect(() => {
    const openAt = session?.openAtUs ?? 0;
    player.seek(openAt);
    if (session && openAt === 0) player.play();
  }, [session, player]);

  const topologyRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const stageWidth = useElementWidth(stageRef);
  /** Where the user put the charts (null: where they fit, see stage.ts). */
  const [chosenPlace, setChosenPlace] = useState<ChartsPlace | null>(null);
  const room = roomBeside(stageWidth);
  const topologyHeight = useMemo(() => topologyHeightFor(layout), [layout]);
  const fittingPlace = useMemo(() => (room ? defaultChartsPlace(layout, stageWidth) : 'below'), [room, layout, stageWidth]);
  const chartsPlace: ChartsPlace = !room ? 'below' : (chosenPlace ?? fittingPlace);
  const statsRef = useRef<HTMLSpanElement>(null);
  const chartRefs = useRef<(SVGSVGElement | null)[]>([]);
  const cursorRefs = useRef<(HTMLDivElement | null)[]>([]);
  const viewRef = useRef<TopologyView | null>(null);
  const [menu, setMenu] = useState<{ node: LayoutNode; x: number; y: number } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  /** The link menu (a link's ends in layout order) and the partition panel (its groups as opened). */
  const [linkMenu, setLinkMenu] = useState<{ from: LayoutNode; to: LayoutNode; x: number; y: number } | null>(null);
  const [partition, setPartition] = useState<{ a: string[]; b: string[] } | null>(null);
  /** What the inspector shows; a click on a node selects it too. */
  const [selection, setSelection] = useState<Selection>(null);
  // A new run has new records: a selected record index would point elsewhere. (A what-if branch
  // keeps the same session, and the records before its cursor.)
  useEffect(() => setSelection(null), [session]);

  const openMenu = useCallback((node: LayoutNode, x: number, y: number) => {
    // Keep the menu inside the topology (it is clipped at the edges).
    const box = topologyRef.current;
    const w = box?.clientWidth ?? Infinity;
    const h = box?.clientHeight ?? Infinity;
    setSelected(node.index);
    setSelection({ kind: 'node', node: node.index });
    setMenu({ node, x: Math.max(0, Math.min(x, w - MENU_W)), y: Math.max(MENU_H / 2, Math.min(y, h - MENU_H / 2)) });
  }, []);

  const openLinkMenu = useCallback((from: LayoutNode, to: LayoutNode, x: number, y: number) => {
    const box = topologyRef.current;
    const w = box?.clientWidth ?? Infinity;
    const h = box?.clientHeight ?? Infinity;
    setPartition(null);
    // Beside the click, on the side where it fits, so the link stays in view.
    const left = x + 12 + LINK_MENU_W <= w ? x : x - LINK_MENU_W - 24;
    setLinkMenu({ from, to, x: Math.max(0, left), y: Math.max(LINK_MENU_H / 2, Math.min(y, h - LINK_MENU_H / 2)) });
  }, []);

  useEffect(() => {
    const container = topologyRef.current;
    const svgs = chartRefs.current.filter((s): s is SVGSVGElement => s !== null);
    const cursors = cursorRefs.current.filter((c): c is HTMLDivElement => c !== null);
    if (!container || svgs.length !== charts.length || cursors.length !== charts.length) return;
    const view = new TopologyView(container, layout, openMenu, openLinkMenu);
    viewRef.current = view;
    const chartsView = new ChartsView(charts, svgs, cursors, endUs);
    const resize = () => {
      view.resize(container.clientWidth, container.clientHeight);
      if (svgs.length > 0) chartsView.resize(svgs[0].clientWidth);
      view.dirty = true;
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(container);
    if (svgs.length > 0) observer.observe(svgs[0]);
    const perf = (window.__faultlinePerf ??= { draws: [] });
    const gate = new FrameGate();
    let raf = 0;
    const loop = (ts: number) => {
      raf = requestAnimationFrame(loop);
      const { store: s, session: sess } = live.current;
      // Nodes, charts' data and the stats line: at once when something other than the
      // playing clock changed, else a couple of times a second (see Frame.refresh).
      const frame = gate.next(ts, player, s.recordedUntilUs, [s], view.dirty);
      if (!frame) return;
      const { detail, charts: chartsDetail } = frame;
      const t0 = performance.now();
      const cursorUs = player.cursorUs;
      view.draw({ store: s, cursorUs, usPerWallMs: player.speed * 1000, param, refresh: detail ? 'all' : 'urgent' });
      chartsView.draw({ store: s, cursorUs, detail: chartsDetail, interventionsUs: sess?.interventions.map((i) => i.atUs) ?? [] });
      const stats = statsRef.current;
      if (stats && detail) {
        const { inFlight, drops } = view.stats;
        stats.textContent = `${formatNumber(inFlight)} in flight · ${formatNumber(drops)} recent drops`;
        stats.dataset.inFlight = String(inFlight);
      }
      perf.draws.push(performance.now() - t0);
      if (perf.draws.length > 2000) perf.draws.splice(0, 1000);
    };
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      observer.disconnect();
      view.destroy();
      viewRef.current = null;
    };
  }, [layout, endUs, player, param, charts, openMenu, openLinkMenu]);

  useEffect(() => {
    viewRef.current?.select(selected);
  }, [selected]);

  // After the view is made (the effect above), so a new view gets them too.
  useEffect(() => {
    viewRef.current?.highlight(highlights.nodes, highlights.links, highlights.badges);
  }, [highlights, layout, charts]);

  useEffect(() => {
    viewRef.current?.selectLink(linkMenu ? `${linkMenu.from.id}|${linkMenu.to.id}` : null);
  }, [linkMenu]);

  // Keyboard (listed in HelpOverlay.tsx): space plays or pauses, arrows step, Home/End jump, [ ] set
  // the speed, F fits the topology (not while typing or on a button).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target;
      if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLButtonElement || t instanceof HTMLSelectElement) return;
      if (t instanceof SVGElement || (t instanceof HTMLElement && t.closest('.node-menu'))) return; // a focused node or its menu
      if (e.key === ' ') {
        e.preventDefault();
        if (!live.current.session) onStart();
        player.toggle();
      } else if (e.key === 'ArrowRight') {
        e.preventDefault();
        player.stepForward(live.current.store);
      } else if (e.key === 'ArrowLeft') {
        e.preventDefault();
        player.stepBack(live.current.store);
      } else if (e.key === 'Home') {
        e.preventDefault();
        player.seek(0);
      } else if (e.key === 'End') {
        e.preventDefault();
        player.seek(live.current.store.recordedUntilUs);
      } else if (e.key === ']' || e.key === '[') {
        e.preventDefault();
        // A fifth of a decade (×1.6), on the speed slider's steps of a tenth.
        player.setSpeedExp(Math.round((player.speedExp + (e.key === ']' ? 0.2 : -0.2)) * 10) / 10);
      } else if ((e.key === 'f' || e.key === 'F') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        viewRef.current?.fit();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [player, onStart]);

  const closeMenu = useCallback(() => {
    setMenu(null);
    setSelected(null);
  }, []);

  const pick = useCallback(
    (action: FaultAction) => {
      setMenu(null);
      setSelected(null);
      session?.intervene(player.cursorUs, action);
    },
    [session, player],
  );

  const closeLinkMenu = useCallback(() => setLinkMenu(null), []);
  const closePartition = useCallback(() => setPartition(null), []);
  /** A link pick may be several faults (latency both ways is two), each an intervention at the cursor. */
  const pickNetwork = useCallback(
    (actions: FaultAction[]) => {
      setLinkMenu(null);
      setPartition(null);
      session?.intervene(player.cursorUs, ...actions);
    },
    [session, player],
  );

  const statusAtCursor = (index: number) => store.strings[store.fold.at(store.upperBound(Math.floor(player.cursorUs))).status[index]] || 'up';
  const canIntervene = session !== null && (session.phase === 'running' || session.phase === 'done') && player.cursorUs < endUs - 1;

  const exportScenario = () => {
    if (!session?.result) return;
    download(exportFileName(sourceId), exportScenarioText(session.text, session.seed, session.result.faultLog));
  };

  return (
    <section className="sandbox" aria-label="Sandbox" data-testid="sandbox">
      <div className={`stage ${chartsPlace}`} ref={stageRef} data-testid="stage" data-charts={chartsPlace}>
        <div className="stage-topology">
          <PlaybackBar
            player={player}
            store={store}
            onPlayWithoutRun={
              session
                ? null
                : () => {
                    onStart();
                    player.play();
                  }
            }
          />
          <div className="topology" ref={topologyRef} data-testid="topology" style={{ height: topologyHeight }}>
            {menu && (
              <NodeMenu node={menu.node} nodes={layout.nodes} statusOf={statusAtCursor} atUs={player.cursorUs} x={menu.x} y={menu.y} enabled={canIntervene} onPick={pick} onClose={closeMenu} />
            )}
            {linkMenu && (
              <LinkMenu
                from={linkMenu.from}
                to={linkMenu.to}
                atUs={player.cursorUs}
                x={linkMenu.x}
                y={linkMenu.y}
                enabled={canIntervene}
                onPick={pickNetwork}
                onPartition={() => {
                  setLinkMenu(null);
                  setPartition({ a: [linkMenu.from.id], b: [linkMenu.to.id] });
                }}
                onClose={closeLinkMenu}
              />
            )}
            {partition && (
              <PartitionPanel nodes={layout.nodes} initial={partition} atUs={player.cursorUs} enabled={canIntervene} onApply={(a) => pickNetwork([a])} onClose={closePartition} />
            )}
            <button
              type="button"
              className="fit-button partition-button"
              onClick={() => setPartition({ a: [], b: [] })}
              title="Split the network into two groups"
              data-testid="partition-open"
              data-keep-clear
            >
              Partition…
            </button>
            <button type="button" className="fit-button" onClick={() => viewRef.current?.fit()} title="Zoom to fit" data-keep-clear>
              Fit
            </button>
          </div>
          <div className="topology-footer">
            <span className="legend">
              <span className="legend-item request">
                <span className="swatch dot" aria-hidden="true" />
                request
              </span>
              <span className="legend-item response">
                <span className="swatch dot" aria-hidden="true" />
                response
              </span>
              <OtherTypesLegend store={store} session={session} />
              <span className="legend-item drop">
                <span className="swatch cross" aria-hidden="true">
                  ✕
                </span>
                drop
              </span>
            </span>
            <span className="topology-stats" ref={statsRef} data-testid="topology-stats" />
            <RecordingNote store={store} session={session} />
            {room && (
              <button
                type="button"
                className="fit-button charts-place"
                onClick={() => setChosenPlace(chartsPlace === 'beside' ? 'below' : 'beside')}
                title={chartsPlace === 'beside' ? 'Put the charts under the topology, at full width' : 'Put the charts in a column beside the topology'}
                data-testid="charts-place"
              >
                {chartsPlace === 'beside' ? 'Charts below' : 'Charts beside'}
              </button>
            )}
          </div>
        </div>

        <div className="stage-charts">
          <div className="charts" data-testid="charts">
            {charts.map((c, i) => (
              <ChartFigure
                key={c.id}
                chart={c}
                testId={`chart-${c.id}`}
                cursorTestId={`cursor-${c.id}`}
                svgRef={(el) => {
                  chartRefs.current[i] = el;
                }}
                cursorRef={(el) => {
                  cursorRefs.current[i] = el;
                }}
              />
            ))}
          </div>
        </div>
      </div>

      <ViewPanel store={store} player={player} layout={layout} scenario={scenario} session={session} selection={selection} onSelect={setSelection} />

      <Interventions session={session} onExport={exportScenario} canRemove={session !== null && (session.phase === 'running' || session.phase === 'done')} />
    </section>
  );
}

/** Message types beyond request and response, as they arrive (so it follows progress, not just the run's phase). */
function OtherTypesLegend({ store, session }: { store: TraceStore; session: Session | null }) {
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? zero);
  return (
    <>
      {otherTypeColors(store).map((t) => (
        <span key={t.type} className="legend-item message-type" data-type={t.name}>
          <span className="swatch dot" aria-hidden="true" style={{ background: t.color }} />
          {t.name}
        </span>
      ))}
      {store.messages.retries > 0 && (
        <span className="legend-item retry" title="A retry attempt: a ring, in its message type's colour">
          <span className="swatch ring" aria-hidden="true" />
          retry
        </span>
      )}
    </>
  );
}

function RecordingNote({ store, session }: { store: TraceStore; session: Session | null }) {
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? zero);
  if (!session) return <span className="muted">Press play or Run to start.</span>;
  const sampling = store.sampling;
  const sampled = sampling ? `; after ${formatRunTime(sampling.fromUs, store.setup.endUs)}, 1 in ${formatNumber(sampling.every)} message flights (every request's outcome, state change and fault)` : '';
  if (store.truncatedAtUs !== null) {
    return (
      <span className="muted" data-testid="recording-note">
        recorded up to {formatRunTime(store.truncatedAtUs, store.setup.endUs)} ({formatNumber(store.count)} records, the limit{sampled}); the run goes on to its result
      </span>
    );
  }
  if (sampling) {
    return (
      <span className="muted" data-testid="recording-note" data-sampled-from={sampling.fromUs} title="A long run: the whole of it within the page's record budget, charts complete, message flights sampled">
        {formatNumber(store.count)} records{sampled}
      </span>
    );
  }
  return (
    <span className="muted" data-testid="recording-note">
      {formatNumber(store.count)} records
    </span>
  );
}

/** The interventions in time order, each removable on its own (the run re-branches at its time). */
function Interventions({ session, onExport, canRemove }: { session: Session | null; onExport: () => void; canRemove: boolean }) {
  if (!session) return null;
  const list = session.interventions;
  return (
    <div className="interventions" data-testid="interventions">
      <h3>Interventions</h3>
      {list.length === 0 ? (
        <p className="muted">None yet. Click a node to crash, pause, slow or brown it out, or a link to cut it or add latency or loss, at the cursor's time: the run branches there with the same seed, keeping the interventions made so far.</p>
      ) : (
        <ol>
          {list.map((i, n) => (
            <li key={n} data-at-us={i.atUs}>
              <code>{formatSimTime(i.atUs + 1)}</code> {describeAction(i.action)}
              <button
                type="button"
                className="intervention-remove"
                onClick={() => session.remove(n)}
                disabled={!canRemove}
                title="Remove this intervention: the run branches again at its time without it"
                aria-label={`Remove ${describeAction(i.action)} at ${formatSimTime(i.atUs + 1)}`}
                data-testid="remove-intervention"
              >
                ×
              </button>
            </li>
          ))}
        </ol>
      )}
      <div className="interventions-actions">
        <button type="button" className="button secondary" onClick={onExport} disabled={session.phase !== 'done'} data-testid="export">
          Export scenario
        </button>
        <span className="muted">
          {session.phase === 'done'
            ? 'The scenario file with this run’s seed and these interventions in its fault timeline: npm run sim -- run <file> replays it to the same trace hash.'
            : 'Available when the run is complete.'}
        </span>
      </div>
    </div>
  );
}

function describeAction(a: FaultAction): string {
  switch (a.type) {
    case 'slow':
      return `slow ${a.node} ×${a.factor}`;
    case 'brownout':
      return `brownout ${a.node} (${Math.round(a.errorProbability * 100)}% errors)`;
    default:
      return describeNetworkAction(a) ?? ('node' in a && typeof a.node === 'string' ? `${a.type} ${a.node}` : a.type);
  }
}
