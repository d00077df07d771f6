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

/** Rng over seedrandom's Alea generator: fast, well tested, seedable from a string. */
export class AleaRng implements Rng {
  private readonly prng: () => number;
  private spareNormal = NaN;

  constructor(seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  next(): number {
    return this.prng();
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.prng();
  }

  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  exponential(mean: number): number {
    // 1 - U lies in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.prng());
  }

  normal(mean: number, stdDev: number): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return mean + stdDev * z;
    }
    const u1 = 1 - this.prng();
    const u2 = this.prng();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + stdDev * r * Math.cos(2 * Math.PI * u2);
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  pareto(scale: number, shape: number): number {
    return scale / Math.pow(1 - this.prng(), 1 / shape);
  }

  bernoulli(p: number): boolean {
    return p > 0 && this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.prng() * items.length)];
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
