import { compileDist, type DistSpec } from '../../sim/engine/dist.ts';
import { Sim } from '../../sim/engine/sim.ts';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { Faults } from '../../sim/faults/faults.ts';
import type { Message } from '../../sim/net/message.ts';
import { Network, type LinkParams } from '../../sim/net/network.ts';
import { SimNode } from '../../sim/nodes/node.ts';
import { World } from '../../sim/nodes/world.ts';

/** A node that records what it receives, and can be told to send. */
export class Recorder extends SimNode {
  readonly received: { t: number; msg: Message }[] = [];

  override onMessage(msg: Message): void {
    this.received.push({ t: this.now, msg });
  }
}

export function link(overrides: Partial<LinkParams> & { latencySpec?: DistSpec } = {}): LinkParams {
  const { latencySpec, ...rest } = overrides;
  return {
    latency: compileDist(latencySpec ?? { type: 'constant', ms: 1 }),
    lossProbability: 0,
    duplicateProbability: 0,
    reorderProbability: 0,
    reorderExtraMaxUs: 0,
    ordered: true,
    capacityPerSec: null,
    queueLimit: 1000,
    ...rest,
  };
}

/** A hand-built world of Recorder nodes (or nodes made by `make`) on one network. */
export function makeWorld<N extends SimNode = Recorder>(
  names: string[],
  params: LinkParams = link(),
  make: (world: World, i: number, name: string) => N = (w, i, n) => new Recorder(w, i, n, 'recorder') as unknown as N,
  endUs = 1e12,
) {
  const sim = new Sim(1, endUs, names);
  const world = new World(sim, names);
  const network = new Network(sim, names, params, (m) => world.receive(m));
  world.attachNetwork(network);
  const nodes = names.map((n, i) => make(world, i, n));
  nodes.forEach((n) => world.add(n));
  const faults = new Faults(world);
  const trace: TraceRecord[] = [];
  sim.trace.listen((r) => trace.push(r));
  world.start();
  return { sim, world, network, nodes, faults, trace };
}
