/**
 * The space-time (Lamport) diagram of recent messages: a lane per node, simulated time from
 * left to right ending at the playback cursor, a line per message from its send to its
 * delivery. It follows the cursor in its own requestAnimationFrame loop (drawing on a canvas
 * only when something changed), so React renders only when the lanes, the selection or the
 * window's width change. Click a message to select its send record, a lane's name to select
 * the node; hover a line or a fault for what it is.
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { formatNumber, formatSimTime } from '../../format.ts';
import type { TraceStore } from '../../trace/store.ts';
import { otherTypeColors } from '../../trace/colors.ts';
import type { ViewProps } from '../types.ts';
import { describeMessage } from './describe.ts';
import { SpaceTimeCanvas, type DrawStats, type Hit } from './draw.ts';
import { describeFault, faultSpans, type FaultSpan } from './faults.ts';
import { AXIS_H, contentHeight, laneHeight, laneOfNode, laneOrder } from './geometry.ts';
import { defaultWindowUs, FALLBACK_WINDOW_US, FLIGHTS_PER_WINDOW, messageOfRecord, typicalFlightUs, zoomStep } from './window.ts';
import './spacetime.css';

/** While playing, the range line is rewritten at most this often (wall-clock ms). */
const RANGE_TEXT_MS = 250;

/** What the animation loop reads: the latest props and view state, without re-running effects. */
interface Live {
  store: TraceStore;
  windowUs: number;
  laneOf: Int32Array;
  laneCount: number;
  laneH: number;
  visibleH: number;
  selectedNode: number;
  selectedRecord: number;
  labelOf: (node: number) => string;
  /** Something the canvas shows changed (selection, size, scroll, hover…). */
  dirty: boolean;
}

export default function SpaceTimeView({ store, player, layout, session, selection, onSelect }: ViewProps) {
  const order = useMemo(() => laneOrder(layout), [layout]);
  const laneOf = useMemo(() => laneOfNode(order, layout.nodes.length, layout.nodes.map((n) => n.drawnAs)), [order, layout]);
  const labelOf = useMemo(() => {
    const labels = layout.nodes.map((n) => n.label);
    return (node: number) => labels[node] ?? '(network)';
  }, [layout]);
  const laneH = laneHeight(order.length);
  const { content, visible } = contentHeight(order.length, laneH);
  /** The width the user picked with the zoom buttons; null: the default for these messages. */
  const [chosenWindowUs, setChosenWindowUs] = useState<number | null>(null);
  const [autoWindowUs, setAutoWindowUs] = useState(FALLBACK_WINDOW_US);
  const windowUs = chosenWindowUs ?? autoWindowUs;
  const selectedNode = selection?.kind === 'node' ? selection.node : -1;
  const selectedRecord = selection?.kind === 'record' ? selection.index : -1;

  const rootRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const rangeRef = useRef<HTMLSpanElement>(null);
  const drawerRef = useRef<SpaceTimeCanvas | null>(null);
  const scrollTop = useRef(0);
  const hoverMsg = useRef(-1);
  /** The default width last computed, so the loop sets state only when it changes. */
  const autoWindowRef = useRef(FALLBACK_WINDOW_US);
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;

  const live = useRef<Live>({ store, windowUs, laneOf, laneCount: order.length, laneH, visibleH: visible, selectedNode, selectedRecord, labelOf, dirty: true });
  live.current = { store, windowUs, laneOf, laneCount: order.length, laneH, visibleH: visible, selectedNode, selectedRecord, labelOf, dirty: true };

  // The animation loop: redraws when the cursor moves, records arrive or live.dirty is set.
  useEffect(() => {
    const canvas = canvasRef.current;
    const plot = plotRef.current;
    const root = rootRef.current;
    if (!canvas || !plot || !root) return;
    const drawer = new SpaceTimeCanvas(canvas);
    drawerRef.current = drawer;
    let width = plot.clientWidth;
    let height = -1;
    const observer = new ResizeObserver(() => {
      width = plot.clientWidth;
      live.current.dirty = true;
    });
    observer.observe(plot);
    // Off screen (the page scrolled to the topology), the diagram waits: no drawing nobody sees.
    let onScreen = true;
    const visibility = new IntersectionObserver((entries) => {
      onScreen = entries.some((e) => e.isIntersecting);
      live.current.dirty = true;
    });
    visibility.observe(canvas);

    let lastStore: TraceStore | null = null;
    let lastVersion = -1;
    let lastCursor = NaN;
    /** The fault list last turned into spans, and its length then (it only grows, or is replaced on a branch). */
    let lastFaults: unknown = null;
    let lastFaultCount = -1;
    let spans: FaultSpan[] = [];
    let typical = FALLBACK_WINDOW_US;
    let selectedMsg = -1;
    let lastSelectedRecord = -2;
    let lastRangeAt = -Infinity;
    let raf = 0;
    const loop = (ts: number) => {
      raf = requestAnimationFrame(loop);
      const L = live.current;
      const s = L.store;
      const storeChanged = s !== lastStore || s.version !== lastVersion;
      if (storeChanged) {
        if (s.faults !== lastFaults || s.faults.length !== lastFaultCount) spans = faultSpans(s.faults);
        lastFaults = s.faults;
        lastFaultCount = s.faults.length;
        typical = typicalFlightUs(s.messages) ?? FALLBACK_WINDOW_US;
        const auto = defaultWindowUs(s.messages);
        if (auto !== autoWindowRef.current) {
          autoWindowRef.current = auto;
          setAutoWindowUs(auto);
        }
        lastStore = s;
        lastVersion = s.version;
        L.dirty = true;
      }
      if (storeChanged || L.selectedRecord !== lastSelectedRecord) {
        selectedMsg = messageOfRecord(s, L.selectedRecord);
        lastSelectedRecord = L.selectedRecord;
      }
      const cursorUs = player.cursorUs;
      if (!onScreen || (!L.dirty && cursorUs === lastCursor)) return;
      lastCursor = cursorUs;
      L.dirty = false;
      if (width !== drawer.drawWidth || height !== L.visibleH) {
        height = L.visibleH;
        drawer.resize(width, height);
      }
      const stats = drawer.draw({
        store: s,
        cursorUs,
        windowUs: L.windowUs,
        laneOf: L.laneOf,
        laneCount: L.laneCount,
        laneH: L.laneH,
        scrollTop: scrollTop.current,
        spans,
        selectedMsg,
        selectedNode: L.selectedNode,
        hoverMsg: hoverMsg.current,
        typicalFlightUs: typical,
      });
      root.dataset.drawn = String(stats.drawn);
      root.dataset.inWindow = String(stats.inWindow);
      root.dataset.fromUs = String(stats.fromUs);
      root.dataset.toUs = String(stats.toUs);
      // Changing text costs a layout pass: while playing, the range line follows a few times a second.
      if (!player.playing || ts - lastRangeAt >= RANGE_TEXT_MS) {
        lastRangeAt = ts;
        const text = rangeText(stats);
        if (rangeRef.current && text !== rangeRef.current.textContent) rangeRef.current.textContent = text;
      }
    };
    raf = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(raf);
      observer.disconnect();
      visibility.disconnect();
      drawerRef.current = null;
    };
  }, [player]);

  // A node selected elsewhere (the topology) scrolls into view here.
  useEffect(() => {
    const box = scrollRef.current;
    const lane = selectedNode >= 0 ? laneOf[selectedNode] : -1;
    if (!box || lane < 0) return;
    const top = AXIS_H + lane * laneH;
    if (top < box.scrollTop + AXIS_H || top + laneH > box.scrollTop + box.clientHeight) box.scrollTop = Math.max(0, top - box.clientHeight / 2);
  }, [selectedNode, laneOf, laneH]);

  const hitAt = (e: MouseEvent<HTMLCanvasElement>): Hit => {
    const rect = e.currentTarget.getBoundingClientRect();
    return drawerRef.current?.hitTest(e.clientX - rect.left, e.clientY - rect.top) ?? null;
  };

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const hit = hitAt(e);
    const msg = hit?.kind === 'message' ? hit.msg : -1;
    if (msg !== hoverMsg.current) {
      hoverMsg.current = msg;
      live.current.dirty = true;
    }
    const tip = tipRef.current;
    const root = rootRef.current;
    if (!tip || !root) return;
    const L = live.current;
    const text =
      hit?.kind === 'message'
        ? describeMessage(L.store, hit.msg, player.cursorUs, L.labelOf)
        : hit?.kind === 'fault'
          ? describeFault(hit.span, L.labelOf(hit.span.node), formatSimTime)
          : '';
    if (!text) {
      tip.hidden = true;
      return;
    }
    const box = root.getBoundingClientRect();
    tip.textContent = text;
    tip.hidden = false;
    const x = e.clientX - box.left;
    tip.style.left = `${Math.min(x + 12, box.width - tip.offsetWidth - 4)}px`;
    tip.style.top = `${e.clientY - box.top + 14}px`;
  };

  const onLeave = () => {
    if (tipRef.current) tipRef.current.hidden = true;
    if (hoverMsg.current !== -1) {
      hoverMsg.current = -1;
      live.current.dirty = true;
    }
  };

  const onClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const hit = hitAt(e);
    if (hit?.kind === 'message') selectRef.current({ kind: 'record', index: live.current.store.messages.rec.a[hit.msg] });
    else if (hit?.kind === 'fault' && hit.span.node >= 0) selectRef.current({ kind: 'node', node: hit.span.node });
  };

  const onScroll = () => {
    scrollTop.current = scrollRef.current?.scrollTop ?? 0;
    live.current.dirty = true;
    if (tipRef.current) tipRef.current.hidden = true;
  };

  return (
    <div
      className="spacetime"
      ref={rootRef}
      data-testid="spacetime"
      data-selected-record={selectedRecord}
      data-selected-node={selectedNode}
      data-window-us={windowUs}
      data-lane-height={laneH}
    >
      <div className="spacetime-toolbar">
        <span className="spacetime-range" ref={rangeRef} data-testid="spacetime-range" aria-live="off" />
        <span className="spacetime-zoom" role="group" aria-label="Width of the time window">
          <span className="muted">window</span>
          <button type="button" className="button secondary" title="Wider window (zoom out)" aria-label="Wider window" onClick={() => setChosenWindowUs(zoomStep(windowUs, 1))} data-testid="spacetime-zoom-out">
            −
          </button>
          <span className="spacetime-width" data-testid="spacetime-window">
            {formatSimTime(windowUs)}
          </span>
          <button type="button" className="button secondary" title="Narrower window (zoom in)" aria-label="Narrower window" onClick={() => setChosenWindowUs(zoomStep(windowUs, -1))} data-testid="spacetime-zoom-in">
            +
          </button>
          <button
            type="button"
            className="button secondary"
            title={`Back to the default: about ${FLIGHTS_PER_WINDOW} typical flight times`}
            disabled={chosenWindowUs === null}
            onClick={() => setChosenWindowUs(null)}
            data-testid="spacetime-zoom-auto"
          >
            Auto
          </button>
        </span>
        <Legend store={store} />
      </div>
      <div className="spacetime-scroll" ref={scrollRef} style={{ height: visible }} onScroll={onScroll} data-testid="spacetime-scroll">
        <div className="spacetime-content" style={{ height: content }}>
          <div className="spacetime-labels" role="list" aria-label="Nodes">
            <div className="spacetime-labels-head" style={{ height: AXIS_H }}>
              node
            </div>
            {order.map((node, i) => {
              const n = layout.nodes[node];
              return (
                <button
                  key={node}
                  type="button"
                  role="listitem"
                  className={`spacetime-lane${node === selectedNode ? ' selected' : ''}${n.kind === 'client' ? ' client' : ''}`}
                  style={{ top: AXIS_H + i * laneH, height: laneH, fontSize: laneH < 18 ? 11 : undefined }}
                  title={n.group ? `${n.group.label} (${n.kind}): every member's messages in one lane` : `${n.label} (${n.kind}${n.label !== n.id ? `, ${n.id}` : ''})`}
                  onClick={() => onSelect({ kind: 'node', node })}
                  data-node={node}
                  data-testid="spacetime-lane"
                >
                  {n.group?.label ?? n.label}
                </button>
              );
            })}
          </div>
          <div className="spacetime-plot" ref={plotRef}>
            <canvas
              ref={canvasRef}
              className="spacetime-canvas"
              data-testid="spacetime-canvas"
              role="img"
              aria-label="Space-time diagram: a lane per node, messages between them over the recent past"
              onMouseMove={onMove}
              onMouseLeave={onLeave}
              onClick={onClick}
            />
          </div>
        </div>
      </div>
      {!session && <p className="muted spacetime-note">Run the scenario to see its messages here.</p>}
      <div className="spacetime-tip" ref={tipRef} role="tooltip" hidden data-testid="spacetime-tip" />
    </div>
  );
}

/** The window's time range and how many messages it holds: "9.97 s – 10.02 s · 14 messages". */
function rangeText(stats: DrawStats): string {
  const count =
    stats.drawn < stats.inWindow
      ? `${formatNumber(stats.drawn)} of ${formatNumber(stats.inWindow)} messages drawn`
      : `${formatNumber(stats.inWindow)} message${stats.inWindow === 1 ? '' : 's'}`;
  return `${formatSimTime(Math.max(0, stats.fromUs))} – ${formatSimTime(stats.toUs)} · ${count}`;
}

/** Legend entries: the class the shared legend styles know (colours), the words, the swatch. */
const LEGEND: { className: string; text: string; swatch: string; mark?: string }[] = [
  { className: 'request', text: 'request', swatch: 'swatch' },
  { className: 'response', text: 'response', swatch: 'swatch' },
  { className: 'drop', text: 'dropped', swatch: 'swatch cross', mark: '✕' },
  { className: 'in-flight', text: 'in flight', swatch: 'swatch square' },
  { className: 'fault', text: 'fault', swatch: 'swatch band' },
];

/** The fixed entries, with the other message types seen so far (2PC phases, saga steps) after the response. */
function Legend({ store }: { store: TraceStore }) {
  const others = otherTypeColors(store);
  const fixed = (item: (typeof LEGEND)[number]) => (
    <span key={item.className} className={`legend-item ${item.className}`}>
      <span className={item.swatch} aria-hidden="true">
        {item.mark}
      </span>
      {item.text}
    </span>
  );
  return (
    <span className="legend spacetime-legend" data-testid="spacetime-legend">
      {LEGEND.slice(0, 2).map(fixed)}
      {others.map((t) => (
        <span key={t.type} className="legend-item message-type" data-type={t.name}>
          <span className="swatch" aria-hidden="true" style={{ background: t.color }} />
          {t.name}
        </span>
      ))}
      {store.messages.retries > 0 && (
        <span className="legend-item retry" title="A retry attempt: dashed, a ring where it was sent">
          <span className="swatch dashed" aria-hidden="true" />
          retry
        </span>
      )}
      {LEGEND.slice(2).map(fixed)}
    </span>
  );
}
