import type { Sampler } from '../engine/dist.ts';
import type { Rng } from '../engine/rng.ts';
import type { Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { NO_DEADLINE, NO_PARENT } from '../net/message.ts';
import type { Call, Invoker } from '../nodes/call.ts';
import { SimNode } from '../nodes/node.ts';
import { RESPONSE } from '../nodes/protocol.ts';
import { PendingCalls } from '../nodes/transport.ts';
import type { World } from '../nodes/world.ts';
import { makeArrivals, type ArrivalProcess, type ArrivalSpec } from './arrivals.ts';
import { RequestRecorder } from './recorder.ts';

/**
 * Workload clients. Each workload in a scenario is a node that sends requests to its target
 * through its call path (timeouts, retries, breakers… see sim/patterns) and records every
 * request's latency and outcome.
 *
 * - Open loop: requests arrive by an arrival process whatever happens to earlier ones — the
 *   way independent users hit a public service, and the way overload snowballs.
 * - Closed loop: a fixed number of users, each sending one request, waiting for its answer,
 *   thinking, and sending the next — load that backs off as latency grows.
 *
 * The call path is volatile state: a restarted client builds a fresh one.
 */
export interface ClientTiming {
  startUs: Micros;
  /** null = until the end of the run. */
  stopUs: Micros | null;
}

/** Builds the node's call path over a transport that uses `pending` for replies. */
export type CallPathFactory = (node: SimNode, pending: PendingCalls) => Invoker;

const TIMER_ARRIVAL = 0;
const TIMER_THINK = 1;
/** Trace names of the timers; an arrival is not traced as a timer (its send record says it all). */
const TIMER_NAMES = ['', 'think-done'] as const;

abstract class Client extends SimNode {
  /** Keys drawn from 1…keySpace (a stream of their own, so arrivals don't shift); null: key = id. */
  keySpace: number | null = null;
  /** How keys are drawn from 1…keySpace; null: uniformly (the draw every existing trace was made with). */
  keySampler: { sample(rng: Rng): number } | null = null;
  private keyRng: Rng | undefined;
  /** Typed requests: each type's index, its recorder, and the cumulative weights to draw by. */
  private mix: { types: number[]; recorders: RequestRecorder[]; cumulative: number[]; rng: Rng } | null = null;
  private readonly pending = new PendingCalls();
  private readonly recorder: RequestRecorder;
  private path!: Invoker;
  private nextRequestId = 0;

  constructor(world: World, index: number, name: string, protected readonly timing: ClientTiming, private readonly makePath: CallPathFactory) {
    super(world, index, name, 'client');
    this.recorder = new RequestRecorder(this);
  }

  override start(): void {
    this.path = this.makePath(this, this.pending);
  }

  /**
   * Makes every request one of these types, drawn by weight from a stream of its own (so
   * arrivals and keys don't shift), recorded per type as well (`<client>.type.<name>.…`).
   */
  setRequestMix(types: readonly { type: number; name: string; weight: number }[]): void {
    let sum = 0;
    const cumulative = types.map((t) => (sum += t.weight));
    this.mix = {
      types: types.map((t) => t.type),
      recorders: types.map((t) => new RequestRecorder(this, `${this.name}.type.${t.name}`, false)),
      cumulative: cumulative.map((c) => c / sum),
      rng: this.world.sim.rng.stream(`types/${this.name}`),
    };
  }

  /** The mix's entry for the next request: the first whose cumulative weight passes a uniform draw. */
  private drawType(mix: NonNullable<Client['mix']>): number {
    const u = mix.rng.next();
    const i = mix.cumulative.findIndex((c) => u < c);
    return i < 0 ? mix.cumulative.length - 1 : i;
  }

  override onCrash(): void {
    this.pending.clear();
  }

  override timerNames(): readonly string[] {
    return TIMER_NAMES;
  }

  override onMessage(msg: Message): void {
    if (msg.type === RESPONSE) this.pending.onResponse(msg);
  }

  /**
   * Sends one request for `user` (-1: nobody in particular); `answered(user)` runs when it is
   * answered (however: ok, failed, timed out). A hook rather than a callback per request, so a
   * request allocates its call and one continuation, nothing more.
   */
  protected request(user: number): void {
    const id = this.nextRequestId++;
    const key = this.keySpace === null ? id : this.drawKey(this.keySpace);
    const mix = this.mix;
    const entry = mix === null ? -1 : this.drawType(mix);
    const call: Call =
      mix === null
        ? { id, attempt: 1, startedAt: this.now, deadline: NO_DEADLINE, key, host: -1, parent: NO_PARENT }
        : { id, attempt: 1, startedAt: this.now, deadline: NO_DEADLINE, key, host: -1, parent: NO_PARENT, type: mix.types[entry] };
    this.recorder.started();
    mix?.recorders[entry].started();
    this.path.invoke(call, (result) => {
      this.recorder.finished(id, call.startedAt, result);
      mix?.recorders[entry].finished(id, call.startedAt, result);
      this.answered(user);
    });
  }

  protected answered(_user: number): void {}

  /** A key from 1…keySpace, from the keys' own stream (so arrivals don't shift). */
  private drawKey(keySpace: number): number {
    const rng = (this.keyRng ??= this.world.sim.rng.stream(`keys/${this.name}`));
    return this.keySampler === null ? 1 + rng.int(keySpace) : this.keySampler.sample(rng);
  }
}

export class OpenLoopClient extends Client {
  private arrivals!: ArrivalProcess;

  constructor(world: World, index: number, name: string, timing: ClientTiming, makePath: CallPathFactory, private readonly arrival: ArrivalSpec) {
    super(world, index, name, timing, makePath);
  }

  override start(): void {
    super.start();
    // A restart begins a fresh arrival process from now; before the start time, wait for it.
    const from = Math.max(this.now, this.timing.startUs);
    this.arrivals = makeArrivals(this.arrival, from, this.world.sim.endUs);
    this.scheduleArrival(this.arrivals.next(from, this.rng));
  }

  override onTimer(tag: number): void {
    if (tag !== TIMER_ARRIVAL) return;
    this.request(-1);
    this.scheduleArrival(this.arrivals.next(this.now, this.rng));
  }

  private scheduleArrival(at: Micros | null): void {
    if (at === null) return;
    if (this.timing.stopUs !== null && at >= this.timing.stopUs) return;
    this.setTimer(at - this.now, TIMER_ARRIVAL);
  }
}

export class ClosedLoopClient extends Client {
  constructor(
    world: World,
    index: number,
    name: string,
    timing: ClientTiming,
    makePath: CallPathFactory,
    private readonly users: number,
    private readonly thinkTime: Sampler,
  ) {
    super(world, index, name, timing, makePath);
  }

  override start(): void {
    super.start();
    // Every user starts at the start time (or now, after a restart) with its first request.
    const delay = Math.max(0, this.timing.startUs - this.now);
    // A limit reached meanwhile ends the loop: nothing scheduled after it would run.
    for (let user = 0; user < this.users && !this.world.sim.stopped; user++) this.setTimer(delay, TIMER_THINK, user);
  }

  override onTimer(tag: number, data: unknown): void {
    if (tag === TIMER_THINK) this.sendFor(data as number);
  }

  private sendFor(user: number): void {
    if (this.timing.stopUs !== null && this.now >= this.timing.stopUs) return;
    this.request(user);
  }

  /** The user thinks, then sends the next request. */
  protected override answered(user: number): void {
    this.setTimer(this.thinkTime.sample(this.rng), TIMER_THINK, user);
  }
}
