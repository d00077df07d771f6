import { describe, expect, it } from 'vitest';
import { AleaRng, RandomStreams } from '../../sim/engine/rng.ts';
import { compileDist } from '../../sim/engine/dist.ts';

const N = 200_000;

function meanOf(f: () => number, n = N): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f();
  return s / n;
}

describe('random streams', () => {
  it('give the same numbers for the same root seed and name', () => {
    const a = new RandomStreams(42).stream('node/server');
    const b = new RandomStreams(42).stream('node/server');
    const xs = Array.from({ length: 10 }, () => a.next());
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(xs);
  });

  it('give different numbers for a different seed or a different name', () => {
    const first = (seed: number, name: string) => new RandomStreams(seed).stream(name).next();
    expect(first(1, 'x')).not.toBe(first(2, 'x'));
    expect(first(1, 'x')).not.toBe(first(1, 'y'));
  });

  it('are independent: drawing from one does not shift another', () => {
    const s1 = new RandomStreams(7);
    const s2 = new RandomStreams(7);
    for (let i = 0; i < 1000; i++) s1.stream('noisy').next();
    expect(s1.stream('quiet').next()).toBe(s2.stream('quiet').next());
  });
});

describe('distributions (means within 4 standard errors)', () => {
  const rng = new AleaRng('dist-test');
  const close = (actual: number, expected: number, sd: number) => expect(Math.abs(actual - expected)).toBeLessThan((4 * sd) / Math.sqrt(N));

  it('uniform', () => close(meanOf(() => rng.uniform(2, 6)), 4, 4 / Math.sqrt(12)));
  it('exponential', () => close(meanOf(() => rng.exponential(3)), 3, 3));
  it('normal', () => close(meanOf(() => rng.normal(10, 2)), 10, 2));
  it('lognormal (mean e^(μ+σ²/2))', () => {
    const mu = 1, sigma = 0.5;
    const mean = Math.exp(mu + sigma * sigma / 2);
    const sd = Math.sqrt((Math.exp(sigma * sigma) - 1) * Math.exp(2 * mu + sigma * sigma));
    close(meanOf(() => rng.lognormal(mu, sigma)), mean, sd);
  });
  it('pareto (mean αx/(α−1), minimum x)', () => {
    const xs = Array.from({ length: N }, () => rng.pareto(2, 4));
    expect(xs.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(2);
    const sd = Math.sqrt((4 * 4) / (9 * 2)); // x²α/((α−1)²(α−2)) with x=2, α=4
    close(xs.reduce((a, b) => a + b, 0) / N, 8 / 3, sd);
  });
  it('bernoulli', () => close(meanOf(() => (rng.bernoulli(0.3) ? 1 : 0)), 0.3, Math.sqrt(0.21)));
  it('int and pick stay in range and cover it', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(['a', 'b']).toContain(rng.pick(['a', 'b']));
  });
});

describe('duration samplers', () => {
  const rng = new AleaRng('sampler');
  it('draw whole, non-negative microseconds', () => {
    const specs = [
      { type: 'constant', ms: 1.2345 }, { type: 'uniform', minMs: 0, maxMs: 1 }, { type: 'exponential', meanMs: 0.5 },
      { type: 'normal', meanMs: 0.1, stdDevMs: 1 }, { type: 'lognormal', medianMs: 2, sigma: 1 }, { type: 'pareto', scaleMs: 1, shape: 0.5 },
    ] as const;
    for (const spec of specs) {
      const s = compileDist(spec);
      for (let i = 0; i < 2000; i++) {
        const v = s.sample(rng);
        expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
      }
    }
    expect(compileDist({ type: 'constant', ms: 1.2345 }).sample(rng)).toBe(1235);
  });
  it('know their mean in microseconds', () => {
    expect(compileDist({ type: 'exponential', meanMs: 1000 }).meanUs).toBe(1e6);
    expect(compileDist({ type: 'uniform', minMs: 1, maxMs: 3 }).meanUs).toBe(2000);
  });
});

describe('AleaRng', () => {
  it('draws exactly the numbers seedrandom.alea draws for the same seed', async () => {
    const seedrandom = (await import('seedrandom')).default;
    for (const seed of ['1/node/a', 'x', '']) {
      const ours = new AleaRng(seed);
      const theirs = seedrandom.alea(seed);
      for (let i = 0; i < 10_000; i++) expect(ours.next()).toBe(theirs());
    }
  });
});
