/**
 * Queueing-theory formulas the simulator is checked against. Rates are per second, times in
 * seconds.
 */

/** M/M/1 mean time in system: 1 / (μ − λ). */
export function mm1MeanSojourn(lambda: number, mu: number): number {
  if (lambda >= mu) return Infinity;
  return 1 / (mu - lambda);
}

/** M/M/1 mean wait in queue: ρ / (μ − λ). */
export function mm1MeanWait(lambda: number, mu: number): number {
  if (lambda >= mu) return Infinity;
  return lambda / mu / (mu - lambda);
}

/**
 * Erlang C: the probability that an arrival to an M/M/c queue must wait, with offered load
 * a = λ/μ. Computed through the Erlang B recursion, which is numerically stable for large c.
 */
export function erlangC(c: number, a: number): number {
  if (a >= c) return 1;
  let b = 1; // Erlang B with 0 servers
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho + rho * b);
}

/** M/M/c mean wait in queue: C(c, a) / (cμ − λ). */
export function mmcMeanWait(c: number, lambda: number, mu: number): number {
  if (lambda >= c * mu) return Infinity;
  return erlangC(c, lambda / mu) / (c * mu - lambda);
}

/** M/M/c mean time in system: Wq + 1/μ. */
export function mmcMeanSojourn(c: number, lambda: number, mu: number): number {
  return mmcMeanWait(c, lambda, mu) + 1 / mu;
}
