import { describe, expect, it } from 'vitest';
import { Histogram } from '../../sim/engine/histogram.ts';
import { TimeSeries } from '../../sim/engine/metrics.ts';
import { AleaRng } from '../../sim/engine/rng.ts';

describe('TimeSeries latency', () => {
  it('gives each window the p50 and p99 a histogram of its samples gives, however many samples it has', () => {
    const rng = new AleaRng('series');
    const windowUs = 1_000;
    // Window w gets w * 7 samples: none, a few (kept as they are), and hundreds (a histogram).
    const perWindow = Array.from({ length: 40 }, (_, w) => Array.from({ length: w * 7 }, () => Math.round(rng.lognormal(Math.log(20_000), 1))));
    perWindow[3][0] = -5; // negative latencies count as 0, as in a histogram
    const series = new TimeSeries(windowUs);
    perWindow.forEach((samples, w) => samples.forEach((v) => series.sample(w * windowUs + 1, v)));

    const [p50, p99] = series.latencyQuantiles([0.5, 0.99]);
    const expected = perWindow.map((samples) => {
      const h = new Histogram();
      samples.forEach((v) => h.record(v));
      return [h.quantile(0.5), h.quantile(0.99)];
    });
    expect(p50).toEqual(expected.map(([q]) => q));
    expect(p99).toEqual(expected.map(([, q]) => q));
    expect(p50[0]).toBe(0);
    expect(p50[39]).toBeGreaterThan(0);
  });
});
