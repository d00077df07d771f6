import { Histogram, type HistogramSummary } from './histogram.ts';
import type { Micros } from './time.ts';

/**
 * Metrics of a run: counters, time-weighted gauges, histograms and time series by
 * simulated-time window. Components ask for a metric once (at construction) and keep the
 * object, so the hot path never looks a metric up by name.
 */

export class Counter {
  value = 0;
  add(n = 1): void {
    this.value += n;
  }
}

/**
 * A gauge that remembers its time-weighted average (needed for Little's law: the average
 * number in a system is an integral over time, not an average over changes).
 */
export class Gauge {
  value = 0;
  max = 0;
  private area = 0;
  private since: Micros = 0;

  set(now: Micros, value: number): void {
    this.area += this.value * (now - this.since);
    this.since = now;
    this.value = value;
    if (value > this.max) this.max = value;
  }

  add(now: Micros, delta: number): void {
    this.set(now, this.value + delta);
  }

  /** Average over [0, now]. */
  timeAverage(now: Micros): number {
    return now <= 0 ? this.value : (this.area + this.value * (now - this.since)) / now;
  }
}

/** Counts and latency per fixed window of simulated time, for charts. */
export class TimeSeries {
  readonly counts: number[] = [];
  readonly latency: Histogram[] = [];

  constructor(readonly windowUs: Micros) {}

  count(now: Micros, n = 1): void {
    const w = Math.floor(now / this.windowUs);
    while (this.counts.length <= w) this.counts.push(0);
    this.counts[w] += n;
  }

  /** Records a latency sample (µs) in the window of `now`. */
  sample(now: Micros, valueUs: number): void {
    const w = Math.floor(now / this.windowUs);
    while (this.latency.length <= w) this.latency.push(new Histogram());
    this.latency[w].record(valueUs);
  }
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, { value: number; mean: number; max: number }>;
  histograms: Record<string, HistogramSummary>;
  series: Record<string, { windowMs: number; counts: number[]; p50Ms?: number[]; p99Ms?: number[] }>;
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  /** Histograms with their report scale (µs histograms are reported in ms). */
  private readonly histograms = new Map<string, { h: Histogram; scale: number }>();
  private readonly series = new Map<string, TimeSeries>();

  constructor(readonly windowUs: Micros) {}

  counter(name: string): Counter {
    return getOrCreate(this.counters, name, () => new Counter());
  }

  gauge(name: string): Gauge {
    return getOrCreate(this.gauges, name, () => new Gauge());
  }

  /** A histogram of microsecond durations, reported in milliseconds; name it `…Ms`. */
  durationHistogram(name: string): Histogram {
    return getOrCreate(this.histograms, name, () => ({ h: new Histogram(), scale: 1 / 1000 })).h;
  }

  histogram(name: string): Histogram {
    return getOrCreate(this.histograms, name, () => ({ h: new Histogram(), scale: 1 })).h;
  }

  timeSeries(name: string): TimeSeries {
    return getOrCreate(this.series, name, () => new TimeSeries(this.windowUs));
  }

  snapshot(now: Micros): MetricsSnapshot {
    const snap: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {}, series: {} };
    for (const [name, c] of sorted(this.counters)) snap.counters[name] = c.value;
    for (const [name, g] of sorted(this.gauges)) snap.gauges[name] = { value: g.value, mean: g.timeAverage(now), max: g.max };
    for (const [name, { h, scale }] of sorted(this.histograms)) snap.histograms[name] = h.summary(scale);
    for (const [name, s] of sorted(this.series)) {
      const entry: MetricsSnapshot['series'][string] = { windowMs: s.windowUs / 1000, counts: s.counts.slice() };
      if (s.latency.length > 0) {
        entry.p50Ms = s.latency.map((h) => h.quantile(0.5) / 1000);
        entry.p99Ms = s.latency.map((h) => h.quantile(0.99) / 1000);
      }
      snap.series[name] = entry;
    }
    return snap;
  }
}

function getOrCreate<V>(map: Map<string, V>, name: string, make: () => V): V {
  let v = map.get(name);
  if (v === undefined) {
    v = make();
    map.set(name, v);
  }
  return v;
}

function sorted<V>(map: Map<string, V>): [string, V][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Looks up `name` in a snapshot: a counter, a gauge (`.value|.mean|.max` or bare = value) or a histogram field. */
export function lookupMetric(snap: MetricsSnapshot, path: string): number | undefined {
  if (path in snap.counters) return snap.counters[path];
  if (path in snap.gauges) return snap.gauges[path].value;
  const dot = path.lastIndexOf('.');
  if (dot < 0) return undefined;
  const base = path.slice(0, dot);
  const field = path.slice(dot + 1);
  const h = snap.histograms[base] as unknown as Record<string, number> | undefined;
  if (h !== undefined && field in h) return h[field];
  const g = snap.gauges[base] as unknown as Record<string, number> | undefined;
  if (g !== undefined && field in g) return g[field];
  return undefined;
}
