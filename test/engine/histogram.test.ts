import { describe, expect, it } from 'vitest';
import { bucketIndex, Histogram, sortedQuantile } from '../../sim/engine/histogram.ts';
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

  it('starts small and grows only to the bucket of the largest value seen', () => {
    const h = new Histogram();
    expect(h.allocatedBuckets).toBe(0);
    for (let v = 0; v < 10; v++) h.record(v);
    expect(h.allocatedBuckets).toBe(16); // the old layout allocated 640 here
    h.record(5_000);
    expect(h.allocatedBuckets).toBe(bucketIndex(5_000) + 1);
    expect(h.allocatedBuckets).toBeLessThan(640);
  });

  it('gives exactly the percentiles of the fixed bucket layout however it grew', () => {
    // sortedQuantile is the fixed layout's answer; values arrive smallest-first (many growths)
    // and shuffled (few), and both must match it bit for bit.
    const rng = new AleaRng('growth');
    const values = Array.from({ length: 20_000 }, () => Math.round(rng.lognormal(Math.log(2_000), 2)));
    const sorted = [...values].sort((a, b) => a - b);
    for (const order of [sorted, values]) {
      const h = new Histogram();
      order.forEach((v) => h.record(v));
      for (const q of [0, 0.5, 0.9, 0.99, 0.999, 1]) expect(h.quantile(q)).toBe(sortedQuantile(sorted, q));
    }
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
