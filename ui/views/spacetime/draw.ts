/**
 * Draws the space-time diagram on a canvas, one frame at a time, from the recorded trace at
 * the playback cursor: time gridlines and axis, fault bands on the lanes, one line per message
 * from (sender, send time) to (receiver, delivery time) with an arrowhead, drops dashed red
 * ending in ✕, messages still in flight drawn up to the cursor. Lines of one colour share a
 * path (one stroke per colour keeps thousands of lines cheap in software rendering). It keeps
 * what it drew, so a pointer position can be turned back into a message or a fault.
 */
import { scaleLinear } from 'd3';
import { sizeCanvas } from '../../canvas.ts';
import { OTHER_COLOR, REQUEST_COLOR, RESPONSE_COLOR, typeColors } from '../../trace/colors.ts';
import { DELIVERED, DROPPED, OPEN } from '../../trace/messages.ts';
import { boxesOverlap, freeLine, type Box } from '../../topology/labels.ts';
import type { TraceStore } from '../../trace/store.ts';
import type { FaultSpan } from './faults.ts';
import { AXIS_H, distanceToSegment, formatTick, laneCenter, PLOT_PAD_LEFT, timeToX } from './geometry.ts';
import { visitWindow } from './window.ts';

/** Same colours as the topology's messages (ui/topology/view.ts), so one message reads the same in both. */
export const COLORS = {
  request: REQUEST_COLOR,
  response: RESPONSE_COLOR,
  other: OTHER_COLOR,
  drop: '#c62828',
  lane: '#c3cad5',
  grid: '#eef1f5',
  axis: '#5d6675',
  cursor: '#2453a6',
  selected: '#e8eef9',
  crash: 'rgba(198, 40, 40, 0.13)',
  degraded: 'rgba(194, 87, 26, 0.12)',
  network: 'rgba(198, 40, 40, 0.06)',
  faultMark: '#b3261e',
};

/** At most this many messages are drawn in a frame; past it, the window is thinned. */
export const MAX_DRAWN = 4000;
/** Drop reasons are written beside the ✕ when a frame has at most this many drops in view. */
const MAX_DROP_LABELS = 10;
/** A pointer this close to a line (CSS px) is on it. */
const HIT_PX = 6;
const ARROW_LEN = 6;
const CROSS = 4;
/** A retry attempt's line: dashed (drops are dashed red, shorter), a ring of this radius at its send. */
const RETRY_DASH = [7, 3];
const RING_R = 3.5;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** A drop label's line in the diagram, px. */
const DROP_LINE_H = 13;
const SMALL_FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** What one frame shows. */
export interface SpaceTimeFrame {
  store: TraceStore;
  cursorUs: number;
  windowUs: number;
  /** Lane of each node index (-1: no lane). */
  laneOf: Int32Array;
  laneCount: number;
  laneH: number;
  /** How far the lanes are scrolled, CSS px. */
  scrollTop: number;
  spans: readonly FaultSpan[];
  /** Message index of the selected message, or -1. */
  selectedMsg: number;
  /** Node index of the selected node, or -1. */
  selectedNode: number;
  /** Message index under the pointer, or -1. */
  hoverMsg: number;
  /** Typical flight time, µs: how far an open message (end unknown) is drawn toward its receiver. */
  typicalFlightUs: number;
}

export interface DrawStats {
  fromUs: number;
  toUs: number;
  /** Messages whose flight overlaps the window (what the store holds). */
  inWindow: number;
  /** Messages drawn (fewer than inWindow only past MAX_DRAWN). */
  drawn: number;
}

export type Hit = { kind: 'message'; msg: number } | { kind: 'fault'; span: FaultSpan } | null;

/** Per colour: the lines, and the arrowheads / heads at their ends; retry attempts' lines (dashed) and the rings at their starts. */
interface Ink {
  lines: Path2D;
  heads: Path2D;
  retries: Path2D;
  rings: Path2D;
}

export class SpaceTimeCanvas {
  private width = 0;
  private height = 0;
  private dpr = 1;
  /** Segments drawn in the last frame, for hit testing: x0 y0 x1 y1 per message. */
  private segs = new Float32Array(MAX_DRAWN * 4);
  private segMsg = new Int32Array(MAX_DRAWN);
  private segCount = 0;
  private faultBoxes: { x0: number; x1: number; y0: number; y1: number; span: FaultSpan }[] = [];
  /** Where this frame wrote fault names and drop labels, so no text covers another. */
  private textBoxes: Box[] = [];

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Sets the drawing size in CSS pixels. */
  resize(width: number, height: number): void {
    this.dpr = sizeCanvas(this.canvas, width, height);
    this.width = width;
    this.height = height;
  }

  get drawWidth(): number {
    return this.width;
  }

  draw(frame: SpaceTimeFrame): DrawStats {
    const c = this.canvas.getContext('2d');
    const toUs = frame.cursorUs;
    const fromUs = toUs - frame.windowUs;
    const stats: DrawStats = { fromUs, toUs, inWindow: 0, drawn: 0 };
    this.segCount = 0;
    this.faultBoxes = [];
    this.textBoxes = [];
    if (!c || this.width <= 0) return stats;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.clearRect(0, 0, this.width, this.height);
    const x = (us: number) => timeToX(us, fromUs, toUs, this.width);
    const y = (lane: number) => laneCenter(lane, frame.laneH) - frame.scrollTop;
    const ticks = scaleLinear()
      .domain([fromUs, toUs])
      .ticks(Math.max(2, Math.floor(this.width / 110)))
      .filter((t) => t >= 0);

    c.lineWidth = 1;
    c.strokeStyle = COLORS.grid;
    c.beginPath();
    for (const t of ticks) {
      const tx = Math.round(x(t)) + 0.5;
      c.moveTo(tx, AXIS_H);
      c.lineTo(tx, this.height);
    }
    c.stroke();

    this.drawLanes(c, frame, x(toUs), y);
    this.drawFaults(c, frame, fromUs, toUs, x, y);
    this.drawMessages(c, frame, fromUs, toUs, x, y, stats);
    this.drawAxis(c, ticks, x, toUs);
    return stats;
  }

  /** The message or fault under (px, py), CSS px in the canvas. */
  hitTest(px: number, py: number): Hit {
    let best = -1;
    let bestD = HIT_PX;
    const s = this.segs;
    for (let i = 0; i < this.segCount; i++) {
      const d = distanceToSegment(px, py, s[i * 4], s[i * 4 + 1], s[i * 4 + 2], s[i * 4 + 3]);
      if (d <= bestD) {
        bestD = d;
        best = this.segMsg[i];
      }
    }
    if (best >= 0) return { kind: 'message', msg: best };
    // Latest fault first: a short one drawn over a long one is the one seen.
    for (let i = this.faultBoxes.length - 1; i >= 0; i--) {
      const b = this.faultBoxes[i];
      if (px >= b.x0 - 3 && px <= b.x1 + 3 && py >= b.y0 && py <= b.y1) return { kind: 'fault', span: b.span };
    }
    return null;
  }

  private visibleLanes(frame: SpaceTimeFrame): [number, number] {
    const first = Math.max(0, Math.floor((frame.scrollTop - AXIS_H) / frame.laneH) - 1);
    const last = Math.min(frame.laneCount - 1, Math.ceil((frame.scrollTop + this.height) / frame.laneH));
    return [first, last];
  }

  private drawLanes(c: CanvasRenderingContext2D, frame: SpaceTimeFrame, xEnd: number, y: (lane: number) => number): void {
    const [first, last] = this.visibleLanes(frame);
    const selectedLane = frame.selectedNode >= 0 ? frame.laneOf[frame.selectedNode] : -1;
    if (selectedLane >= first && selectedLane <= last) {
      c.fillStyle = COLORS.selected;
      c.fillRect(0, y(selectedLane) - frame.laneH / 2, this.width, frame.laneH);
    }
    c.strokeStyle = COLORS.lane;
    c.lineWidth = 1;
    c.beginPath();
    for (let lane = first; lane <= last; lane++) {
      if (lane === selectedLane) continue;
      const ly = Math.round(y(lane)) + 0.5;
      c.moveTo(PLOT_PAD_LEFT, ly);
      c.lineTo(xEnd, ly);
    }
    c.stroke();
    if (selectedLane >= first && selectedLane <= last) {
      c.strokeStyle = COLORS.cursor;
      c.lineWidth = 2;
      c.beginPath();
      c.moveTo(PLOT_PAD_LEFT, y(selectedLane));
      c.lineTo(xEnd, y(selectedLane));
      c.stroke();
    }
  }

  /** Bands over the lanes while a fault lasts, a mark and its name where it began. */
  private drawFaults(c: CanvasRenderingContext2D, frame: SpaceTimeFrame, fromUs: number, toUs: number, x: (us: number) => number, y: (lane: number) => number): void {
    const half = frame.laneH / 2;
    c.font = SMALL_FONT;
    c.textBaseline = 'top';
    for (const span of frame.spans) {
      if (span.toUs < fromUs || span.fromUs > toUs) continue;
      const lane = span.node >= 0 ? frame.laneOf[span.node] : -1;
      if (span.node >= 0 && lane < 0) continue;
      const x0 = Math.max(PLOT_PAD_LEFT, x(span.fromUs));
      const x1 = x(Math.min(span.toUs, toUs));
      const y0 = lane >= 0 ? y(lane) - half + 1 : AXIS_H;
      const y1 = lane >= 0 ? y(lane) + half - 1 : this.height;
      if (y1 < AXIS_H || y0 > this.height) continue;
      c.fillStyle = span.node < 0 ? COLORS.network : span.type === 'crash' || span.type === 'restart' ? COLORS.crash : COLORS.degraded;
      if (x1 > x0) c.fillRect(x0, y0, x1 - x0, y1 - y0);
      // Where it began: a mark across the lane. And its name, at the start or the window's left edge.
      const begins = span.fromUs >= fromUs;
      const mx = Math.round(x(span.fromUs)) + 0.5;
      if (begins) {
        c.strokeStyle = COLORS.faultMark;
        c.lineWidth = 2;
        c.beginPath();
        c.moveTo(mx, y0);
        c.lineTo(mx, y1);
        c.stroke();
      }
      if (y1 - y0 >= 11) {
        // A fault's name stays in its lane: when an earlier name is there, this one is left out
        // (its band and mark still show; the tooltip names it).
        const tx = (begins ? mx : x0) + 4;
        const box = { x0: tx, x1: tx + c.measureText(span.type).width, y0: y0 + 1, y1: y0 + 12 };
        if (!this.textBoxes.some((t) => boxesOverlap(t, box))) {
          c.fillStyle = COLORS.faultMark;
          c.fillText(span.type, tx, y0 + 1);
          this.textBoxes.push(box);
        }
      }
      this.faultBoxes.push({ x0, x1: Math.max(x0, x1), y0, y1, span });
    }
    c.textBaseline = 'alphabetic';
  }

  private drawMessages(
    c: CanvasRenderingContext2D,
    frame: SpaceTimeFrame,
    fromUs: number,
    toUs: number,
    x: (us: number) => number,
    y: (lane: number) => number,
    stats: DrawStats,
  ): void {
    const { store, laneOf } = frame;
    const m = store.messages;
    const sendT = m.sendT.a;
    const endT = m.endT.a;
    const end = m.end.a;
    const from = m.from.a;
    const to = m.to.a;
    const type = m.type.a;
    // One ink (path pair) per colour: a few stroke calls per frame, whatever the number of messages.
    const inks = new Map<string, Ink>();
    const colorOf = typeColors(store);
    const inkOf = (t: number): Ink => {
      const color = colorOf(t);
      let ink = inks.get(color);
      if (!ink) {
        ink = { lines: new Path2D(), heads: new Path2D(), retries: new Path2D(), rings: new Path2D() };
        inks.set(color, ink);
      }
      return ink;
    };
    const dropLines = new Path2D();
    const crosses = new Path2D();
    const dropLabels: { x: number; y: number; reason: string }[] = [];
    const T = toUs;
    const top = AXIS_H - 2;
    const bottom = this.height + 2;
    /** The selected and the hovered message's line, drawn last. */
    const emphasis: { selected: number[] | null; hover: number[] | null } = { selected: null, hover: null };

    stats.inWindow = visitWindow(m, fromUs, toUs, MAX_DRAWN, (idx) => {
      const a = laneOf[from[idx]] ?? -1;
      const b = laneOf[to[idx]] ?? -1;
      if (a < 0 || b < 0) return;
      stats.drawn++;
      const x0 = x(sendT[idx]);
      const y0 = y(a);
      const yTo = y(b);
      const ended = end[idx] !== OPEN && endT[idx] <= T;
      let x1: number;
      let y1: number;
      if (ended && end[idx] === DROPPED) {
        const reason = store.strings[m.reason.a[idx]] || 'dropped';
        // Lost at the receiver (it was down) or on the way; lost at once: a stub toward it.
        const arrived = reason.startsWith('node-') || endT[idx] > sendT[idx];
        x1 = arrived ? x(endT[idx]) : x0 + 8;
        y1 = arrived ? yTo : y0 + (yTo - y0) * 0.45;
      } else if (ended) {
        x1 = x(endT[idx]);
        y1 = yTo;
      } else {
        // Still in flight at the cursor: up to the cursor, as far toward the receiver as it has come.
        const flight = end[idx] === OPEN ? Math.max(frame.typicalFlightUs, T - sendT[idx]) / 0.9 : endT[idx] - sendT[idx];
        const f = flight > 0 ? Math.min(1, Math.max(0, (T - sendT[idx]) / flight)) : 1;
        x1 = x(T);
        y1 = y0 + (yTo - y0) * f;
      }
      if ((y0 < top && y1 < top) || (y0 > bottom && y1 > bottom)) return; // scrolled out of view
      if (this.segCount < MAX_DRAWN) {
        const s = this.segCount++ * 4;
        this.segs[s] = x0;
        this.segs[s + 1] = y0;
        this.segs[s + 2] = x1;
        this.segs[s + 3] = y1;
        this.segMsg[this.segCount - 1] = idx;
      }
      if (idx === frame.selectedMsg) emphasis.selected = [x0, y0, x1, y1];
      if (idx === frame.hoverMsg) emphasis.hover = [x0, y0, x1, y1];
      if (ended && end[idx] === DROPPED) {
        dropLines.moveTo(x0, y0);
        dropLines.lineTo(x1, y1);
        crosses.moveTo(x1 - CROSS, y1 - CROSS);
        crosses.lineTo(x1 + CROSS, y1 + CROSS);
        crosses.moveTo(x1 - CROSS, y1 + CROSS);
        crosses.lineTo(x1 + CROSS, y1 - CROSS);
        if (dropLabels.length <= MAX_DROP_LABELS) dropLabels.push({ x: x1, y: y1, reason: store.strings[m.reason.a[idx]] || 'dropped' });
        return;
      }
      const ink = inkOf(type[idx]);
      // A retry attempt: dashed, with a ring where it was sent.
      const line = m.attempt.a[idx] > 1 ? ink.retries : ink.lines;
      if (line === ink.retries) {
        ink.rings.moveTo(x0 + RING_R, y0);
        ink.rings.arc(x0, y0, RING_R, 0, 2 * Math.PI);
      }
      line.moveTo(x0, y0);
      line.lineTo(x1, y1);
      if (end[idx] === DELIVERED && ended) arrowhead(ink.heads, x0, y0, x1, y1);
      else ink.heads.rect(x1 - 2, y1 - 2, 4, 4);
    });

    c.lineWidth = 1.3;
    for (const [color, ink] of inks) {
      c.strokeStyle = color;
      c.fillStyle = color;
      c.stroke(ink.lines);
      c.fill(ink.heads);
      c.setLineDash(RETRY_DASH);
      c.stroke(ink.retries);
      c.setLineDash([]);
      c.stroke(ink.rings);
    }
    c.strokeStyle = COLORS.drop;
    c.setLineDash([4, 3]);
    c.stroke(dropLines);
    c.setLineDash([]);
    c.lineWidth = 2;
    c.stroke(crosses);
    if (dropLabels.length <= MAX_DROP_LABELS) this.drawDropLabels(c, dropLabels);

    if (emphasis.hover) emphasise(c, emphasis.hover, '#5d6675');
    if (emphasis.selected) emphasise(c, emphasis.selected, '#1d2330');
  }

  private drawDropLabels(c: CanvasRenderingContext2D, labels: { x: number; y: number; reason: string }[]): void {
    c.font = SMALL_FONT;
    c.lineWidth = 3;
    c.strokeStyle = 'rgba(255, 255, 255, 0.85)';
    c.fillStyle = COLORS.drop;
    for (const l of labels) {
      const right = l.x > this.width * 0.7;
      c.textAlign = right ? 'right' : 'left';
      const lx = l.x + (right ? -6 : 6);
      const w = c.measureText(l.reason).width;
      const box = { x0: right ? lx - w : lx, x1: right ? lx : lx + w, y0: l.y - 15, y1: l.y - 3 };
      // Beside its cross, or a line up or down when that covers another label or a fault's name.
      const dy = freeLine(box, this.textBoxes, [], DROP_LINE_H);
      if (dy === null) continue;
      c.strokeText(l.reason, lx, l.y - 5 + dy);
      c.fillText(l.reason, lx, l.y - 5 + dy);
      this.textBoxes.push({ ...box, y0: box.y0 + dy, y1: box.y1 + dy });
    }
    c.textAlign = 'left';
  }

  /** The time axis along the top, over anything scrolled beneath it, and the cursor. */
  private drawAxis(c: CanvasRenderingContext2D, ticks: number[], x: (us: number) => number, toUs: number): void {
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, this.width, AXIS_H);
    c.strokeStyle = COLORS.lane;
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(0, AXIS_H - 0.5);
    c.lineTo(this.width, AXIS_H - 0.5);
    c.stroke();
    c.font = FONT;
    c.fillStyle = COLORS.axis;
    c.textAlign = 'center';
    c.textBaseline = 'alphabetic';
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    const xEnd = x(toUs);
    for (const t of ticks) {
      const tx = x(t);
      // Keep the labels clear of the cursor's own mark at the right edge.
      if (tx > xEnd - 30 || tx < 20) continue;
      c.fillText(formatTick(t, step), tx, AXIS_H - 8);
    }
    c.textAlign = 'left';
    c.strokeStyle = COLORS.cursor;
    c.lineWidth = 1.5;
    c.beginPath();
    c.moveTo(xEnd, AXIS_H - 6);
    c.lineTo(xEnd, this.height);
    c.stroke();
    c.fillStyle = COLORS.cursor;
    c.beginPath();
    c.moveTo(xEnd - 5, AXIS_H - 10);
    c.lineTo(xEnd + 5, AXIS_H - 10);
    c.lineTo(xEnd, AXIS_H - 3);
    c.fill();
  }
}

/** One message's line over everything: a white halo, then thick, with dots at both ends. */
function emphasise(c: CanvasRenderingContext2D, seg: number[], color: string): void {
  const [x0, y0, x1, y1] = seg;
  c.lineCap = 'round';
  c.strokeStyle = 'rgba(255, 255, 255, 0.9)';
  c.lineWidth = 6;
  c.beginPath();
  c.moveTo(x0, y0);
  c.lineTo(x1, y1);
  c.stroke();
  c.strokeStyle = color;
  c.lineWidth = 2.5;
  c.stroke();
  c.fillStyle = color;
  c.beginPath();
  c.arc(x0, y0, 3, 0, 2 * Math.PI);
  c.moveTo(x1 + 3, y1);
  c.arc(x1, y1, 3, 0, 2 * Math.PI);
  c.fill();
  c.lineCap = 'butt';
}

/** A filled arrowhead at (x1, y1), pointing from (x0, y0). */
function arrowhead(path: Path2D, x0: number, y0: number, x1: number, y1: number): void {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy);
  if (len < ARROW_LEN * 1.5) return;
  const ux = dx / len;
  const uy = dy / len;
  const bx = x1 - ux * ARROW_LEN;
  const by = y1 - uy * ARROW_LEN;
  path.moveTo(x1, y1);
  path.lineTo(bx - uy * 3, by + ux * 3);
  path.lineTo(bx + uy * 3, by - ux * 3);
  path.closePath();
}
