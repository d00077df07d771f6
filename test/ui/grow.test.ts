/**
 * The page's growable arrays grow in place on resizable buffers, and are copied once they
 * outgrow their reservation (ui/trace/grow.ts, TraceStore.reserve): whatever the moment of a
 * push or a later write, they hold exactly what a plain array would.
 */
import { describe, expect, it } from 'vitest';
import { F64, grownTo, growableArray, I32 } from '../../ui/trace/grow.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { builtIn } from '../helpers.ts';
import { appendRecords, recordRun } from './recorded.ts';

describe('growable arrays', () => {
  it('keep every push and every later write across many doublings', () => {
    // The last two outgrow their reservations (100 and 1 entries) and are copied.
    for (const grow of [new F64(1), new I32(3), new F64(), new I32(2, 100), new F64(1, 1)]) {
      const model: number[] = [];
      for (let i = 0; i < 5000; i++) {
        expect(grow.push(i)).toBe(i);
        model.push(i);
        // Rewrite an entry a few back — sometimes already copied into the next array, sometimes not.
        if (i >= 7 && i % 3 === 0) {
          grow.set(i - 7, -i);
          model[i - 7] = -i;
        }
      }
      expect(grow.n).toBe(5000);
      expect(Array.from(grow.a.subarray(0, grow.n))).toEqual(model);
    }
  });

  it('grow in place while the reservation lasts, in steps, and keep their entries when copied past it', () => {
    const a = growableArray(Int32Array, 4, 1 << 20);
    a.set([1, 2, 3, 4]);
    const grown = grownTo(a, 5, Int32Array);
    expect(grown.buffer).toBe(a.buffer); // in place: same buffer, no copy
    expect(grown.length).toBe(8); // a small array doubles
    expect(Array.from(grown.subarray(0, 5))).toEqual([1, 2, 3, 4, 0]);
    // A big one grows by at most 65,536 entries a step.
    const big = grownTo(growableArray(Float64Array, 1 << 17, 1 << 20), (1 << 17) + 1, Float64Array);
    expect(big.length).toBe((1 << 17) + (1 << 16));
    // Past the reservation: a new buffer with the old entries.
    const small = growableArray(Uint8Array, 2, 2);
    small.set([7, 9]);
    const copied = grownTo(small, 3, Uint8Array);
    expect(copied.buffer).not.toBe(small.buffer);
    expect(Array.from(copied.subarray(0, 2))).toEqual([7, 9]);
    expect(copied.length).toBeGreaterThanOrEqual(3);
  });
});

describe('the trace store', () => {
  it('holds every record in order however the batches fall across its growth', () => {
    const run = recordRun(builtIn('resilience/outlier-detection.json'));
    // Past 65,536 records the columns grow in steps, the field column (four entries a record) in smaller ones.
    const records = run.records.slice(0, 150_000);
    expect(records.length).toBe(150_000);
    for (const batches of [150_000, 206, 7]) {
      const store = new TraceStore(run.store.setup);
      appendRecords(store, records, 0, records.length, batches);
      expect(store.count).toBe(records.length);
      let wrong = 0;
      for (let i = 0; i < records.length; i++) if (store.t[i] !== records[i].t || store.kinds[store.k[i]].name !== records[i].k || store.strings[store.node[i]] !== records[i].node) wrong++;
      expect(wrong).toBe(0);
    }
  });
});
