/**
 * Shard maps against theory: the share of keys a resize moves under each scheme (exactly
 * counted over 100,000 keys), jump hash's published values and monotonicity, the directory's
 * minimal moves, the Zipf sampler against its pmf, and the load imbalance Zipf causes.
 */
import { describe, expect, it } from 'vitest';
import { AleaRng } from '../../sim/engine/rng.ts';
import { hotKeys, jumpHash, keysPerShard, makeShardMap, maxOverMean, resizeShardMap, uniformKeys, zipfKeys, type ShardScheme } from '../../sim/patterns/shard-map.ts';

const K = 100_000;
const opts = { keySpace: K, virtualNodes: 100 };
const shards = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);

/** The share of 1…K that adding one shard to n moves, and the moves themselves. */
function addOne(scheme: ShardScheme, n: number) {
  const { moves } = resizeShardMap(makeShardMap(scheme, shards(n), opts), shards(n + 1), opts);
  return { share: moves.length / K, moves };
}

describe('adding a shard to n', () => {
  for (const n of [4, 8, 16]) {
    it(`mod N moves ≈ n/(n+1) of the keys (n = ${n})`, () => {
      // Each key's hash mod n and mod n+1 agree with probability 1/(n+1); binomial sd ≈ 0.0016.
      expect(addOne('mod', n).share).toBeCloseTo(n / (n + 1), 2);
    });

    it(`jump hash moves ≈ 1/(n+1), every one to the new bucket (n = ${n})`, () => {
      const { share, moves } = addOne('jump', n);
      expect(Math.abs(share - 1 / (n + 1))).toBeLessThan(0.01);
      expect(moves.every((m) => m.to === `s${n}`)).toBe(true);
    });

    it(`consistent hashing with 100 virtual nodes moves ≈ 1/(n+1), only to the new shard (n = ${n})`, () => {
      const { share, moves } = addOne('consistent', n);
      // The new shard's arc is a sum of 100 random arcs: its share has a relative sd of about 1/√100.
      expect(share).toBeGreaterThan(0.7 / (n + 1));
      expect(share).toBeLessThan(1.3 / (n + 1));
      expect(moves.every((m) => m.to === `s${n}`)).toBe(true);
    });

    it(`a directory moves exactly ⌊K/(n+1)⌋ keys (the new shard's fair share), and ends even (n = ${n})`, () => {
      const before = makeShardMap('directory', shards(n), opts);
      const { map, moves } = resizeShardMap(before, shards(n + 1), opts);
      const counts = [...keysPerShard(map, K).values()];
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      // Evening out a ring-made table also moves keys between old shards; at least the new shard's share moves.
      expect(moves.filter((m) => m.to === `s${n}`).length).toBe(counts[n]);
      expect(moves.length).toBeGreaterThanOrEqual(Math.floor(K / (n + 1)));
      expect(moves.length / K).toBeLessThan(2 / (n + 1));
    });
  }

  it('range re-splits the key space: a large share moves', () => {
    expect(addOne('range', 4).share).toBeGreaterThan(0.4);
  });
});

describe('jump consistent hash', () => {
  it('gives the published values (dgryski/go-jump test vectors)', () => {
    expect(jumpHash(1n, 1)).toBe(0);
    expect(jumpHash(42n, 57)).toBe(43);
    expect(jumpHash(0xdead10ccn, 1)).toBe(0);
    expect(jumpHash(0xdead10ccn, 666)).toBe(361);
    expect(jumpHash(256n, 1024)).toBe(520);
  });

  it('is monotonic: growing from b to b+1 buckets, a key stays or moves to bucket b', () => {
    for (let key = 0n; key < 2000n; key++) {
      for (let b = 1; b < 40; b++) {
        const before = jumpHash(key * 0x9e3779b97f4a7c15n, b);
        const after = jumpHash(key * 0x9e3779b97f4a7c15n, b + 1);
        if (after !== before) expect(after).toBe(b);
      }
    }
  });
});

describe('removing a shard', () => {
  it('under consistent hashing moves only the removed shard\'s keys', () => {
    const before = makeShardMap('consistent', shards(5), opts);
    const { moves } = resizeShardMap(before, ['s0', 's1', 's3', 's4'], opts);
    expect(moves.every((m) => m.from === 's2')).toBe(true);
    expect(moves.length).toBe(keysPerShard(before, K).get('s2'));
  });

  it('from a directory moves only the removed shard\'s keys, to the least loaded', () => {
    const before = makeShardMap('directory', shards(5), opts);
    const { map, moves } = resizeShardMap(before, ['s0', 's1', 's3', 's4'], opts);
    expect(moves.every((m) => m.from === 's2')).toBe(true);
    const counts = [...keysPerShard(map, K).values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(Math.max(...[...keysPerShard(before, K).values()]) - Math.min(...[...keysPerShard(before, K).values()]));
  });
});

describe('key distributions', () => {
  it('Zipf draws match the pmf per rank over several seeds', () => {
    const k = 1000;
    const s = 1.1;
    const z = zipfKeys(k, s);
    const n = 200_000;
    for (const seed of [1, 2, 3]) {
      const rng = new AleaRng(`zipf/${seed}`);
      const counts = new Float64Array(k + 1);
      for (let i = 0; i < n; i++) counts[z.sample(rng)]++;
      // Each of the top ranks within 4 binomial standard deviations of n·p.
      for (let rank = 1; rank <= 20; rank++) {
        const p = z.pmf(rank);
        expect(Math.abs(counts[rank] - n * p), `seed ${seed} rank ${rank}`).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
      }
      // And a chi-square over 10 bins of ranks (9 degrees of freedom: 99.9th percentile 27.9).
      const edges = [1, 2, 3, 4, 6, 10, 20, 50, 150, 400, k + 1];
      let chi2 = 0;
      for (let b = 0; b + 1 < edges.length; b++) {
        let observed = 0;
        let expected = 0;
        for (let r = edges[b]; r < edges[b + 1]; r++) {
          observed += counts[r];
          expected += n * z.pmf(r);
        }
        chi2 += (observed - expected) ** 2 / expected;
      }
      expect(chi2, `seed ${seed}`).toBeLessThan(27.9);
    }
  });

  it('a hot-key share sends that fraction (plus its uniform share) to the hot key', () => {
    const rng = new AleaRng('hot');
    const h = hotKeys(1000, 0.3, 7);
    let hot = 0;
    for (let i = 0; i < 100_000; i++) if (h.sample(rng) === 7) hot++;
    expect(hot / 100_000).toBeCloseTo(0.3 + 0.7 / 1000, 2);
  });

  it('Zipf s = 1.1 loads the busiest of 8 shards far above the mean; uniform keys do not', () => {
    const map = makeShardMap('consistent', shards(8), { keySpace: 10_000, virtualNodes: 100 });
    const load = (sampler: { sample(r: AleaRng): number }) => {
      const rng = new AleaRng('load');
      const per = new Map<string, number>(shards(8).map((x) => [x, 0]));
      for (let i = 0; i < 100_000; i++) {
        const s = map.ownerOf(sampler.sample(rng));
        per.set(s, per.get(s)! + 1);
      }
      return maxOverMean([...per.values()]);
    };
    const zipf = load(zipfKeys(10_000, 1.1));
    const uniform = load(uniformKeys(10_000));
    expect(uniform).toBeLessThan(1.25);
    // Key 1 alone draws 1/H(10⁴, 1.1) ≈ 16% of requests: its shard carries over 1.5× the mean.
    expect(zipf).toBeGreaterThan(1.5);
    expect(zipf).toBeGreaterThan(uniform + 0.4);
  });
});
