import { Histogram, sortedQuantile, type HistogramSummary } from './histogram.ts';
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

  reset(): void {
    this.value = 0;
  }
}

/**
 * A gauge that remembers its time-weighted average (needed for Little's law: the average
 * number in a system is an integral over time, not an average over changes).
 */
export class Gauge {
  value = 0;
  max = 0;
  protected area = 0;
  protected since: Micros = 0;
  /** Where the time average starts: 0, or the end of the warm-up; and the integral up to then. */
  private from: Micros = 0;
  private areaAtFrom = 0;

  set(now: Micros, value: number): void {
    this.area = this.areaUntil(now);
    this.since = now;
    this.value = value;
    if (value > this.max) this.max = value;
  }

  add(now: Micros, delta: number): void {
    this.set(now, this.value + delta);
  }

  /** Average over [0, now], or from the end of the warm-up. */
  timeAverage(now: Micros): number {
    return now <= this.from ? this.value : (this.areaUntil(now) - this.areaAtFrom) / (now - this.from);
  }

  /** Forgets the past: the mean and max start over at `now`, from the current value (the integral does not). */
  restartAt(now: Micros): void {
    this.areaAtFrom = this.areaUntil(now);
    this.from = now;
    this.max = this.value;
  }

  /** The integral of the level over [0, now] (value × µs); now must not be before the last change. */
  areaUntil(now: Micros): number {
    return this.area + this.value * (now - this.since);
  }
}

/**
 * Counts and latency per fixed window of simulated time, for charts.
 *
 * A window's latencies start as the samples themselves and become a histogram only when
 * there are more than `RAW_SAMPLES` of them: most windows of most runs hold a few dozen, and
 * a histogram's bucket array for each of a run's windows cost more than the run's events.
 * Both give the same p50/p99 (see `sortedQuantile`), so which one a window uses never shows.
 */
export class TimeSeries {
  readonly counts: number[] = [];
  /** By window: the latency samples (µs), a histogram of them once there are many, or null for none. */
  private readonly latency: (number[] | Histogram | null)[] = [];

  /** `keep` hears of each window that becomes a histogram: a few KB kept to the end of the run. */
  constructor(readonly windowUs: Micros, private readonly keep: () => void = () => {}) {}

  count(now: Micros, n = 1): void {
    const w = Math.floor(now / this.windowUs);
    while (this.counts.length <= w) this.counts.push(0);
    this.counts[w] += n;
  }

  /** Records a latency sample (µs) in the window of `now`. */
  sample(now: Micros, valueUs: number): void {
    const w = Math.floor(now / this.windowUs);
    while (this.latency.length <= w) this.latency.push(null);
    const v = valueUs < 0 ? 0 : valueUs;
    const window = this.latency[w];
    if (window === null) this.latency[w] = [v];
    else if (window instanceof Histogram) window.record(v);
    else if (window.length < RAW_SAMPLES) window.push(v);
    else {
      const h = new Histogram();
      for (const x of window) h.record(x);
      h.record(v);
      this.latency[w] = h;
      this.keep();
    }
  }

  /** Adds `other`'s counts and latency samples to this series (windows of the same width). */
  absorb(other: TimeSeries): void {
    other.counts.forEach((n, w) => n > 0 && this.count(w * this.windowUs, n));
    other.latency.forEach((window, w) => {
      if (window === null) return;
      if (!(window instanceof Histogram)) return window.forEach((v) => this.sample(w * this.windowUs, v));
      const mine = this.latency[w];
      const merged = mine instanceof Histogram ? mine : new Histogram();
      if (Array.isArray(mine)) mine.forEach((v) => merged.record(v));
      merged.merge(window);
      while (this.latency.length <= w) this.latency.push(null);
      this.latency[w] = merged;
    });
  }

  /** Whether any latency was recorded. */
  get hasLatency(): boolean {
    return this.latency.length > 0;
  }

  /** Per window, the latency quantiles `qs` (µs) as a histogram of the window gives them (0: no samples). */
  latencyQuantiles(qs: readonly number[]): number[][] {
    const out = qs.map(() => new Array<number>(this.latency.length).fill(0));
    for (let w = 0; w < this.latency.length; w++) {
      const window = this.latency[w];
      if (window === null) continue;
      if (window instanceof Histogram) {
        for (let i = 0; i < qs.length; i++) out[i][w] = window.quantile(qs[i]);
      } else {
        // In place: the order of a window's samples means nothing.
        sortInPlace(window);
        for (let i = 0; i < qs.length; i++) out[i][w] = sortedQuantile(window, qs[i]);
      }
    }
    return out;
  }
}

/** Latency samples a window keeps as they are before it turns them into a histogram. */
const RAW_SAMPLES = 64;

/** Sorts a window's few samples ascending: insertion sort, which allocates nothing (Array.sort copies). */
function sortInPlace(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && xs[j] > x) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, { value: number; mean: number; max: number }>;
  histograms: Record<string, HistogramSummary>;
  series: Record<string, { windowMs: number; counts: number[]; p50Ms?: number[]; p99Ms?: number[] }>;
}

/** A component's own metrics, registered once under a prefix (see `Metrics.group`). */
export type MetricGroup = Record<string, Counter | Gauge | Histogram>;

export class Metrics {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly series = new Map<string, TimeSeries>();
  private readonly groups: [string, MetricGroup][] = [];
  /** When counters, gauges' means and histograms began accumulating: 0, or the end of the warm-up. */
  measuringSinceUs: Micros = 0;

  /** `keepRecord` is told of every record kept to the end of the run (see `EngineLimits.maxKeptRecords`). */
  constructor(readonly windowUs: Micros, private readonly keepRecord: () => void = () => {}) {}

  /**
   * The end of the warm-up (`metrics.warmupMs`): counters, histograms and gauges' means and
   * maxima start over at `now`, so steady-state estimates leave out the empty-system start.
   * Time series are for charts of the whole run and keep everything.
   */
  startMeasuring(now: Micros): void {
    this.measuringSinceUs = now;
    const reset = (metric: Counter | Gauge | Histogram) => {
      if (metric instanceof Gauge) metric.restartAt(now);
      else metric.reset();
    };
    for (const metric of [...this.counters.values(), ...this.gauges.values(), ...this.histograms.values()]) reset(metric);
    for (const [, members] of this.groups) for (const metric of Object.values(members)) reset(metric);
  }

  counter(name: string): Counter {
    return getOrCreate(this.counters, name, () => new Counter());
  }

  gauge(name: string): Gauge {
    return getOrCreate(this.gauges, name, () => new Gauge());
  }

  /** A gauge of a kind of its own (one whose level moves between sets), made by `make` the first time. */
  gaugeOf(name: string, make: () => Gauge): Gauge {
    return getOrCreate(this.gauges, name, make);
  }

  /** A histogram of microsecond durations, reported in milliseconds; name it `…Ms`. */
  durationHistogram(name: string): Histogram {
    return getOrCreate(this.histograms, name, () => durationHistogram());
  }

  histogram(name: string): Histogram {
    return getOrCreate(this.histograms, name, () => new Histogram());
  }

  /**
   * Registers a component's metrics as one entry: `prefix.field` for each field. Nodes use it
   * so that 100,000 nodes cost 100,000 registry entries, not a million.
   */
  group<G extends MetricGroup>(prefix: string, members: G): G {
    this.groups.push([prefix, members]);
    return members;
  }

  timeSeries(name: string): TimeSeries {
    return getOrCreate(this.series, name, () => new TimeSeries(this.windowUs, this.keepRecord));
  }

  /** A registered counter or gauge by its full name (`prefix.field` for a group's), or undefined. */
  find(name: string): Counter | Gauge | Histogram | undefined {
    const direct = this.counters.get(name) ?? this.gauges.get(name) ?? this.histograms.get(name);
    if (direct !== undefined) return direct;
    if (this.indexedGroups !== this.groups.length) this.indexGroups();
    const dot = name.lastIndexOf('.');
    // A group's field may itself hold dots (`sagas.started`): try every split.
    for (let at = dot; at > 0; at = name.lastIndexOf('.', at - 1)) {
      const members = this.groupIndex.get(name.slice(0, at));
      const metric = members?.[name.slice(at + 1)];
      if (metric !== undefined && Object.hasOwn(members!, name.slice(at + 1))) return metric;
    }
    return undefined;
  }

  /** Every counter and gauge name, sorted (for error messages that list what exists). */
  counterAndGaugeNames(): string[] {
    const names = [...this.counters.keys(), ...this.gauges.keys()];
    for (const [prefix, members] of this.groups) {
      for (const [field, metric] of Object.entries(members)) if (!(metric instanceof Histogram)) names.push(`${prefix}.${field}`);
    }
    return names.sort();
  }

  /** Groups by prefix, for `find`; built when first needed and extended as groups register. */
  private readonly groupIndex = new Map<string, MetricGroup>();
  private indexedGroups = 0;

  private indexGroups(): void {
    for (; this.indexedGroups < this.groups.length; this.indexedGroups++) {
      const [prefix, members] = this.groups[this.indexedGroups];
      if (!this.groupIndex.has(prefix)) this.groupIndex.set(prefix, members);
    }
  }

  /** Every counter, gauge and histogram by its full name, group members included (unsorted). */
  *entries(): IterableIterator<[string, Counter | Gauge | Histogram]> {
    yield* this.counters;
    yield* this.gauges;
    yield* this.histograms;
    for (const [prefix, members] of this.groups) {
      for (const [field, metric] of Object.entries(members)) yield [`${prefix}.${field}`, metric];
    }
  }

  /** Every time series by name (unsorted). */
  seriesEntries(): IterableIterator<[string, TimeSeries]> {
    return this.series.entries();
  }

  /** Every metric and series, or those whose name `include` accepts. */
  snapshot(now: Micros, include: (name: string) => boolean = () => true): MetricsSnapshot {
    const counters = new Map<string, Counter>();
    const gauges = new Map<string, Gauge>();
    const histograms = new Map<string, Histogram>();
    for (const [name, metric] of this.entries()) {
      if (!include(name)) continue;
      if (metric instanceof Counter) counters.set(name, metric);
      else if (metric instanceof Gauge) gauges.set(name, metric);
      else histograms.set(name, metric);
    }
    const snap: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {}, series: {} };
    for (const [name, c] of sorted(counters)) snap.counters[name] = c.value;
    for (const [name, g] of sorted(gauges)) snap.gauges[name] = { value: g.value, mean: g.timeAverage(now), max: g.max };
    for (const [name, h] of sorted(histograms)) snap.histograms[name] = h.summary();
    for (const [name, s] of sorted(this.series)) if (include(name)) snap.series[name] = seriesSummary(s);
    return snap;
  }
}

/** A series as a snapshot reports it: counts per window, and latency p50/p99 in ms if it has any. */
export function seriesSummary(s: TimeSeries): MetricsSnapshot['series'][string] {
  const entry: MetricsSnapshot['series'][string] = { windowMs: s.windowUs / 1000, counts: s.counts.slice() };
  if (s.hasLatency) {
    const [p50, p99] = s.latencyQuantiles([0.5, 0.99]);
    entry.p50Ms = p50.map((us) => us / 1000);
    entry.p99Ms = p99.map((us) => us / 1000);
  }
  return entry;
}

/** A histogram of microsecond durations, reported in milliseconds. */
export function durationHistogram(): Histogram {
  return new Histogram(1 / 1000);
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
