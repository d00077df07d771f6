import type { Rng } from '../engine/rng.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Micros } from '../engine/time.ts';
import type { Message } from '../net/message.ts';
import { NO_DEADLINE, NO_PARENT } from '../net/message.ts';
import type { World } from './world.ts';

/**
 * A simulated node and its lifecycle.
 *
 * - up: handles messages and timers.
 * - crashed: everything addressed to it is dropped; its volatile state is gone. `durable`
 *   survives (it stands for the node's disk). Timers set before the crash never fire: each
 *   carries the incarnation it was set in.
 * - restarting: booting after a crash; still drops messages, but is on its way up.
 * - paused: frozen (a long GC pause, SIGSTOP): messages and timers wait and are handled, in
 *   order, when it resumes.
 *
 * Subclasses implement behaviour: `start` (re)creates volatile state and timers, `onMessage`,
 * `onTimer`. They keep nothing across a crash except what they put in `durable`.
 */
/** Timer tag of `SimNode.after` callbacks (node subclasses use tags ≥ 0). */
export const CALLBACK_TAG = -1;
/** Timer tag of `SimNode.afterTask` tasks. */
export const TASK_TAG = -2;

/** Work for later that is an object already, so scheduling it needs no closure (see `afterTask`). */
export interface TimerTask {
  fire(): void;
}

/** Shared, so asking a node without named timers allocates nothing (it is asked at every timer). */
const NO_TIMER_NAMES: readonly string[] = [];

export type NodeStatus = 'up' | 'crashed' | 'restarting' | 'paused';

export abstract class SimNode {
  status: NodeStatus = 'up';
  /** Bumped at every crash; timers from an older incarnation are ignored. */
  incarnation = 0;
  /** State that survives a crash. Keep it small and plain (it is what a disk would hold). */
  readonly durable: Record<string, unknown> = {};
  /** Service times are multiplied by this (a "slow node" fault). */
  slowdownFactor = 1;
  /** Extra probability that a request fails (an error-rate brownout). */
  brownoutErrorProbability = 0;
  /** Offset of this node's local clock from true simulated time. */
  clockSkewUs: Micros = 0;
  /** Events held while paused, in arrival order. */
  pausedBacklog: PausedEvent[] = [];
  /** When the node last went down (crash or graceful stop), for measurements; −1 while it never has. */
  downSinceUs: Micros = -1;
  /** Not running at time 0: a spare instance that a scale-out fault starts. */
  startsStopped = false;
  /**
   * Handlers of message types owned by a part of the node rather than its kind — a registry
   * client in a call path, an instance's registration — set up in `start` (see `tap`) and gone
   * with a crash, as everything volatile is. null: none (most nodes).
   */
  taps: Map<string, (msg: Message) => boolean> | null = null;
  private rngCache: Rng | undefined;

  constructor(
    readonly world: World,
    readonly index: number,
    readonly name: string,
    readonly kind: string,
  ) {}

  /** Called at time 0 and after every restart: (re)create volatile state and timers. */
  start(): void {}

  /** Called when the node crashes: forget volatile state (durable stays). */
  onCrash(): void {}

  /** Called just before a graceful stop (a scale-in): say goodbye (deregister) while still up. */
  onGracefulStop(): void {}

  /**
   * A fault this node's kind takes (NODE_KIND_FAULTS: a mesh's new configuration), up or down;
   * the validator made sure it names a node of that kind.
   */
  onKindFault(fault: { type: string }): void {
    throw new Error(`${this.name} (${this.kind}) does not take ${fault.type} faults`);
  }

  /**
   * Hands messages of `type` to `handler` instead of `onMessage`. Several parts may tap one
   * type: the newest is asked first, and returns false to pass a message it does not own on.
   */
  tap(type: string, handler: (msg: Message) => boolean): void {
    const taps = (this.taps ??= new Map());
    const earlier = taps.get(type);
    taps.set(type, earlier === undefined ? handler : (msg: Message) => handler(msg) || earlier(msg));
  }

  abstract onMessage(msg: Message): void;

  /** A timer set with `setTimer` fired. `tag` says which; `data` is what was passed. */
  onTimer(_tag: number, _data: unknown): void {}

  /** Names of the timer tags, for trace records (index = tag). */
  timerNames(): readonly string[] {
    return NO_TIMER_NAMES;
  }

  get now(): Micros {
    return this.world.sim.now;
  }

  /** What this node's own clock reads (skewed by a clock-skew fault). */
  localTime(): Micros {
    return this.world.sim.now + this.clockSkewUs;
  }

  /** This node's random stream. */
  get rng(): Rng {
    return (this.rngCache ??= this.world.sim.rng.stream(`node/${this.name}`));
  }

  send(to: number, type: string, payload: unknown = null, parent = NO_PARENT, deadline = NO_DEADLINE): Message {
    return this.world.network.send(this.index, to, type, payload, parent, deadline);
  }

  /** Fires `onTimer(tag, data)` after `delayUs`, unless the node crashes first. */
  setTimer(delayUs: Micros, tag: number, data: unknown = undefined): void {
    this.world.setTimer(this, delayUs, tag, data);
  }

  /**
   * Runs `fn` after `delayUs`, unless the node crashes first (then it never runs: a crash
   * takes the process, and its pending work, with it). For policies on a call path, whose
   * continuations are naturally closures; node behaviour on the hot path uses tagged timers.
   */
  after(delayUs: Micros, fn: () => void): void {
    this.world.setTimer(this, delayUs, CALLBACK_TAG, fn);
  }

  /** `after` for an object with a `fire` method: for hot paths (a timeout per call), no closure. */
  afterTask(delayUs: Micros, task: TimerTask): void {
    this.world.setTimer(this, delayUs, TASK_TAG, task);
  }

  /** Emits a state record (pattern state the sandbox draws: breaker state, queue depth…). */
  state(key: string, value: string | number): void {
    this.world.traceState(this.index, key, String(value));
  }

  /** Emits a call record: what happened to call `callId` at `layer` (admitted, rejected:<why>, retry:2…). */
  callEvent(callId: number, layer: string, event: string): void {
    const sim = this.world.sim;
    sim.trace.emit(TraceKind.call, sim.now, this.index, callId, layer, event);
  }
}

export type PausedEvent = { message: Message } | { tag: number; data: unknown };
