import type { Counter, Gauge, TimeSeries } from '../engine/metrics.ts';
import type { TraceInvariant } from '../check/invariants.ts';
import { rejected, type Call, type Done, type Invoker } from '../nodes/call.ts';
import {
  boundedLoadCapacity,
  buildHashRing,
  buildMaglevTable,
  EdfScheduler,
  hashKey,
  pickLeastConnections,
  pickPowerOfChoices,
  pickRandom,
  ringLookup,
  RoundRobin,
  SmoothWeightedRoundRobin,
  type HashRing,
} from './balancing.ts';
import type { PolicyContext } from './context.ts';
import { HealthChecker } from './health-check.ts';
import { DiscoveryView } from './registry-client.ts';
import { DiscoveryViewRespected } from '../check/discovery-checks.ts';
import { EjectionCapInvariant, OutlierDetector } from './outlier-detection.ts';
import type { Algorithm, LoadBalancerSpec } from './load-balancer.schema.ts';

/**
 * Client-side load balancing (Envoy's cluster load balancers), as a call-path policy: each
 * call is sent to one of `hosts` (node ids), chosen by `algorithm` among the candidates —
 * hosts that are healthy (active health checks, `healthCheck`) and not ejected (outlier
 * detection, `outlierDetection`). With no candidate the call is rejected "no-healthy-host"
 * (Envoy's panic mode, which then sends to all hosts anyway, is not modelled). The chosen host
 * goes down the path in `call.host`; the transport sends there.
 *
 * Algorithms (weights default to 1):
 * - `round-robin`: the candidates in turn (Envoy's unweighted round robin); weights ignored.
 * - `weighted-round-robin`: nginx's smooth weighted round robin — weights [5, 1, 1] give
 *   a a b a c a a. (Envoy uses an earliest-deadline-first schedule for the same shares; its
 *   order differs, the proportions do not.)
 * - `random`: uniform over the candidates (Envoy's random; weights ignored).
 * - `least-request`: Envoy. Equal weights: power of `choiceCount` choices — sample that many
 *   candidates at random, take the one with fewest active requests. Unequal weights: an
 *   earliest-deadline-first schedule with weight / (active + 1)^`activeRequestBias`.
 * - `least-connections`: full scan for the fewest active requests per weight (nginx
 *   `least_conn`; ties taken in turn).
 * - `ring-hash`: ketama ring, Envoy's sizing (`minimumRingSize` 1024 … `maximumRingSize`
 *   8M points, shared by weight), or a fixed `virtualNodesPerHost` × weight points per host.
 *   The call's `key` is hashed; its host is the first candidate clockwise.
 * - `maglev`: Maglev table of `maglevTableSize` (65537, prime) entries over the candidates
 *   (rebuilt when the candidates change, as Envoy does); the key's hash picks the entry.
 * - `bounded-load`: consistent hashing with bounded loads on the ring: no host takes more than
 *   ⌈`hashBalanceFactor` × average active⌉ (1.25, Envoy `hash_balance_factor` 125); a full
 *   host passes the call clockwise to the next.
 * Unhealthy or ejected hosts are skipped on the ring (so only their keys move).
 *
 * Every answer from below the balancer counts for the host it went to (active requests, and
 * outlier detection's failures), whoever produced it — the host, or a policy under the balancer.
 * Host ids are resolved to nodes when the path is built: an unknown id throws there.
 *
 * Metrics: `<layer>.host.<name>.requests` (counter) and `.active` (gauge: time-weighted mean,
 * max), `<layer>.noHealthyHost`; imbalance = max/mean of the request counters. Plus those of
 * outlier detection and health checking.
 *
 * Key moves (opt-in, `trackKeys` > 0): the balancer remembers the host it last sent each key
 * to (up to `trackKeys` distinct keys; later new keys are not followed) and counts a request
 * whose key went to another host last time — for a cache per host, a miss the routing caused.
 * Counter and per-window series `<layer>.keyMoves`. Off by default: it costs a map entry per key.
 */

export class LoadBalancerPolicy implements Invoker {
  /** Host names and node indexes, by position. */
  readonly names: readonly string[];
  readonly hosts: readonly number[];
  readonly weights: readonly number[];
  /** Requests in flight per host position. */
  readonly active: Int32Array;
  readonly outlier: OutlierDetector | null;
  readonly health: HealthChecker | null;
  readonly discovery: DiscoveryView | null;
  private readonly algorithm: Algorithm;
  private readonly equalWeights: boolean;
  /** Bumped whenever a host's health or ejection changes; caches follow it. */
  private version = 0;
  private candidatesVersion = -1;
  private candidates: number[] = [];
  private readonly rr = new RoundRobin();
  private readonly swrr: SmoothWeightedRoundRobin;
  private readonly edf: EdfScheduler;
  private edfVersion = -1;
  private lcStart = 0;
  private ring: HashRing | null = null;
  private maglev: Int32Array | null = null;
  private maglevVersion = -1;
  private readonly isCandidate = (p: number): boolean =>
    (this.health === null || this.health.healthy[p] === 1) && (this.outlier === null || this.outlier.ejected[p] === 0) && (this.discovery === null || this.discovery.inView[p] === 1);
  /** With discovery: requests sent to an instance that was down, and how long after it went down. */
  private readonly dead: { sent: Counter; series: TimeSeries; windowMs: Gauge } | null;
  private readonly m: { requests: Counter[]; active: Gauge[]; noHealthyHost: Counter };
  /** The host position each followed key last went to (when `trackKeys` > 0). */
  private readonly lastHost: Map<number, number> | null;
  private readonly moves: { counter: Counter; series: TimeSeries } | null;

  constructor(private readonly ctx: PolicyContext, readonly spec: LoadBalancerSpec, private readonly next: Invoker) {
    const world = ctx.node.world;
    this.names = spec.hosts;
    this.hosts = spec.hosts.map((id) => world.node(id).index);
    this.weights = spec.weights ?? spec.hosts.map(() => 1);
    this.equalWeights = this.weights.every((w) => w === this.weights[0]);
    this.algorithm = spec.algorithm;
    const n = this.hosts.length;
    this.active = new Int32Array(n);
    this.swrr = new SmoothWeightedRoundRobin(this.weights);
    this.edf = new EdfScheduler(n);
    const metrics = ctx.metrics;
    this.m = {
      requests: this.names.map((h) => metrics.counter(`${ctx.layer}.host.${h}.requests`)),
      active: this.names.map((h) => metrics.gauge(`${ctx.layer}.host.${h}.active`)),
      noHealthyHost: metrics.counter(`${ctx.layer}.noHealthyHost`),
    };
    this.lastHost = spec.trackKeys > 0 ? new Map() : null;
    this.moves = spec.trackKeys > 0 ? { counter: metrics.counter(`${ctx.layer}.keyMoves`), series: metrics.timeSeries(`${ctx.layer}.keyMoves`) } : null;
    const changed = () => { this.version++; };
    this.outlier = spec.outlierDetection ? new OutlierDetector(ctx, spec.outlierDetection, this.names, changed) : null;
    this.health = spec.healthCheck ? new HealthChecker(ctx, spec.healthCheck, this.hosts, this.names, next, changed) : null;
    this.discovery = spec.discovery ? new DiscoveryView(ctx, spec.discovery, this.names, changed) : null;
    this.dead = spec.discovery
      ? { sent: metrics.counter(`${ctx.layer}.toDeadInstance`), series: metrics.timeSeries(`${ctx.layer}.toDeadInstance`), windowMs: metrics.gauge(`${ctx.layer}.deadInstanceWindowMs`) }
      : null;
  }

  invoke(call: Call, done: Done): void {
    const p = this.choose(call.key);
    if (p < 0) {
      this.m.noHealthyHost.add();
      this.ctx.event(call, 'rejected:no-healthy-host');
      return done(rejected('no-healthy-host'));
    }
    const now = this.ctx.now;
    this.active[p]++;
    this.m.requests[p].add();
    this.m.active[p].set(now, this.active[p]);
    if (this.lastHost !== null) this.followKey(call.key, p);
    if (this.dead !== null) this.followDiscovered(call, p);
    this.next.invoke({ ...call, host: this.hosts[p] }, (result) => {
      this.active[p]--;
      this.m.active[p].set(this.ctx.now, this.active[p]);
      this.outlier?.onResult(p, result);
      done(result);
    });
  }

  /**
   * With discovery, every pick is recorded (the check that no pick leaves the caller's view
   * reads it), and a pick of an instance that is down is counted with how long it has been down
   * — the window in which stale views still route to it. Measured from the world's truth, which
   * the balancer's choice never sees.
   */
  private followDiscovered(call: Call, p: number): void {
    this.ctx.event(call, `to:${this.names[p]}`);
    const host = this.ctx.node.world.nodes[this.hosts[p]];
    if (host.status === 'up' || host.status === 'paused') return;
    const now = this.ctx.now;
    this.dead!.sent.add();
    this.dead!.series.count(now);
    const windowMs = (now - host.downSinceUs) / 1000;
    if (windowMs > this.dead!.windowMs.value) this.dead!.windowMs.set(now, windowMs);
  }

  /** Counts a move if `key` last went to another host; remembers `p` for it. */
  private followKey(key: number, p: number): void {
    const map = this.lastHost!;
    const last = map.get(key);
    if (last === undefined) {
      if (map.size < this.spec.trackKeys) map.set(key, p);
      return;
    }
    if (last === p) return;
    map.set(key, p);
    this.moves!.counter.add();
    this.moves!.series.count(this.ctx.now);
  }

  /** The candidate positions (healthy, not ejected), ascending. */
  candidateList(): readonly number[] {
    if (this.candidatesVersion !== this.version) {
      this.candidates = [];
      for (let p = 0; p < this.hosts.length; p++) if (this.isCandidate(p)) this.candidates.push(p);
      this.candidatesVersion = this.version;
    }
    return this.candidates;
  }

  /** The host position for a call with this key, or −1 if there is no candidate. */
  choose(key: number): number {
    const c = this.candidateList();
    if (c.length === 0) return -1;
    switch (this.algorithm) {
      case 'round-robin':
        return this.rr.pick(c);
      case 'weighted-round-robin':
        return this.swrr.pick(c);
      case 'random':
        return pickRandom(c, this.ctx.rng);
      case 'least-request':
        return this.leastRequest(c);
      case 'least-connections': {
        const p = pickLeastConnections(c, this.active, this.weights, this.lcStart);
        this.lcStart = p + 1;
        return p;
      }
      case 'ring-hash':
        return ringLookup(this.hashRing(), hashKey(key), this.isCandidate);
      case 'maglev':
        return this.maglevPick(c, key);
      case 'bounded-load':
        return this.boundedLoad(c, key);
    }
  }

  private leastRequest(c: readonly number[]): number {
    if (this.equalWeights) return pickPowerOfChoices(c, this.active, this.spec.choiceCount, this.ctx.rng);
    const bias = this.spec.activeRequestBias;
    const weight = (p: number) => (bias === 1 ? this.weights[p] / (this.active[p] + 1) : this.weights[p] / Math.pow(this.active[p] + 1, bias));
    if (this.edfVersion !== this.version) {
      this.edf.reset(c, weight);
      this.edfVersion = this.version;
    }
    return this.edf.pick(c, weight);
  }

  hashRing(): HashRing {
    return (this.ring ??= buildHashRing(this.names, this.weights, {
      minimumRingSize: this.spec.minimumRingSize,
      maximumRingSize: this.spec.maximumRingSize,
      virtualNodesPerHost: this.spec.virtualNodesPerHost ?? null,
    }));
  }

  private maglevPick(c: readonly number[], key: number): number {
    if (this.maglev === null || this.maglevVersion !== this.version) {
      const table = buildMaglevTable(c.map((p) => this.names[p]), c.map((p) => this.weights[p]), this.spec.maglevTableSize);
      // Entries name positions in `c`; map them to host positions once.
      for (let i = 0; i < table.length; i++) table[i] = c[table[i]];
      this.maglev = table;
      this.maglevVersion = this.version;
    }
    return this.maglev[hashKey(key) % this.maglev.length];
  }

  private boundedLoad(c: readonly number[], key: number): number {
    let total = 0;
    let weight = 0;
    for (const p of c) {
      total += this.active[p];
      weight += this.weights[p];
    }
    const factor = this.spec.hashBalanceFactor;
    const hash = hashKey(key);
    const p = ringLookup(this.hashRing(), hash, (h) => this.isCandidate(h) && this.active[h] < boundedLoadCapacity(factor, total, this.weights[h], weight));
    // Some candidate always has room when factor ≥ 1; the plain lookup is only a safety net.
    return p >= 0 ? p : ringLookup(this.hashRing(), hash, this.isCandidate);
  }
}

/** Invariants a balancer brings: the ejection cap, when outlier detection is on. */
export function loadBalancerInvariants(node: string, layer: string, spec: LoadBalancerSpec): TraceInvariant[] {
  const out: TraceInvariant[] = [];
  if (spec.outlierDetection !== undefined) out.push(new EjectionCapInvariant(node, layer, spec.hosts.length, spec.outlierDetection.maxEjectionPercent));
  if (spec.discovery !== undefined) out.push(new DiscoveryViewRespected(node, layer));
  return out;
}
