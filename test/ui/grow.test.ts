/**
 * The page's growable arrays double a little at a time (ui/trace/grow.ts, TraceStore.reserve):
 * whatever the moment of a push or a later write, they hold exactly what a plain array would.
 */
import { describe, expect, it } from 'vitest';
import { F64, I32 } from '../../ui/trace/grow.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { builtIn } from '../helpers.ts';
import { appendRecords, recordRun } from './recorded.ts';

describe('growable arrays', () => {
  it('keep every push and every later write across many doublings', () => {
    for (const grow of [new F64(1), new I32(3), new F64()]) {
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
});

describe('the trace store', () => {
  it('holds every record in order however the batches fall across its growth', () => {
    const run = recordRun(builtIn('resilience/outlier-detection.json'));
    const records = run.records.slice(0, 20_000);
    for (const batches of [20_000, 206, 7]) {
      const store = new TraceStore(run.store.setup);
      appendRecords(store, records, 0, records.length, batches);
      expect(store.count).toBe(records.length);
      let wrong = 0;
      for (let i = 0; i < records.length; i++) if (store.t[i] !== records[i].t || store.kinds[store.k[i]].name !== records[i].k || store.strings[store.node[i]] !== records[i].node) wrong++;
      expect(wrong).toBe(0);
    }
  });
});
