/**
 * A map from non-negative integer ids (message and request ids) to values, for the per-request
 * hot path: an open-addressing table with linear probing and backward-shift deletion (no
 * tombstones, so a table that sees millions of ids come and go stays as small as the most it
 * ever held at once). Ids are handed out in sequence, so `id & mask` spreads them well. A Map
 * does the same job with a hashed lookup and an ordered backing store per operation; the
 * transport sets, gets and deletes an entry for every call.
 */
const EMPTY = -1;
const MIN_CAPACITY = 8;

export class IdMap<V> {
  private keys = new Float64Array(MIN_CAPACITY).fill(EMPTY);
  private values: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  /** Entries held now. */
  size = 0;

  get(id: number): V | undefined {
    if (id < 0) return undefined; // never a key (and EMPTY's own value)
    const keys = this.keys;
    for (let i = id & this.mask; ; i = (i + 1) & this.mask) {
      const k = keys[i];
      if (k === id) return this.values[i];
      if (k === EMPTY) return undefined;
    }
  }

  set(id: number, value: V): void {
    if (id < 0 || !Number.isSafeInteger(id)) throw new RangeError(`IdMap keys are non-negative integers, not ${id}`);
    // Keep at most half full: probes stay short.
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    let i = id & this.mask;
    while (keys[i] !== EMPTY && keys[i] !== id) i = (i + 1) & this.mask;
    if (keys[i] === EMPTY) this.size++;
    keys[i] = id;
    this.values[i] = value;
  }

  /** Removes `id`'s entry; false if there was none. */
  delete(id: number): boolean {
    if (id < 0) return false;
    const keys = this.keys;
    const mask = this.mask;
    let i = id & mask;
    while (keys[i] !== id) {
      if (keys[i] === EMPTY) return false;
      i = (i + 1) & mask;
    }
    // Backward shift: move later entries of the probe run into the hole when their home allows.
    let hole = i;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = keys[j] & mask;
      // j's entry may fill the hole if its home is not cyclically within (hole, j].
      const fits = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (fits) {
        keys[hole] = keys[j];
        this.values[hole] = this.values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    this.values[hole] = undefined;
    this.size--;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const capacity = oldKeys.length * 2;
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldValues[i] as V);
  }
}
