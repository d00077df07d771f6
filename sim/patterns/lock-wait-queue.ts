/**
 * A 2PC participant's lock-wait queue (sim/patterns/two-phase-commit.ts): transactions waiting
 * for their keys, oldest first, indexed by transaction and by key, so that a PREPARE, an ABORT
 * and a release each touch only the waiters concerned instead of rescanning the whole queue (an
 * overloaded participant can have tens of thousands of waiters).
 *
 * The participant grants waiters oldest first, each taking all its keys or none. A waiter is
 * queued only because one of its keys is held, and granting only takes keys, so after a release
 * only waiters on a released key can have become grantable: `forEachCandidate` offers exactly
 * those, in queue order, and stops offering a key's line once that key is taken again (everyone
 * further down that line needs it). Granting in that order gives the same grants, in the same
 * order, as scanning the whole queue would.
 */
export interface LockWaiter {
  readonly txn: string;
  /** The keys it waits for (distinct). */
  readonly keys: readonly number[];
}

interface Entry<W> {
  readonly waiter: W;
  /** Queue order: a larger number queued later. */
  readonly seq: number;
  gone: boolean;
}

/** The waiters on one key, in queue order. Removed ones are marked gone and swept out later. */
interface KeyLine<W> {
  entries: Entry<W>[];
  /** Entries before `head` are all gone. */
  head: number;
  live: number;
}

/** Gone entries a line may carry beyond its live ones before it is swept. */
const SLACK = 16;

export class LockWaitQueue<W extends LockWaiter> {
  private nextSeq = 0;
  private readonly byTxn = new Map<string, Entry<W>>();
  private readonly byKey = new Map<number, KeyLine<W>>();

  /** How many transactions wait. */
  get size(): number {
    return this.byTxn.size;
  }

  has(txn: string): boolean {
    return this.byTxn.has(txn);
  }

  /** Queues `waiter` behind everyone already waiting. */
  push(waiter: W): void {
    const entry: Entry<W> = { waiter, seq: this.nextSeq++, gone: false };
    this.byTxn.set(waiter.txn, entry);
    for (const k of waiter.keys) {
      let line = this.byKey.get(k);
      if (line === undefined) {
        line = { entries: [], head: 0, live: 0 };
        this.byKey.set(k, line);
      }
      line.entries.push(entry);
      line.live++;
    }
  }

  /** Takes `txn` out of the queue; returns its waiter, or undefined if it was not waiting. */
  remove(txn: string): W | undefined {
    const entry = this.byTxn.get(txn);
    if (entry === undefined) return undefined;
    this.byTxn.delete(txn);
    entry.gone = true;
    for (const k of entry.waiter.keys) {
      const line = this.byKey.get(k)!;
      if (--line.live === 0) this.byKey.delete(k);
      else if (line.entries.length - line.head > 2 * line.live + SLACK) sweep(line);
    }
    return entry.waiter;
  }

  /**
   * Offers `visit`, oldest first, each waiter queued on one of the `freed` keys while that key is
   * still free (`isFree`). `visit` may grant the waiter (take its keys, `remove` it) or leave it.
   */
  forEachCandidate(freed: readonly number[], isFree: (key: number) => boolean, visit: (waiter: W) => void): void {
    const lines: { key: number; line: KeyLine<W> }[] = [];
    for (const key of freed) {
      const line = this.byKey.get(key);
      if (line !== undefined) lines.push({ key, line });
    }
    let last = -1;
    for (;;) {
      let next: Entry<W> | null = null;
      for (const { key, line } of lines) {
        if (!isFree(key)) continue; // taken again: the rest of its line waits for it
        const e = firstLiveAfter(line, last);
        if (e !== null && (next === null || e.seq < next.seq)) next = e;
      }
      if (next === null) return;
      last = next.seq;
      visit(next.waiter);
    }
  }
}

/** The first entry of `line` not gone and queued after `seq`, or null. */
function firstLiveAfter<W>(line: KeyLine<W>, seq: number): Entry<W> | null {
  const entries = line.entries;
  while (line.head < entries.length && entries[line.head].gone) line.head++;
  // Entries are in seq order: binary search for the first one after `seq`.
  let lo = line.head;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < entries.length; i++) if (!entries[i].gone) return entries[i];
  return null;
}

function sweep<W>(line: KeyLine<W>): void {
  line.entries = line.entries.filter((e) => !e.gone);
  line.head = 0;
}
