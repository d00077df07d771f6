/**
 * A 64-bit running hash built from two independent 32-bit lanes of integer arithmetic
 * (Math.imul), so Node and every browser compute the same bits. It hashes numbers and
 * strings directly, without serialising them first, because it runs for every trace record.
 */
export class RunningHash {
  private h1 = 0x9747b28c | 0;
  private h2 = 0x2f6c3a5d | 0;

  /** Folds one 32-bit word into both lanes (murmur3-style mixing with different constants). */
  word(w: number): void {
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h1 = this.h1 ^ k;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;

    let j = Math.imul(w ^ (w >>> 16), 0x85ebca6b);
    j = (j << 17) | (j >>> 15);
    let h2 = this.h2 ^ Math.imul(j, 0xc2b2ae35);
    h2 = (h2 << 11) | (h2 >>> 21);
    this.h2 = (Math.imul(h2, 9) + 0x38495ab5) | 0;
  }

  /**
   * Folds a number. Safe integers (all times, ids and counts) fold as two 32-bit words;
   * anything else folds as its shortest round-trip decimal string, which ECMAScript defines
   * exactly, so it too is the same everywhere.
   */
  num(x: number): void {
    if (Number.isSafeInteger(x)) {
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

function fmix32(h: number): number {
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
