import type { Rng } from '../engine/rng.ts';
import type { Micros } from '../engine/time.ts';
import type { Counter, TimeSeries } from '../engine/metrics.ts';
import type { Call } from '../nodes/call.ts';
import type { SimNode, TimerTask } from '../nodes/node.ts';

/** What a policy sees: its node's clock, random stream, timers, metrics and trace — nothing global. */
export class PolicyContext {
  constructor(
    readonly node: SimNode,
    /** Names this policy in metrics and trace records, e.g. "client.breaker" or "api→db.retry". */
    readonly layer: string,
  ) {}

  get now(): Micros {
    return this.node.now;
  }

  private rngCache: Rng | undefined;

  /**
   * This layer's own random stream (DESIGN principle 4): switching a balancer's algorithm or
   * adding a jittered retry must not shift the numbers the node's workload draws.
   */
  get rng(): Rng {
    return (this.rngCache ??= this.node.world.sim.rng.stream(`policy/${this.node.name}/${this.layer}`));
  }

  after(delayUs: Micros, fn: () => void): void {
    this.node.after(delayUs, fn);
  }

  afterTask(delayUs: Micros, task: TimerTask): void {
    this.node.afterTask(delayUs, task);
  }

  /** A state change the sandbox draws (breaker state, bucket level…): key `<layer>.<what>`. */
  state(what: string, value: string | number): void {
    this.node.state(`${this.layer}.${what}`, value);
  }

  /** A call event at this layer: admitted, rejected:<why>, retry, timeout… */
  event(call: Call, event: string): void {
    this.node.callEvent(call.id, this.layer, event);
  }

  get metrics() {
    return this.node.world.sim.metrics;
  }
}


/**
 * A limiter's admissions and rejections, as counters and per-window series:
 * `<layer>.admitted` and `<layer>.rejected`.
 */
export class Admissions {
  private readonly admitted: Counter;
  private readonly rejected: Counter;
  private readonly admittedSeries: TimeSeries;
  private readonly rejectedSeries: TimeSeries;

  constructor(ctx: PolicyContext) {
    const m = ctx.metrics;
    this.admitted = m.counter(`${ctx.layer}.admitted`);
    this.rejected = m.counter(`${ctx.layer}.rejected`);
    this.admittedSeries = m.timeSeries(`${ctx.layer}.admitted`);
    this.rejectedSeries = m.timeSeries(`${ctx.layer}.rejected`);
  }

  admit(now: Micros): void {
    this.admitted.add();
    this.admittedSeries.count(now);
  }

  reject(now: Micros): void {
    this.rejected.add();
    this.rejectedSeries.count(now);
  }
}
