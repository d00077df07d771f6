import type { Sampler } from '../engine/dist.ts';
import type { Rng } from '../engine/rng.ts';
import type { Sim } from '../engine/sim.ts';
import type { Micros } from '../engine/time.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Message } from './message.ts';
import { Partitions } from './partitions.ts';

/**
 * The network model: directed links with a latency distribution, loss, duplication,
 * reordering and optional capacity; network-wide defaults with per-link overrides;
 * partitions; and fault overlays (extra latency, extra loss) that come and go.
 *
 * Every message that enters the network leaves it exactly once per copy: delivered, or
 * dropped with a reason, both as trace records.
 */

export interface LinkParams {
  latency: Sampler;
  lossProbability: number;
  duplicateProbability: number;
  /** Chance that a message ignores FIFO order and takes up to `reorderExtraMaxUs` longer. */
  reorderProbability: number;
  reorderExtraMaxUs: Micros;
  /** FIFO per directed link (TCP-like): a message never overtakes an earlier one. */
  ordered: boolean;
  /** Messages per second a link carries; null = unlimited. */
  capacityPerSec: number | null;
  /** With a capacity: how many messages may wait for the link before it drops them. */
  queueLimit: number;
}

/** A fault's temporary change to some links: extra latency and/or extra loss. */
export interface LinkOverlay {
  readonly id: number;
  readonly extraLatencyUs: Micros;
  readonly lossProbability: number;
  appliesTo(from: number, to: number): boolean;
}

/** Per-link bookkeeping, created only for links that need it (ordered or capacity-limited). */
interface LinkState {
  lastArrival: Micros;
  busyUntil: Micros;
  waiting: number;
}

export const DROP_REASONS = ['loss', 'partition', 'link-full', 'node-down', 'node-restarting'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export class Network {
  readonly partitions = new Partitions();
  /** Messages sent and not yet delivered or dropped. */
  inFlight = 0;
  private nextMessageId = 0;
  private readonly overrides = new Map<number, LinkParams>();
  private readonly linkState = new Map<number, LinkState>();
  private overlays: LinkOverlay[] = [];
  /** Per-sender streams, created on first send; pre-sized so V8 keeps the array dense. */
  private readonly senderRng: (Rng | undefined)[];
  private readonly deliverKind: number;
  private readonly leaveQueueKind: number;
  private readonly nodeCount: number;
  private readonly sent;
  private readonly delivered;
  private readonly dropped;

  constructor(
    private readonly sim: Sim,
    private readonly nodeNames: readonly string[],
    private readonly defaults: LinkParams,
    /** Called when a message arrives at its destination (the node layer decides what then). */
    receive: (msg: Message) => void,
    private readonly maxInFlight = Infinity,
  ) {
    this.deliverKind = sim.on('deliver', (_target, _gen, _num, obj) => {
      this.inFlight--;
      const msg = obj as Message;
      if (this.partitions.active && this.partitions.blocked(msg.from, msg.to)) {
        this.drop(msg, 'partition');
        return;
      }
      this.delivered.add();
      receive(msg);
    });
    this.leaveQueueKind = sim.on('link-dequeue', (_target, _gen, key) => {
      const s = this.linkState.get(key);
      if (s !== undefined) s.waiting--;
    });
    this.nodeCount = nodeNames.length;
    this.senderRng = new Array<Rng | undefined>(nodeNames.length).fill(undefined);
    this.sent = sim.metrics.counter('net.sent');
    this.delivered = sim.metrics.counter('net.delivered');
    this.dropped = sim.metrics.counter('net.dropped');
  }

  setLink(from: number, to: number, params: LinkParams): void {
    this.overrides.set(from * this.nodeCount + to, params);
  }

  linkParams(from: number, to: number): LinkParams {
    // Most runs override no link: skip the lookup (it runs for every message).
    if (this.overrides.size === 0) return this.defaults;
    return this.overrides.get(from * this.nodeCount + to) ?? this.defaults;
  }

  addOverlay(overlay: LinkOverlay): void {
    this.overlays.push(overlay);
  }

  removeOverlay(id: number): void {
    this.overlays = this.overlays.filter((o) => o.id !== id);
  }

  /** Creates a message and puts it on the network. Returns it (its id identifies replies). */
  send(from: number, to: number, type: string, payload: unknown, parent: number, deadline: Micros): Message {
    const sim = this.sim;
    const msg: Message = { id: this.nextMessageId++, parent, from, to, type, payload, sentAt: sim.now, deadline };
    sim.trace.emit(TraceKind.send, sim.now, from, to, msg.id, parent, type);
    this.sent.add();
    this.transmit(msg, false);
    return msg;
  }

  /** Records a drop of a message that reached the network layer's edge. */
  drop(msg: Message, reason: DropReason): void {
    this.dropped.add();
    this.sim.metrics.counter(`net.dropped.${reason}`).add();
    this.sim.trace.emit(TraceKind.drop, this.sim.now, msg.from, msg.to, msg.id, reason);
  }

  private transmit(msg: Message, isCopy: boolean): void {
    const { from, to } = msg;
    const params = this.linkParams(from, to);
    const rng = this.rngFor(from);
    if (this.partitions.active && this.partitions.blocked(from, to)) return this.drop(msg, 'partition');

    let loss = params.lossProbability;
    let extra = 0;
    if (this.overlays.length > 0) {
      for (const o of this.overlays) {
        if (!o.appliesTo(from, to)) continue;
        extra += o.extraLatencyUs;
        loss = 1 - (1 - loss) * (1 - o.lossProbability);
      }
    }
    if (loss > 0 && rng.next() < loss) return this.drop(msg, 'loss');

    let departure = this.sim.now;
    let state: LinkState | undefined;
    // Links with random latency (or a latency fault) need a FIFO watermark to stay ordered;
    // a link that once had one keeps using it, so order holds after the fault ends too.
    const needsState = params.capacityPerSec !== null || (params.ordered && (!params.latency.constant || extra > 0));
    if (needsState) state = this.stateFor(from, to);
    else if (this.linkState.size > 0) state = this.linkState.get(from * this.nodeCount + to);
    if (params.capacityPerSec !== null) {
      // The link serialises messages: each occupies it for 1/capacity seconds.
      if (state!.busyUntil > departure) {
        if (state!.waiting >= params.queueLimit) return this.drop(msg, 'link-full');
        departure = state!.busyUntil;
      }
      state!.busyUntil = departure + Math.round(1e6 / params.capacityPerSec);
    }

    let arrival = departure + params.latency.sample(rng) + extra;
    const reordered = params.reorderProbability > 0 && rng.next() < params.reorderProbability;
    if (reordered) arrival += Math.round(rng.next() * params.reorderExtraMaxUs);
    else if (params.ordered && state !== undefined) {
      if (arrival < state.lastArrival) arrival = state.lastArrival;
      state.lastArrival = arrival;
    }
    if (state !== undefined && departure > this.sim.now) {
      state.waiting++;
      this.sim.at(departure, this.leaveQueueKind, -1, 0, from * this.nodeCount + to);
    }

    this.schedule(arrival, msg);
    if (!isCopy && params.duplicateProbability > 0 && rng.next() < params.duplicateProbability) {
      this.sim.trace.emit(TraceKind.dup, this.sim.now, from, to, msg.id);
      this.sim.metrics.counter('net.duplicated').add();
      this.transmit(msg, true);
    }
  }

  private schedule(arrival: Micros, msg: Message): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.sim.stop('maxMessagesInFlight');
    this.sim.at(arrival, this.deliverKind, msg.to, 0, 0, msg);
  }

  private stateFor(from: number, to: number): LinkState {
    const key = from * this.nodeCount + to;
    let s = this.linkState.get(key);
    if (s === undefined) {
      s = { lastArrival: 0, busyUntil: 0, waiting: 0 };
      this.linkState.set(key, s);
    }
    return s;
  }

  /** Each sender draws from its own stream, so traffic elsewhere does not shift its samples. */
  private rngFor(node: number): Rng {
    let rng = this.senderRng[node];
    if (rng === undefined) {
      rng = this.sim.rng.stream(`net/${this.nodeNames[node]}`);
      this.senderRng[node] = rng;
    }
    return rng;
  }
}
