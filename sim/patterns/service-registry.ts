import { Counter, Gauge, TimeSeries } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import { RegistryEvictions } from '../check/discovery-checks.ts';
import type { NodeKind } from './node-kinds.ts';
import { REG_CANCEL, REG_CHECK_OK, REG_FETCH, REG_REGISTER, REG_RENEW, REG_RENEW_REPLY, REG_VIEW, type FetchPayload, type RegisterPayload, type ViewPayload } from './registry-protocol.ts';
import type { ServiceRegistrySpec } from './service-registry.schema.ts';
import { CONSUL_DEFAULTS } from './service-registry.defaults.ts';
import { HealthChecks } from './registry-health.ts';

/**
 * A service registry with Eureka's server semantics (Netflix eureka-core, AbstractInstanceRegistry
 * and ResponseCacheImpl). Instances register when they start (registry-client.ts), renew their
 * lease with a heartbeat, and cancel it when they shut down gracefully; a crashed instance just
 * stops renewing, and its lease expires `leaseDuration` after its last renewal (2 × that with
 * `doubleExpiry`, Eureka's real behaviour: Lease.renew sets the last update to now + duration).
 *
 * Every `evictionIntervalMs` a sweep removes expired leases — unless self-preservation holds:
 * expiry is enabled only while the renewals counted in the last full minute exceed the threshold
 * ⌊expected × (60 s / expectedRenewalInterval) × renewalPercentThreshold⌋ (with 10 instances
 * renewing every 30 s: ⌊10 × 2 × 0.85⌋ = 17, so one dead instance (18 renewals) is still evicted
 * and two (16) are not). `expected` grows by one at each new registration and shrinks by one at
 * each cancel or eviction (Eureka's internalCancel), and every `renewalThresholdUpdateIntervalMs`
 * it is reset to the registry's size if that size is above the threshold share of it. One sweep
 * evicts at most size − ⌊size × renewalPercentThreshold⌋ leases, picked at random among the
 * expired (a Knuth shuffle, as Eureka does).
 *
 * Fetches are answered from a read-only response cache: an application's entry is copied from
 * the registry when first asked for, and refreshed every `responseCacheUpdateIntervalMs` — so a
 * change reaches callers up to that much later, and then up to their own fetch interval later.
 *
 * The registry is in memory: a crash forgets every lease, and instances re-register when their
 * next renewal is answered "not found" (a re-registration storm after a registry restart).
 *
 * With `healthCheck`, the registry works as Consul's catalog does instead (registry-health.ts):
 * it checks every registered instance itself, serves only passing ones, and answers fetches from
 * the registry as it is; leases, evictions and self-preservation do not apply, and instances
 * send no heartbeats.
 *
 * Timer order at an instant where several fall due: the minute's renewal count rolls first, then
 * the eviction sweep, then the cache refresh (each was scheduled in that order, and ties run in
 * scheduling order). In Eureka these are separate threads; this fixes one of their orders.
 *
 * Metrics `<id>.*`: registered and expired (gauges), renewals, registrations, cancels, evictions,
 * expiredNotEvicted (expired leases kept by self-preservation or the cap, per sweep), fetches,
 * selfPreservation (gauge 1/0), renewsLastMin, threshold. State records: `registry.instances`
 * (`registered 9 · expired 1`), `registry.mode` (normal | self-preservation),
 * `registry.registered` (`<instance> <leaseMs>`), `registry.evicted` (`<instance>`).
 */

interface Lease {
  readonly app: string;
  readonly durationUs: Micros;
  /** Eureka's lastUpdateTimestamp: the registration time, then each renewal's (plus the duration with `doubleExpiry`). */
  lastUpdateUs: Micros;
}

const TIMER_RATE = 0;
const TIMER_EVICT = 1;
const TIMER_CACHE = 2;
const TIMER_THRESHOLD = 3;
const TIMER_REAP = 4;
const TIMER_NAMES = ['renewal-minute', 'eviction-sweep', 'cache-refresh', 'threshold-update', 'reap-critical'];
const MINUTE_US = 60_000_000;

function registryMetrics() {
  return {
    registered: new Gauge(),
    /** Leases expired but not evicted yet, at the last count (a registration, cancel or sweep). */
    expired: new Gauge(),
    /** Consul-style: instances whose checks pass. */
    passing: new Gauge(),
    renewals: new Counter(),
    registrations: new Counter(),
    cancels: new Counter(),
    evictions: new Counter(),
    expiredNotEvicted: new Counter(),
    fetches: new Counter(),
    selfPreservation: new Gauge(),
    renewsLastMin: new Gauge(),
    threshold: new Gauge(),
  };
}

export class ServiceRegistryNode extends SimNode {
  private readonly m: ReturnType<typeof registryMetrics>;
  private readonly evictionSeries: TimeSeries;
  /** Instance name → lease, in registration order (eviction candidates are listed in this order before shuffling). */
  private leases = new Map<string, Lease>();
  private readOnlyCache = new Map<string, readonly string[]>();
  private expected = 0;
  private renewsThisMin = 0;
  private renewsLastMin = 0;
  private preserving = false;
  /** Consul-style checks (with `healthCheck`); null: Eureka's leases. */
  private health: HealthChecks | null = null;
  private readonly p: {
    evictionUs: Micros;
    cacheUs: Micros;
    thresholdUpdateUs: Micros;
    renewalsPerMinEach: number;
  };

  constructor(world: World, index: number, name: string, readonly spec: ServiceRegistrySpec) {
    super(world, index, name, 'service-registry');
    this.m = world.sim.metrics.group(name, registryMetrics());
    this.evictionSeries = world.sim.metrics.timeSeries(`${name}.evictions`);
    this.p = {
      evictionUs: msToUs(spec.evictionIntervalMs),
      cacheUs: msToUs(spec.responseCacheUpdateIntervalMs),
      thresholdUpdateUs: msToUs(spec.renewalThresholdUpdateIntervalMs),
      renewalsPerMinEach: 60_000 / spec.expectedRenewalIntervalMs,
    };
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    this.leases = new Map();
    this.readOnlyCache = new Map();
    this.expected = 0;
    this.renewsThisMin = 0;
    this.renewsLastMin = 0;
    this.preserving = false;
    if (this.spec.healthCheck !== undefined) {
      this.health = new HealthChecks(this, this.spec.healthCheck, (name) => this.cancel(name, 'reap'));
      this.setTimer(msToUs(CONSUL_DEFAULTS.reapIntervalMs), TIMER_REAP);
      return this.publishCounts();
    }
    this.setTimer(MINUTE_US, TIMER_RATE);
    this.setTimer(this.p.evictionUs, TIMER_EVICT);
    if (this.spec.useReadOnlyResponseCache) this.setTimer(this.p.cacheUs, TIMER_CACHE);
    this.setTimer(this.p.thresholdUpdateUs, TIMER_THRESHOLD);
    this.publishCounts();
  }

  /** Consul-style checking (instances then send no heartbeats). */
  get checksInstances(): boolean {
    return this.spec.healthCheck !== undefined;
  }

  /** A health check's state changed: the counts the sandbox shows follow. */
  healthChanged(): void {
    this.publishCounts();
  }

  override onCrash(): void {
    this.health = null;
    this.leases = new Map();
    this.readOnlyCache = new Map();
    this.m.registered.set(this.now, 0);
  }

  /** Eureka's numberOfRenewsPerMinThreshold, computed in the same order (then truncated). */
  threshold(): number {
    return Math.floor(this.expected * this.p.renewalsPerMinEach * this.spec.renewalPercentThreshold);
  }

  /** Eureka's isLeaseExpirationEnabled. */
  expirationEnabled(): boolean {
    if (!this.spec.selfPreservation) return true;
    const threshold = this.threshold();
    return threshold > 0 && this.renewsLastMin > threshold;
  }

  override onMessage(msg: Message): void {
    switch (msg.type) {
      case REG_REGISTER:
        return this.register(msg.from, msg.payload as RegisterPayload);
      case REG_RENEW:
        return this.renew(msg);
      case REG_CANCEL:
        return this.cancel(this.world.nodes[msg.from].name, 'cancel');
      case REG_FETCH:
        return this.fetch(msg);
      case REG_CHECK_OK:
        return this.health?.onAnswer(msg);
    }
  }

  override onTimer(tag: number): void {
    switch (tag) {
      case TIMER_RATE:
        this.renewsLastMin = this.renewsThisMin;
        this.renewsThisMin = 0;
        this.m.renewsLastMin.set(this.now, this.renewsLastMin);
        this.setTimer(MINUTE_US, TIMER_RATE);
        return;
      case TIMER_EVICT:
        this.evict();
        this.setTimer(this.p.evictionUs, TIMER_EVICT);
        return;
      case TIMER_CACHE:
        for (const app of this.readOnlyCache.keys()) this.readOnlyCache.set(app, this.instancesOf(app));
        this.setTimer(this.p.cacheUs, TIMER_CACHE);
        return;
      case TIMER_THRESHOLD:
        this.updateExpected();
        this.setTimer(this.p.thresholdUpdateUs, TIMER_THRESHOLD);
        return;
      case TIMER_REAP:
        this.health?.reap();
        this.setTimer(msToUs(CONSUL_DEFAULTS.reapIntervalMs), TIMER_REAP);
        return;
    }
  }

  // ---- leases ---------------------------------------------------------------------------

  private register(from: number, payload: RegisterPayload): void {
    const name = this.world.nodes[from].name;
    const existing = this.leases.get(name);
    if (existing === undefined) {
      this.expected++;
      this.m.registrations.add();
    }
    // A new lease either way (Eureka replaces the lease object on every registration).
    this.leases.set(name, { app: payload.app, durationUs: payload.leaseUs, lastUpdateUs: this.now });
    this.state('registry.registered', `${name} ${payload.leaseUs / 1000}`);
    if (existing === undefined) this.health?.add(name, from);
    this.publishCounts();
  }

  private renew(msg: Message): void {
    const lease = this.leases.get(this.world.nodes[msg.from].name);
    if (lease !== undefined) {
      this.renewsThisMin++;
      this.m.renewals.add();
      lease.lastUpdateUs = this.spec.doubleExpiry ? this.now + lease.durationUs : this.now;
    }
    this.send(msg.from, REG_RENEW_REPLY, lease !== undefined, msg.id);
  }

  private cancel(name: string, why: 'cancel' | 'evict' | 'reap'): void {
    if (!this.leases.delete(name)) return;
    this.health?.remove(name);
    if (why === 'cancel') this.m.cancels.add();
    else if (why === 'reap') this.state('registry.reaped', name);
    else {
      this.m.evictions.add();
      this.evictionSeries.count(this.now);
      this.state('registry.evicted', name);
    }
    if (this.expected > 0) this.expected--;
    this.publishCounts();
  }

  private isExpired(lease: Lease): boolean {
    return this.health === null && this.now > lease.lastUpdateUs + lease.durationUs;
  }

  /** The eviction sweep (Eureka AbstractInstanceRegistry.evict). */
  private evict(): void {
    this.setPreserving(!this.expirationEnabled());
    const expired = [...this.leases].filter(([, lease]) => this.isExpired(lease)).map(([name]) => name);
    if (this.preserving) {
      this.m.expiredNotEvicted.add(expired.length);
      return this.publishCounts();
    }
    const size = this.leases.size;
    const limit = size - Math.floor(size * this.spec.renewalPercentThreshold);
    const toEvict = Math.min(expired.length, limit);
    this.m.expiredNotEvicted.add(expired.length - toEvict);
    for (let i = 0; i < toEvict; i++) {
      const j = i + this.rng.int(expired.length - i);
      [expired[i], expired[j]] = [expired[j], expired[i]];
      this.cancel(expired[i], 'evict');
    }
    this.publishCounts();
  }

  /** Eureka's updateRenewalThreshold: trust the registry's size again unless too many went quiet. */
  private updateExpected(): void {
    const count = this.leases.size;
    if (count > this.spec.renewalPercentThreshold * this.expected || !this.spec.selfPreservation) this.expected = count;
    this.publishCounts();
  }

  private setPreserving(on: boolean): void {
    if (on === this.preserving) return;
    this.preserving = on;
    this.m.selfPreservation.set(this.now, on ? 1 : 0);
    this.state('registry.mode', on ? 'self-preservation' : 'normal');
  }

  // ---- fetches --------------------------------------------------------------------------

  /** The app's instances a fetch returns: every registered one (Eureka), or the passing ones (Consul-style). */
  private instancesOf(app: string): readonly string[] {
    const out: string[] = [];
    for (const [name, lease] of this.leases) if (lease.app === app && (this.health === null || this.health.passing(name))) out.push(name);
    return out;
  }

  private fetch(msg: Message): void {
    const { app, layer } = msg.payload as FetchPayload;
    this.m.fetches.add();
    let instances: readonly string[];
    if (!this.spec.useReadOnlyResponseCache || this.health !== null) instances = this.instancesOf(app);
    else {
      const cached = this.readOnlyCache.get(app);
      instances = cached ?? this.instancesOf(app);
      if (cached === undefined) this.readOnlyCache.set(app, instances);
    }
    const view: ViewPayload = { layer, app, instances };
    this.send(msg.from, REG_VIEW, view, msg.id);
  }

  private publishCounts(): void {
    const now = this.now;
    this.m.registered.set(now, this.leases.size);
    this.m.threshold.set(now, this.threshold());
    let expired = 0;
    for (const lease of this.leases.values()) if (this.isExpired(lease)) expired++;
    this.m.expired.set(now, expired);
    if (this.health !== null) {
      const passing = this.health.passingCount();
      this.m.passing.set(now, passing);
      this.state('registry.instances', `registered ${this.leases.size} · passing ${passing}`);
    }
    else this.state('registry.instances', `registered ${this.leases.size} · expired ${expired}`);
  }
}

export const SERVICE_REGISTRY_KIND: NodeKind<ServiceRegistrySpec> = {
  create: (world, index, spec) => new ServiceRegistryNode(world, index, spec.id, spec),
  invariants: (spec) => {
    const invariant = new RegistryEvictions(spec.id, spec.doubleExpiry, spec.renewalPercentThreshold);
    return [{ name: invariant.describe(), invariant }];
  },
};
