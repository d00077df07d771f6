import type { Counter, Gauge, TimeSeries } from '../engine/metrics.ts';
import { msToUs, type Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import type { SimNode } from '../nodes/node.ts';
import type { PolicyContext } from './context.ts';
import { REG_CANCEL, REG_CHECK, REG_CHECK_OK, REG_FETCH, REG_REGISTER, REG_RENEW, REG_RENEW_REPLY, REG_VIEW, type FetchPayload, type RegisterPayload, type ViewPayload } from './registry-protocol.ts';
import type { DiscoverySpec, RegistrationSpec } from './service-registry.schema.ts';

/**
 * The two client sides of a service registry (service-registry.ts), as Eureka's DiscoveryClient
 * has them.
 *
 * `Registration` — an instance: it registers when it starts (and after every restart), renews
 * its lease every `heartbeatIntervalMs` (a SupervisedTask: the first heartbeat one interval
 * after the start, the next one interval after each answer, backing off while unanswered), and
 * registers again when a renewal is answered "not found" (the registry evicted it, or restarted
 * and forgot everyone). A graceful stop cancels the lease; a crash says nothing.
 *
 * `DiscoveryView` — a caller's cached view of an application's instances, for its load
 * balancer: fetched `firstFetchMs` after the caller starts, then `fetchIntervalMs` after each
 * answer (a SupervisedTask, backing off while the registry does not answer). The balancer sends
 * only to hosts in the view; with the registry unreachable the view is kept as it was.
 */

/**
 * Eureka's TimedSupervisorTask: runs a task, waits up to one interval for it to complete, and
 * runs it again `delay` later — the interval after a completion; after a timeout the delay
 * doubles, up to `backOffBound` × the interval (Eureka's heartbeat and cache-refresh
 * executors' exponential back-off bound, 10). Runs on the node's timers, so a crash ends it.
 */
export class SupervisedTask {
  private delayUs: Micros;
  private readonly maxDelayUs: Micros;
  /** Which run is in progress (its number), or −1 between runs. */
  private running = -1;
  private runs = 0;
  private stopped = false;

  constructor(
    private readonly after: (delayUs: Micros, fn: () => void) => void,
    private readonly intervalUs: Micros,
    backOffBound: number,
    /** Starts one run; the run calls `complete(run)` when it is done. */
    private readonly task: (run: number) => void,
  ) {
    this.delayUs = intervalUs;
    this.maxDelayUs = intervalUs * backOffBound;
  }

  /** The first run, `firstUs` from now. */
  start(firstUs: Micros): void {
    this.after(firstUs, () => this.run());
  }

  /** No more runs (Eureka's shutdown cancels its schedulers before it deregisters). */
  stop(): void {
    this.stopped = true;
  }

  /** A run finished; a late completion of a run already given up counts for nothing. */
  complete(run: number): void {
    if (run !== this.running) return;
    this.running = -1;
    this.delayUs = this.intervalUs;
    this.after(this.delayUs, () => this.run());
  }

  private run(): void {
    if (this.stopped) return;
    const run = (this.running = this.runs++);
    this.task(run);
    this.after(this.intervalUs, () => {
      if (this.running !== run) return;
      this.running = -1;
      this.delayUs = Math.min(this.maxDelayUs, this.delayUs * 2);
      this.after(this.delayUs, () => this.run());
    });
  }
}

/** Eureka's heartbeat and cache-refresh executors' exponential back-off bound. */
export const BACK_OFF_BOUND = 10;

/** Consul's anti-entropy sync of a small cluster: once a minute. */
const ANTI_ENTROPY_US = 60_000_000;

export class Registration {
  /** Resolved at start: the registry may be declared after the instance. */
  private registryIndex = -1;
  private readonly register: RegisterPayload;
  private heartbeats: SupervisedTask | null = null;
  /** Which heartbeat run each renewal message belongs to. */
  private readonly runOf = new Map<number, number>();

  constructor(
    private readonly node: SimNode,
    readonly spec: RegistrationSpec,
  ) {
    this.register = { app: spec.app, leaseUs: msToUs(spec.leaseDurationMs) };
  }

  start(): void {
    const registry = this.node.world.node(this.spec.registry);
    this.registryIndex = registry.index;
    this.runOf.clear();
    this.node.send(this.registryIndex, REG_REGISTER, this.register);
    // A Consul-style registry checks its instances itself: answer its checks, send no heartbeats;
    // the agent's anti-entropy sync registers the instance again every minute (after a registry restart, say).
    if ((registry as { checksInstances?: boolean }).checksInstances === true) {
      this.node.tap(REG_CHECK, (msg) => {
        this.node.send(msg.from, REG_CHECK_OK, null, msg.id);
        return true;
      });
      const sync = () => {
        this.node.send(this.registryIndex, REG_REGISTER, this.register);
        this.node.after(ANTI_ENTROPY_US, sync);
      };
      this.node.after(ANTI_ENTROPY_US, sync);
      return;
    }
    const intervalUs = msToUs(this.spec.heartbeatIntervalMs);
    this.heartbeats = new SupervisedTask((d, fn) => this.node.after(d, fn), intervalUs, BACK_OFF_BOUND, (run) => {
      const msg = this.node.send(this.registryIndex, REG_RENEW, this.spec.app);
      this.runOf.set(msg.id, run);
    });
    this.node.tap(REG_RENEW_REPLY, (msg) => this.onRenewReply(msg));
    this.heartbeats.start(intervalUs);
  }

  /** A graceful shutdown: stop the heartbeats (or the next would register again), cancel the lease. */
  deregister(): void {
    this.heartbeats?.stop();
    this.node.send(this.registryIndex, REG_CANCEL, this.spec.app);
  }

  private onRenewReply(msg: Message): boolean {
    const run = this.runOf.get(msg.parent);
    if (run === undefined) return true;
    this.runOf.delete(msg.parent);
    // "Not found": evicted, or the registry restarted and forgot everyone — register again.
    if (msg.payload === false) this.node.send(this.registryIndex, REG_REGISTER, this.register);
    this.heartbeats?.complete(run);
    return true;
  }
}

export class DiscoveryView {
  /** Per host position: 1 while the host is in the view. */
  readonly inView: Uint8Array;
  private readonly registryIndex: number;
  private readonly position: ReadonlyMap<string, number>;
  private readonly fetches: SupervisedTask;
  private readonly runOf = new Map<number, number>();
  private readonly m: { fetches: Counter; viewSize: Gauge; changes: TimeSeries };

  constructor(
    private readonly ctx: PolicyContext,
    readonly spec: DiscoverySpec,
    /** The balancer's host names, by position. */
    private readonly names: readonly string[],
    /** Called after the view changed. */
    private readonly onChange: () => void,
  ) {
    const node = ctx.node;
    this.inView = new Uint8Array(names.length);
    this.registryIndex = node.world.node(spec.registry).index;
    this.position = new Map(names.map((n, p) => [n, p]));
    const metrics = ctx.metrics;
    this.m = { fetches: metrics.counter(`${ctx.layer}.discovery.fetches`), viewSize: metrics.gauge(`${ctx.layer}.discovery.viewSize`), changes: metrics.timeSeries(`${ctx.layer}.discovery.viewChanges`) };
    this.fetches = new SupervisedTask((d, fn) => ctx.after(d, fn), msToUs(spec.fetchIntervalMs), BACK_OFF_BOUND, (run) => this.fetch(run));
    node.tap(REG_VIEW, (msg) => this.onView(msg));
    ctx.state('discovery.view', '');
    this.fetches.start(msToUs(spec.firstFetchMs));
  }

  private fetch(run: number): void {
    const payload: FetchPayload = { app: this.spec.app, layer: this.ctx.layer };
    const msg = this.ctx.node.send(this.registryIndex, REG_FETCH, payload);
    this.runOf.set(msg.id, run);
    this.m.fetches.add();
  }

  /** The registry's answer (false: another balancer's). */
  private onView(msg: Message): boolean {
    const view = msg.payload as ViewPayload;
    if (view.layer !== this.ctx.layer) return false;
    const run = this.runOf.get(msg.parent);
    if (run === undefined) return true;
    this.runOf.delete(msg.parent);
    this.apply(view.instances);
    this.fetches.complete(run);
    return true;
  }

  private apply(instances: readonly string[]): void {
    const next = new Uint8Array(this.names.length);
    for (const name of instances) {
      const p = this.position.get(name);
      if (p !== undefined) next[p] = 1;
    }
    let changed = false;
    for (let p = 0; p < next.length; p++) if (next[p] !== this.inView[p]) changed = true;
    if (!changed) return;
    this.inView.set(next);
    const inView = this.names.filter((_, p) => next[p] === 1);
    this.m.viewSize.set(this.ctx.now, inView.length);
    this.m.changes.count(this.ctx.now);
    this.ctx.state('discovery.view', inView.join(' '));
    this.onChange();
  }
}
