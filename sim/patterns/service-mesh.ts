import { Counter, Gauge } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { NodeKind } from './node-kinds.ts';
import type { PolicySpec } from './registry.ts';
import type { MeshControlPlaneSpec } from './service-mesh.schema.ts';
import { MESH_CONFIG, type MeshConfig } from './sidecar.ts';

/**
 * A service mesh's control plane (istiod): it holds the mesh's configuration — versions 1, 2, …
 * applied at their `atMs` — and pushes each version to every sidecar (sim/patterns/sidecar.ts),
 * one sidecar after another, `pushEachMs` apiece, so a rollout to n sidecars takes about
 * n × pushEachMs plus the network, and while it is under way sidecars disagree: some call with
 * the old policies, some with the new. A sidecar applies a version newer than its own from its
 * next call on. Every `resyncIntervalMs` the control plane pushes the version in force to all
 * again (a restarted sidecar starts from its own policies until then). With the control plane
 * down, sidecars keep the last configuration they got; a push in progress stops, and resumes
 * from the first sidecar when it is back.
 *
 * Metrics `<id>.*`: version (the version in force here), pushes, rolloutMs (from a version's
 * time to the push of its last sidecar). State record `mesh.rollout` (`v2 · 7/10 pushed`).
 */

const TIMER_APPLY = 0;
const TIMER_PUSH_NEXT = 1;
const TIMER_RESYNC = 2;
const TIMER_NAMES = ['apply-version', 'push-next', 'resync'];

function meshMetrics() {
  return { version: new Gauge(), pushes: new Counter(), rolloutMs: new Gauge() };
}

export interface MeshParams {
  sidecars: number[];
  pushEachUs: Micros;
  resyncIntervalUs: Micros;
  configs: { atUs: Micros; outbound: readonly PolicySpec[] }[];
}

export class MeshControlPlaneNode extends SimNode {
  private readonly m: ReturnType<typeof meshMetrics>;
  /**
   * Every version, in time order: the scenario's `configs` and those `mesh-config` faults
   * brought. Kept outside the control plane's memory (Istio keeps it in the Kubernetes API
   * server), so a crash loses none: the version in force is pushed when it is back.
   */
  private readonly configs: { atUs: Micros; outbound: readonly PolicySpec[] }[];
  /** The rollout under way: which version, to which sidecar next, and when the version was applied. */
  private rollout: { config: MeshConfig; next: number; since: Micros; first: boolean } | null = null;

  constructor(world: World, index: number, name: string, readonly p: MeshParams) {
    super(world, index, name, 'mesh-control-plane');
    this.m = world.sim.metrics.group(name, meshMetrics());
    this.configs = p.configs.map((c) => ({ ...c }));
  }

  /**
   * A `mesh-config` fault: a new version now, after every version whose time has come (later
   * scheduled versions, not yet in force, move one number up). Up, it is pushed at once as a
   * scheduled version is; down, it waits in the configuration store until the restart pushes the
   * version in force.
   */
  override onKindFault(fault: { type: string; outbound?: readonly PolicySpec[] }): void {
    if (fault.type !== 'mesh-config') return super.onKindFault(fault);
    const version = this.currentVersion() + 1;
    this.configs.splice(version - 1, 0, { atUs: this.now, outbound: fault.outbound ?? [] });
    if (this.status === 'up') this.beginRollout(version, this.now, true);
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override start(): void {
    // After a restart: the version in force now (its time has passed) is pushed again from the
    // first sidecar; later versions wait for their time.
    this.rollout = null;
    const current = this.currentVersion();
    if (current > 0) this.beginRollout(current, this.now, false);
    // A timer carries its version's entry, not its number: a fault's version may come before it.
    for (const c of this.configs) if (c.atUs > this.now) this.setTimer(c.atUs - this.now, TIMER_APPLY, c);
    this.setTimer(this.p.resyncIntervalUs, TIMER_RESYNC);
  }

  override onMessage(_msg: Message): void {}

  override onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case TIMER_APPLY: {
        // Stale when a later version came in the same instant (a fault's: faults act first).
        const version = this.configs.indexOf(data as MeshParams['configs'][number]) + 1;
        if (version === this.currentVersion()) this.beginRollout(version, this.now, true);
        return;
      }
      case TIMER_PUSH_NEXT:
        return this.pushNext();
      case TIMER_RESYNC: {
        const current = this.currentVersion();
        if (current > 0 && this.rollout === null) this.beginRollout(current, this.now, false);
        return this.setTimer(this.p.resyncIntervalUs, TIMER_RESYNC);
      }
    }
  }

  /** The latest version whose time has come. */
  private currentVersion(): number {
    let v = 0;
    this.configs.forEach((c, i) => {
      if (c.atUs <= this.now) v = i + 1;
    });
    return v;
  }

  /**
   * Starts pushing `version` to every sidecar in turn (a newer version replaces a rollout under
   * way); `first`: the version's own rollout (its duration is measured), not a resync.
   */
  private beginRollout(version: number, since: Micros, first: boolean): void {
    const config: MeshConfig = { version, outbound: this.configs[version - 1].outbound };
    const wasIdle = this.rollout === null;
    this.rollout = { config, next: 0, since, first };
    this.m.version.set(this.now, version);
    this.report();
    if (wasIdle) this.setTimer(this.p.pushEachUs, TIMER_PUSH_NEXT);
  }

  private pushNext(): void {
    const r = this.rollout;
    if (r === null) return;
    this.send(this.p.sidecars[r.next], MESH_CONFIG, r.config);
    this.m.pushes.add();
    r.next++;
    this.report();
    if (r.next < this.p.sidecars.length) return this.setTimer(this.p.pushEachUs, TIMER_PUSH_NEXT);
    if (r.first) this.m.rolloutMs.set(this.now, (this.now - r.since) / 1000);
    this.rollout = null;
    this.report();
  }

  private report(): void {
    const r = this.rollout;
    this.state('mesh.rollout', r === null ? `v${this.currentVersion()}` : `v${r.config.version} · ${r.next}/${this.p.sidecars.length} pushed`);
  }
}

export const MESH_CONTROL_PLANE_KIND: NodeKind<MeshControlPlaneSpec> = {
  create: (world, index, spec, resolve) =>
    new MeshControlPlaneNode(world, index, spec.id, {
      sidecars: spec.sidecars.map(resolve),
      pushEachUs: msToUs(spec.pushEachMs),
      resyncIntervalUs: msToUs(spec.resyncIntervalMs),
      configs: spec.configs.map((c) => ({ atUs: msToUs(c.atMs), outbound: c.outbound })),
    }),
};
