import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockWaitQueue, type LockWaiter } from '../../sim/patterns/lock-wait-queue.ts';

/**
 * The 2PC participant's lock-wait queue, indexed by key, must grant exactly what the plain
 * queue it replaced granted: after every release, a scan of the whole queue, oldest first,
 * granting each transaction whose keys are all free (all its keys or none).
 */

/** A lock table with a wait queue, as the participant keeps it. */
interface LockTable {
  prepare(w: LockWaiter): void;
  release(txn: string): void;
  abortWaiting(txn: string): void;
  waiting(): number;
  /** Transactions given their locks, in order (at PREPARE or from the queue). */
  readonly granted: string[];
}

abstract class TableBase {
  readonly granted: string[] = [];
  protected readonly locks = new Map<number, string>();
  protected readonly holding = new Map<string, readonly number[]>();

  protected free(keys: readonly number[]): boolean {
    return keys.every((k) => !this.locks.has(k));
  }

  protected take(w: LockWaiter): void {
    for (const k of w.keys) this.locks.set(k, w.txn);
    this.holding.set(w.txn, w.keys);
    this.granted.push(w.txn);
  }

  /** Frees `txn`'s keys; returns them (none if it held nothing). */
  protected drop(txn: string): readonly number[] {
    const keys = this.holding.get(txn) ?? [];
    this.holding.delete(txn);
    for (const k of keys) this.locks.delete(k);
    return keys;
  }
}

/** The old participant: an array, rescanned on every release. */
class ScanningTable extends TableBase implements LockTable {
  private queue: LockWaiter[] = [];

  prepare(w: LockWaiter): void {
    if (this.free(w.keys)) this.take(w);
    else this.queue.push(w);
  }

  release(txn: string): void {
    this.drop(txn);
    for (let i = 0; i < this.queue.length;) {
      const w = this.queue[i];
      if (!this.free(w.keys)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.take(w);
    }
  }

  abortWaiting(txn: string): void {
    this.queue = this.queue.filter((w) => w.txn !== txn);
  }

  waiting(): number {
    return this.queue.length;
  }
}

/** The participant now: the indexed queue. */
class IndexedTable extends TableBase implements LockTable {
  private readonly queue = new LockWaitQueue<LockWaiter>();

  prepare(w: LockWaiter): void {
    if (this.free(w.keys)) this.take(w);
    else this.queue.push(w);
  }

  release(txn: string): void {
    const freed = this.drop(txn);
    this.queue.forEachCandidate(freed, (k) => !this.locks.has(k), (w) => {
      if (!this.free(w.keys)) return;
      this.queue.remove(w.txn);
      this.take(w);
    });
  }

  abortWaiting(txn: string): void {
    this.queue.remove(txn);
  }

  waiting(): number {
    return this.queue.size;
  }
}

type Op = { op: 'prepare'; keys: number[] } | { op: 'release'; pick: number } | { op: 'abort'; pick: number };

const opArb = (keySpace: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: keySpace }), { minLength: 1, maxLength: 3 }).map((keys) => ({ op: 'prepare' as const, keys })) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'release' as const, pick })) },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ op: 'abort' as const, pick })) },
  );

/** Runs `ops` on `table`; `pick` chooses among the transactions prepared so far. */
function play(table: LockTable, ops: readonly Op[]): { granted: string[]; waiting: number[] } {
  const txns: string[] = [];
  const waiting: number[] = [];
  for (const o of ops) {
    if (o.op === 'prepare') {
      const txn = `t${txns.length}`;
      txns.push(txn);
      table.prepare({ txn, keys: o.keys });
    } else if (txns.length > 0) {
      const txn = txns[o.pick % txns.length];
      if (o.op === 'release') table.release(txn);
      else table.abortWaiting(txn);
    }
    waiting.push(table.waiting());
  }
  return { granted: [...table.granted], waiting };
}

describe('the 2PC lock-wait queue', () => {
  it('grants what a scan of the whole queue would, in the same order, whatever the prepares, releases and aborts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(opArb(8), { maxLength: 300 }), (keySpace, ops) => {
        const clamped = ops.map((o) => (o.op === 'prepare' ? { ...o, keys: [...new Set(o.keys.map((k) => ((k - 1) % keySpace) + 1))] } : o));
        expect(play(new IndexedTable(), clamped)).toEqual(play(new ScanningTable(), clamped));
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it('offers a released key to its oldest waiter first, and skips waiters still blocked by another key', () => {
    const t = new IndexedTable();
    t.prepare({ txn: 'a', keys: [1] });
    t.prepare({ txn: 'b', keys: [2] });
    t.prepare({ txn: 'c', keys: [1, 2] }); // needs both
    t.prepare({ txn: 'd', keys: [1] });
    t.prepare({ txn: 'e', keys: [1] });
    t.release('a'); // c still waits for 2: d is next on 1
    expect(t.granted).toEqual(['a', 'b', 'd']);
    t.release('b'); // 2 is free but c still needs 1 (held by d)
    expect(t.granted).toEqual(['a', 'b', 'd']);
    t.release('d'); // c is older than e, and now has both
    expect(t.granted).toEqual(['a', 'b', 'd', 'c']);
    t.abortWaiting('e');
    t.release('c');
    expect([t.granted, t.waiting()]).toEqual([['a', 'b', 'd', 'c'], 0]);
  });

  it('forgets a transaction once it is granted or aborted', () => {
    const q = new LockWaitQueue<LockWaiter>();
    for (let i = 0; i < 100; i++) q.push({ txn: `t${i}`, keys: [i % 3] });
    expect([q.size, q.has('t7')]).toEqual([100, true]);
    for (let i = 0; i < 100; i += 2) expect(q.remove(`t${i}`)?.txn).toBe(`t${i}`);
    expect([q.size, q.has('t8'), q.has('t7'), q.remove('t8')]).toEqual([50, false, true, undefined]);
    const offered: string[] = [];
    q.forEachCandidate([1], () => true, (w) => offered.push(w.txn));
    // Key 1 waiters still queued: odd i with i % 3 = 1, oldest first.
    expect(offered).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 === 1 && i % 3 === 1).map((i) => `t${i}`));
  });
});
