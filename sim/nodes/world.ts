import type { Sim } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Message } from '../net/message.ts';
import type { Network } from '../net/network.ts';
import { CALLBACK_TAG, TASK_TAG, type SimNode, type TimerTask } from './node.ts';

/**
 * The world: the engine, the network and the nodes, wired together. It routes arrivals and
 * timers to nodes according to their lifecycle, and carries out lifecycle changes (crash,
 * restart, pause, resume) that faults ask for.
 */
export class World {
  readonly nodes: SimNode[] = [];
  /** The request types the scenario's workloads send; a typed request carries its index here. */
  requestTypes: readonly string[] = [];
  private readonly byName = new Map<string, SimNode>();
  network!: Network;
  private readonly timerKind: number;
  private readonly resumeKind: number;

  constructor(
    readonly sim: Sim,
    readonly nodeNames: readonly string[],
  ) {
    // A timer event carries the node, its incarnation, the tag (as num) and the data (as obj),
    // so setting a timer allocates nothing.
    this.timerKind = sim.on('timer', (target, incarnation, tag, data) => {
      const node = this.nodes[target];
      if (node.incarnation !== incarnation || node.status === 'crashed' || node.status === 'restarting') return;
      if (node.status === 'paused') {
        this.holdWhilePaused(node, { tag, data });
        return;
      }
      this.fireTimer(node, tag, data);
    });
    this.resumeKind = sim.on('resume-backlog', (target, incarnation) => {
      const node = this.nodes[target];
      if (node.incarnation === incarnation) this.drainBacklog(node);
    });
  }

  attachNetwork(network: Network): void {
    this.network = network;
  }

  add(node: SimNode): void {
    if (node.index !== this.nodes.length) throw new Error(`node ${node.name} added out of order`);
    this.nodes.push(node);
    this.byName.set(node.name, node);
  }

  node(name: string): SimNode {
    const node = this.byName.get(name);
    if (node === undefined) throw new Error(`no node named ${name}`);
    return node;
  }

  /** Starts every node at time 0. */
  start(): void {
    for (const node of this.nodes) {
      if (!node.startsStopped) node.start();
      else {
        // A spare instance: down from the start (as if crashed, which every check understands), until a scale-out.
        node.status = 'crashed';
        node.downSinceUs = this.sim.now;
        this.traceState(node.index, 'status', 'crashed');
        this.traceState(node.index, 'lifecycle', 'scaled-in');
      }
    }
  }

  /** The network hands over a message that reached `msg.to`. */
  receive(msg: Message): void {
    const node = this.nodes[msg.to];
    switch (node.status) {
      case 'up': {
        this.sim.trace.emit(TraceKind.deliver, this.sim.now, msg.to, msg.from, msg.id, msg.type);
        const tap = node.taps === null ? undefined : node.taps.get(msg.type);
        if (tap === undefined || !tap(msg)) node.onMessage(msg);
        return;
      }
      case 'paused':
        this.holdWhilePaused(node, { message: msg });
        return;
      case 'crashed':
        this.network.drop(msg, 'node-down');
        return;
      case 'restarting':
        this.network.drop(msg, 'node-restarting');
        return;
    }
  }

  setTimer(node: SimNode, delayUs: Micros, tag: number, data: unknown): void {
    this.sim.after(delayUs, this.timerKind, node.index, node.incarnation, tag, data);
  }

  traceState(node: number, key: string, value: string): void {
    this.sim.trace.emit(TraceKind.state, this.sim.now, node, key, value);
  }

  // ---- lifecycle, driven by faults -------------------------------------------------------

  crash(node: SimNode): void {
    if (this.goDown(node)) this.sim.metrics.counter(`${node.name}.crashes`).add();
  }

  /** Takes a node down (a crash, or the end of a graceful stop); false if it was down already. */
  private goDown(node: SimNode): boolean {
    if (node.status === 'crashed') return false;
    node.status = 'crashed';
    node.incarnation++;
    node.downSinceUs = this.sim.now;
    node.taps = null;
    this.sim.dequeued(node.pausedBacklog.length);
    node.pausedBacklog = [];
    node.onCrash();
    this.traceState(node.index, 'status', 'crashed');
    return true;
  }

  /**
   * A graceful stop (scale-in): the node says goodbye (deregisters) while still up, then goes
   * down like a crash — its volatile state and pending work are gone — marked as scaled in.
   */
  stop(node: SimNode, saidGoodbye = false): void {
    if (node.status !== 'up' && node.status !== 'paused') return;
    // A paused process cannot say anything; it just goes.
    if (!saidGoodbye && node.status === 'up') node.onGracefulStop();
    this.goDown(node);
    this.traceState(node.index, 'lifecycle', 'scaled-in');
    this.sim.metrics.counter(`${node.name}.scaledIn`).add();
  }

  /** Begins a restart; with a boot time the node is `restarting` until `finishRestart`. */
  beginRestart(node: SimNode): void {
    if (node.status !== 'crashed') return;
    node.status = 'restarting';
    this.traceState(node.index, 'status', 'restarting');
  }

  finishRestart(node: SimNode): void {
    if (node.status !== 'restarting' && node.status !== 'crashed') return;
    node.status = 'up';
    node.slowdownFactor = 1;
    node.brownoutErrorProbability = 0;
    this.traceState(node.index, 'status', 'up');
    this.sim.metrics.counter(`${node.name}.restarts`).add();
    node.start();
  }

  pause(node: SimNode): void {
    if (node.status !== 'up') return;
    node.status = 'paused';
    this.traceState(node.index, 'status', 'paused');
  }

  /** Resumes a paused node; what waited is handled in order, starting at this instant. */
  resume(node: SimNode): void {
    if (node.status !== 'paused') return;
    node.status = 'up';
    this.traceState(node.index, 'status', 'up');
    if (node.pausedBacklog.length > 0) this.sim.after(0, this.resumeKind, node.index, node.incarnation);
  }

  /**
   * A paused node keeps what reaches it until it resumes; the backlog is a queue like any
   * other, so it counts towards `maxQueuedRequests` (a long pause under load would grow it
   * without bound).
   */
  private holdWhilePaused(node: SimNode, event: SimNode['pausedBacklog'][number]): void {
    node.pausedBacklog.push(event);
    this.sim.enqueued();
  }

  private drainBacklog(node: SimNode): void {
    const backlog = node.pausedBacklog;
    node.pausedBacklog = [];
    this.sim.dequeued(backlog.length);
    for (let i = 0; i < backlog.length; i++) {
      if (node.status !== 'up') {
        // Paused or crashed again while draining: keep the rest (or lose it with the crash).
        if (node.status === 'paused') {
          node.pausedBacklog = backlog.slice(i).concat(node.pausedBacklog);
          this.sim.enqueued(backlog.length - i);
        }
        return;
      }
      const event = backlog[i];
      if ('message' in event) this.receive(event.message);
      else this.fireTimer(node, event.tag, event.data);
    }
  }

  private fireTimer(node: SimNode, tag: number, data: unknown): void {
    if (tag === CALLBACK_TAG) return (data as () => void)();
    if (tag === TASK_TAG) return (data as TimerTask).fire();
    const names = node.timerNames();
    if (tag < names.length && names[tag] !== '') this.sim.trace.emit(TraceKind.timer, this.sim.now, node.index, names[tag]);
    node.onTimer(tag, data);
  }
}
