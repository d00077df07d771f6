/**
 * The editor's palette: what can be placed on the canvas — the workloads and the generic
 * service here, and every node kind's entry from its registry (sim/patterns/node-kind-palette.ts),
 * so a new kind appears with no change to the editor.
 */
import { NODE_KIND_PALETTE, type PaletteEntry, type Placement, type RawSpec } from '../../sim/patterns/node-kind-palette.ts';

export type { PaletteEntry, Placement, RawSpec };

const exp = (meanMs: number) => ({ type: 'exponential', meanMs });
const one = (spec: RawSpec): Placement => ({ nodes: [spec], workloads: [] });

/** What draws a wire in the editor's core: a workload aims at a node, a service calls it. */
export type CoreCaller = 'workload' | 'service';

const CORE: (PaletteEntry & { calls: CoreCaller })[] = [
  {
    kind: 'open',
    section: 'Clients',
    title: 'Open workload',
    blurb: 'Requests arrive at a rate, whatever the answers (Poisson).',
    calls: 'workload',
    make: (fresh) => ({ nodes: [], workloads: [{ id: fresh('client'), kind: 'open', target: '', arrival: { type: 'poisson', ratePerSec: 50 }, timeoutMs: 1000 }] }),
  },
  {
    kind: 'closed',
    section: 'Clients',
    title: 'Closed workload',
    blurb: 'Users who each wait for an answer, think, then send again.',
    calls: 'workload',
    make: (fresh) => ({ nodes: [], workloads: [{ id: fresh('users'), kind: 'closed', target: '', clients: 10, thinkTime: exp(500), timeoutMs: 1000 }] }),
  },
  { kind: 'service', section: 'Services', title: 'Service', blurb: 'Workers, a queue, a service time; calls to its dependencies.', calls: 'service', make: (fresh) => one({ id: fresh('service'), kind: 'service', workers: 4, serviceTime: exp(20) }) },
];

const SECTIONS: readonly PaletteEntry['section'][] = ['Clients', 'Services', 'Resilience & topology', 'Messaging', 'Data', 'Transactions'];

/** Every entry, by section. */
export const PALETTE: PaletteEntry[] = [...CORE, ...NODE_KIND_PALETTE].sort((a, b) => SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section));

/** The palette entry of a kind, if any. */
export function paletteEntry(kind: string): PaletteEntry | undefined {
  return PALETTE.find((e) => e.kind === kind);
}

/** How the editor's core wires from a kind (workloads and services), or null: the kind's own entry does. */
export function coreCaller(kind: string): CoreCaller | null {
  return CORE.find((e) => e.kind === kind)?.calls ?? null;
}
