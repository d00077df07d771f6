/**
 * The page's message index with duplicated messages (ui/trace/messages.ts): every copy (a `dup`
 * record) is a flight of its own, a deliver or drop of the id ends its earliest open copy, and the
 * topology's "what is on the wire at T" counts copies still open at the recording's frontier.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { DELIVERED, DROPPED, OPEN } from '../../ui/trace/messages.ts';
import { storeOf } from './recorded.ts';

const send = (t: number, msg: number): TraceRecord => ({ t, k: 'send', node: 'a', to: 'b', msg, parent: -1, type: 'request' });
const dup = (t: number, msg: number): TraceRecord => ({ t, k: 'dup', node: 'a', to: 'b', msg });
const deliver = (t: number, msg: number): TraceRecord => ({ t, k: 'deliver', node: 'b', from: 'a', msg, type: 'request' });
const drop = (t: number, msg: number): TraceRecord => ({ t, k: 'drop', node: 'a', to: 'b', msg, reason: 'loss' });

describe('duplicated messages', () => {
  // #1 and a copy, the first delivered at 110; #2 and two copies, one delivered at 150, one dropped
  // at 170, the last still open at the end; #3 open.
  const records = [send(100, 1), dup(100, 1), deliver(110, 1), send(120, 2), dup(130, 2), dup(140, 2), deliver(150, 2), drop(170, 2), send(180, 3)];
  const store = storeOf(['a', 'b'], records);
  const m = store.messages;

  it('end copies in the order they were sent', () => {
    expect(m.count).toBe(6);
    const flights = Array.from({ length: m.count }, (_, i) => [m.sendT.a[i], m.end.a[i], m.endT.a[i]]);
    expect(flights).toEqual([
      [100, DELIVERED, 110],
      [100, OPEN, Infinity],
      [120, DELIVERED, 150],
      [130, DROPPED, 170],
      [140, OPEN, Infinity],
      [180, OPEN, Infinity],
    ]);
    // A copy takes its original's type.
    expect(m.type.a[1]).toBe(m.type.a[0]);
  });

  it('are each on the wire from their send until their end, open ones until the frontier', () => {
    for (let t = 90; t <= 200; t += 5) {
      const visitedAt: number[] = [];
      const total = m.inFlight(t, 100, (idx) => visitedAt.push(idx));
      let expected = 0;
      for (let i = 0; i < m.count; i++) if (m.sendT.a[i] <= t && m.endT.a[i] > t) expected++;
      expect(total, `at ${t}`).toBe(expected);
      expect(new Set(visitedAt).size, `at ${t}`).toBe(expected);
    }
  });
});
