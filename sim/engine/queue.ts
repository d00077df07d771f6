import type { Micros } from './time.ts';

/**
 * The future event list: a binary min-heap ordered by (time, sequence number). Sequence
 * numbers only grow, so no two events compare equal and the order is total (DESIGN
 * principle 2).
 *
 * Layout, for the CPU cache and the garbage collector: the heap holds three parallel typed
 * arrays (time, sequence, slot) so sifting touches only numbers; an event's fields live in
 * slot-indexed arrays that are reused through a free list, so scheduling allocates nothing.
 * The one object field (`obj`) is a reference the caller already owned.
 *
 * Two sequence ranges: ordinary events count up from 0; "first" events (faults) count up from
 * -2^52, so at the same instant every fault comes before every ordinary event, in the order
 * the faults were scheduled. That lets a fault injected while a run is paused land at exactly
 * the position a replay from the fault log would give it.
 */
export class EventQueue {
  private heapTime: Float64Array;
  private heapSeq: Float64Array;
  private heapSlot: Int32Array;
  private count = 0;

  /** Event fields by slot. Read them for the slot `pop` returns, before the next `push`. */
  kind: Int32Array;
  target: Int32Array;
  gen: Int32Array;
  num: Float64Array;
  obj: unknown[];

  private freeSlots: Int32Array;
  private freeCount: number;
  private nextSeq = 0;
  private nextFirstSeq = -(2 ** 52);

  constructor(initialCapacity = 1024) {
    const n = Math.max(16, initialCapacity);
    this.heapTime = new Float64Array(n);
    this.heapSeq = new Float64Array(n);
    this.heapSlot = new Int32Array(n);
    this.kind = new Int32Array(n);
    this.target = new Int32Array(n);
    this.gen = new Int32Array(n);
    this.num = new Float64Array(n);
    this.obj = new Array<unknown>(n).fill(undefined);
    this.freeSlots = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i;
    this.freeCount = n;
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): Micros {
    return this.count > 0 ? this.heapTime[0] : Infinity;
  }

  /** Schedules an event; returns its sequence number. */
  push(time: Micros, kind: number, target: number, gen: number, num: number, obj: unknown): number {
    const seq = this.nextSeq++;
    this.insert(time, seq, kind, target, gen, num, obj);
    return seq;
  }

  /** Schedules an event that precedes every ordinary event at the same time (faults). */
  pushFirst(time: Micros, kind: number, target: number, gen: number, num: number, obj: unknown): number {
    const seq = this.nextFirstSeq++;
    this.insert(time, seq, kind, target, gen, num, obj);
    return seq;
  }

  /** Removes the earliest event and returns its slot; `release` it after reading the fields. */
  popSlot(): number {
    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const heapSlot = this.heapSlot;
    const top = heapSlot[0];
    const last = --this.count;
    if (last > 0) {
      const t = heapTime[last];
      const s = heapSeq[last];
      const slot = heapSlot[last];
      let i = 0;
      const half = last >> 1;
      while (i < half) {
        let child = 2 * i + 1;
        let ct = heapTime[child];
        let cs = heapSeq[child];
        const right = child + 1;
        if (right < last) {
          const rt = heapTime[right];
          if (rt < ct || (rt === ct && heapSeq[right] < cs)) {
            child = right;
            ct = rt;
            cs = heapSeq[right];
          }
        }
        if (ct < t || (ct === t && cs < s)) {
          heapTime[i] = ct;
          heapSeq[i] = cs;
          heapSlot[i] = heapSlot[child];
          i = child;
        } else break;
      }
      heapTime[i] = t;
      heapSeq[i] = s;
      heapSlot[i] = slot;
    }
    return top;
  }

  /** Returns a slot to the free list and drops its object reference. */
  release(slot: number): void {
    this.obj[slot] = undefined;
    this.freeSlots[this.freeCount++] = slot;
  }

  private insert(time: Micros, seq: number, kind: number, target: number, gen: number, num: number, obj: unknown): void {
    if (this.freeCount === 0) this.grow();
    const slot = this.freeSlots[--this.freeCount];
    this.kind[slot] = kind;
    this.target[slot] = target;
    this.gen[slot] = gen;
    this.num[slot] = num;
    this.obj[slot] = obj;

    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const heapSlot = this.heapSlot;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = heapTime[parent];
      if (time < pt || (time === pt && seq < heapSeq[parent])) {
        heapTime[i] = pt;
        heapSeq[i] = heapSeq[parent];
        heapSlot[i] = heapSlot[parent];
        i = parent;
      } else break;
    }
    heapTime[i] = time;
    heapSeq[i] = seq;
    heapSlot[i] = slot;
  }

  private grow(): void {
    const old = this.heapTime.length;
    const n = old * 2;
    this.heapTime = growF64(this.heapTime, n);
    this.heapSeq = growF64(this.heapSeq, n);
    this.heapSlot = growI32(this.heapSlot, n);
    this.kind = growI32(this.kind, n);
    this.target = growI32(this.target, n);
    this.gen = growI32(this.gen, n);
    this.num = growF64(this.num, n);
    this.obj.length = n;
    this.obj.fill(undefined, old);
    const free = new Int32Array(n);
    // Every slot is in use when we grow, so the free list is exactly the new slots.
    for (let i = 0; i < n - old; i++) free[i] = n - 1 - i;
    this.freeSlots = free;
    this.freeCount = n - old;
  }
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
