/**
 * Child process for benchmark (d) in bench.ts: what 100,000 idle nodes cost in memory.
 *
 *   node --expose-gc --import tsx test/bench/idle-nodes.ts [service|bare] [count]
 *
 * `service` (the default, the realistic case) builds ServiceNodes with an exponential service
 * time, each registering its metrics as a scenario's service would; `bare` builds SimNode
 * subclasses with no state of their own, to show what the node base class costs alone. Either
 * way the world gets a network, the nodes are started and the engine runs to a short end time
 * (nothing happens: the nodes are idle). Prints one JSON line on stdout.
 *
 * The baseline is this same process just before building (after a full GC), so the figure is
 * the delta the nodes, the world and the network add — not Node's or tsx's own footprint.
 */
import { compileDist } from '../../sim/engine/dist.ts';
import { Sim } from '../../sim/engine/sim.ts';
import type { Message } from '../../sim/net/message.ts';
import { Network } from '../../sim/net/network.ts';
import { link } from '../sim/harness.ts';
import { SimNode } from '../../sim/nodes/node.ts';
import { ServiceNode } from '../../sim/nodes/service.ts';
import { World } from '../../sim/nodes/world.ts';

const mode = process.argv[2] === 'bare' ? 'bare' : 'service';
const count = Number(process.argv[3] ?? 100_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('idle-nodes.ts needs --expose-gc');
  process.exit(2);
}

function fullGc(): void {
  // Twice: the first pass can leave work (weak callbacks, finalisation) for a second one.
  gc!();
  gc!();
}

class IdleNode extends SimNode {
  override onMessage(_msg: Message): void {}
}

fullGc();
const before = process.memoryUsage();

const names = Array.from({ length: count }, (_, i) => `node-${i}`);
const sim = new Sim(1, 1_000_000, names);
const world = new World(sim, names);
const network = new Network(sim, names, link({ latencySpec: { type: 'exponential', meanMs: 1 } }), (msg) => world.receive(msg));
world.attachNetwork(network);
const serviceTime = compileDist({ type: 'exponential', meanMs: 10 });
for (let i = 0; i < count; i++) {
  if (mode === 'service') {
    world.add(new ServiceNode(world, i, names[i], {
      workers: 1,
      queueCapacity: null,
      queueDiscipline: 'fifo',
      serviceTime,
      errorProbability: 0,
      slowdownFactor: 1,
      dropExpired: false,
    adaptiveLifoThreshold: 10,
    dependencies: [],
    callMode: 'sequential',
    }));
  } else {
    world.add(new IdleNode(world, i, names[i], 'idle'));
  }
}
world.start();
sim.run();

fullGc();
const after = process.memoryUsage();
// Keep the world reachable until after the measurement.
if (world.nodes.length !== count || !sim.finished) throw new Error('idle world was not built as expected');

const mb = (n: number) => n / (1024 * 1024);
console.log(JSON.stringify({
  mode,
  count,
  simNowUs: sim.now,
  heapUsedDeltaMB: mb(after.heapUsed - before.heapUsed),
  externalDeltaMB: mb(after.external - before.external),
  arrayBuffersDeltaMB: mb(after.arrayBuffers - before.arrayBuffers),
  retainedDeltaMB: mb(after.heapUsed + after.external - (before.heapUsed + before.external)),
  rssDeltaMB: mb(after.rss - before.rss),
  rssMB: mb(after.rss),
  // Peak resident set of the whole process (Node and tsx included), in MB.
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
