import type { Micros } from '../engine/time.ts';
import { TraceKind } from '../engine/trace.ts';
import { directedPartition, groupsPartition } from '../net/partitions.ts';
import type { SimNode } from '../nodes/node.ts';
import type { World } from '../nodes/world.ts';
import type { PolicySpec } from '../patterns/policy-schemas.ts';

/**
 * Faults: the scenario's timeline, seeded chaos (see chaos.ts) and interventions made while a
 * run is in progress (the sandbox's clicks) all go through `Faults`. Every fault becomes a
 * trace record, and timeline and injected faults are kept in `log`, so a run — interactive or
 * not — can be exported and replayed exactly.
 *
 * Faults are scheduled with `atFirst`: at any instant they take effect before ordinary
 * events. An injected fault lands 1 µs after the current time, which no event has reached
 * yet, so a replay that schedules it from the log puts it at exactly the same point.
 */
type Link = { from: string; to: string };

export type FaultSpec =
  | { atMs: number; type: 'crash'; node: string; restartAfterMs?: number | null; bootMs?: number }
  | { atMs: number; type: 'restart'; node: string; bootMs?: number }
  | { atMs: number; type: 'pause'; node: string; durationMs?: number | null }
  | { atMs: number; type: 'resume'; node: string }
  | { atMs: number; type: 'partition'; groups?: string[][] | null; from?: string[] | null; to?: string[] | null; durationMs?: number | null }
  | { atMs: number; type: 'heal' }
  | { atMs: number; type: 'latency'; extraMs: number; link?: Link | null; node?: string | null; durationMs?: number | null }
  | { atMs: number; type: 'loss'; probability: number; link?: Link | null; node?: string | null; durationMs?: number | null }
  | { atMs: number; type: 'slow'; node: string; factor: number; durationMs?: number | null }
  | { atMs: number; type: 'brownout'; node: string; errorProbability: number; durationMs?: number | null }
  | { atMs: number; type: 'clock-skew'; node: string; skewMs: number }
  | { atMs: number; type: 'scale-out'; node: string; bootMs?: number }
  | { atMs: number; type: 'scale-in'; node: string; drainMs?: number }
  /** Taken by the node's kind (NODE_KIND_FAULTS): a mesh control plane's new configuration. */
  | { atMs: number; type: 'mesh-config'; node: string; outbound: readonly PolicySpec[] };

/** A fault without its time: what an intervention asks for ("crash this node now"). */
export type FaultAction = FaultSpec extends infer F ? (F extends FaultSpec ? Omit<F, 'atMs'> : never) : never;

export type FaultSource = 'timeline' | 'injected' | 'chaos';

export interface FaultLogEntry {
  readonly atUs: Micros;
  readonly fault: FaultSpec;
  readonly source: FaultSource;
}

/** Undoing a fault that had a duration. */
interface FaultEnd {
  readonly end: true;
  readonly type: FaultSpec['type'];
  readonly node: string | null;
  readonly id: number;
}

export class Faults {
  /** Timeline and injected faults in the order they were scheduled: the replay log. */
  readonly log: FaultLogEntry[] = [];
  private readonly kind: number;
  private nextId = 1;

  constructor(private readonly world: World) {
    this.kind = world.sim.on('fault', (_target, _gen, _num, obj) => {
      const event = obj as FaultLogEntry | FaultEnd;
      if ('end' in event) this.end(event);
      else this.apply(event.fault);
    });
  }

  /** Schedules a fault at its `atMs`. */
  schedule(fault: FaultSpec, source: FaultSource = 'timeline'): FaultLogEntry {
    const entry: FaultLogEntry = { atUs: Math.round(fault.atMs * 1000), fault, source };
    if (source !== 'chaos') this.log.push(entry);
    this.world.sim.atFirst(entry.atUs, this.kind, -1, 0, 0, entry);
    return entry;
  }

  /** Applies a fault immediately (chaos decides and acts in the same instant). */
  applyNow(fault: FaultSpec): void {
    this.apply(fault);
  }

  private apply(f: FaultSpec): void {
    const id = this.nextId++;
    const world = this.world;
    const { atMs: _at, ...detail } = f;
    world.sim.trace.emit(TraceKind.fault, world.sim.now, 'node' in f && typeof f.node === 'string' ? this.index(f.node) : -1, f.type, JSON.stringify({ id, ...detail }));
    world.sim.metrics.counter(`faults.${f.type}`).add();
    switch (f.type) {
      case 'crash':
        world.crash(this.node(f.node));
        if (f.restartAfterMs != null) this.scheduleFault({ atMs: (world.sim.now / 1000) + f.restartAfterMs, type: 'restart', node: f.node, bootMs: f.bootMs ?? 0 });
        return;
      case 'restart':
        return this.restart(this.node(f.node), f.bootMs ?? 0, id);
      case 'pause':
        world.pause(this.node(f.node));
        return this.endLater(f, id);
      case 'resume':
        return world.resume(this.node(f.node));
      case 'partition': {
        const rule = f.groups != null
          ? groupsPartition(id, f.groups.map((g) => g.map((n) => this.index(n))))
          : directedPartition(id, (f.from ?? []).map((n) => this.index(n)), (f.to ?? []).map((n) => this.index(n)));
        world.network.partitions.add(rule);
        return this.endLater(f, id);
      }
      case 'heal':
        return world.network.partitions.clear();
      case 'latency':
      case 'loss': {
        const appliesTo = this.linkMatcher(f.link ?? null, f.node ?? null);
        world.network.addOverlay({
          id,
          extraLatencyUs: f.type === 'latency' ? Math.round(f.extraMs * 1000) : 0,
          lossProbability: f.type === 'loss' ? f.probability : 0,
          appliesTo,
        });
        return this.endLater(f, id);
      }
      case 'slow':
        this.node(f.node).slowdownFactor = f.factor;
        return this.endLater(f, id);
      case 'brownout':
        this.node(f.node).brownoutErrorProbability = f.errorProbability;
        return this.endLater(f, id);
      case 'clock-skew':
        this.node(f.node).clockSkewUs = Math.round(f.skewMs * 1000);
        return;
      case 'scale-out':
        return this.scaleOut(this.node(f.node), f.bootMs ?? 0, id);
      case 'scale-in':
        return this.scaleIn(this.node(f.node), f.drainMs ?? 0, id);
      case 'mesh-config':
        // The node's kind decides what the fault means, up or down (see NODE_KIND_FAULTS).
        return this.node(f.node).onKindFault(f);
    }
  }

  /** A spare (or stopped) instance starts: a restart, marked as a scale-out. */
  private scaleOut(node: SimNode, bootMs: number, id: number): void {
    if (node.status !== 'crashed') return;
    this.world.traceState(node.index, 'lifecycle', 'scaled-out');
    this.restart(node, bootMs, id);
  }

  /**
   * A graceful stop: the instance deregisters at once, keeps serving for `drainMs` (what is
   * already on its way still arrives), then stops. With no drain it stops in the same instant.
   */
  private scaleIn(node: SimNode, drainMs: number, id: number): void {
    if (node.status !== 'up') return;
    if (drainMs <= 0) return this.world.stop(node);
    node.onGracefulStop();
    this.world.traceState(node.index, 'lifecycle', 'draining');
    this.world.sim.atFirst(this.world.sim.now + Math.round(drainMs * 1000), this.kind, -1, 0, 0, { end: true, type: 'scale-in', node: node.name, id } satisfies FaultEnd);
  }

  private restart(node: SimNode, bootMs: number, id: number): void {
    if (node.status !== 'crashed') return;
    if (bootMs <= 0) return this.world.finishRestart(node);
    this.world.beginRestart(node);
    this.world.sim.atFirst(this.world.sim.now + Math.round(bootMs * 1000), this.kind, -1, 0, 0, { end: true, type: 'restart', node: node.name, id } satisfies FaultEnd);
  }

  /** Schedules a fault that follows from another (a crash's restart); not part of the log. */
  private scheduleFault(fault: FaultSpec): void {
    this.world.sim.atFirst(Math.round(fault.atMs * 1000), this.kind, -1, 0, 0, { atUs: Math.round(fault.atMs * 1000), fault, source: 'timeline' } satisfies FaultLogEntry);
  }

  private endLater(f: FaultSpec, id: number): void {
    const durationMs = 'durationMs' in f ? f.durationMs : null;
    if (durationMs == null) return;
    const node = 'node' in f && typeof f.node === 'string' ? f.node : null;
    this.world.sim.atFirst(this.world.sim.now + Math.round(durationMs * 1000), this.kind, -1, 0, 0, { end: true, type: f.type, node, id } satisfies FaultEnd);
  }

  private end(e: FaultEnd): void {
    const world = this.world;
    world.sim.trace.emit(TraceKind.fault, world.sim.now, e.node === null ? -1 : this.index(e.node), `${e.type}-end`, JSON.stringify({ id: e.id }));
    switch (e.type) {
      case 'restart':
      case 'scale-out':
        return world.finishRestart(this.node(e.node!));
      case 'scale-in':
        return world.stop(this.node(e.node!), true);
      case 'pause':
        return world.resume(this.node(e.node!));
      case 'partition':
        return world.network.partitions.remove(e.id);
      case 'latency':
      case 'loss':
        return world.network.removeOverlay(e.id);
      case 'slow':
        this.node(e.node!).slowdownFactor = 1;
        return;
      case 'brownout':
        this.node(e.node!).brownoutErrorProbability = 0;
        return;
    }
  }

  private linkMatcher(link: Link | null, node: string | null): (from: number, to: number) => boolean {
    if (link !== null) {
      const a = this.index(link.from);
      const b = this.index(link.to);
      return (from, to) => from === a && to === b;
    }
    if (node !== null) {
      const n = this.index(node);
      return (from, to) => from === n || to === n;
    }
    return () => true;
  }

  private node(name: string): SimNode {
    return this.world.node(name);
  }

  private index(name: string): number {
    return this.world.node(name).index;
  }
}
