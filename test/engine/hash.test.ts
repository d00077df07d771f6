import { describe, expect, it } from 'vitest';
import { hashString, RunningHash, stringHash } from '../../sim/engine/hash.ts';
import { Trace, TRACE_KIND_NAMES } from '../../sim/engine/trace.ts';

/** The hash of the record stream below (computed before Trace.emit folded with lanes in locals, and after). */
const PINNED = '56cbe86795789469';

describe('RunningHash', () => {
  it('is stable: known inputs give known digests (any change here changes every trace hash)', () => {
    expect(hashString('')).toBe(hashString(''));
    const h = new RunningHash();
    h.num(0);
    h.num(2 ** 40 + 5);
    h.str('deliver');
    h.num(0.1);
    expect(h.hex()).toMatch(/^[0-9a-f]{16}$/);
    expect(h.hex()).toBe(digest((x) => { x.num(0); x.num(2 ** 40 + 5); x.str('deliver'); x.num(0.1); }));
  });

  it('distinguishes order, high bits and near-equal strings', () => {
    const hexes = new Set([
      digest((x) => { x.num(1); x.num(2); }),
      digest((x) => { x.num(2); x.num(1); }),
      digest((x) => x.num(2 ** 32)),
      digest((x) => x.num(0)),
      digest((x) => x.str('ab')),
      digest((x) => x.str('ba')),
      digest((x) => x.num(0.1)),
      digest((x) => x.num(0.2)),
    ]);
    expect(hexes.size).toBe(8);
  });
});

function digest(f: (h: RunningHash) => void): string {
  const h = new RunningHash();
  f(h);
  return h.hex();
}

describe('the trace folds each record into the hash', () => {
  // The canonical form (sim/engine/trace.ts): kind; time as a number; node; then each field — a
  // node as one word, an int as a number, a string as its FNV-1a hash. Trace.emit folds the
  // same words without going through RunningHash's methods; this is the reference it must equal.
  const KINDS: ('n' | 'i' | 's')[][] = [['n', 'i', 'i', 's'], ['n', 'i', 's'], ['n', 'i', 's'], ['n', 'i'], ['s'], ['s', 's'], ['i', 's'], ['s', 's'], ['i', 's', 'i'], ['i', 's', 's'], ['s', 'i', 's'], ['s']];

  it('KINDS above are the trace kinds, in order', () => {
    expect(KINDS.length).toBe(TRACE_KIND_NAMES.length);
  });

  it('with the same words as folding them one by one, for every kind and every kind of number', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const number = () => {
      const r = random();
      if (r < 0.3) return Math.floor(random() * 100);
      if (r < 0.5) return Math.floor(random() * 2 ** 53); // both 32-bit halves
      if (r < 0.6) return -Math.floor(random() * 1e6);
      if (r < 0.7) return random() * 1000; // not an integer: folded as text
      if (r < 0.75) return 2 ** 60; // beyond safe integers
      if (r < 0.8) return NaN;
      return Math.floor(random() * 2 ** 40);
    };
    const strings = ['request', 'response', 'start', 'done', 'ok', '', 'é✓', 'a'];
    const trace = new Trace(['x', 'y', 'z']);
    const reference = new RunningHash();
    for (let i = 0; i < 20_000; i++) {
      const kind = Math.floor(random() * KINDS.length);
      const t = number();
      const node = Math.floor(random() * 4) - 1;
      const values = KINDS[kind].map((type) => (type === 's' ? strings[Math.floor(random() * strings.length)] : type === 'n' ? Math.floor(random() * 4) - 1 : number()));
      trace.emit(kind, t, node, ...values);
      reference.word(kind);
      reference.num(t);
      reference.word(node);
      KINDS[kind].forEach((type, f) => {
        const v = values[f];
        if (type === 's') reference.word(stringHash(v as string));
        else if (type === 'n') reference.word(v as number);
        else reference.num(v as number);
      });
    }
    expect(trace.hex()).toBe(reference.hex());
    // Pinned: a change here changes every trace hash.
    expect(trace.hex()).toBe(PINNED);
  });
});
