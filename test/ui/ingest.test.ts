/**
 * Streamed records enter the page's store a slice at a time within a per-frame time budget
 * (ui/trace/ingest.ts), so a 32,768-record batch no longer stops playback while the worker
 * computes. Sliced or whole, the store ends up the same.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { FIELDS, TraceEncoder } from '../../ui/trace/codec.ts';
import { IngestQueue, SLICE_RECORDS } from '../../ui/trace/ingest.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { builtIn } from '../helpers.ts';
import { recordRun } from './recorded.ts';

const run = recordRun(builtIn('resilience/outlier-detection.json'));

function emptyStore(): TraceStore {
  return new TraceStore(run.store.setup);
}

/** The run's records as the worker streams them: batches of `size` records, each complete up to just before the next record. */
function batchesOf(records: readonly TraceRecord[], size: number, finalUs: number) {
  const encoder = new TraceEncoder([''], []);
  const out = [];
  for (let start = 0; start < records.length; start += size) {
    const end = Math.min(records.length, start + size);
    for (let i = start; i < end; i++) encoder.add(records[i]);
    out.push({ batch: encoder.take(), untilUs: end < records.length ? records[end].t - 1 : finalUs });
  }
  return out;
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let d = 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** A clock that moves `msPerLook` each time it is read. */
function steppingClock(msPerLook: number): () => number {
  let now = 0;
  return () => (now += msPerLook);
}

describe('time-sliced ingestion', () => {
  it('appends one slice per look at the clock until the budget is spent, and never claims records it has not appended', () => {
    const store = emptyStore();
    const queue = new IngestQueue();
    const [first] = batchesOf(run.records, 32_768, run.result.simTimeUs);
    queue.push(first.batch, first.untilUs);
    // Each slice "takes" 1 ms: a 5 ms budget lets five in (the clock is read once before the first).
    expect(queue.drain(store, 5, steppingClock(1))).toBe(false);
    expect(store.count).toBe(5 * SLICE_RECORDS);
    // Complete up to just before the first record not yet in.
    expect(store.recordedUntilUs).toBe(first.batch.t[5 * SLICE_RECORDS] - 1);
    expect(store.upperBound(store.recordedUntilUs)).toBeLessThanOrEqual(store.count);
    expect(queue.empty).toBe(false);
  });

  it('fills the store exactly as appending whole batches does', () => {
    const sliced = emptyStore();
    const queue = new IngestQueue();
    for (const { batch, untilUs } of batchesOf(run.records, 32_768, run.result.simTimeUs)) queue.push(batch, untilUs);
    let frames = 0;
    while (!queue.drain(sliced, 5, steppingClock(1))) frames++;
    expect(frames).toBeGreaterThan(run.records.length / (5 * SLICE_RECORDS) - 2);

    const whole = run.store;
    expect(sliced.count).toBe(whole.count);
    expect(sliced.recordedUntilUs).toBe(whole.recordedUntilUs);
    expect(sliced.strings).toEqual(whole.strings);
    expect(differences(sliced.t, whole.t, whole.count) + differences(sliced.f, whole.f, whole.count * FIELDS)).toBe(0);
    expect([...sliced.big]).toEqual([...whole.big]);
    expect(sliced.messages.count).toBe(whole.messages.count);
    expect(sliced.series.counts).toEqual(whole.series.counts);
    expect(sliced.faults).toEqual(whole.faults);
  });
});
