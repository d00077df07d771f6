import { Counter, Gauge, type Metrics } from './metrics.ts';
import type { Micros } from './time.ts';

/**
 * Per-window values of a few named counters and gauges, for the charts a scenario declares:
 * a counter's count in each window, a gauge's time-weighted mean level in each window. The
 * engine closes windows as its clock passes their ends (see `Sim.run`), so recording costs
 * nothing per event beyond one comparison, and nothing at all for metrics no chart names.
 * Windows are [w·windowUs, (w+1)·windowUs), like `TimeSeries`.
 */
export class MetricWindows {
  /** values[metric][window], in the order of `names`. */
  readonly values: number[][];
  /** End (exclusive) of the next window to close. */
  nextEndUs: Micros;
  private readonly sources: (Counter | Gauge | undefined)[];
  /** Per metric, the counter's value or the gauge's area at the last closed window's end. */
  private readonly atLastEnd: number[];

  constructor(
    private readonly metrics: Metrics,
    readonly names: readonly string[],
    readonly windowUs: Micros,
  ) {
    this.values = names.map(() => []);
    this.sources = names.map(() => undefined);
    this.atLastEnd = names.map(() => 0);
    this.nextEndUs = windowUs;
  }

  /**
   * Closes every window that ends at or before `nowUs`. Call it only when every event before
   * `nowUs` has run and none at `nowUs` has (the engine does, before an instant's first event).
   */
  closeUntil(nowUs: Micros): void {
    while (this.nextEndUs <= nowUs) {
      this.close(this.nextEndUs, this.windowUs);
      this.nextEndUs += this.windowUs;
    }
  }

  /**
   * At the end of a run at `endUs`: closes the windows that ended, then the one `endUs` falls
   * in, if any of it elapsed, shortened to end there. (Like the run's other series, a window
   * holds the events before its end: those at the very instant a run ends on a window's
   * boundary fall in no chart window.)
   */
  finish(endUs: Micros): void {
    this.closeUntil(endUs);
    const start = this.nextEndUs - this.windowUs;
    if (endUs > start) this.close(endUs, endUs - start);
    this.nextEndUs = Infinity;
  }

  private close(endUs: Micros, lengthUs: Micros): void {
    for (let i = 0; i < this.names.length; i++) {
      const source = (this.sources[i] ??= this.resolve(this.names[i]));
      let value = 0;
      if (source instanceof Counter) {
        value = source.value - this.atLastEnd[i];
        this.atLastEnd[i] = source.value;
      } else if (source instanceof Gauge) {
        const area = source.areaUntil(endUs);
        value = (area - this.atLastEnd[i]) / lengthUs;
        this.atLastEnd[i] = area;
      }
      this.values[i].push(value);
    }
  }

  /** A metric may be registered after the run starts (a node's first crash): until then it counts nothing. */
  private resolve(name: string): Counter | Gauge | undefined {
    const m = this.metrics.find(name);
    return m instanceof Counter || m instanceof Gauge ? m : undefined;
  }
}
