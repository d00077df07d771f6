import { max } from 'd3-array';
import { format } from 'd3-format';
import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { clip, esc, n, PALETTE } from './html.ts';
import type { FaultMark, StateBand } from './timeline.ts';

/**
 * Charts as SVG text: d3 computes scales, ticks and path data; the markup is written here,
 * so no DOM is needed (the report is made in Node). Every chart of a report shares the same
 * horizontal layout, so a moment lines up across them.
 */

export const CHART_WIDTH = 920;
const MARGIN = { top: 30, right: 20, bottom: 34, left: 60 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export interface LineSeries {
  label: string;
  color?: string;
  /** One value per window; null where there is no value (a gap in the line). */
  values: (number | null)[];
  dashed?: boolean;
}

export interface LineChartOptions {
  /** Accessible name of the chart. */
  title: string;
  yLabel: string;
  windowMs: number;
  /** The end of the run in ms: the x axis spans [0, endMs]. */
  endMs: number;
  series: LineSeries[];
  faults?: FaultMark[];
  height?: number;
  width?: number;
}

/** The x scale every chart uses: seconds of simulated time. */
export function timeScale(endMs: number, width = CHART_WIDTH): ScaleLinear<number, number> {
  return scaleLinear().domain([0, Math.max(endMs, 1e-3) / 1000]).range([MARGIN.left, width - MARGIN.right]);
}

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? CHART_WIDTH;
  const height = o.height ?? 230;
  const x = timeScale(o.endMs, width);
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const highest = max(o.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)))) ?? 0;
  const y = scaleLinear().domain([0, highest > 0 ? highest : 1]).nice().range([bottom, top]);
  const windowSec = o.windowMs / 1000;
  const endSec = o.endMs / 1000;
  const out: string[] = [svgOpen(width, height, o.title)];
  out.push(faultLayer(o.faults ?? [], x, top, bottom));
  out.push(yAxis(y, x.range()[0], x.range()[1], o.yLabel));
  out.push(xAxis(x, bottom));
  const path = line<[number, number | null]>()
    .defined((d) => d[1] !== null && Number.isFinite(d[1]))
    .x((d) => x(d[0]))
    .y((d) => y(d[1] as number));
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const points = s.values.map((v, w): [number, number | null] => [Math.min((w + 0.5) * windowSec, endSec), v]);
    const d = path(points) ?? '';
    out.push(
      `<path class="series" d="${d}" fill="none" stroke="${esc(color)}" stroke-width="1.6" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(s.label)}</title></path>`,
    );
  });
  out.push(legend(o.series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dashed: s.dashed })), x.range()[0], 14));
  out.push('</svg>');
  return out.join('\n');
}

/** Named states over time, one band per key, on the same time axis as the line charts. */
export function stateBandsChart(bands: readonly StateBand[], endMs: number, faults: readonly FaultMark[] = [], width = CHART_WIDTH): string {
  const x = timeScale(endMs, width);
  const rowHeight = 34;
  const barHeight = 16;
  const values = [...new Set(bands.flatMap((b) => b.segments.map((s) => s.value)))];
  const color = stateColors(values);
  const legendTop = MARGIN.top - 16;
  const top = MARGIN.top + 4;
  const bottom = top + bands.length * rowHeight;
  const height = bottom + MARGIN.bottom;
  const out: string[] = [svgOpen(width, height, 'Pattern and node states over time')];
  out.push(faultLayer(faults, x, top - 4, bottom, false));
  bands.forEach((band, i) => {
    const y0 = top + i * rowHeight;
    out.push(`<text x="${n(x.range()[0])}" y="${n(y0 + 10)}" font-size="11" fill="#333"><title>${esc(band.label)}</title>${esc(clip(band.label, 110))}</text>`);
    for (const s of band.segments) {
      const x0 = x(s.fromMs / 1000);
      const w = Math.max(x(s.toMs / 1000) - x0, 0.75);
      const from = formatSeconds(s.fromMs / 1000);
      const to = formatSeconds(s.toMs / 1000);
      out.push(
        `<rect class="band" x="${n(x0)}" y="${n(y0 + 14)}" width="${n(w)}" height="${barHeight}" fill="${color(s.value)}"${s.inferred ? ' fill-opacity="0.55"' : ''}><title>${esc(band.label)}: ${esc(s.value)} from ${from} to ${to}${s.inferred ? ' (initial state, before the first recorded change)' : ''}</title></rect>`,
      );
    }
  });
  out.push(xAxis(x, bottom));
  out.push(legend(values.map((v) => ({ label: v, color: color(v), swatch: true })), x.range()[0], legendTop + 4));
  out.push('</svg>');
  return out.join('\n');
}

const STATE_COLORS: Record<string, string> = {
  CLOSED: '#59a14f',
  OPEN: '#e15759',
  HALF_OPEN: '#edc948',
  FORCED_OPEN: '#b8334a',
  DISABLED: '#bab0ac',
  METRICS_ONLY: '#76b7b2',
  up: '#59a14f',
  crashed: '#e15759',
  restarting: '#edc948',
  paused: '#9c755f',
  ok: '#59a14f',
  healthy: '#59a14f',
  ejected: '#e15759',
  unhealthy: '#e15759',
};

function stateColors(values: readonly string[]): (v: string) => string {
  const others = ['#4e79a7', '#f28e2b', '#b07aa1', '#76b7b2', '#ff9da7', '#9c755f', '#edc948'];
  const assigned = new Map<string, string>();
  let next = 0;
  for (const v of values) {
    if (Object.hasOwn(STATE_COLORS, v)) assigned.set(v, STATE_COLORS[v]);
    else assigned.set(v, others[next++ % others.length]);
  }
  return (v) => assigned.get(v) ?? '#bab0ac';
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}" font-family="${esc(FONT)}" font-size="11">`;
}

function faultLayer(faults: readonly FaultMark[], x: ScaleLinear<number, number>, top: number, bottom: number, labels = true): string {
  const [left, right] = x.range();
  const out: string[] = ['<g class="faults">'];
  for (const f of faults.slice(0, 200)) {
    const x0 = Math.max(left, Math.min(right, x(f.startMs / 1000)));
    const at = formatSeconds(f.startMs / 1000);
    if (f.endMs !== null) {
      const x1 = Math.max(x0, Math.min(right, x(f.endMs / 1000)));
      out.push(`<rect x="${n(x0)}" y="${n(top)}" width="${n(Math.max(x1 - x0, 1))}" height="${n(bottom - top)}" fill="#e15759" fill-opacity="0.09"><title>${esc(f.label)}: ${at} to ${formatSeconds(f.endMs / 1000)}</title></rect>`);
    }
    out.push(`<line x1="${n(x0)}" x2="${n(x0)}" y1="${n(top)}" y2="${n(bottom)}" stroke="#c0392b" stroke-width="1" stroke-dasharray="3 3"><title>${esc(f.label)} at ${at}</title></line>`);
    if (labels) out.push(`<text x="${n(x0 + 3)}" y="${n(top + 11)}" font-size="10" fill="#a93226" stroke="#fff" stroke-width="3" stroke-opacity="0.85" paint-order="stroke">${esc(clip(f.label, 40))}</text>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function xAxis(x: ScaleLinear<number, number>, y: number): string {
  const ticks = x.ticks(10);
  const fmt = x.tickFormat(10);
  const [left, right] = x.range();
  const out = [`<g class="x-axis"><line x1="${n(left)}" x2="${n(right)}" y1="${n(y)}" y2="${n(y)}" stroke="#555"/>`];
  for (const t of ticks) {
    out.push(`<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${n(y)}" y2="${n(y + 4)}" stroke="#555"/><text x="${n(x(t))}" y="${n(y + 15)}" text-anchor="middle" fill="#444">${esc(fmt(t))}</text>`);
  }
  out.push(`<text x="${n(right)}" y="${n(y + 29)}" text-anchor="end" fill="#666">simulated time (s)</text></g>`);
  return out.join('');
}

function yAxis(y: ScaleLinear<number, number>, left: number, right: number, label: string): string {
  const ticks = y.ticks(5);
  const fmt = format('~s');
  const out = ['<g class="y-axis">'];
  for (const t of ticks) {
    out.push(`<line x1="${n(left)}" x2="${n(right)}" y1="${n(y(t))}" y2="${n(y(t))}" stroke="#e6e6e6"/><text x="${n(left - 6)}" y="${n(y(t) + 4)}" text-anchor="end" fill="#444">${esc(Math.abs(t) < 1 && t !== 0 ? format('.2~f')(t) : fmt(t))}</text>`);
  }
  const [y0, y1] = y.range();
  out.push(`<line x1="${n(left)}" x2="${n(left)}" y1="${n(y0)}" y2="${n(y1)}" stroke="#555"/>`);
  out.push(`<text transform="translate(${n(14)},${n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#666">${esc(label)}</text></g>`);
  return out.join('');
}

function legend(items: { label: string; color: string; dashed?: boolean; swatch?: boolean }[], left: number, y: number): string {
  const out = ['<g class="legend">'];
  let x = left;
  for (const item of items) {
    const text = clip(item.label, 40);
    if (item.swatch) out.push(`<rect x="${n(x)}" y="${n(y - 8)}" width="12" height="10" fill="${esc(item.color)}"/>`);
    else out.push(`<line x1="${n(x)}" x2="${n(x + 16)}" y1="${n(y - 3)}" y2="${n(y - 3)}" stroke="${esc(item.color)}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    x += item.swatch ? 16 : 20;
    out.push(`<text x="${n(x)}" y="${n(y)}" fill="#333">${esc(text)}</text>`);
    x += text.length * 6.2 + 14;
  }
  out.push('</g>');
  return out.join('');
}

export function formatSeconds(s: number): string {
  if (s === 0) return '0 s';
  if (s < 1) return `${format('.3~r')(s * 1000)} ms`;
  return `${format('.4~r')(s)} s`;
}
