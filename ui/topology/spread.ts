/**
 * How a value is spread over a big group's members (busy workers, queued requests): the
 * median, the 99th percentile and the largest — a distribution in three numbers, for the one
 * box that draws the group. The values are small whole numbers, so a count per value gives
 * the percentiles without sorting (linear in the members, every frame).
 */
export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values[i]` over the member indices. */
export function memberSpread(values: ArrayLike<number>, members: readonly number[]): Spread {
  if (members.length === 0) return { p50: 0, p99: 0, max: 0 };
  let max = 0;
  for (const i of members) max = Math.max(max, values[i]);
  const counts = new Array<number>(Math.floor(max) + 1).fill(0);
  for (const i of members) counts[Math.max(0, Math.floor(values[i]))]++;
  const rank = (q: number) => {
    const want = Math.max(1, Math.ceil(q * members.length));
    let seen = 0;
    for (let v = 0; v < counts.length; v++) {
      seen += counts[v];
      if (seen >= want) return v;
    }
    return max;
  };
  return { p50: rank(0.5), p99: rank(0.99), max };
}
