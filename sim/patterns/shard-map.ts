import type { Rng } from '../engine/rng.ts';
import type { ShardScheme } from './shard-router.defaults.ts';
import { fmix32 } from '../engine/hash.ts';
import { hashString } from './balancing.ts';

/**
 * Shard maps: which shard owns a key, under the schemes a sharded store uses, and which keys
 * move when a shard is added or removed. Pure and deterministic (no randomness at all: a map
 * is a function of its shards and parameters), so the router and the checks that audit it
 * (sim/check/shard-checks.ts) compute the same owners independently.
 *
 * - `mod`: hash(key) mod N. Simple, even, and a resize to N+1 moves about N/(N+1) of all keys.
 * - `consistent`: a ring of 32-bit points, `virtualNodes` per shard (the hash of `shard#v`); a
 *   key belongs to the first point at or after its hash. Adding one shard to n moves ≈ 1/(n+1).
 * - `jump`: Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014): bucket
 *   of the key among N; growing to N+1 moves ≈ 1/(N+1), each only to the new bucket. Buckets
 *   are the shards in order; removing any but the last shifts the later ones (as in the paper,
 *   jump hash can only shrink from the end cheaply).
 * - `range`: keys 1…keySpace split into N contiguous, equal ranges (a resize re-splits them).
 * - `directory`: a lookup table per key, filled by consistent hashing at first; a resize moves
 *   only as many keys as evening out the load needs (from the most loaded shards to a new one,
 *   or from a removed one to the least loaded).
 *
 * Also the key distributions of a workload: Zipf over 1…K with exponent s, and a hot-key share.
 */

export { SHARD_SCHEMES, type ShardScheme } from './shard-router.defaults.ts';

export interface ShardMapOptions {
  /** Keys are 1…keySpace (range and directory maps need it; moves are counted over it). */
  readonly keySpace: number;
  /** Points per shard on the consistent-hash ring (and the directory's initial ring). */
  readonly virtualNodes: number;
}

export interface ShardMap {
  readonly scheme: ShardScheme;
  /** Shard ids, in order (the order matters to jump and range). */
  readonly shards: readonly string[];
  /** The shard that owns `key`. */
  ownerOf(key: number): string;
}

export interface KeyMove {
  readonly key: number;
  readonly from: string;
  readonly to: string;
}

// ---------------------------------------------------------------------------------------------
// Hashes
// ---------------------------------------------------------------------------------------------

/**
 * A key's 32-bit hash (keys are integers below 2^32 here; fmix32 spreads consecutive keys over
 * the ring). Strings hash with the balancers' `hashString` (balancing.ts), the same FNV-1a + fmix32.
 */
export function hashKey(key: number): number {
  return fmix32(key >>> 0);
}

const U64 = (1n << 64n) - 1n;
const JUMP_LCG = 2862933555777941757n;

/**
 * Jump consistent hash, exactly as published (Lamping & Veach 2014): a 64-bit LCG seeded by the
 * key, and the jump computed in doubles as the C++ code does. BigInt keeps the 64-bit product exact.
 */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key & U64;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_LCG + 1n) & U64;
    j = Math.floor((b + 1) * (2147483648 / (Number(k >> 33n) + 1)));
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

/** The map of `scheme` over `shards`. */
export function makeShardMap(scheme: ShardScheme, shards: readonly string[], opts: ShardMapOptions): ShardMap {
  if (shards.length === 0) throw new Error('a shard map needs at least one shard');
  switch (scheme) {
    case 'mod':
      return { scheme, shards, ownerOf: (key) => shards[hashKey(key) % shards.length] };
    case 'consistent':
      return ringMap(shards, opts.virtualNodes);
    case 'jump':
      // The key is hashed first so that neighbouring keys start the LCG far apart.
      return { scheme, shards, ownerOf: (key) => shards[jumpHash(BigInt(hashKey(key)), shards.length)] };
    case 'range':
      return { scheme, shards, ownerOf: (key) => shards[rangeIndex(key, opts.keySpace, shards.length)] };
    case 'directory':
      return directoryFromRing(shards, opts);
  }
}

/** Which of n equal ranges of 1…keySpace holds `key` (keys outside fall in the first or last). */
function rangeIndex(key: number, keySpace: number, n: number): number {
  const i = Math.floor(((key - 1) * n) / keySpace);
  return Math.min(n - 1, Math.max(0, i));
}

function ringMap(shards: readonly string[], virtualNodes: number): ShardMap {
  const points: { at: number; shard: string }[] = [];
  for (const shard of shards) for (let v = 0; v < virtualNodes; v++) points.push({ at: hashString(`${shard}#${v}`), shard });
  // Ties (vanishingly rare) are broken by shard id, so the ring does not depend on input order.
  points.sort((a, b) => a.at - b.at || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
  const at = Float64Array.from(points, (p) => p.at);
  const owner = points.map((p) => p.shard);
  return {
    scheme: 'consistent',
    shards,
    ownerOf: (key) => {
      const i = firstAtOrAfter(at, hashKey(key));
      return owner[i === at.length ? 0 : i];
    },
  };
}

/** The first index whose value is ≥ x in a sorted array (its length if none). */
function firstAtOrAfter(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A directory map: an explicit table of key → shard (keys outside 1…keySpace fall back to the ring). */
interface DirectoryMap extends ShardMap {
  readonly table: readonly string[];
  readonly fallback: ShardMap;
}

function directoryFromRing(shards: readonly string[], opts: ShardMapOptions): DirectoryMap {
  const ring = ringMap(shards, opts.virtualNodes);
  const table = Array.from({ length: opts.keySpace + 1 }, (_, key) => (key === 0 ? '' : ring.ownerOf(key)));
  return directoryOf(shards, table, ring);
}

function directoryOf(shards: readonly string[], table: string[], fallback: ShardMap): DirectoryMap {
  return {
    scheme: 'directory',
    shards,
    table,
    fallback,
    ownerOf: (key) => (key >= 1 && key < table.length ? table[key] : fallback.ownerOf(key)),
  };
}

/**
 * The map after a resize to `next` shards, and the keys of 1…keySpace that change owner
 * (ascending). Hash schemes are rebuilt and compared key by key; a directory moves the fewest
 * keys that even out the load.
 */
export function resizeShardMap(map: ShardMap, next: readonly string[], opts: ShardMapOptions): { map: ShardMap; moves: KeyMove[] } {
  const after = map.scheme === 'directory' ? resizeDirectory(map as DirectoryMap, next, opts) : makeShardMap(map.scheme, next, opts);
  const moves: KeyMove[] = [];
  for (let key = 1; key <= opts.keySpace; key++) {
    const from = map.ownerOf(key);
    const to = after.ownerOf(key);
    if (from !== to) moves.push({ key, from, to });
  }
  return { map: after, moves };
}

/**
 * A directory's resize: keys of removed shards go, one at a time, to the least loaded survivor;
 * then, while the most loaded shard holds more than one key over the least loaded (a new shard
 * starts empty), its highest key moves there. Every move is needed to even out the load, so
 * no key moves that need not.
 */
function resizeDirectory(map: DirectoryMap, next: readonly string[], opts: ShardMapOptions): DirectoryMap {
  const table = [...map.table];
  const keysOf = new Map<string, number[]>(next.map((s) => [s, []]));
  const orphans: number[] = [];
  for (let key = 1; key < table.length; key++) (keysOf.get(table[key]) ?? orphans).push(key);
  // Ties broken by order in `next`, so the result is deterministic.
  const least = () => next.reduce((a, b) => (keysOf.get(b)!.length < keysOf.get(a)!.length ? b : a));
  const most = () => next.reduce((a, b) => (keysOf.get(b)!.length > keysOf.get(a)!.length ? b : a));
  for (const key of orphans) {
    const to = least();
    keysOf.get(to)!.push(key);
    table[key] = to;
  }
  for (;;) {
    const from = most();
    const to = least();
    if (keysOf.get(from)!.length - keysOf.get(to)!.length <= 1) break;
    const key = keysOf.get(from)!.pop()!;
    keysOf.get(to)!.push(key);
    table[key] = to;
  }
  return directoryOf(next, table, ringMap(next, opts.virtualNodes));
}

/** Keys of 1…keySpace per shard (for load and balance). */
export function keysPerShard(map: ShardMap, keySpace: number): Map<string, number> {
  const counts = new Map<string, number>(map.shards.map((s) => [s, 0]));
  for (let key = 1; key <= keySpace; key++) {
    const s = map.ownerOf(key);
    counts.set(s, counts.get(s)! + 1);
  }
  return counts;
}

/** max / mean of a list of loads (1 = perfectly even; 0 for no load at all). */
export function maxOverMean(loads: readonly number[]): number {
  const total = loads.reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : Math.max(...loads) / (total / loads.length);
}

// ---------------------------------------------------------------------------------------------
// Key distributions
// ---------------------------------------------------------------------------------------------

/** Draws request keys from 1…keySpace. */
export interface KeySampler {
  sample(rng: Rng): number;
}

/** Uniform over 1…K: exactly the workload's historical draw (`1 + rng.int(K)`), so traces do not change. */
export function uniformKeys(keySpace: number): KeySampler {
  return { sample: (rng) => 1 + rng.int(keySpace) };
}

/**
 * Zipf over 1…K with exponent s: P(k) = k^−s / H(K, s). The CDF is computed once; a draw is one
 * uniform and a binary search (O(log K)), so it is exact for any s ≥ 0, unlike rejection
 * samplers that need s > 1.
 */
export function zipfKeys(keySpace: number, s: number): KeySampler & { pmf(k: number): number } {
  const cdf = new Float64Array(keySpace);
  let total = 0;
  for (let k = 1; k <= keySpace; k++) cdf[k - 1] = total += k ** -s;
  for (let i = 0; i < keySpace; i++) cdf[i] /= total;
  cdf[keySpace - 1] = 1;
  return {
    sample: (rng) => 1 + Math.min(keySpace - 1, firstAtOrAfter(cdf, rng.next())),
    pmf: (k) => k ** -s / total,
  };
}

/** With probability `share`, the hot key; otherwise uniform over 1…K (the hot key included). */
export function hotKeys(keySpace: number, share: number, hot: number): KeySampler {
  return { sample: (rng) => (rng.next() < share ? hot : 1 + rng.int(keySpace)) };
}
