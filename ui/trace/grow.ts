/** Growable typed arrays for the trace indexes. */

/** A growable Float64Array. */
export class F64 {
  a: Float64Array;
  n = 0;
  constructor(cap = 256) {
    this.a = new Float64Array(cap);
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
}

/** A growable Int32Array. */
export class I32 {
  a: Int32Array;
  n = 0;
  constructor(cap = 256) {
    this.a = new Int32Array(cap);
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
}
