import seedrandom from 'seedrandom';

/**
 * A seeded random stream with the distributions the simulator needs. Every random number in
 * a run comes from one of these; nothing reads Math.random (DESIGN principle 1).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  exponential(mean: number): number;
  /** Normal by Box–Muller. */
  normal(mean: number, stdDev: number): number;
  /** exp(N(mu, sigma)); the median is e^mu. */
  lognormal(mu: number, sigma: number): number;
  /** Pareto type I: minimum `scale`, tail index `shape`. */
  pareto(scale: number, shape: number): number;
  bernoulli(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/**
 * Rng over the Alea generator. seedrandom seeds it (from any string); the recurrence itself
 * runs here as a method on plain fields, which V8 optimises even when a run has thousands
 * of lightly used streams (seedrandom's per-stream closures stay unoptimised there). The
 * numbers are identical to `seedrandom.alea(seed)`'s — a test holds us to that.
 */
export class AleaRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private c: number;
  private spareNormal = NaN;

  constructor(seed: string) {
    const state = seedrandom.alea(seed, { state: true }).state() as unknown as { s0: number; s1: number; s2: number; c: number };
    this.s0 = state.s0;
    this.s1 = state.s1;
    this.s2 = state.s2;
    this.c = state.c;
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  exponential(mean: number): number {
    // 1 - U lies in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.next());
  }

  normal(mean: number, stdDev: number): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return mean + stdDev * z;
    }
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + stdDev * r * Math.cos(2 * Math.PI * u2);
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  pareto(scale: number, shape: number): number {
    return scale / Math.pow(1 - this.next(), 1 / shape);
  }

  bernoulli(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/**
 * Named streams derived from one root seed (DESIGN principle 4): each component draws from
 * its own stream, so adding a node or a pattern does not reshuffle the numbers others see.
 * Streams are created on first use, so 100,000 idle nodes cost no generator state.
 */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly rootSeed: number) {}

  stream(name: string): Rng {
    let rng = this.streams.get(name);
    if (rng === undefined) {
      rng = new AleaRng(`${this.rootSeed}/${name}`);
      this.streams.set(name, rng);
    }
    return rng;
  }
}
