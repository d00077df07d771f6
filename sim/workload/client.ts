import type { Sampler } from '../engine/dist.ts';
import type { Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { SimNode } from '../nodes/node.ts';
import { RESPONSE } from '../nodes/protocol.ts';
import { RpcClient } from '../nodes/rpc.ts';
import type { World } from '../nodes/world.ts';
import { makeArrivals, type ArrivalSpec, type ArrivalProcess } from './arrivals.ts';

/**
 * Workload clients. Each workload in a scenario is a node that sends requests to its target
 * and records every request's latency and outcome (through `RpcClient`).
 *
 * - Open loop: requests arrive by an arrival process whatever happens to earlier ones — the
 *   way independent users hit a public service, and the way overload snowballs.
 * - Closed loop: a fixed number of users, each sending one request, waiting for its reply (or
 *   timeout), thinking, and sending the next — load that backs off as latency grows.
 */
export interface ClientTiming {
  target: number;
  timeoutUs: Micros;
  propagateDeadline: boolean;
  startUs: Micros;
  /** null = until the end of the run. */
  stopUs: Micros | null;
}

const TIMER_ARRIVAL = 0;
const TIMER_TIMEOUT = 1;
const TIMER_THINK = 2;
/** Trace names of the timers; an arrival is not traced as a timer (its send record says it all). */
const TIMER_NAMES = ['', 'timeout', 'think-done'] as const;

export class OpenLoopClient extends SimNode {
  private readonly rpc: RpcClient;
  private arrivals!: ArrivalProcess;

  constructor(world: World, index: number, name: string, private readonly timing: ClientTiming, private readonly arrival: ArrivalSpec) {
    super(world, index, name, 'client');
    this.rpc = new RpcClient(this, { timeoutUs: timing.timeoutUs, propagateDeadline: timing.propagateDeadline, timeoutTag: TIMER_TIMEOUT });
  }

  override start(): void {
    // A restart begins a fresh arrival process from now; before the start time, wait for it.
    const from = Math.max(this.now, this.timing.startUs);
    this.arrivals = makeArrivals(this.arrival, from);
    this.scheduleArrival(this.arrivals.next(from, this.rng));
  }

  override onCrash(): void {
    this.rpc.clear();
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override onMessage(msg: Message): void {
    if (msg.type === RESPONSE) this.rpc.onResponse(msg);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_ARRIVAL) {
      this.rpc.call(this.timing.target, null, 0);
      this.scheduleArrival(this.arrivals.next(this.now, this.rng));
    } else if (tag === TIMER_TIMEOUT) {
      this.rpc.onTimeout(data as number);
    }
  }

  private scheduleArrival(at: Micros | null): void {
    if (at === null) return;
    if (this.timing.stopUs !== null && at >= this.timing.stopUs) return;
    this.setTimer(at - this.now, TIMER_ARRIVAL);
  }
}

export class ClosedLoopClient extends SimNode {
  private readonly rpc: RpcClient;

  constructor(
    world: World,
    index: number,
    name: string,
    private readonly timing: ClientTiming,
    private readonly users: number,
    private readonly thinkTime: Sampler,
  ) {
    super(world, index, name, 'client');
    this.rpc = new RpcClient(this, { timeoutUs: timing.timeoutUs, propagateDeadline: timing.propagateDeadline, timeoutTag: TIMER_TIMEOUT });
  }

  override start(): void {
    // Every user starts at the start time (or now, after a restart) with its first request.
    const delay = Math.max(0, this.timing.startUs - this.now);
    for (let user = 0; user < this.users; user++) this.setTimer(delay, TIMER_THINK, user);
  }

  override onCrash(): void {
    this.rpc.clear();
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override onMessage(msg: Message): void {
    if (msg.type !== RESPONSE) return;
    const user = this.rpc.onResponse(msg);
    if (user >= 0) this.think(user);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_THINK) this.sendFor(data as number);
    else if (tag === TIMER_TIMEOUT) {
      const user = this.rpc.onTimeout(data as number);
      if (user >= 0) this.think(user);
    }
  }

  private think(user: number): void {
    this.setTimer(this.thinkTime.sample(this.rng), TIMER_THINK, user);
  }

  private sendFor(user: number): void {
    if (this.timing.stopUs !== null && this.now >= this.timing.stopUs) return;
    this.rpc.call(this.timing.target, null, user);
  }
}
