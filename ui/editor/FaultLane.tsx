/**
 * The fault timeline lane: the run's duration as a bar, each fault a marker at its time. Drag a
 * marker to move the fault in time (one edit, on release); click it to select it.
 */
import { useRef, useState, type PointerEvent } from 'react';
import type { Fault } from '../../sim/scenario/schema.ts';
import { formatSimTime } from '../format.ts';

interface Props {
  faults: readonly Fault[];
  durationMs: number;
  selected: number | null;
  onSelect: (index: number | null) => void;
  onMove: (index: number, atMs: number) => void;
}

/** What a fault is about, in a few words (its node, link or kind). */
export function faultLabel(f: Fault): string {
  const where = 'node' in f && typeof f.node === 'string' ? ` ${f.node}` : 'link' in f && f.link ? ` ${f.link.from}→${f.link.to}` : '';
  return `${f.type}${where}`;
}

export function FaultLane({ faults, durationMs, selected, onSelect, onMove }: Props) {
  const lane = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ index: number; atMs: number } | null>(null);
  const msAt = (clientX: number) => {
    const r = lane.current?.getBoundingClientRect();
    if (!r || r.width === 0) return 0;
    return Math.min(durationMs, Math.max(0, ((clientX - r.left) / r.width) * durationMs));
  };
  const up = () => {
    if (!drag) return;
    const f = faults[drag.index];
    if (f && Math.round(drag.atMs) !== f.atMs) onMove(drag.index, drag.atMs);
    else onSelect(drag.index);
    setDrag(null);
  };
  return (
    <div className="fault-lane-box">
      <span className="fault-lane-title">Faults</span>
      <div
        ref={lane}
        className="fault-lane"
        data-testid="fault-lane"
        onPointerMove={(e: PointerEvent) => drag && setDrag({ ...drag, atMs: msAt(e.clientX) })}
        onPointerUp={up}
      >
        {faults.length === 0 && <span className="muted fault-lane-empty">No faults: select a node to add one.</span>}
        {faults.map((f, i) => {
          const at = drag?.index === i ? drag.atMs : f.atMs;
          return (
            <button
              key={i}
              type="button"
              className={`fault-marker${selected === i ? ' selected' : ''}`}
              style={{ left: `${(Math.min(at, durationMs) / durationMs) * 100}%` }}
              onPointerDown={(e) => {
                e.currentTarget.setPointerCapture?.(e.pointerId);
                setDrag({ index: i, atMs: f.atMs });
              }}
              title={`${faultLabel(f)} at ${formatSimTime(Math.round(at) * 1000)}: drag to move it in time`}
              data-testid={`fault-marker-${i}`}
            >
              {faultLabel(f)}
              <span className="fault-marker-time">{formatSimTime(Math.round(at) * 1000)}</span>
            </button>
          );
        })}
      </div>
      <span className="fault-lane-end muted">{formatSimTime(durationMs * 1000)}</span>
    </div>
  );
}
