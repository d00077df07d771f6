import { describe, expect, it } from 'vitest';
import { memberSpread } from '../../ui/topology/spread.ts';

describe("a big group's spread", () => {
  it('gives nearest-rank p50, p99 and the max over the members only', () => {
    // Members 0…99 with busy = index mod 10, and a non-member with a huge value.
    const values = [...Array.from({ length: 100 }, (_, i) => i % 10), 1000];
    const members = Array.from({ length: 100 }, (_, i) => i);
    expect(memberSpread(values, members)).toEqual({ p50: 4, p99: 9, max: 9 });
    expect(memberSpread(values, [3])).toEqual({ p50: 3, p99: 3, max: 3 });
    expect(memberSpread(values, [])).toEqual({ p50: 0, p99: 0, max: 0 });
    // One busy member among 200: the median stays 0, p99 sees it only past the 99th rank.
    const one = Array.from({ length: 200 }, (_, i) => (i === 7 ? 5 : 0));
    expect(memberSpread(one, Array.from({ length: 200 }, (_, i) => i))).toEqual({ p50: 0, p99: 0, max: 5 });
  });
});
