/** A growable ring buffer: O(1) push and pop at both ends, for FIFO and LIFO queues. */
export class Deque<T> {
  /** Empty until the first push: most nodes' queues are never used. */
  private items: (T | undefined)[] = [];
  private head = 0;
  length = 0;

  pushBack(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & (this.items.length - 1)] = item;
    this.length++;
  }

  popFront(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    return item;
  }

  popBack(): T | undefined {
    if (this.length === 0) return undefined;
    const i = (this.head + this.length - 1) & (this.items.length - 1);
    const item = this.items[i];
    this.items[i] = undefined;
    this.length--;
    return item;
  }

  pushFront(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.head = (this.head - 1) & (this.items.length - 1);
    this.items[this.head] = item;
    this.length++;
  }

  peekFront(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  /** A new deque with the same items in order, `item` left out (O(n): for rare removals from the middle). */
  without(item: T): Deque<T> {
    const out = new Deque<T>();
    for (let i = 0; i < this.length; i++) {
      const x = this.items[(this.head + i) & (this.items.length - 1)] as T;
      if (x !== item) out.pushBack(x);
    }
    return out;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(Math.max(16, old.length * 2));
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
