import type { TraceRecord } from '../engine/trace.ts';
import { REG_CANCEL, REG_REGISTER, REG_RENEW } from '../patterns/registry-protocol.ts';
import { layerScope, type TraceInvariant, type TraceScope, type Violation } from './invariants.ts';

/**
 * Checks of service discovery (sim/patterns/service-registry.ts, registry-client.ts), rebuilt
 * from the trace alone.
 */

/**
 * No request is routed to an instance the caller's view has already dropped: a balancer with
 * discovery records its view (`<layer>.discovery.view`, the instances in it) whenever it
 * changes, and each pick (`to:<instance>`); every pick must be in the view at that moment.
 */
export class DiscoveryViewRespected implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly unit = 'requests routed';
  readonly kinds = ['state', 'call'] as const;
  readonly scope: TraceScope;
  private view = new Set<string>();
  private readonly viewKey: string;

  constructor(
    private readonly node: string,
    private readonly layer: string,
  ) {
    this.scope = layerScope(node, layer);
    this.viewKey = `${layer}.discovery.view`;
  }

  describe(): string {
    return `${this.layer} routes only to instances in its discovery view`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.node) return;
    if (r.k === 'state') {
      if (r.key === this.viewKey) this.view = new Set((r.value as string).split(' ').filter((s) => s !== ''));
      return;
    }
    if (r.k !== 'call' || r.layer !== this.layer) return;
    const event = r.event as string;
    if (!event.startsWith('to:')) return;
    this.examined++;
    const host = event.slice(3);
    if (this.violation === null && !this.view.has(host)) {
      this.violation = { t: r.t, node: r.node, detail: `request ${r.call} routed to ${host}, which is not in the view (${[...this.view].join(', ') || 'empty'})` };
    }
  }
}

/**
 * A registry evicts only expired leases, and no more per sweep than its cap: an instance's
 * last registration or renewal is read from the deliveries to the registry, its lease length
 * from the registry's `registry.registered` record (`<instance> <leaseMs>`), and each eviction
 * from `registry.evicted`. Evicting an instance whose lease still runs — the bug that would
 * take live capacity away — fails the check; so do more evictions in one sweep than
 * size − ⌊size × renewalPercentThreshold⌋. A registry crash forgets every lease.
 */
export class RegistryEvictions implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly unit = 'evictions';
  readonly kinds = ['state', 'deliver'] as const;
  readonly scope: TraceScope;
  /** Instance → [last registration or renewal (µs), lease (µs), renewed since registering]. */
  private leases = new Map<string, { lastUs: number; leaseUs: number; renewed: boolean }>();
  private sweepAt = -1;
  private sweepSize = 0;
  private sweepEvicted = 0;

  constructor(
    private readonly registry: string,
    private readonly doubleExpiry: boolean,
    private readonly renewalPercentThreshold: number,
  ) {
    this.scope = { nodes: [registry] };
  }

  describe(): string {
    return `${this.registry} evicts only expired leases, within the eviction cap`;
  }

  onRecord(r: TraceRecord): void {
    if (r.node !== this.registry) return;
    if (r.k === 'deliver') return this.onDeliver(r);
    if (r.k !== 'state') return;
    if (r.key === 'status' && r.value === 'crashed') this.leases.clear();
    else if (r.key === 'registry.registered') {
      const [name, leaseMs] = (r.value as string).split(' ');
      const lease = this.leases.get(name);
      if (lease !== undefined) lease.leaseUs = Number(leaseMs) * 1000;
    } else if (r.key === 'registry.evicted') this.onEvicted(r, r.value as string);
  }

  private onDeliver(r: TraceRecord): void {
    const from = r.from as string;
    if (r.type === REG_REGISTER) this.leases.set(from, { lastUs: r.t, leaseUs: this.leases.get(from)?.leaseUs ?? 0, renewed: false });
    else if (r.type === REG_RENEW) {
      const lease = this.leases.get(from);
      if (lease !== undefined) {
        lease.lastUs = r.t;
        lease.renewed = true;
      }
    } else if (r.type === REG_CANCEL) this.leases.delete(from);
  }

  private onEvicted(r: TraceRecord, name: string): void {
    this.examined++;
    if (r.t !== this.sweepAt) {
      this.sweepAt = r.t;
      this.sweepSize = this.leases.size;
      this.sweepEvicted = 0;
    }
    this.sweepEvicted++;
    const lease = this.leases.get(name);
    this.leases.delete(name);
    if (this.violation !== null) return;
    const cap = this.sweepSize - Math.floor(this.sweepSize * this.renewalPercentThreshold);
    if (this.sweepEvicted > cap) {
      this.violation = { t: r.t, node: r.node, detail: `${this.sweepEvicted} evictions in one sweep of ${this.sweepSize} leases: more than the cap of ${cap}` };
      return;
    }
    if (lease === undefined) return;
    const expiresUs = lease.lastUs + lease.leaseUs * (this.doubleExpiry && lease.renewed ? 2 : 1);
    if (r.t <= expiresUs) {
      this.violation = { t: r.t, node: r.node, detail: `${name} evicted while its lease ran until ${expiresUs / 1e6} s (last renewal at ${lease.lastUs / 1e6} s)` };
    }
  }
}
