import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../sim/engine/queue.ts';

function drain(q: EventQueue): { time: number; tag: number }[] {
  const out: { time: number; tag: number }[] = [];
  while (q.size > 0) {
    const time = q.peekTime();
    const slot = q.popSlot();
    out.push({ time, tag: q.num[slot] });
    q.release(slot);
  }
  return out;
}

describe('EventQueue', () => {
  it('pops by time, and events at the same time in the order they were scheduled', () => {
    const q = new EventQueue(4);
    q.push(30, 0, 0, 0, 1, null);
    q.push(10, 0, 0, 0, 2, null);
    q.push(30, 0, 0, 0, 3, null);
    q.push(10, 0, 0, 0, 4, null);
    q.push(20, 0, 0, 0, 5, null);
    expect(drain(q)).toEqual([
      { time: 10, tag: 2 }, { time: 10, tag: 4 }, { time: 20, tag: 5 }, { time: 30, tag: 1 }, { time: 30, tag: 3 },
    ]);
  });

  it('puts "first" events (faults) before ordinary events at the same time, in their own order', () => {
    const q = new EventQueue();
    q.push(5, 0, 0, 0, 1, null);
    q.pushFirst(5, 0, 0, 0, 2, null);
    q.push(4, 0, 0, 0, 3, null);
    q.pushFirst(5, 0, 0, 0, 4, null);
    expect(drain(q).map((e) => e.tag)).toEqual([3, 2, 4, 1]);
  });

  it('keeps every field of an event and grows past its initial capacity', () => {
    const q = new EventQueue(16);
    const payloads = Array.from({ length: 1000 }, (_, i) => ({ i }));
    for (let i = 999; i >= 0; i--) q.push(i, i % 7, i % 11, i % 13, i * 2, payloads[i]);
    for (let i = 0; i < 1000; i++) {
      const slot = q.popSlot();
      expect([q.kind[slot], q.target[slot], q.gen[slot], q.num[slot], q.obj[slot]]).toEqual([i % 7, i % 11, i % 13, i * 2, payloads[i]]);
      q.release(slot);
    }
  });

  it('agrees with a stable sort on (time, insertion order) for any interleaving of pushes and pops', () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 50 }) }), fc.constant({ pop: true as const }));
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const q = new EventQueue(2);
      const model: { time: number; seq: number }[] = [];
      let seq = 0;
      for (const o of ops) {
        if ('push' in o) {
          q.push(o.push, 0, 0, 0, seq, null);
          model.push({ time: o.push, seq: seq++ });
        } else if (model.length > 0) {
          model.sort((a, b) => a.time - b.time || a.seq - b.seq);
          const expected = model.shift()!;
          const slot = q.popSlot();
          expect(q.num[slot]).toBe(expected.seq);
          q.release(slot);
        }
      }
      expect(q.size).toBe(model.length);
    }));
  });
});
