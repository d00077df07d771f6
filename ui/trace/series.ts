/**
 * Per-window counts for the charts, from request spans (what clients saw) and policy call
 * events (`rejected:<why>` at any layer). Windows are the run's metric windows, so the charts
 * line up with RunResult.series.
 */
import { FIELDS } from './codec.ts';
import type { TraceStore } from './store.ts';

/** Span outcomes, as the workload recorder names them, then policy rejections. */
export const SERIES = ['ok', 'fallback', 'error', 'timeout', 'rejected', 'throttled'] as const;
export type SeriesName = (typeof SERIES)[number];
const THROTTLED = SERIES.indexOf('throttled');

export interface Quantiles {
  p50: number;
  p99: number;
  /** Successful requests the quantiles are over. */
  n: number;
}

export class WindowSeries {
  readonly windowUs: number;
  /** counts[series][window]. */
  readonly counts: number[][] = SERIES.map(() => []);
  /** Latencies (µs) of successful requests, per window. */
  private readonly latencies: number[][] = [];
  private readonly quantileCache = new Map<number, Quantiles>();
  /** String id → series index (-2: not yet classified, -1: none). */
  private readonly outcomeOf: number[] = [];
  private readonly eventOf: number[] = [];

  constructor(private readonly store: TraceStore) {
    this.windowUs = Math.max(1, Math.round(store.setup.windowUs));
  }

  ingest(from: number, to: number): void {
    const s = this.store;
    const span = s.code('span');
    const call = s.code('call');
    const outcomeField = s.field(span, 'outcome');
    const latencyField = s.field(span, 'latencyUs');
    const eventField = s.field(call, 'event');
    const k = s.k;
    for (let i = from; i < to; i++) {
      const kind = k[i];
      if (kind === span && outcomeField >= 0) {
        const series = this.classify(this.outcomeOf, s.f[i * FIELDS + outcomeField], (text) => SERIES.indexOf(text as SeriesName));
        if (series < 0 || series === THROTTLED) continue;
        const w = this.bump(series, s.t[i]);
        if (series === 0 && latencyField >= 0) (this.latencies[w] ??= []).push(s.num(i, latencyField));
      } else if (kind === call && eventField >= 0) {
        const series = this.classify(this.eventOf, s.f[i * FIELDS + eventField], (text) => (text.startsWith('rejected') ? THROTTLED : -1));
        if (series >= 0) this.bump(series, s.t[i]);
      }
    }
  }

  /** Number of windows that have started by tUs. */
  windowsStarted(tUs: number): number {
    return Math.floor(tUs / this.windowUs) + 1;
  }

  count(series: SeriesName, w: number): number {
    return this.counts[SERIES.indexOf(series)][w] ?? 0;
  }

  /** p50/p99 latency (µs) of the successes in window w; cached once the window is complete. */
  quantiles(w: number): Quantiles | null {
    const cached = this.quantileCache.get(w);
    if (cached) return cached;
    const list = this.latencies[w];
    if (!list || list.length === 0) return null;
    const sorted = Float64Array.from(list).sort();
    const q: Quantiles = { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: sorted.length };
    if ((w + 1) * this.windowUs <= this.store.recordedUntilUs) this.quantileCache.set(w, q);
    return q;
  }

  private bump(series: number, t: number): number {
    const w = Math.floor(t / this.windowUs);
    const list = this.counts[series];
    while (list.length <= w) list.push(0);
    list[w]++;
    return w;
  }

  private classify(cache: number[], id: number, how: (text: string) => number): number {
    let v = cache[id];
    if (v === undefined) {
      v = how(this.store.strings[id] ?? '');
      cache[id] = v;
    }
    return v;
  }
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
