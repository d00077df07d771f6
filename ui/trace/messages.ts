/**
 * Messages as flights: each `send` (and each `dup` copy) paired with the `deliver` or `drop`
 * that ends it, so the topology can ask "what is on the wire at time T" and interpolate
 * positions from the playback clock.
 */
import { FIELDS } from './codec.ts';
import { F64, I32 } from './grow.ts';
import type { TraceStore } from './store.ts';

export const OPEN = 0;
export const DELIVERED = 1;
export const DROPPED = 2;

const BLOCK = 256;

export class MessageIndex {
  readonly sendT = new F64();
  readonly endT = new F64();
  readonly from = new I32();
  readonly to = new I32();
  /** OPEN, DELIVERED or DROPPED. */
  readonly end = new I32();
  /** String id of the drop reason (0 when not dropped). */
  readonly reason = new I32();
  /** String id of the message type. */
  readonly type = new I32();
  /** The message id. */
  readonly msg = new F64();
  /** Index of the send record. */
  readonly rec = new I32();
  /** Which attempt of its call the message is: 1, or 2, 3… for a retry (see `attemptAt`). */
  readonly attempt = new I32();
  /** Dropped messages, in drop order, and when. */
  readonly drops = new I32();
  readonly dropT = new F64();
  /**
   * Messages still in flight at the recording's frontier: the open flight of each message id that has one (its first, if a dup copy is open too), and
   * the later open copies of ids that have several, in send order. Nearly every id has one copy:
   * a list per id was an allocation per message, and ingestion spent its time collecting them.
   */
  private readonly openById = new Map<number, number>();
  private readonly moreOpenById = new Map<number, number[]>();
  /** Latest end of the ended messages in each block of BLOCK messages, and its running max. */
  private readonly blockMaxEnd: number[] = [];
  private readonly prefixMaxEnd: number[] = [];
  /** How many of the messages are retry attempts (the legends show a retry entry once there is one). */
  retries = 0;
  /** String id of a call event → the attempt it names (`attempt:3` → 3), 0 for other events. */
  private readonly attemptOfEvent: number[] = [];

  constructor(private readonly store: TraceStore) {}

  get count(): number {
    return this.sendT.n;
  }

  ingest(from: number, to: number): void {
    const s = this.store;
    const send = s.code('send');
    const dup = s.code('dup');
    const deliver = s.code('deliver');
    const drop = s.code('drop');
    const sendTo = s.field(send, 'to');
    const sendMsg = s.field(send, 'msg');
    const sendType = s.field(send, 'type');
    const dupTo = s.field(dup, 'to');
    const dupMsg = s.field(dup, 'msg');
    const deliverMsg = s.field(deliver, 'msg');
    const dropMsg = s.field(drop, 'msg');
    const dropReason = s.field(drop, 'reason');
    const call = s.code('call');
    const callEvent = s.field(call, 'event');
    const k = s.k;
    for (let i = from; i < to; i++) {
      const kind = k[i];
      if (kind === send) {
        this.start(s.t[i], s.nodeOf(i), s.nodeField(i, sendTo), s.num(i, sendMsg), sendType < 0 ? 0 : s.f[i * FIELDS + sendType], i, this.attemptAt(i, call, callEvent));
      } else if (kind === dup) {
        const id = s.num(i, dupMsg);
        const first = this.openById.get(id);
        this.start(s.t[i], s.nodeOf(i), s.nodeField(i, dupTo), id, first === undefined ? 0 : this.type.a[first], i, first === undefined ? 1 : this.attempt.a[first]);
      } else if (kind === deliver) {
        this.finish(s.num(i, deliverMsg), s.t[i], DELIVERED, 0);
      } else if (kind === drop) {
        const idx = this.finish(s.num(i, dropMsg), s.t[i], DROPPED, dropReason < 0 ? 0 : s.f[i * FIELDS + dropReason]);
        if (idx >= 0) {
          this.drops.push(idx);
          this.dropT.push(s.t[i]);
        }
      }
    }
  }

  /**
   * The attempt number of the send record i: a retry's request is announced by the record just
   * before it, a call record `attempt:N` of the same node at the same instant (sim/nodes/
   * transport.ts); any other send is a first attempt.
   */
  private attemptAt(i: number, call: number, event: number): number {
    const s = this.store;
    if (i === 0 || event < 0 || s.k[i - 1] !== call || s.t[i - 1] !== s.t[i] || s.nodeOf(i - 1) !== s.nodeOf(i)) return 1;
    const id = s.f[(i - 1) * FIELDS + event];
    let n = this.attemptOfEvent[id];
    if (n === undefined) {
      const m = /^attempt:(\d+)$/.exec(s.strings[id] ?? '');
      n = this.attemptOfEvent[id] = m ? Number(m[1]) : 0;
    }
    return n > 0 ? n : 1;
  }

  private start(t: number, from: number, to: number, id: number, type: number, rec: number, attempt: number): void {
    const idx = this.sendT.push(t);
    this.attempt.push(attempt);
    if (attempt > 1) this.retries++;
    this.endT.push(Infinity);
    this.from.push(from);
    this.to.push(to);
    this.end.push(OPEN);
    this.reason.push(0);
    this.type.push(type);
    this.msg.push(id);
    this.rec.push(rec);
    if (!this.openById.has(id)) this.openById.set(id, idx);
    else {
      const more = this.moreOpenById.get(id);
      if (more) more.push(idx);
      else this.moreOpenById.set(id, [idx]);
    }
    const block = Math.floor(idx / BLOCK);
    if (block === this.blockMaxEnd.length) {
      this.blockMaxEnd.push(-Infinity);
      this.prefixMaxEnd.push(block > 0 ? this.prefixMaxEnd[block - 1] : -Infinity);
    }
  }

  private finish(id: number, t: number, how: number, reason: number): number {
    const idx = this.openById.get(id);
    if (idx === undefined) return -1;
    const more = this.moreOpenById.get(id);
    if (more === undefined) this.openById.delete(id);
    else {
      this.openById.set(id, more.shift()!);
      if (more.length === 0) this.moreOpenById.delete(id);
    }
    this.endT.set(idx, t);
    this.end.set(idx, how);
    this.reason.set(idx, reason);
    const block = Math.floor(idx / BLOCK);
    if (t > this.blockMaxEnd[block]) this.blockMaxEnd[block] = t;
    for (let b = block; b < this.prefixMaxEnd.length && this.prefixMaxEnd[b] < t; b++) this.prefixMaxEnd[b] = t;
    return idx;
  }

  /** Number of messages sent at or before tUs. */
  sentBy(tUs: number): number {
    return upperBound(this.sendT.a, this.sendT.n, tUs);
  }

  /**
   * Calls `visit` for each message in flight at tUs (sent at or before it, ended after it),
   * at most `max` of them. Returns how many there were in all (counting stops at 100 × max).
   */
  inFlight(tUs: number, max: number, visit: (idx: number) => void): number {
    const upper = this.sentBy(tUs);
    const sendT = this.sendT.a;
    const endT = this.endT.a;
    const end = this.end.a;
    let seen = 0;
    const limit = max * 100;
    for (let block = Math.floor((upper - 1) / BLOCK); block >= 0 && seen < limit; block--) {
      if (this.prefixMaxEnd[block] <= tUs) break;
      if (this.blockMaxEnd[block] <= tUs) continue;
      const first = block * BLOCK;
      const last = Math.min(upper, first + BLOCK);
      for (let idx = first; idx < last; idx++) {
        if (end[idx] !== OPEN && endT[idx] > tUs && sendT[idx] <= tUs) {
          if (seen++ < max) visit(idx);
        }
      }
    }
    // Still in flight at the recording's frontier.
    const visitOpen = (idx: number) => {
      if (sendT[idx] <= tUs && seen++ < max) visit(idx);
    };
    this.openById.forEach(visitOpen);
    for (const more of this.moreOpenById.values()) more.forEach(visitOpen);
    return seen;
  }

  /** Drops at times in (fromUs, toUs], latest first, at most `max`. */
  dropsBetween(fromUs: number, toUs: number, max: number, visit: (idx: number, t: number) => void): void {
    const hi = upperBound(this.dropT.a, this.dropT.n, toUs);
    let n = 0;
    for (let j = hi - 1; j >= 0 && n < max; j--, n++) {
      const t = this.dropT.a[j];
      if (t <= fromUs) break;
      visit(this.drops.a[j], t);
    }
  }

  /**
   * Messages sent in (fromUs, toUs], visiting at most about `max` of them evenly spread;
   * `visit` gets the weight each visited message stands for.
   */
  sentBetween(fromUs: number, toUs: number, max: number, visit: (idx: number, weight: number) => void): void {
    const lo = upperBound(this.sendT.a, this.sendT.n, fromUs);
    const hi = upperBound(this.sendT.a, this.sendT.n, toUs);
    const n = hi - lo;
    if (n <= 0) return;
    const stride = Math.max(1, Math.ceil(n / max));
    for (let idx = lo; idx < hi; idx += stride) visit(idx, Math.min(stride, hi - idx));
  }
}

/** First index in a[0, n) whose value is > x (a sorted ascending). */
export function upperBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
