import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../../sim/nodes/deque.ts';

describe('Deque', () => {
  it('behaves like an array used as a double-ended queue, through growth and clear', () => {
    const op = fc.oneof(fc.integer(), fc.constant('front' as const), fc.constant('back' as const), fc.constant('clear' as const));
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const d = new Deque<number>();
      const model: number[] = [];
      for (const o of ops) {
        if (o === 'front') expect(d.popFront()).toBe(model.shift());
        else if (o === 'back') expect(d.popBack()).toBe(model.pop());
        else if (o === 'clear') { d.clear(); model.length = 0; }
        else { d.pushBack(o); model.push(o); }
        expect(d.length).toBe(model.length);
      }
    }));
  });
});
