/**
 * Charts on the playback clock: throughput, latency p50/p99 and failures per metric window,
 * from the request spans and policy events recorded up to the cursor, with fault markers and a
 * cursor line. d3 makes the scales, axes and paths; every label is set with .text().
 */
import { axisBottom, axisLeft, line, scaleLinear, select, type ScaleLinear, type Selection } from 'd3';
import { runTimeUnit } from '../format.ts';
import type { FaultMark, TraceStore } from '../trace/store.ts';
import type { SeriesName } from '../trace/series.ts';

/** The drawing width before the first resize (CSS px); after it, the SVG's own width, so text is drawn at its size. */
const INITIAL_W = 720;
const H = 125;
/** Room per time-axis tick label (CSS px). */
const TICK_ROOM = 80;
const M = { top: 10, right: 14, bottom: 22, left: 52 };
const MAX_MARKER_LABELS = 10;
const MAX_MARKERS = 300;

export interface ChartLineSpec {
  name: string;
  className: string;
  /** Stroke colour, when the class does not give one (a scenario's declared charts). */
  color?: string;
  /** Value of window w (per second, ms, a level…), or null (or NaN) for no point. */
  value: (s: TraceStore, w: number) => number | null;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  lines: ChartLineSpec[];
}

const perSec = (name: SeriesName) => (store: TraceStore, w: number) => (store.series.count(name, w) * 1e6) / store.series.windowUs;

export const CHARTS: ChartSpec[] = [
  {
    id: 'throughput',
    title: 'Throughput',
    unit: 'requests/s',
    lines: [
      { name: 'ok', className: 'ok', value: perSec('ok') },
      { name: 'fallback', className: 'fallback', value: perSec('fallback') },
    ],
  },
  {
    id: 'latency',
    title: 'Latency of successful requests',
    unit: 'ms',
    lines: [
      { name: 'p50', className: 'p50', value: (s, w) => (s.series.quantiles(w)?.p50 ?? NaN) / 1000 },
      { name: 'p99', className: 'p99', value: (s, w) => (s.series.quantiles(w)?.p99 ?? NaN) / 1000 },
    ],
  },
  {
    id: 'failures',
    title: 'Failures and rejections',
    unit: 'per s',
    lines: [
      { name: 'error', className: 'error', value: perSec('error') },
      { name: 'timeout', className: 'timeout', value: perSec('timeout') },
      { name: 'rejected', className: 'rejected', value: perSec('rejected') },
      { name: 'throttled (policies)', className: 'throttled', value: perSec('throttled') },
    ],
  },
];

interface ChartParts {
  spec: ChartSpec;
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  grid: Selection<SVGGElement, unknown, null, undefined>;
  xAxis: Selection<SVGGElement, unknown, null, undefined>;
  yAxis: Selection<SVGGElement, unknown, null, undefined>;
  paths: Selection<SVGPathElement, unknown, null, undefined>[];
  markers: Selection<SVGGElement, unknown, null, undefined>;
  empty: Selection<SVGTextElement, unknown, null, undefined>;
}

export interface ChartsFrame {
  store: TraceStore;
  cursorUs: number;
  /** Redraw the data too, not only the cursor (see the topology's Frame.detail). */
  detail: boolean;
  /** Times (µs) at which interventions landed, to mark them apart from the timeline's faults. */
  interventionsUs: number[];
  /** Per chart, a value the y scale reaches at least (compare mode: both sides on one scale). */
  yAtLeast?: readonly number[];
}

/** Per line of a chart, its largest value in the recorded windows. */
function lineMaxima(spec: ChartSpec, store: TraceStore, recordedWindows: number): number[] {
  return spec.lines.map((l) => {
    let m = 0;
    for (let w = 0; w < recordedWindows; w++) {
      const v = l.value(store, w);
      if (v !== null && Number.isFinite(v) && v > m) m = v;
    }
    return m;
  });
}

function recordedWindowsOf(store: TraceStore): number {
  return Math.max(0, Math.floor((store.recordedUntilUs + 1) / store.series.windowUs));
}

/** Per chart of `charts`, the largest value recorded in `store` (what its y scale must reach). */
export function chartMaxima(charts: readonly ChartSpec[], store: TraceStore): number[] {
  const windows = recordedWindowsOf(store);
  return charts.map((spec) => Math.max(0, ...lineMaxima(spec, store, windows)));
}

export class ChartsView {
  private readonly x: ScaleLinear<number, number>;
  private readonly charts: ChartParts[];
  private readonly endSec: number;
  private lastKey = '';
  /**
   * Drawing width (viewBox units), kept equal to the rendered width (CSS px): a chart in a narrow
   * column or a compare pane draws fewer ticks, not smaller text.
   */
  private W = INITIAL_W;
  /** Rendered width of the charts (CSS px), for placing the cursor. */
  private width = 0;
  private lastCursorX = NaN;

  /**
   * `cursors`: one element per chart laid over it; the cursor line is its left edge, moved
   * with a transform, so the moving cursor never repaints the charts' SVG.
   */
  constructor(
    specs: readonly ChartSpec[],
    svgs: SVGSVGElement[],
    private readonly cursors: HTMLElement[],
    endUs: number,
  ) {
    const W = this.W;
    this.endSec = endUs / 1e6;
    this.x = scaleLinear()
      .domain([0, this.endSec])
      .range([M.left, W - M.right]);
    this.charts = specs.map((spec, i) => {
      const svg = select(svgs[i]).attr('viewBox', `0 0 ${W} ${H}`);
      svg.selectAll('*').remove();
      const grid = svg.append('g').attr('class', 'grid').attr('transform', `translate(${M.left},0)`);
      const xAxis = svg
        .append('g')
        .attr('class', 'axis')
        .attr('transform', `translate(0,${H - M.bottom})`)
        .call(timeAxis(this.x, this.endSec, W));
      const yAxis = svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`);
      const markers = svg.append('g').attr('class', 'markers');
      const paths = spec.lines.map((l) => svg.append('path').attr('class', `series ${l.className}`).attr('style', l.color ? `stroke: ${l.color}` : null));
      const empty = svg
        .append('text')
        .attr('class', 'empty-note')
        .attr('x', (M.left + W - M.right) / 2)
        .attr('y', (M.top + H - M.bottom) / 2)
        .attr('text-anchor', 'middle');
      return { spec, svg, grid, xAxis, yAxis, paths, markers, empty };
    });
    for (const c of cursors) {
      c.style.top = `${(M.top / H) * 100}%`;
      c.style.height = `${((H - M.top - M.bottom) / H) * 100}%`;
    }
  }

  resize(width: number): void {
    this.width = width;
    this.lastCursorX = NaN;
    const W = Math.round(width);
    if (W <= M.left + M.right || W === this.W) return;
    this.W = W;
    this.x.range([M.left, W - M.right]);
    for (const c of this.charts) {
      c.svg.attr('viewBox', `0 0 ${W} ${H}`);
      c.xAxis.call(timeAxis(this.x, this.endSec, W));
      c.empty.attr('x', (M.left + W - M.right) / 2);
    }
    this.lastKey = ''; // grid lines and paths follow the new width at the next detailed frame
  }

  /** "all zero so far", naming the lines when that fits the plot (the legend above names them anyway). */
  private allZeroNote(spec: ChartSpec): string {
    const full = `all zero so far: ${spec.lines.map((l) => l.name).join(', ')}`;
    return full.length * NOTE_CHAR_W <= this.W - M.left - M.right - 16 ? full : 'all zero so far';
  }

  draw(frame: ChartsFrame): void {
    const { store, cursorUs } = frame;
    const series = store.series;
    const W = this.W;
    const cx = Math.round(((this.x(cursorUs / 1e6) / W) * this.width) * 2) / 2;
    if (cx !== this.lastCursorX) {
      this.lastCursorX = cx;
      for (const c of this.cursors) c.style.transform = `translateX(${cx}px)`;
    }
    if (!frame.detail) return;

    // Data changes only when a window completes, or the record or the branch changes.
    const complete = Math.max(0, Math.min(Math.floor(cursorUs / series.windowUs), Math.floor((store.recordedUntilUs + 1) / series.windowUs)));
    const key = `${store.version}|${complete}|${frame.interventionsUs.join(',')}|${frame.yAtLeast?.join(',') ?? ''}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    const recordedWindows = recordedWindowsOf(store);
    const midSec = (w: number) => ((w + 0.5) * series.windowUs) / 1e6;

    this.charts.forEach((c, chartIndex) => {
      // The scale covers everything recorded, so it does not jump while playing.
      const lineMax = lineMaxima(c.spec, store, recordedWindows);
      const max = Math.max(0, ...lineMax);
      c.empty.text(max > 0 ? '' : store.count === 0 ? 'no records yet' : this.allZeroNote(c.spec));
      c.svg.attr('data-empty', max > 0 ? null : 'true');
      const y = scaleLinear()
        .domain([0, Math.max(1, max, frame.yAtLeast?.[chartIndex] ?? 0)])
        .nice(4)
        .range([H - M.bottom, M.top]);
      c.grid.call(axisLeft(y).ticks(4).tickSize(-(W - M.left - M.right)).tickFormat(() => ''));
      c.yAxis.call(axisLeft(y).ticks(4));
      c.spec.lines.forEach((l, i) => {
        // A series that is zero all through the recording would only hide the others' baseline.
        if (lineMax[i] === 0) {
          c.paths[i].attr('d', '');
          return;
        }
        const points: [number, number][] = [];
        for (let w = 0; w < complete; w++) {
          const v = l.value(store, w);
          points.push([midSec(w), v === null ? NaN : v]);
        }
        const path = line<[number, number]>()
          .defined((p) => Number.isFinite(p[1]))
          .x((p) => this.x(p[0]))
          .y((p) => y(p[1]));
        c.paths[i].attr('d', path(points) ?? '');
      });
      drawMarkers(c.markers, store.faults, cursorUs, frame.interventionsUs, this.x);
    });
  }
}

/** Average width of a character of the empty note (12 px sans-serif), CSS px. */
const NOTE_CHAR_W = 6.8;

function drawMarkers(
  g: Selection<SVGGElement, unknown, null, undefined>,
  faults: FaultMark[],
  cursorUs: number,
  interventionsUs: number[],
  x: ScaleLinear<number, number>,
): void {
  g.selectAll('*').remove();
  const landed = new Set(interventionsUs.map((t) => t + 1));
  let labels = 0;
  let lastLabelX = -Infinity;
  for (let i = 0; i < faults.length && i < MAX_MARKERS; i++) {
    const f = faults[i];
    if (f.t > cursorUs) break;
    const ending = f.type.endsWith('-end');
    const px = x(f.t / 1e6);
    const cls = `marker${ending ? ' end' : ''}${landed.has(f.t) ? ' intervention' : ''}`;
    g.append('line').attr('class', cls).attr('x1', px).attr('x2', px).attr('y1', M.top).attr('y2', H - M.bottom);
    if (!ending && labels < MAX_MARKER_LABELS && px - lastLabelX > 40) {
      labels++;
      lastLabelX = px;
      g.append('text').attr('class', `marker-label${landed.has(f.t) ? ' intervention' : ''}`).attr('x', px + 3).attr('y', M.top + 9).text(f.type);
    }
  }
}

/** A time axis in seconds, minutes or hours (whichever suits the run), with round ticks in that unit. */
function timeAxis(x: ScaleLinear<number, number>, endSec: number, width: number) {
  const { us, name } = runTimeUnit(endSec * 1e6);
  const unit = us / 1e6;
  const ticks = scaleLinear()
    .domain([0, endSec / unit])
    .ticks(Math.max(2, Math.min(8, Math.floor((width - M.left - M.right) / TICK_ROOM))))
    .map((v) => v * unit);
  return axisBottom(x)
    .tickValues(ticks)
    .tickFormat((d) => `${+(Number(d) / unit).toFixed(3)} ${name}`);
}
