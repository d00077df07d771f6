import type { Rng } from '../engine/rng.ts';
import { fmix32 } from '../engine/hash.ts';

/**
 * Load-balancing algorithms as pure functions and small state machines over host state, so
 * they can be tested without a simulation. Hosts are positions 0…n−1 in the balancer's host
 * list; `candidates` are the positions a pick may choose (healthy and not ejected), in
 * ascending order; `active` holds each position's requests in flight.
 *
 * Hashing is our own and deterministic everywhere (no crypto, no platform hash): FNV-1a over
 * the text, finished with MurmurHash3's 32-bit finaliser so that similar names ("a_1",
 * "a_2") land far apart. Envoy hashes with xxHash64; the ring and table *algorithms* are
 * Envoy's, the hash values are not, so the exact host a key maps to differs from Envoy's.
 */

// ---------------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------------

/** A 32-bit hash of a string: FNV-1a over its UTF-16 code units, then `fmix32`. */
export function hashString(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A 32-bit hash of a request key (any number; integers up to 2^53 keep all their bits). */
export function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = Math.floor(key / 4294967296) >>> 0;
  return fmix32(lo ^ fmix32((hi + 0x9e3779b9) >>> 0));
}

// ---------------------------------------------------------------------------------------------
// Round robin, weighted round robin, random
// ---------------------------------------------------------------------------------------------

/** Plain round robin over the candidates (Envoy's unweighted round robin: index mod size). */
export class RoundRobin {
  private index = 0;

  pick(candidates: readonly number[]): number {
    return candidates[this.index++ % candidates.length];
  }
}

/**
 * Smooth weighted round robin (nginx, `ngx_http_upstream_get_peer`): each pick adds every
 * candidate's weight to its current value, picks the largest (the first of equals), and
 * subtracts the total weight from the winner. Weights [5, 1, 1] give a a b a c a a — the heavy
 * host's turns are spread out instead of bunched. Hosts that are not candidates keep their
 * current value and take no part (nginx skips down peers the same way).
 */
export class SmoothWeightedRoundRobin {
  private readonly current: Float64Array;

  constructor(private readonly weights: readonly number[]) {
    this.current = new Float64Array(weights.length);
  }

  pick(candidates: readonly number[]): number {
    const current = this.current;
    let best = -1;
    let total = 0;
    for (const p of candidates) {
      current[p] += this.weights[p];
      total += this.weights[p];
      if (best < 0 || current[p] > current[best]) best = p;
    }
    current[best] -= total;
    return best;
  }
}

/** Envoy's random balancer: any candidate, uniformly (weights are not used). */
export function pickRandom(candidates: readonly number[], rng: Rng): number {
  return candidates[rng.int(candidates.length)];
}

// ---------------------------------------------------------------------------------------------
// Least request, least connections
// ---------------------------------------------------------------------------------------------

/**
 * Envoy's least request with equal weights: sample `choiceCount` candidates uniformly (with
 * replacement) and keep the one with fewer active requests; on a tie the earlier sample stays.
 */
export function pickPowerOfChoices(candidates: readonly number[], active: ArrayLike<number>, choiceCount: number, rng: Rng): number {
  let best = -1;
  for (let i = 0; i < choiceCount; i++) {
    const sampled = candidates[rng.int(candidates.length)];
    if (best < 0 || active[sampled] < active[best]) best = sampled;
  }
  return best;
}

/**
 * Earliest-deadline-first scheduling (Envoy's `EdfScheduler`), for least request with unequal
 * weights: each host holds a deadline; a pick takes the earliest (the first added on a tie),
 * moves the clock to it, and puts the host back with deadline now + 1/weight, where the weight
 * is computed at that moment — for least request, weight / (active + 1)^bias, the active count
 * as it stands before the request being placed is counted (as in Envoy's `pickAndAdd`). A
 * change in the candidate set starts a fresh schedule (Envoy rebuilds its scheduler then too).
 */
export class EdfScheduler {
  private readonly deadline: Float64Array;
  private readonly order: Float64Array;
  private clock = 0;
  private seq = 0;

  constructor(n: number) {
    this.deadline = new Float64Array(n);
    this.order = new Float64Array(n);
  }

  /** Starts a new schedule over the candidates with their current weights. */
  reset(candidates: readonly number[], weight: (p: number) => number): void {
    this.clock = 0;
    for (const p of candidates) this.add(p, weight(p));
  }

  pick(candidates: readonly number[], weight: (p: number) => number): number {
    let best = -1;
    for (const p of candidates) {
      if (best < 0 || this.deadline[p] < this.deadline[best] || (this.deadline[p] === this.deadline[best] && this.order[p] < this.order[best])) best = p;
    }
    this.clock = this.deadline[best];
    this.add(best, weight(best));
    return best;
  }

  private add(p: number, w: number): void {
    this.deadline[p] = this.clock + 1 / w;
    this.order[p] = this.seq++;
  }
}

/**
 * Least connections by full scan: the candidate with the fewest active requests per unit of
 * weight (`active/weight`, compared as nginx's `least_conn` does, by cross-multiplying). Ties
 * go round-robin: the scan starts just after the previous pick, so idle equal hosts take turns
 * instead of the first one taking everything. Returns the pick; `start` is the scan's start.
 */
export function pickLeastConnections(candidates: readonly number[], active: ArrayLike<number>, weights: readonly number[], start: number): number {
  const n = candidates.length;
  let first = 0;
  while (first < n && candidates[first] < start) first++;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const p = candidates[(first + i) % n];
    if (best < 0 || active[p] * weights[best] < active[best] * weights[p]) best = p;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Ring hash (ketama) and bounded loads
// ---------------------------------------------------------------------------------------------

export interface RingOptions {
  /** Envoy `minimum_ring_size` (1024). */
  minimumRingSize: number;
  /** Envoy `maximum_ring_size` (8M). */
  maximumRingSize: number;
  /**
   * Fixed virtual nodes per unit of weight, ketama-style (libketama gives each server 160
   * points). When set, a host's points depend on its own weight alone, so adding or removing a
   * host never moves the others' points; the ring-size options are then ignored.
   */
  virtualNodesPerHost?: number | null;
}

/** A hash ring: sorted 32-bit positions and the host position owning each. */
export interface HashRing {
  readonly hashes: Uint32Array;
  readonly owners: Int32Array;
}

/** How many ring points each host gets. */
export function ringPointCounts(weights: readonly number[], options: RingOptions): number[] {
  if (options.virtualNodesPerHost != null) {
    const perHost = options.virtualNodesPerHost;
    const counts = weights.map((w) => Math.max(1, Math.round(perHost * w)));
    // A limit on everything: a ring beyond the maximum is scaled down to it.
    const size = counts.reduce((a, b) => a + b, 0);
    if (size <= options.maximumRingSize) return counts;
    return counts.map((c) => Math.max(1, Math.floor((c * options.maximumRingSize) / size)));
  }
  // Envoy's RingHashLoadBalancer::Ring: scale so that the lightest host gets a whole number of
  // points and the ring holds at least the minimum; the running target decides each host's share.
  const total = weights.reduce((a, b) => a + b, 0);
  const normalized = weights.map((w) => w / total);
  const minNormalized = Math.min(...normalized);
  const scale = Math.min(Math.ceil(minNormalized * options.minimumRingSize) / minNormalized, options.maximumRingSize);
  const counts: number[] = [];
  let current = 0;
  let target = 0;
  for (const w of normalized) {
    target += scale * w;
    let count = 0;
    while (current < target) {
      count++;
      current++;
    }
    counts.push(count);
  }
  return counts;
}

/** Host positions fit in 2^20 (the schema allows 10,000 hosts), so hash·2^20 + owner is exact. */
const OWNER_BITS = 2 ** 20;

/**
 * Builds a ketama-style ring (Envoy's ring hash): host `name` gets points at
 * hash(`${name}_${i}`) for i = 0…count−1, sorted; equal positions are ordered by host position.
 */
export function buildHashRing(names: readonly string[], weights: readonly number[], options: RingOptions): HashRing {
  const counts = ringPointCounts(weights, options);
  const size = counts.reduce((a, b) => a + b, 0);
  // One packed number per point (position, then owner), sorted as a typed array: no per-point objects.
  const packed = new Float64Array(size);
  let k = 0;
  for (let p = 0; p < names.length; p++) {
    for (let i = 0; i < counts[p]; i++) packed[k++] = hashString(`${names[p]}_${i}`) * OWNER_BITS + p;
  }
  packed.sort();
  const hashes = new Uint32Array(size);
  const owners = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const owner = packed[i] % OWNER_BITS;
    owners[i] = owner;
    hashes[i] = (packed[i] - owner) / OWNER_BITS;
  }
  return { hashes, owners };
}

/** The index of the first ring point at or after `hash`, wrapping to 0 (ketama lookup). */
export function ringIndex(ring: HashRing, hash: number): number {
  const hashes = ring.hashes;
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hashes[mid] < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo === hashes.length ? 0 : lo;
}

/**
 * The owner of the first point at or after `hash` that `eligible` accepts, walking clockwise;
 * -1 if no point is eligible. With `eligible` = "not removed", this is exactly the lookup in a
 * ring built without the removed hosts, the others' points unchanged: only keys of the removed
 * hosts move.
 */
export function ringLookup(ring: HashRing, hash: number, eligible: (p: number) => boolean): number {
  const n = ring.owners.length;
  const start = ringIndex(ring, hash);
  for (let i = 0; i < n; i++) {
    const owner = ring.owners[(start + i) % n];
    if (eligible(owner)) return owner;
  }
  return -1;
}

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2016): with `total`
 * requests in flight and one more arriving, a candidate's capacity is
 * ⌈factor × (total + 1) × weight / (sum of the candidates' weights)⌉, and the request goes to
 * the first host clockwise from its key that is a candidate with active < capacity — so after
 * the pick no host holds more than ⌈factor × average⌉. Some host always has room when factor
 * ≥ 1. This walks the ring linearly, as the paper does; Envoy's `hash_balance_factor` walks
 * with random jumps instead (arXiv 1908.08762) to avoid cascading overflow.
 */
export function boundedLoadCapacity(factor: number, totalActive: number, weight: number, candidateWeight: number): number {
  // The small epsilon keeps exact products (1.25 × 8 = 10) from rounding up to 11.
  return Math.max(1, Math.ceil((factor * (totalActive + 1) * weight) / candidateWeight - 1e-9));
}

// ---------------------------------------------------------------------------------------------
// Maglev
// ---------------------------------------------------------------------------------------------

/**
 * Builds a Maglev lookup table (Eisenbud et al., NSDI 2016, "Maglev: A Fast and Reliable
 * Software Network Load Balancer", §3.4, with Envoy's weighting): host i has
 * offset = h1(name) mod M and skip = h2(name) mod (M − 1) + 1, and its preference list is
 * (offset + j·skip) mod M. Hosts take turns claiming their next unclaimed preferred entry
 * until all M entries are filled; a host of weight w takes a turn on the iterations where
 * iteration·w ≥ its running target (Envoy's `MaglevTable`), so shares follow weights. M must
 * be prime. Entries hold host positions (indexes into `names`).
 */
export function buildMaglevTable(names: readonly string[], weights: readonly number[], tableSize: number): Int32Array {
  const table = new Int32Array(tableSize).fill(-1);
  const n = names.length;
  if (n === 0) return table;
  const offset = names.map((name) => hashString(name, 0) % tableSize);
  const skip = names.map((name) => (hashString(name, 1337) % (tableSize - 1)) + 1);
  const nextJ = new Float64Array(n);
  const target = new Float64Array(n);
  const maxWeight = Math.max(...weights);
  let filled = 0;
  for (let iteration = 0; filled < tableSize; iteration++) {
    for (let i = 0; i < n && filled < tableSize; i++) {
      if (iteration * weights[i] < target[i]) continue;
      target[i] += maxWeight;
      let c = (offset[i] + nextJ[i] * skip[i]) % tableSize;
      while (table[c] >= 0) {
        nextJ[i]++;
        c = (offset[i] + nextJ[i] * skip[i]) % tableSize;
      }
      table[c] = i;
      nextJ[i]++;
      filled++;
    }
  }
  return table;
}
