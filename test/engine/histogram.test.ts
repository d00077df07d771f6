import { describe, expect, it } from 'vitest';
import { bucketIndex, Histogram } from '../../sim/engine/histogram.ts';
import { AleaRng } from '../../sim/engine/rng.ts';
import { Gauge } from '../../sim/engine/metrics.ts';

describe('Histogram', () => {
  it('is exact for small values and keeps exact count, mean and max', () => {
    const h = new Histogram();
    for (const v of [1, 2, 3, 4, 100]) h.record(v);
    expect(h.summary()).toEqual({ count: 5, mean: 22, p50: 3, p90: 100, p99: 100, max: 100 });
  });

  it('puts bucket boundaries in increasing order across powers of two', () => {
    let last = -1;
    for (let v = 0; v < 1 << 20; v += 37) {
      const i = bucketIndex(v);
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
    }
    expect(bucketIndex(2 ** 40)).toBeGreaterThan(bucketIndex(2 ** 31));
  });

  it('gives percentiles within 1% of the exact ones over a long-tailed sample', () => {
    const rng = new AleaRng('hist');
    const values = Array.from({ length: 100_000 }, () => Math.round(rng.lognormal(Math.log(50_000), 1.2)));
    const h = new Histogram();
    values.forEach((v) => h.record(v));
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.max).toBe(sorted[sorted.length - 1]);
  });
});

describe('Gauge', () => {
  it('averages over time, not over changes', () => {
    const g = new Gauge();
    g.set(0, 10); // 10 for 1 s
    g.set(1_000_000, 0); // 0 for 3 s
    expect(g.timeAverage(4_000_000)).toBe(2.5);
    expect(g.max).toBe(10);
  });
});
