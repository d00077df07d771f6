/**
 * Statistics of a sweep: mean, sample standard deviation, extremes, and a 95 % confidence
 * interval of the mean from Student's t distribution with n − 1 degrees of freedom (exact
 * for every n ≥ 2, so no switch to the normal approximation is needed: at n = 30 t is 2.045,
 * at n = 1000 1.962, against the normal 1.960). Plain arithmetic in a fixed order, so the
 * same values always give the same digits (a merged sweep prints what a single one does).
 */
export interface MetricStats {
  /** Seeds that had the metric. */
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  sd: number | null;
  min: number | null;
  max: number | null;
  /** 95 % interval of the mean: mean ± t(0.975, n − 1) · sd / √n; null below two values. */
  ci95: [number, number] | null;
}

export function describe(values: readonly (number | null)[]): MetricStats {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, min: null, max: null, ci95: null };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: null, min, max, ci95: null };
  let squares = 0;
  for (const x of xs) squares += (x - mean) * (x - mean);
  const sd = Math.sqrt(squares / (n - 1));
  const half = studentT975(n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, min, max, ci95: [mean - half, mean + half] };
}

const t975Cache = new Map<number, number>();

/** The 97.5th percentile of Student's t with `df` degrees of freedom. */
export function studentT975(df: number): number {
  let t = t975Cache.get(df);
  if (t === undefined) {
    t = studentTQuantile(0.975, df);
    t975Cache.set(df, t);
  }
  return t;
}

/** The p-quantile (0.5 ≤ p < 1) of Student's t with `df` > 0 degrees of freedom, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for t ≥ 0: 1 − ½ I_{df/(df+t²)}(df/2, ½). */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  return 1 - 0.5 * regularizedBeta(x, df / 2, 0.5);
}

/** The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
function logGamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let s = c[0];
  for (let i = 1; i < g + 2; i++) s += c[i] / (y + i);
  const t = y + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}
