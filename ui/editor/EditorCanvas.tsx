/**
 * The editor's canvas: boxes for nodes and workloads, arrows for calls. Drag a box to move it
 * (its position hint only); drag from a box's handle (the dot on its right edge) to another box
 * to add a call; click to select; drop a palette entry to place it there. Coordinates are the
 * scenario's position units; the view fits the design with a margin.
 */
import { useEffect, useRef, useState, type DragEvent, type PointerEvent } from 'react';
import type { CanvasModel } from './canvas-model.ts';

export const BOX_W = 150;
export const BOX_H = 46;
const MARGIN = 80;
/** The canvas shrinks a wide design to fit, down to this scale (its smallest text stays ≥ 11 px). */
const MIN_SCALE = 0.7;

export type CanvasSelection = { kind: 'element'; id: string } | { kind: 'call'; owner: string; call: number | null; to: string } | null;

interface Props {
  model: CanvasModel;
  selection: CanvasSelection;
  /** Ids with design hints (drawn with a warning mark). */
  flagged: ReadonlySet<string>;
  onSelect: (s: CanvasSelection) => void;
  onMove: (id: string, x: number, y: number) => void;
  onConnect: (from: string, to: string) => void;
  onDropEntry: (kind: string, x: number, y: number) => void;
}

type Drag = { mode: 'move'; id: string; dx: number; dy: number; x: number; y: number; moved: boolean } | { mode: 'wire'; from: string; x: number; y: number };

export function EditorCanvas({ model, selection, flagged, onSelect, onMove, onConnect, onDropEntry }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [room, setRoom] = useState(0);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setRoom(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const xs = model.boxes.map((b) => b.x);
  const ys = model.boxes.map((b) => b.y);
  const minX = Math.min(0, ...xs) - MARGIN;
  const minY = Math.min(0, ...ys) - MARGIN;
  const width = Math.max(640, Math.max(0, ...xs) + BOX_W + MARGIN - minX);
  const height = Math.max(400, Math.max(0, ...ys) + BOX_H + MARGIN - minY);
  const scale = room > 0 ? Math.min(1, Math.max(MIN_SCALE, room / width)) : 1;

  /** A pointer event's position in scenario units. */
  const toScenario = (clientX: number, clientY: number) => {
    const el = svg.current;
    if (!el) return { x: 0, y: 0 };
    const r = el.getBoundingClientRect();
    return { x: minX + ((clientX - r.left) / r.width) * width, y: minY + ((clientY - r.top) / r.height) * height };
  };
  const position = (id: string) => {
    if (drag?.mode === 'move' && drag.id === id) return { x: drag.x, y: drag.y };
    const b = model.boxes.find((x) => x.id === id);
    return b ? { x: b.x, y: b.y } : null;
  };
  const boxAt = (p: { x: number; y: number }) => model.boxes.find((b) => p.x >= b.x && p.x <= b.x + BOX_W && p.y >= b.y && p.y <= b.y + BOX_H);

  const pointerDown = (e: PointerEvent, id: string, mode: 'move' | 'wire') => {
    e.stopPropagation();
    (e.target as Element).setPointerCapture?.(e.pointerId);
    const p = toScenario(e.clientX, e.clientY);
    const b = model.boxes.find((x) => x.id === id);
    if (!b) return;
    setDrag(mode === 'move' ? { mode, id, dx: p.x - b.x, dy: p.y - b.y, x: b.x, y: b.y, moved: false } : { mode, from: id, x: p.x, y: p.y });
  };
  const pointerMove = (e: PointerEvent) => {
    if (!drag) return;
    const p = toScenario(e.clientX, e.clientY);
    setDrag(drag.mode === 'move' ? { ...drag, x: p.x - drag.dx, y: p.y - drag.dy, moved: true } : { ...drag, x: p.x, y: p.y });
  };
  const pointerUp = (e: PointerEvent) => {
    if (!drag) return;
    setDrag(null);
    if (drag.mode === 'move') {
      if (drag.moved) onMove(drag.id, drag.x, drag.y);
      else onSelect({ kind: 'element', id: drag.id });
      return;
    }
    const target = boxAt(toScenario(e.clientX, e.clientY));
    if (target && target.id !== drag.from) onConnect(drag.from, target.id);
  };
  const drop = (e: DragEvent) => {
    const kind = e.dataTransfer.getData('application/x-faultline-kind');
    if (!kind) return;
    e.preventDefault();
    const p = toScenario(e.clientX, e.clientY);
    onDropEntry(kind, p.x - BOX_W / 2, p.y - BOX_H / 2);
  };

  return (
    // One pixel per position unit, shrunk a little to fit (text stays readable), scrolling when the design is larger still.
    <div className="editor-canvas-box" ref={box}>
    <svg
      ref={svg}
      className="editor-canvas"
      width={width * scale}
      height={height * scale}
      viewBox={`${minX} ${minY} ${width} ${height}`}
      onPointerMove={pointerMove}
      onPointerUp={pointerUp}
      onPointerDown={() => onSelect(null)}
      onDragOver={(e) => e.preventDefault()}
      onDrop={drop}
      data-testid="editor-canvas"
      role="application"
      aria-label="Design canvas: drag boxes to move them, drag from a box's dot to another box to add a call"
    >
      <defs>
        <marker id="editor-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="editor-arrowhead" />
        </marker>
      </defs>
      {model.arrows.map((a, i) => {
        const from = position(a.from);
        const to = position(a.to);
        if (!from || !to) return null;
        const selected = selection?.kind === 'call' && selection.owner === a.from && selection.to === a.to;
        const [x1, y1, x2, y2] = edgeEnds(from, to);
        return (
          <g key={i}>
            <line x1={x1} y1={y1} x2={x2} y2={y2} className={`editor-edge ${a.kind}${selected ? ' selected' : ''}`} markerEnd="url(#editor-arrow)" />
            {a.kind === 'call' && (
              <line
                x1={x1}
                y1={y1}
                x2={x2}
                y2={y2}
                className="editor-edge-hit"
                data-testid={`editor-call-${a.from}-${a.to}`}
                onPointerDown={(e) => {
                  e.stopPropagation();
                  onSelect({ kind: 'call', owner: a.from, call: a.call, to: a.to });
                }}
              >
                <title>{`${a.from} → ${a.to}: click to edit the call's policies`}</title>
              </line>
            )}
          </g>
        );
      })}
      {model.boxes.map((b) => {
        const p = position(b.id) ?? b;
        const selected = selection?.kind === 'element' && selection.id === b.id;
        return (
          <g key={b.id} transform={`translate(${p.x},${p.y})`} className={`editor-box ${b.list}${selected ? ' selected' : ''}`} data-testid={`editor-box-${b.id}`} data-kind={b.kind}>
            <rect width={BOX_W} height={BOX_H} rx={6} onPointerDown={(e) => pointerDown(e, b.id, 'move')} />
            <text x={10} y={20} className="editor-box-id" pointerEvents="none">
              {clip(b.id, 15)}
              {b.count !== null ? ` ×${b.count}` : ''}
            </text>
            <text x={10} y={39} className="editor-box-kind" pointerEvents="none">
              {b.kind}
            </text>
            {flagged.has(b.id) && (
              <text x={BOX_W - 26} y={19} className="editor-box-flag" pointerEvents="none">
                ⚠
              </text>
            )}
            <circle cx={BOX_W} cy={BOX_H / 2} r={8} className="editor-handle" onPointerDown={(e) => pointerDown(e, b.id, 'wire')} data-testid={`editor-handle-${b.id}`}>
              <title>{`Drag to another box: ${b.id} calls it`}</title>
            </circle>
            <title>{b.id}</title>
          </g>
        );
      })}
      {drag?.mode === 'wire' && (() => {
        const from = position(drag.from);
        return from ? <line x1={from.x + BOX_W} y1={from.y + BOX_H / 2} x2={drag.x} y2={drag.y} className="editor-edge wiring" /> : null;
      })()}
    </svg>
    </div>
  );
}

/**
 * Where an arrow starts and ends: side to side when the boxes are apart horizontally, else
 * bottom to top (or top to bottom), so it never runs through either box.
 */
export function edgeEnds(a: { x: number; y: number }, b: { x: number; y: number }): [number, number, number, number] {
  if (b.x >= a.x + BOX_W) return [a.x + BOX_W, a.y + BOX_H / 2, b.x, b.y + BOX_H / 2];
  if (b.x + BOX_W <= a.x) return [a.x, a.y + BOX_H / 2, b.x + BOX_W, b.y + BOX_H / 2];
  const down = b.y >= a.y;
  return down ? [a.x + BOX_W / 2, a.y + BOX_H, b.x + BOX_W / 2, b.y] : [a.x + BOX_W / 2, a.y, b.x + BOX_W / 2, b.y + BOX_H];
}

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
