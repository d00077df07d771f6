/**
 * A 64-bit running hash built from two independent 32-bit lanes of integer arithmetic
 * (Math.imul), so Node and every browser compute the same bits. It hashes numbers and
 * strings directly, without serialising them first, because it runs for every trace record.
 */
export class RunningHash {
  /**
   * The two lanes. The trace reads them into locals, folds a whole record's words with `lane1`
   * and `lane2` and writes them back: one read and one write of the state per record instead
   * of one per word.
   */
  h1 = 0x9747b28c | 0;
  h2 = 0x2f6c3a5d | 0;

  /**
   * Folds one 32-bit word into both lanes. Each lane step is a bijection of the lane for a
   * fixed word (xor/add, then multiply by an odd constant), so changing any single word
   * always changes the digest; the two lanes mix differently so structured changes across
   * words do not cancel in both. Kept to a few operations: it runs several times per event.
   */
  word(w: number): void {
    this.h1 = lane1(this.h1, w);
    this.h2 = lane2(this.h2, w);
  }

  /**
   * Folds a number. Safe integers (all times, ids and counts) fold as two 32-bit words;
   * anything else folds as its shortest round-trip decimal string, which ECMAScript defines
   * exactly, so it too is the same everywhere.
   */
  num(x: number): void {
    if ((x | 0) === x && x >= 0) {
      // Fast path, same words as below: a small non-negative integer's high word is 0.
      this.word(x);
      this.word(0);
    } else if (Number.isSafeInteger(x)) {
      this.word(x | 0);
      this.word(Math.floor(x / 4294967296) | 0);
    } else {
      this.word(0x7ff80001);
      this.str(String(x));
    }
  }

  str(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  /** Folds a precomputed string hash (see `stringHash`). */
  hashed(h: number): void {
    this.word(h);
  }

  /** 16 hex digits; the lanes are finalised with murmur3's fmix32 without changing state. */
  hex(): string {
    return toHex(fmix32(this.h1 ^ this.h2)) + toHex(fmix32(this.h2 + 0x632be5ab));
  }
}

/** The first lane after folding the 32-bit word `w` (see `RunningHash.word`). */
export function lane1(h: number, w: number): number {
  const a = Math.imul(h ^ w, 0x01000193);
  return a ^ (a >>> 15);
}

/** The second lane after folding the 32-bit word `w`. */
export function lane2(h: number, w: number): number {
  const b = Math.imul((h + w) | 0, 0x5bd1e995);
  return b ^ (b >>> 13);
}

/** MurmurHash3's 32-bit finaliser (full avalanche). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function toHex(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** A 32-bit hash of a string (FNV-1a), cached by callers that fold the same strings often. */
export function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The hash of a whole string, as 16 hex digits (scenario hashes). */
export function hashString(s: string): string {
  const h = new RunningHash();
  h.str(s);
  return h.hex();
}
