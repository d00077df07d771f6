/**
 * A log-linear histogram of non-negative values (HDR-histogram style): exact below 128, and
 * above that 64 buckets per power of two, so any percentile is within 1/128 (< 0.8 %) of the
 * true value. Count, sum, min and max are exact. Recording is a few integer operations and
 * allocates nothing unless the value needs a bucket beyond any seen before.
 */
const LINEAR_LIMIT = 128;
const SUB_BUCKETS = 64;
const EMPTY = new Float64Array(0);
/**
 * The fewest buckets a histogram allocates. Buckets grow to the highest value seen (doubling),
 * so a node that only ever saw values below 16 µs costs 16 doubles, not 640; the bucket
 * layout is fixed, so growing changes no percentile.
 */
const MIN_BUCKETS = 16;

export interface HistogramSummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class Histogram {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Allocated on the first sample and grown to the largest value's bucket, so an idle or narrow histogram costs little. */
  private buckets = EMPTY;

  /** `scale` converts recorded units to reported ones (µs → ms: 1/1000). */
  constructor(readonly scale = 1) {}

  record(value: number): void {
    const v = value < 0 ? 0 : value;
    const index = bucketIndex(v);
    if (index >= this.buckets.length) this.growTo(index);
    this.buckets[index]++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The value at quantile q in [0, 1]: a bucket's midpoint, clamped to the exact min/max. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketMidpoint(i)));
    }
    return this.max;
  }

  /** Summary in reported units (recorded values times `scale`). */
  summary(scale = this.scale): HistogramSummary {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    return {
      count: this.count,
      mean: this.mean * scale,
      p50: this.quantile(0.5) * scale,
      p90: this.quantile(0.9) * scale,
      p99: this.quantile(0.99) * scale,
      max: this.max * scale,
    };
  }

  /** Adds every sample of `other`: the bucket layout is shared, so the merged percentiles are exact. */
  merge(other: Histogram): void {
    if (other.count === 0) return;
    if (other.buckets.length > this.buckets.length) this.growTo(other.buckets.length - 1);
    for (let i = 0; i < other.buckets.length; i++) this.buckets[i] += other.buckets[i];
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Forgets every sample (keeping the buckets allocated). */
  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.buckets.fill(0);
  }

  /** Buckets allocated now (for tests and memory estimates). */
  get allocatedBuckets(): number {
    return this.buckets.length;
  }

  private growTo(index: number): void {
    const next = new Float64Array(Math.max(index + 1, MIN_BUCKETS, this.buckets.length * 2));
    next.set(this.buckets);
    this.buckets = next;
  }
}

/**
 * What `Histogram.quantile(q)` gives for these values, from the values sorted ascending (none
 * negative): the midpoint of the bucket holding the rank-th smallest value, clamped to the
 * exact min and max. Buckets are in value order, so that is the bucket where the histogram's
 * running count first reaches the rank.
 */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * n));
  return Math.min(sorted[n - 1], Math.max(sorted[0], bucketMidpoint(bucketIndex(sorted[rank - 1]))));
}

export function bucketIndex(v: number): number {
  if (v < LINEAR_LIMIT) return Math.floor(v);
  // e = position of the top bit; keep 7 significant bits (sub in [64, 128)).
  const e = v < 2147483648 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v));
  const shift = e - 6;
  const sub = v < 2147483648 ? v >>> shift : Math.floor(v / 2 ** shift);
  return LINEAR_LIMIT + (shift - 1) * SUB_BUCKETS + (sub - SUB_BUCKETS);
}

function bucketMidpoint(index: number): number {
  if (index < LINEAR_LIMIT) return index;
  const shift = Math.floor((index - LINEAR_LIMIT) / SUB_BUCKETS) + 1;
  const sub = ((index - LINEAR_LIMIT) % SUB_BUCKETS) + SUB_BUCKETS;
  return (sub + 0.5) * 2 ** shift;
}
