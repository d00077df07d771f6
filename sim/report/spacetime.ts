import { scaleLinear } from 'd3-scale';
import { clip, esc, n } from './html.ts';
import { formatSeconds } from './charts.ts';
import type { TraceRecord } from '../engine/trace.ts';

/**
 * The space-time (Lamport) diagram of the first messages of a run: one vertical line per
 * node, time flowing down, an arrow from each send to its delivery (two for a duplicate), a
 * dashed red line ending in × for a drop, with the reason. Drawn from `send`, `deliver`,
 * `drop` and `dup` records as SVG text; any other records are ignored.
 */
export interface SpaceTimeOptions {
  /** Draw at most this many messages, in order of sending (default: all given). */
  first?: number;
  /** Left-to-right order of node columns; nodes not named here follow in order of appearance. */
  order?: readonly string[];
  /** At most this many node columns (default 24); messages between other nodes are left out. */
  maxNodes?: number;
  width?: number;
}

const TOP = 58;
const BOTTOM = 44;
const LEFT = 90;
const RIGHT = 40;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const DROP_COLOR = '#d62728';
/** Message types: request, response, then the rest in order of appearance (no red: red is a drop). */
const TYPE_COLORS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#7f7f7f', '#bcbd22'];

interface Message {
  send: TraceRecord;
  delivers: TraceRecord[];
  drop: TraceRecord | null;
}

export function spaceTimeDiagram(records: readonly TraceRecord[], options: SpaceTimeOptions = {}): string {
  const limit = options.first ?? Infinity;
  const messages = new Map<number, Message>();
  for (const r of records) {
    if (r.k === 'send') {
      if (messages.size < limit && !messages.has(r.msg as number)) messages.set(r.msg as number, { send: r, delivers: [], drop: null });
      continue;
    }
    const m = messages.get(r.msg as number);
    if (m === undefined) continue;
    if (r.k === 'deliver') m.delivers.push(r);
    else if (r.k === 'drop' && m.drop === null) m.drop = r;
  }

  // Columns: the given order first, then nodes as they appear.
  const seen: string[] = [];
  const note = (name: string) => {
    if (name !== '' && !seen.includes(name)) seen.push(name);
  };
  for (const m of messages.values()) {
    note(m.send.node);
    note(String(m.send.to));
  }
  const order = [...(options.order ?? []).filter((x) => seen.includes(x)), ...seen.filter((x) => !(options.order ?? []).includes(x))];
  const columns = order.slice(0, options.maxNodes ?? 24);
  const shown = [...messages.values()].filter((m) => columns.includes(m.send.node) && columns.includes(String(m.send.to)));

  const times = shown.flatMap((m) => [m.send.t, ...m.delivers.map((d) => d.t), ...(m.drop ? [m.drop.t] : [])]);
  const t0 = times.length > 0 ? Math.min(...times) : 0;
  const t1 = times.length > 0 ? Math.max(...times) : 1;
  const width = options.width ?? Math.max(920, Math.min(1600, LEFT + RIGHT + Math.max(1, columns.length - 1) * 170));
  const plotHeight = Math.max(260, Math.min(1500, shown.length * 18));
  const height = TOP + plotHeight + BOTTOM;
  // Time in ms, or in s when the messages span long times.
  const unit = t1 >= 10_000_000 ? 1e6 : 1000;
  const y = scaleLinear().domain([t0 / unit, Math.max(t1, t0 + 1) / unit]).range([TOP + 8, TOP + plotHeight]);
  const yOf = (us: number) => y(us / unit);
  const colX = (name: string) => {
    const i = columns.indexOf(name);
    return columns.length <= 1 ? (LEFT + width - RIGHT) / 2 : LEFT + (i * (width - LEFT - RIGHT)) / (columns.length - 1);
  };

  const types = [...new Set(shown.map((m) => String(m.send.type)))];
  const others = types.filter((t) => t !== 'request' && t !== 'response');
  const typeColor = (t: string) => (t === 'request' ? TYPE_COLORS[0] : t === 'response' ? TYPE_COLORS[1] : TYPE_COLORS[2 + (others.indexOf(t) % (TYPE_COLORS.length - 2))]);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="spacetime" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Space-time diagram of the first ${shown.length} messages" font-family="${esc(FONT)}" font-size="11">`);
  out.push('<defs>');
  for (const t of types) out.push(arrowMarker(markerId(t, types), typeColor(t)));
  out.push('</defs>');
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);

  // Time axis.
  const ticks = y.ticks(8);
  const fmt = y.tickFormat(8, '~f');
  out.push('<g class="time-axis">');
  for (const t of ticks) out.push(`<line x1="${LEFT - 18}" x2="${width - RIGHT + 20}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="#f0f0f0"/><text x="${LEFT - 22}" y="${n(y(t) + 4)}" text-anchor="end" fill="#666">${esc(fmt(t))}</text>`);
  out.push(`<text x="6" y="${TOP - 34}" fill="#666">time (${unit === 1000 ? 'ms' : 's'}) ↓</text></g>`);

  // Node lines.
  out.push('<g class="nodes">');
  for (const name of columns) {
    const x = colX(name);
    out.push(`<line x1="${n(x)}" x2="${n(x)}" y1="${TOP}" y2="${TOP + plotHeight + 8}" stroke="#444" stroke-width="1.5"/>`);
    out.push(`<text class="node" data-node="${esc(name)}" x="${n(x)}" y="${TOP - 12}" text-anchor="middle" font-weight="600" fill="#222"><title>${esc(name)}</title>${esc(clip(name, 24))}</text>`);
  }
  out.push('</g>');

  // Messages.
  out.push('<g class="messages">');
  for (const m of shown) {
    const from = m.send.node;
    const to = String(m.send.to);
    const type = String(m.send.type);
    const x0 = colX(from);
    const y0 = yOf(m.send.t);
    const sent = formatSeconds(m.send.t / 1e6);
    const what = `message ${m.send.msg} (${type}) ${from} → ${to}, sent at ${sent}`;
    out.push(`<circle cx="${n(x0)}" cy="${n(y0)}" r="2.2" fill="${typeColor(type)}"/>`);
    for (const d of m.delivers) {
      const x1 = colX(to);
      const y1 = yOf(d.t);
      out.push(`<line class="msg" x1="${n(x0)}" y1="${n(y0)}" x2="${n(x1)}" y2="${n(y1)}" stroke="${typeColor(type)}" stroke-width="1.3" marker-end="url(#${markerId(type, types)})"><title>${esc(`${what}, delivered at ${formatSeconds(d.t / 1e6)}`)}</title></line>`);
    }
    if (m.drop !== null) {
      const reason = String(m.drop.reason);
      const arrived = reason.startsWith('node-') || m.drop.t > m.send.t;
      const x1 = arrived ? colX(to) : x0 + (colX(to) - x0) * 0.45;
      const y1 = arrived ? yOf(m.drop.t) : y0 + 8;
      out.push(`<g class="drop"><title>${esc(`${what}, dropped at ${formatSeconds(m.drop.t / 1e6)}: ${reason}`)}</title>`);
      out.push(`<line x1="${n(x0)}" y1="${n(y0)}" x2="${n(x1)}" y2="${n(y1)}" stroke="${DROP_COLOR}" stroke-width="1.3" stroke-dasharray="4 3"/>`);
      out.push(cross(x1, y1));
      const leftHalf = x1 < width / 2;
      out.push(`<text x="${n(x1 + (leftHalf ? 6 : -6))}" y="${n(y1 - 6)}" text-anchor="${leftHalf ? 'start' : 'end'}" font-size="10" fill="${DROP_COLOR}" stroke="#fff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke">${esc(clip(reason, 20))}</text></g>`);
    }
    if (m.delivers.length === 0 && m.drop === null) {
      const x1 = x0 + (colX(to) - x0) * 0.3;
      out.push(`<line x1="${n(x0)}" y1="${n(y0)}" x2="${n(x1)}" y2="${n(y0 + 6)}" stroke="#999" stroke-width="1.2" stroke-dasharray="2 3"><title>${esc(`${what}, not delivered before the run ended`)}</title></line>`);
    }
  }
  out.push('</g>');

  // Legend.
  const ly = TOP + plotHeight + 30;
  let lx = 10;
  out.push('<g class="legend">');
  for (const t of types) {
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${typeColor(t)}" stroke-width="1.5" marker-end="url(#${markerId(t, types)})"/><text x="${lx + 28}" y="${ly}" fill="#333">${esc(clip(t, 24))}</text>`);
    lx += 40 + Math.min(t.length, 24) * 6.5;
  }
  out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${DROP_COLOR}" stroke-dasharray="4 3"/>${cross(lx + 22, ly - 4)}<text x="${lx + 32}" y="${ly}" fill="#333">dropped</text>`);
  const summary = `${shown.length} message${shown.length === 1 ? '' : 's'}${messages.size > shown.length ? ` (${messages.size - shown.length} between other nodes not shown)` : ''}`;
  out.push(`<text x="${width - RIGHT + 20}" y="${ly}" text-anchor="end" fill="#666">${esc(summary)}</text>`);
  out.push('</g></svg>');
  return out.join('\n');
}

function markerId(type: string, types: readonly string[]): string {
  return `fl-arrow-${types.indexOf(type)}`;
}

function arrowMarker(id: string, color: string): string {
  return `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${color}"/></marker>`;
}

function cross(x: number, y: number): string {
  const s = 4;
  return `<path d="M${n(x - s)},${n(y - s)}L${n(x + s)},${n(y + s)}M${n(x - s)},${n(y + s)}L${n(x + s)},${n(y - s)}" stroke="${DROP_COLOR}" stroke-width="2"/>`;
}
