import type { Counter } from '../engine/metrics.ts';
import type { Histogram } from '../engine/histogram.ts';
import type { TimeSeries } from '../engine/metrics.ts';
import type { Micros } from '../engine/time.ts';
import { TraceKind } from '../engine/trace.ts';
import type { Message } from '../net/message.ts';
import { NO_DEADLINE, NO_PARENT } from '../net/message.ts';
import type { SimNode } from './node.ts';
import { isResponsePayload, REQUEST } from './protocol.ts';

/**
 * Request/response for a calling node: matches replies to requests, times requests out, and
 * records every request's latency and outcome. A reply that arrives after its request timed
 * out (or a duplicate reply) is a "late reply": counted and otherwise ignored.
 *
 * The owning node routes its timer tag `timeoutTag` to `onTimeout` and its response messages
 * to `onResponse`; both return the caller's `context` number (or -1 when the event no longer
 * matters), so the owner can continue (closed-loop users think, retries retry…).
 */
export type CallOutcome = 'ok' | 'error' | 'rejected' | 'timeout';

interface Pending {
  readonly sentAt: Micros;
  readonly context: number;
}

export interface RpcOptions {
  /** Infinity = wait forever. */
  timeoutUs: Micros;
  /** Put the deadline on the request so the callee can drop work nobody waits for. */
  propagateDeadline: boolean;
  /** The owner's timer tag for timeouts. */
  timeoutTag: number;
}

export class RpcClient {
  private readonly pending = new Map<number, Pending>();
  private readonly counts: Record<CallOutcome, Counter>;
  private readonly series: Record<CallOutcome, TimeSeries>;
  private readonly latency: Histogram;
  private readonly errorLatency: Histogram;
  private readonly late: Counter;
  private readonly sent: Counter;

  constructor(
    private readonly node: SimNode,
    private readonly options: RpcOptions,
  ) {
    const m = node.world.sim.metrics;
    const name = node.name;
    this.counts = { ok: m.counter(`${name}.ok`), error: m.counter(`${name}.error`), rejected: m.counter(`${name}.rejected`), timeout: m.counter(`${name}.timeout`) };
    this.series = { ok: m.timeSeries(`${name}.ok`), error: m.timeSeries(`${name}.error`), rejected: m.timeSeries(`${name}.rejected`), timeout: m.timeSeries(`${name}.timeout`) };
    this.latency = m.durationHistogram(`${name}.latencyMs`);
    this.errorLatency = m.durationHistogram(`${name}.failedLatencyMs`);
    this.late = m.counter(`${name}.lateReplies`);
    this.sent = m.counter(`${name}.requests`);
  }

  /** Requests awaiting a reply. */
  get outstanding(): number {
    return this.pending.size;
  }

  call(to: number, payload: unknown, context: number, parent = NO_PARENT): Message {
    const node = this.node;
    const { timeoutUs, propagateDeadline, timeoutTag } = this.options;
    const deadline = propagateDeadline && timeoutUs !== Infinity ? node.now + timeoutUs : NO_DEADLINE;
    const msg = node.send(to, REQUEST, payload, parent, deadline);
    this.pending.set(msg.id, { sentAt: node.now, context });
    this.sent.add();
    if (timeoutUs !== Infinity) node.setTimer(timeoutUs, timeoutTag, msg.id);
    return msg;
  }

  onResponse(msg: Message): number {
    const p = this.pending.get(msg.parent);
    if (p === undefined) {
      this.late.add();
      return -1;
    }
    this.pending.delete(msg.parent);
    const outcome = isResponsePayload(msg.payload) ? msg.payload.outcome : 'error';
    this.record(msg.parent, p, outcome);
    return p.context;
  }

  onTimeout(requestId: number): number {
    const p = this.pending.get(requestId);
    if (p === undefined) return -1;
    this.pending.delete(requestId);
    this.record(requestId, p, 'timeout');
    return p.context;
  }

  /** Forget every pending request (the caller crashed: nobody waits for them any more). */
  clear(): void {
    this.pending.clear();
  }

  private record(requestId: number, p: Pending, outcome: CallOutcome): void {
    const now = this.node.now;
    const latencyUs = now - p.sentAt;
    this.counts[outcome].add();
    this.series[outcome].count(now);
    if (outcome === 'ok') {
      this.latency.record(latencyUs);
      this.series.ok.sample(now, latencyUs);
    } else this.errorLatency.record(latencyUs);
    this.node.world.sim.trace.emit(TraceKind.span, now, this.node.index, requestId, outcome, latencyUs);
  }
}
