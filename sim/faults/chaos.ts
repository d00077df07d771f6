import type { Rng } from '../engine/rng.ts';
import type { World } from '../nodes/world.ts';
import type { Faults } from './faults.ts';

/**
 * Seeded random faults. Every `intervalMs`, each eligible node that is up crashes with
 * `probability` (and restarts `restartAfterMs` later); a flapping partition, when none of
 * its own is active, starts with `probability` and lasts `durationMs`. Chaos draws from its
 * own stream ("chaos"), so turning it on does not change any other random number, and it is
 * part of the seeded run: the same seed gives the same chaos.
 */
export interface ChaosSpec {
  crash?: { intervalMs: number; probability: number; restartAfterMs: number | null; nodes?: string[] | null } | null;
  partition?: { intervalMs: number; probability: number; durationMs: number; groups: string[][] } | null;
}

export function startChaos(world: World, faults: Faults, spec: ChaosSpec, eligibleByDefault: readonly string[]): void {
  const sim = world.sim;
  const rng: Rng = sim.rng.stream('chaos');
  const crash = spec.crash;
  if (crash) {
    const nodes = crash.nodes ?? eligibleByDefault;
    const interval = Math.round(crash.intervalMs * 1000);
    const kind = sim.on('chaos-crash', () => {
      for (const name of nodes) {
        const node = world.node(name);
        if (node.status === 'up' && rng.next() < crash.probability) {
          faults.applyNow({ atMs: sim.now / 1000, type: 'crash', node: name, restartAfterMs: crash.restartAfterMs });
        }
      }
      sim.after(interval, kind);
    });
    sim.at(interval, kind);
  }
  const partition = spec.partition;
  if (partition) {
    const interval = Math.round(partition.intervalMs * 1000);
    let activeUntil = -1;
    const kind = sim.on('chaos-partition', () => {
      if (sim.now >= activeUntil && rng.next() < partition.probability) {
        activeUntil = sim.now + Math.round(partition.durationMs * 1000);
        faults.applyNow({ atMs: sim.now / 1000, type: 'partition', groups: partition.groups, durationMs: partition.durationMs });
      }
      sim.after(interval, kind);
    });
    sim.at(interval, kind);
  }
}
