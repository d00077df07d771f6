/**
 * Growable typed arrays for the trace indexes.
 *
 * They double, but not in one go: the message index keeps ten of them in step, and doubling
 * ten arrays of a million entries at once stalled a frame for ~60 ms while a run streamed in.
 * Once an array is half full its successor is allocated and each push copies two old entries
 * across, so the successor is complete by the time it is needed. Entries written after a push
 * must go through `set`, which keeps both copies in step.
 */
type Typed = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>;

abstract class Growable<A extends Typed> {
  a: A;
  n = 0;
  private next: A | null = null;
  private copied = 0;

  constructor(cap: number) {
    this.a = this.make(cap);
  }

  protected abstract make(cap: number): A;

  push(v: number): number {
    if (this.next !== null) this.copyAhead(2);
    else if (this.n * 2 >= this.a.length) this.next = this.make(Math.max(16, this.a.length * 2));
    if (this.n === this.a.length) this.swap();
    this.a[this.n] = v;
    return this.n++;
  }

  /** Writes entry i (< n). */
  set(i: number, v: number): void {
    this.a[i] = v;
    if (this.next !== null && i < this.copied) this.next[i] = v;
  }

  private copyAhead(count: number): void {
    const next = this.next!;
    const to = Math.min(this.n, this.copied + count);
    for (let i = this.copied; i < to; i++) next[i] = this.a[i];
    this.copied = to;
  }

  private swap(): void {
    this.copyAhead(this.n);
    this.a = this.next!;
    this.next = null;
    this.copied = 0;
  }
}

/** A growable Float64Array. */
export class F64 extends Growable<Float64Array<ArrayBuffer>> {
  constructor(cap = 256) {
    super(cap);
  }
  protected make(cap: number): Float64Array<ArrayBuffer> {
    return new Float64Array(cap);
  }
}

/** A growable Int32Array. */
export class I32 extends Growable<Int32Array<ArrayBuffer>> {
  constructor(cap = 256) {
    super(cap);
  }
  protected make(cap: number): Int32Array<ArrayBuffer> {
    return new Int32Array(cap);
  }
}
