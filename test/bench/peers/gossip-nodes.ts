/**
 * Child process for test/bench/peers.ts: a gossip run at scale. NODES nodes, each a SimNode
 * that forwards every message it receives to a peer drawn from its own random stream, over
 * unordered links with latency uniform 1..10 ms; MESSAGES messages in flight from the start,
 * run until DELIVERIES messages have been delivered. Every node is active (each receives and
 * sends many times). Prints one JSON line: CPU seconds to build and to run, deliveries/CPU-s,
 * the heap after the run, and the process's peak RSS.
 *
 *   node --max-old-space-size=16384 --import tsx test/bench/peers/gossip-nodes.ts NODES MESSAGES DELIVERIES
 */
import { Sim } from '../../../sim/engine/sim.ts';
import type { Message } from '../../../sim/net/message.ts';
import { Network } from '../../../sim/net/network.ts';
import { SimNode } from '../../../sim/nodes/node.ts';
import { World } from '../../../sim/nodes/world.ts';
import { link } from '../../sim/harness.ts';

const [nodes, messages, deliveries] = process.argv.slice(2).map(Number);

class GossipNode extends SimNode {
  override onMessage(msg: Message): void {
    this.send(this.rng.int(nodes), 'gossip', null, msg.id);
  }
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

const buildStart = process.cpuUsage();
const names = Array.from({ length: nodes }, (_, i) => `g${i}`);
const sim = new Sim(1, Number.MAX_SAFE_INTEGER, names, { maxEvents: Number.MAX_SAFE_INTEGER, maxPendingEvents: 10_000_000 });
const world = new World(sim, names);
const network = new Network(sim, names, link({ latencySpec: { type: 'uniform', minMs: 1, maxMs: 10 }, ordered: false }), (msg) => world.receive(msg));
world.attachNetwork(network);
for (let i = 0; i < nodes; i++) world.add(new GossipNode(world, i, names[i], 'gossip'));
world.start();
for (let m = 0; m < messages; m++) {
  const from = world.nodes[m % nodes];
  from.send(from.rng.int(nodes), 'gossip');
}
const buildCpu = cpuSeconds(buildStart);

const runStart = process.cpuUsage();
const delivered = sim.metrics.counter('net.delivered');
while (delivered.value < deliveries && !sim.finished) sim.run(Infinity, 100_000);
const runCpu = cpuSeconds(runStart);

console.log(JSON.stringify({
  nodes,
  messages,
  delivered: delivered.value,
  events: sim.events,
  simulatedSeconds: sim.now / 1e6,
  traceHash: sim.trace.hex(),
  buildCpuSeconds: buildCpu,
  runCpuSeconds: runCpu,
  deliveriesPerCpuSecond: delivered.value / runCpu,
  heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
