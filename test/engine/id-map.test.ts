/**
 * IdMap (sim/engine/id-map.ts) behaves as a Map from ids to values under any mix of sets, gets
 * and deletes — checked against a Map over long random sequences, with ids that collide in
 * the table (same low bits) and wrap around its end — and stays as small as it ever was full.
 */
import { describe, expect, it } from 'vitest';
import { IdMap } from '../../sim/engine/id-map.ts';
import { AleaRng } from '../../sim/engine/rng.ts';

function compare(seed: string, idOf: (r: AleaRng, next: number) => number): void {
  const rng = new AleaRng(seed);
  const map = new IdMap<number>();
  const model = new Map<number, number>();
  let next = 0;
  const live: number[] = [];
  for (let step = 0; step < 30_000; step++) {
    const u = rng.next();
    if (u < 0.45 || live.length === 0) {
      const id = idOf(rng, next++);
      if (!model.has(id)) live.push(id);
      map.set(id, step);
      model.set(id, step);
    } else if (u < 0.85) {
      const at = Math.floor(rng.next() * live.length);
      const id = live[at];
      live[at] = live[live.length - 1];
      live.pop();
      expect(map.delete(id)).toBe(true);
      model.delete(id);
    } else {
      const id = idOf(rng, next);
      const had = model.delete(id);
      if (had) live.splice(live.indexOf(id), 1);
      expect(map.delete(id)).toBe(had);
    }
    expect(map.size).toBe(model.size);
    if (step % 997 === 0) for (const [k, v] of model) expect(map.get(k)).toBe(v);
    const probe = idOf(rng, next);
    expect(map.get(probe)).toBe(model.get(probe));
  }
}

describe('IdMap', () => {
  it('matches a Map for ids handed out in sequence', () => {
    compare('seq', (_r, next) => next);
  });

  it('matches a Map for ids that share their low bits (long probe runs, wrapping the table)', () => {
    compare('clash', (r) => Math.floor(r.next() * 64) * 1024 + (r.next() < 0.5 ? 7 : 1023));
  });

  it('matches a Map for ids beyond 32 bits', () => {
    compare('big', (r, next) => 2 ** 40 + next * 4096 + Math.floor(r.next() * 3));
  });

  it('does not grow with ids that come and go', () => {
    const map = new IdMap<string>();
    for (let id = 0; id < 1_000_000; id++) {
      map.set(id, 'x');
      if (id >= 3) map.delete(id - 3);
    }
    expect(map.size).toBe(3);
    expect((map as unknown as { keys: Float64Array }).keys.length).toBe(8);
  });

  it('refuses ids it cannot hold', () => {
    const map = new IdMap<string>();
    expect(() => map.set(-1, 'x')).toThrow(/non-negative integers/);
    expect(() => map.set(1.5, 'x')).toThrow(/non-negative integers/);
  });
});
