/**
 * Growable typed arrays for the trace store and its indexes, on resizable ArrayBuffers.
 *
 * A run streams up to millions of records into a dozen columns while the page plays. Doubling
 * a column copies it, and even copied a little at a time (two old entries per push) the fresh
 * memory was touched in bursts: slices of ingestion meant to take a millisecond took 8–20 ms,
 * and frames were missed. A resizable buffer reserves address space up to its maximum and grows
 * in place: nothing is copied, and new memory is touched only as entries are written. Growth
 * goes in steps of at most GROW_STEP entries, so a step commits little memory at a time.
 *
 * Past its reservation (or where the browser refuses one) an array is copied once into a
 * bigger one, as a plain typed array would be.
 */
export type Typed = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

interface TypedCtor<A extends Typed> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
}

/** Entries a trace column may hold without a copy: twice the page's record cap (session.ts). */
export const TRACE_MAX_ENTRIES = 1 << 22;
/** The most entries one growth step adds (smaller arrays double). */
const GROW_STEP = 1 << 16;

/** A typed array of `cap` entries whose buffer can grow in place to `maxEntries`. */
export function growableArray<A extends Typed>(ctor: TypedCtor<A>, cap: number, maxEntries: number): A {
  const bytes = cap * ctor.BYTES_PER_ELEMENT;
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(bytes, { maxByteLength: Math.max(cap, maxEntries) * ctor.BYTES_PER_ELEMENT });
  } catch {
    // No address space to reserve (or no resizable buffers): grow by copying.
    buffer = new ArrayBuffer(bytes);
  }
  return new ctor(buffer, 0, cap);
}

/** `a`, or an array holding its entries with room for at least `n`: grown in place while its reservation lasts, else copied. */
export function grownTo<A extends Typed>(a: A, n: number, ctor: TypedCtor<A>): A {
  if (n <= a.length) return a;
  let cap = Math.max(1, a.length);
  while (cap < n) cap += Math.min(cap, GROW_STEP);
  const buffer = a.buffer;
  const bytes = cap * ctor.BYTES_PER_ELEMENT;
  if (buffer.resizable && bytes <= buffer.maxByteLength) {
    buffer.resize(bytes);
    return new ctor(buffer, 0, cap);
  }
  const bigger = growableArray(ctor, cap, 2 * Math.max(cap, buffer.maxByteLength / ctor.BYTES_PER_ELEMENT));
  bigger.set(a);
  return bigger;
}

abstract class Growable<A extends Typed> {
  a: A;
  n = 0;

  constructor(
    private readonly ctor: TypedCtor<A>,
    cap: number,
    maxEntries: number,
  ) {
    this.a = growableArray(ctor, cap, maxEntries);
  }

  push(v: number): number {
    if (this.n === this.a.length) this.a = grownTo(this.a, this.n + 1, this.ctor);
    this.a[this.n] = v;
    return this.n++;
  }

  /** Writes entry i (< n). */
  set(i: number, v: number): void {
    this.a[i] = v;
  }
}

/** A growable Float64Array (grows in place up to `maxEntries`, by copying beyond). */
export class F64 extends Growable<Float64Array<ArrayBuffer>> {
  constructor(cap = 256, maxEntries = TRACE_MAX_ENTRIES) {
    super(Float64Array, cap, maxEntries);
  }
}

/** A growable Int32Array (grows in place up to `maxEntries`, by copying beyond). */
export class I32 extends Growable<Int32Array<ArrayBuffer>> {
  constructor(cap = 256, maxEntries = TRACE_MAX_ENTRIES) {
    super(Int32Array, cap, maxEntries);
  }
}
