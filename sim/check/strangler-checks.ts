import type { TraceRecord } from '../engine/trace.ts';
import { REQUEST, RESPONSE } from '../nodes/protocol.ts';
import type { TraceInvariant, TraceScope, Violation } from './invariants.ts';

/**
 * Checks of a strangler-fig facade (sim/patterns/strangler-fig.ts), rebuilt from the messages
 * in the trace — not from the facade's own counters:
 *
 * - `once`: a facade never drops or double-answers a request during a shift. When the system
 *   serving a request answers it, the facade answers the client in the same instant; a request
 *   is answered at most once. A facade crash forgives what it held.
 * - `shadow`: shadow answers never reach the client: a client's answer never follows the
 *   shadow system's answer for that request unless the serving system had answered it.
 *
 * Which system serves a request is the facade's `serve:<node>` record; the rest is messages:
 * the facade's request to a system carries the client's request as its parent, the system's
 * response carries the facade's request as its parent, the facade's answer the client's request.
 */
export class StranglerAnswers implements TraceInvariant {
  violation: Violation | null = null;
  examined = 0;
  readonly kinds = ['send', 'deliver', 'call', 'fault'] as const;
  readonly scope: TraceScope;
  readonly unit = 'requests answered';
  /** The facade's request to a system → the client's request it is for. */
  private readonly forClient = new Map<number, number>();
  /** A system's response → the facade's request it answers. */
  private readonly answers = new Map<number, number>();
  /** Client request → the system serving it. */
  private readonly serving = new Map<number, string>();
  /** Client requests whose serving system answered, with when (must be answered then). */
  private readonly due = new Map<number, number>();
  /** Client requests whose shadow answered before the serving system did, with when. */
  private readonly shadowFirst = new Map<number, number>();
  private readonly answered = new Set<number>();
  private now = -1;

  constructor(
    private readonly facade: string,
    private readonly legacy: string,
    private readonly modern: string,
    private readonly rule: 'once' | 'shadow',
  ) {
    this.scope = { nodes: [facade, legacy, modern] };
  }

  describe(): string {
    return this.rule === 'once' ? `${this.facade} answers every request exactly once` : `${this.facade}'s shadow answers never reach a client`;
  }

  onRecord(r: TraceRecord): void {
    if (r.t !== this.now) this.instantOver(r.t);
    if (r.k === 'fault') {
      if (r.node === this.facade && r.fault === 'crash') this.due.clear();
      return;
    }
    if (r.k === 'call') {
      const event = String(r.event);
      if (r.node === this.facade && event.startsWith('serve:')) this.serving.set(Number(r.call), event.slice(6));
      return;
    }
    if (r.k === 'send') return this.sent(r);
    if (r.k === 'deliver' && r.node === this.facade && r.type === RESPONSE) this.systemAnswered(Number(r.msg), String(r.from));
  }

  finish(endUs: number): void {
    this.instantOver(endUs + 1);
  }

  private sent(r: TraceRecord): void {
    const to = String(r.to);
    if (r.node === this.facade && r.type === REQUEST && (to === this.legacy || to === this.modern)) {
      this.forClient.set(Number(r.msg), Number(r.parent));
    } else if ((r.node === this.legacy || r.node === this.modern) && to === this.facade && r.type === RESPONSE) {
      this.answers.set(Number(r.msg), Number(r.parent));
    } else if (r.node === this.facade && r.type === RESPONSE && to !== this.legacy && to !== this.modern) {
      this.clientAnswered(Number(r.parent), r.t);
    }
  }

  private systemAnswered(response: number, from: string): void {
    const request = this.answers.get(response);
    if (request === undefined) return;
    this.answers.delete(response);
    const client = this.forClient.get(request);
    if (client === undefined) return;
    this.forClient.delete(request);
    if (this.serving.get(client) === from) {
      if (!this.answered.has(client)) this.due.set(client, this.now);
    } else if (!this.due.has(client) && !this.answered.has(client)) {
      this.shadowFirst.set(client, this.now);
    }
  }

  private clientAnswered(client: number, t: number): void {
    this.examined++;
    if (this.violation !== null) return;
    if (this.rule === 'once' && this.answered.has(client)) {
      this.violation = { t, node: this.facade, detail: `request ${client} answered twice` };
    }
    if (this.rule === 'shadow' && this.shadowFirst.get(client) === t && !this.due.has(client)) {
      this.violation = { t, node: this.facade, detail: `request ${client} answered by the shadow (${this.modern}) before ${this.serving.get(client) ?? 'its serving system'} had answered` };
    }
    this.answered.add(client);
    this.due.delete(client);
    this.shadowFirst.delete(client);
    this.serving.delete(client);
  }

  /** Time moved on: a request its serving system answered in the instant before must have been answered. */
  private instantOver(t: number): void {
    if (this.rule === 'once' && this.violation === null) {
      for (const [client, at] of this.due) {
        if (at < t) {
          this.violation = { t: at, node: this.facade, detail: `request ${client}: ${this.serving.get(client) ?? 'its system'} answered it, the facade never did` };
          break;
        }
      }
    }
    this.shadowFirst.clear();
    this.now = t;
  }
}
