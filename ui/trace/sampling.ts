/**
 * What the worker records of a run longer than the page's record budget. M/M/1 makes about
 * seven records per request and a million requests; the page keeps two million records, so
 * recording everything stopped at 28 % of the run. Instead: every record until half the budget
 * is spent, then every record the charts and node state are made of (request spans, policy
 * rejections, state changes, faults, checks) and, of the message flights (sends, deliveries,
 * drops, service work, policy passes), a sample sized to fit the rest of the budget over the
 * rest of the run. A sampled request keeps its whole flight: its send, delivery, the work on
 * it, its response and the calls it caused.
 */
import type { TraceRecord } from '../../sim/engine/trace.ts';

/** Share of the budget recorded in full before sampling starts. */
export const FULL_SHARE = 0.5;
/** Share of the projected room the sample aims to fill (projections from the run so far are rough). */
const AIM = 0.8;

/** Kinds that make up message flights, sampled past the full share. */
const FLIGHT_KINDS = new Set(['send', 'deliver', 'drop', 'dup', 'work', 'call']);

export interface Sampling {
  /** Flights are sampled for records after this time. */
  fromUs: number;
  /** About one flight in this many is recorded. */
  every: number;
}

export class RecordSampler {
  /** Set once sampling has started. */
  sampling: Sampling | null = null;
  private kept = 0;
  private flights = 0;
  /** Messages whose flight is recorded (their replies and the calls they cause are too). */
  private readonly keptMessages = new Set<number>();

  /** `startUs`: records before it are not streamed (a what-if branch streams what comes after its cursor). */
  constructor(
    private readonly budget: number,
    private readonly endUs: number,
    private readonly startUs = 0,
  ) {}

  /** Whether to record `r`; call for every record, in order. */
  keep(r: TraceRecord): boolean {
    const flight = isFlight(r);
    if (this.sampling === null) {
      if (this.kept >= this.budget * FULL_SHARE && r.t > this.startUs) this.startSampling(r.t);
      else return this.count(flight);
    }
    if (!flight) return this.count(false);
    return this.keepFlight(r) && this.count(true);
  }

  private count(flight: boolean): true {
    this.kept++;
    if (flight) this.flights++;
    return true;
  }

  /** Sizes the sample from the record rates so far: the rest of the run's flights into the room the rest of its other records leave. */
  private startSampling(tUs: number): void {
    const remaining = Math.max(0, this.endUs - tUs) / (tUs - this.startUs);
    const others = (this.kept - this.flights) * remaining;
    const room = (this.budget - this.kept - others) * AIM;
    const flights = this.flights * remaining;
    const every = room <= 0 ? Infinity : Math.max(1, Math.ceil(flights / room));
    this.sampling = { fromUs: tUs, every };
  }

  private keepFlight(r: TraceRecord): boolean {
    const every = this.sampling!.every;
    switch (r.k) {
      case 'send': {
        // A reply or a downstream call goes with the message that caused it; a client's request is sampled by id.
        const msg = r.msg as number;
        const parent = r.parent as number;
        if (parent >= 0 ? this.keptMessages.has(parent) : msg % every === 0) {
          this.keptMessages.add(msg);
          return true;
        }
        return false;
      }
      case 'deliver':
      case 'drop':
      case 'dup':
      case 'work':
        return this.keptMessages.has(r.msg as number);
      default:
        // Policy passes: rejections feed the charts, so all of them; the rest by call id.
        return String(r.event).startsWith('rejected') || (r.call as number) % every === 0;
    }
  }
}

function isFlight(r: TraceRecord): boolean {
  return FLIGHT_KINDS.has(r.k);
}
