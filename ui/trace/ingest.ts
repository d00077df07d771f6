/**
 * Streamed batches on their way into the page's store, appended a slice at a time within a
 * time budget per animation frame. A batch can hold 32,768 records, and indexing it (flights,
 * chart windows, node state) took a few hundred milliseconds in one go: frames stopped while
 * the worker was still computing. In slices of a millisecond or so, playback keeps its frames.
 */
import { FIELDS, type TraceBatch } from './codec.ts';
import type { TraceStore } from './store.ts';

/** Records appended between looks at the clock (about a millisecond's work, or less). */
export const SLICE_RECORDS = 1024;

interface Pending {
  batch: TraceBatch;
  /** The record is complete up to this time once the whole batch is in. */
  untilUs: number;
}

export class IngestQueue {
  private readonly pending: Pending[] = [];
  /** Records of the first pending batch already appended. */
  private offset = 0;

  get empty(): boolean {
    return this.pending.length === 0;
  }

  push(batch: TraceBatch, untilUs: number): void {
    this.pending.push({ batch, untilUs });
  }

  /**
   * Appends slices to `store` until `budgetMs` has passed on `now` (ms), or everything has
   * been appended (then returns true). At least one slice goes in per call, so a slow page
   * still catches up.
   */
  drain(store: TraceStore, budgetMs: number, now: () => number): boolean {
    const start = now();
    do {
      this.appendSlice(store);
    } while (!this.empty && now() - start < budgetMs);
    return this.empty;
  }

  /** Appends everything pending at once. */
  drainAll(store: TraceStore): void {
    while (!this.empty) this.appendSlice(store);
  }

  /** Drops everything pending. */
  clear(): void {
    this.pending.length = 0;
    this.offset = 0;
  }

  private appendSlice(store: TraceStore): void {
    const head = this.pending[0];
    const { batch } = head;
    const from = this.offset;
    const to = Math.min(batch.count, from + SLICE_RECORDS);
    if (to >= batch.count) {
      this.pending.shift();
      this.offset = 0;
      store.append(from === 0 ? batch : sliceBatch(batch, from, to), head.untilUs);
      return;
    }
    this.offset = to;
    // Records are in time order: everything at or before the next record's time less 1 µs is in.
    store.append(sliceBatch(batch, from, to), Math.min(head.untilUs, batch.t[to] - 1));
  }
}

/** Records [from, to) of a batch, as a batch (views of its arrays; new strings and kinds go with the first slice). */
export function sliceBatch(batch: TraceBatch, from: number, to: number): TraceBatch {
  const lo = from * FIELDS;
  const hi = to * FIELDS;
  return {
    count: to - from,
    t: batch.t.subarray(from, to),
    k: batch.k.subarray(from, to),
    node: batch.node.subarray(from, to),
    f: batch.f.subarray(lo, hi),
    big: batch.big.filter(([at]) => at >= lo && at < hi).map(([at, value]) => [at - lo, value]),
    newStrings: from === 0 ? batch.newStrings : [],
    newKinds: from === 0 ? batch.newKinds : [],
  };
}
