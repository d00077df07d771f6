/**
 * Faultline performance bench: `npm run bench`. Wall-clock timing is fine here (test/bench is
 * outside sim/); nothing in the test suite asserts these figures — they go in the README.
 *
 * Every rate is measured after a warm-up, several times; the table shows the BEST repetition
 * (least disturbed by other processes on a shared machine) and, beside it, the MEDIAN. Ratios
 * and verdicts use the best figures. Each figure is also put against a bare baseline measured
 * in the same run, so the ratios travel between machines better than the raw rates do.
 *
 * The figures:
 *
 * (a) hold model, engine vs floor, at 1,000 and at 100,000 pending events. Pre-fill N events
 *     at Exp(mean) times; then repeatedly pop the earliest and schedule a new one at
 *     now + round(Exp(mean)) µs. "floor" is a bare Float64Array binary min-heap loop written
 *     here (a pop, then a push; no sequence numbers, no payload, no dispatch); "engine" is the
 *     same pattern through `Sim` (handler registered with `sim.on`, rescheduling with
 *     `sim.after`, driven by `sim.run`). Both draw from the same seedrandom Alea stream, so they
 *     pay the same sampling cost and must pop exactly the same times (checked: "same times").
 *     Unit: events/s. Target: engine/floor ≥ 0.5 at 1,000 and ≥ 0.35 at 100,000.
 *
 * (b) M/M/1 end to end: scenarios/queueing/mm1.json through `parseScenarioText` and
 *     `runScenario` (build, run with trace hashing and metrics, checks). λ = 0.8/s over
 *     1.25e9 ms ≈ 1,000,000 requests. Unit: requests/s = metrics['client.requests'] / wall
 *     seconds of `runScenario`. Target ≥ 1,000,000 requests/s. The ratio column (requests/s
 *     over the floor's events/s at 1,000 pending) is only informative: a request is several
 *     events (arrival, request delivery, service done, response delivery).
 *
 * (c1) ping-pong: two SimNodes bouncing one message over a constant 1 ms link through the
 *      Network and World (trace hashing on, as in every run). Unit: messages delivered/s
 *      (`net.delivered`). Target ≥ 2,000,000 messages/s. Ratio vs floor@1,000: informative.
 *
 * (c2) gossip: 10,000 nodes, 1,000 messages in flight, each delivery forwarded to a peer drawn
 *      from the receiving node's own stream; latency uniform 1..10 ms. Measured twice: with
 *      unordered links, and with FIFO links (the scenario default `ordered: true`, which for
 *      a non-constant latency keeps per-link state). Unit: messages delivered/s. No target of
 *      its own (the 2,000,000/s messages target is stated for ping-pong); ratio informative.
 *
 * (d) memory of 100,000 idle nodes, in fresh child processes (idle-nodes.ts): ServiceNodes
 *     with an exponential service time (the realistic case; judged against the target) and bare
 *     SimNode subclasses (for comparison), plus the world and the network, started and run to
 *     1 s of simulated time. Figure: heapUsed + external after a full GC, minus the same
 *     before building (the baseline). RSS delta and the process's peak RSS (Node and tsx
 *     included) are shown beside it. Target ≤ 200 MB.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileDist, type DistSpec } from '../../sim/engine/dist.ts';
import { AleaRng } from '../../sim/engine/rng.ts';
import { Sim } from '../../sim/engine/sim.ts';
import type { Message } from '../../sim/net/message.ts';
import { Network, type LinkParams } from '../../sim/net/network.ts';
import { SimNode } from '../../sim/nodes/node.ts';
import { World } from '../../sim/nodes/world.ts';
import { parseScenarioText, validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SEED = 12345;

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

interface Sample {
  units: number;
  seconds: number;
}

interface Rate {
  best: number;
  median: number;
  reps: number;
}

function timed(fn: () => number): Sample {
  const t0 = performance.now();
  const units = fn();
  return { units, seconds: (performance.now() - t0) / 1000 };
}

function summarise(samples: Sample[]): Rate {
  const rates = samples.map((s) => s.units / s.seconds).sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const median = rates.length % 2 === 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
  return { best: rates[rates.length - 1], median, reps: rates.length };
}

function fmtRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M/s`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k/s`;
  return `${r.toFixed(0)} /s`;
}

function log(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// (a) hold model
// ---------------------------------------------------------------------------------------------

const HOLD_MEAN_US = 1_000_000;

/** The floor: a bare binary min-heap of times in a Float64Array. */
class FloorHeap {
  heap: Float64Array;
  size = 0;
  last = 0;

  constructor(capacity: number, readonly rng: AleaRng) {
    this.heap = new Float64Array(capacity + 1);
  }
}

function floorPush(h: FloorHeap, t: number): void {
  const heap = h.heap;
  let i = h.size++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pt = heap[parent];
    if (t < pt) {
      heap[i] = pt;
      i = parent;
    } else break;
  }
  heap[i] = t;
}

/** `steps` hold operations: pop the earliest, push it + Exp(mean). Returns steps. */
function floorHold(h: FloorHeap, steps: number, mean: number): number {
  const heap = h.heap;
  const rng = h.rng;
  let size = h.size;
  let now = h.last;
  for (let k = 0; k < steps; k++) {
    // pop
    now = heap[0];
    const last = --size;
    if (last > 0) {
      const t = heap[last];
      let i = 0;
      const half = last >> 1;
      while (i < half) {
        let child = 2 * i + 1;
        let ct = heap[child];
        const right = child + 1;
        if (right < last) {
          const rt = heap[right];
          if (rt < ct) {
            child = right;
            ct = rt;
          }
        }
        if (ct < t) {
          heap[i] = ct;
          i = child;
        } else break;
      }
      heap[i] = t;
    }
    // push
    const nt = now + Math.round(rng.exponential(mean));
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = heap[parent];
      if (nt < pt) {
        heap[i] = pt;
        i = parent;
      } else break;
    }
    heap[i] = nt;
  }
  h.size = size;
  h.last = now;
  return steps;
}

interface HoldResult {
  floor: Rate;
  engine: Rate;
  sameTimes: boolean;
}

function benchHold(pending: number, warmSteps: number, repSteps: number, reps: number): HoldResult {
  const streamSeed = `${SEED}/hold`;

  // Floor: pre-fill from its own Alea stream.
  const floor = new FloorHeap(pending, new AleaRng(streamSeed));
  for (let i = 0; i < pending; i++) floorPush(floor, Math.round(floor.rng.exponential(HOLD_MEAN_US)));

  // Engine: the same stream name under the same root seed gives the same draws.
  const sim = new Sim(SEED, Infinity, [], { maxEvents: Number.MAX_SAFE_INTEGER, maxPendingEvents: 10_000_000 }, 1_000_000);
  const rng = sim.rng.stream('hold');
  let kind = -1;
  kind = sim.on('hold', () => sim.after(Math.round(rng.exponential(HOLD_MEAN_US)), kind));
  for (let i = 0; i < pending; i++) sim.at(Math.round(rng.exponential(HOLD_MEAN_US)), kind);

  floorHold(floor, warmSteps, HOLD_MEAN_US);
  sim.run(Infinity, warmSteps);

  // Alternate floor and engine repetitions so a burst of outside load hits both alike.
  const f: Sample[] = [];
  const e: Sample[] = [];
  for (let r = 0; r < reps; r++) {
    f.push(timed(() => floorHold(floor, repSteps, HOLD_MEAN_US)));
    e.push(timed(() => sim.run(Infinity, repSteps)));
  }
  const sameTimes = sim.now === floor.last && sim.queue.size === floor.size;
  return { floor: summarise(f), engine: summarise(e), sameTimes };
}

// ---------------------------------------------------------------------------------------------
// (b) M/M/1 end to end
// ---------------------------------------------------------------------------------------------

interface Mm1Result {
  rate: Rate;
  requests: number;
  events: number;
  note: string | null;
}

function benchMm1(reps: number): Mm1Result {
  const text = readFileSync(join(root, 'scenarios', 'queueing', 'mm1.json'), 'utf8');
  let loaded = parseScenarioText(text);
  let note: string | null = null;
  if (!loaded.ok && loaded.errors.every((e) => e.path === '$schema')) {
    // The editor hint `$schema` is not a scenario field; if the loader refuses it, drop it
    // (and say so) rather than fail the whole bench over it.
    const { $schema: _hint, ...rest } = JSON.parse(text) as Record<string, unknown>;
    loaded = validateScenario(rest);
    note = 'parseScenarioText rejected mm1.json\'s "$schema" key; the bench dropped that key and used validateScenario';
  }
  if (!loaded.ok) throw new Error(`mm1.json does not load: ${JSON.stringify(loaded.errors)}`);
  const full = loaded.scenario;
  // Warm-up: a tenth of the run (~100,000 requests).
  runScenario({ ...full, durationMs: full.durationMs / 10 });
  const samples: Sample[] = [];
  let requests = 0;
  let events = 0;
  for (let r = 0; r < reps; r++) {
    samples.push(timed(() => {
      const result = runScenario(full);
      requests = result.metrics['client.requests'] as number;
      events = result.events;
      return requests;
    }));
  }
  return { rate: summarise(samples), requests, events, note };
}

/**
 * (b2) messages through one queue and one consumer: a producer publishing as fast as a closed
 * loop of 50 users can, one consumer service with 20 receivers and no processing time, zero
 * latency — the messaging layer's own cost per message (publish, receive, delete, and the
 * conservation check every queue brings), beside ping-pong's per-message figure.
 */
function benchQueue(reps: number): { rate: Rate; messages: number } {
  const loaded = validateScenario({
    version: 1,
    title: 'queue bench',
    description: 'one queue, one consumer',
    durationMs: 20_000,
    nodes: [
      { id: 'q', kind: 'queue' },
      { id: 'worker', kind: 'service', serviceTime: { type: 'constant', ms: 0 }, consume: { from: 'q', receivers: 20, batchSize: 10 } },
    ],
    workloads: [{ id: 'producer', kind: 'closed', target: 'q', clients: 50, thinkTime: { type: 'constant', ms: 0.1 } }],
  });
  if (!loaded.ok) throw new Error(`queue bench does not load: ${JSON.stringify(loaded.errors)}`);
  runScenario({ ...loaded.scenario, durationMs: 2000 });
  let messages = 0;
  const samples: Sample[] = [];
  for (let r = 0; r < reps; r++) {
    samples.push(timed(() => {
      const result = runScenario(loaded.scenario);
      messages = result.metrics['worker.consumer.processed'] as number;
      return messages;
    }));
  }
  return { rate: summarise(samples), messages };
}

// ---------------------------------------------------------------------------------------------
// (c) messages through the network model
// ---------------------------------------------------------------------------------------------

function link(latency: DistSpec, ordered: boolean): LinkParams {
  return {
    latency: compileDist(latency),
    lossProbability: 0,
    duplicateProbability: 0,
    reorderProbability: 0,
    reorderExtraMaxUs: 0,
    ordered,
    capacityPerSec: null,
    queueLimit: 1000,
  };
}

function buildWorld(names: string[], params: LinkParams): { sim: Sim; world: World } {
  const sim = new Sim(SEED, Number.MAX_SAFE_INTEGER, names, { maxEvents: Number.MAX_SAFE_INTEGER, maxPendingEvents: 10_000_000 }, 1_000_000);
  const world = new World(sim, names);
  const network = new Network(sim, names, params, (msg) => world.receive(msg));
  world.attachNetwork(network);
  return { sim, world };
}

class PingNode extends SimNode {
  other = 0;
  override onMessage(msg: Message): void {
    this.send(this.other, 'ping', null, msg.id);
  }
}

class GossipNode extends SimNode {
  constructor(world: World, index: number, name: string, private readonly peers: number) {
    super(world, index, name, 'gossip');
  }

  override onMessage(msg: Message): void {
    this.send(this.rng.int(this.peers), 'gossip', null, msg.id);
  }
}

/** Runs `steps` events and returns how many messages were delivered meanwhile. */
function deliveredDuring(sim: Sim, steps: number): number {
  const delivered = sim.metrics.counter('net.delivered');
  const before = delivered.value;
  sim.run(Infinity, steps);
  return delivered.value - before;
}

function benchPingPong(warm: number, repSteps: number, reps: number): Rate {
  const names = ['ping', 'pong'];
  const { sim, world } = buildWorld(names, link({ type: 'constant', ms: 1 }, true));
  const a = new PingNode(world, 0, 'ping', 'ping');
  const b = new PingNode(world, 1, 'pong', 'ping');
  a.other = 1;
  b.other = 0;
  world.add(a);
  world.add(b);
  world.start();
  a.send(1, 'ping');
  deliveredDuring(sim, warm);
  const samples: Sample[] = [];
  for (let r = 0; r < reps; r++) samples.push(timed(() => deliveredDuring(sim, repSteps)));
  return summarise(samples);
}

function benchGossip(nodes: number, inFlight: number, ordered: boolean, warm: number, repSteps: number, reps: number): Rate {
  const names = Array.from({ length: nodes }, (_, i) => `g${i}`);
  const { sim, world } = buildWorld(names, link({ type: 'uniform', minMs: 1, maxMs: 10 }, ordered));
  for (let i = 0; i < nodes; i++) world.add(new GossipNode(world, i, names[i], nodes));
  world.start();
  for (let m = 0; m < inFlight; m++) {
    const from = world.nodes[m % nodes];
    from.send(from.rng.int(nodes), 'gossip');
  }
  deliveredDuring(sim, warm);
  const samples: Sample[] = [];
  for (let r = 0; r < reps; r++) samples.push(timed(() => deliveredDuring(sim, repSteps)));
  return summarise(samples);
}

// ---------------------------------------------------------------------------------------------
// (d) memory of idle nodes, in a fresh process
// ---------------------------------------------------------------------------------------------

interface IdleResult {
  mode: string;
  count: number;
  retainedDeltaMB: number;
  heapUsedDeltaMB: number;
  externalDeltaMB: number;
  rssDeltaMB: number;
  peakRssMB: number;
}

function tsxImport(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

function benchIdle(mode: 'service' | 'bare', count: number): IdleResult {
  const script = join(here, 'idle-nodes.ts');
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', tsxImport(), script, mode, String(count)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`idle-nodes.ts ${mode} failed (${child.status ?? child.signal}): ${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as IdleResult;
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

type Row = [string, string, string, string, string, string];

function table(rows: Row[]): string {
  const header: Row = ['measurement', 'best', 'median', 'baseline (best)', 'ratio', 'target'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: Row) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function verdict(name: string, value: number, target: number, higherIsBetter: boolean, fmt: (v: number) => string): string {
  const met = higherIsBetter ? value >= target : value <= target;
  if (met) {
    const margin = higherIsBetter ? value / target : target / value;
    return `${name}: MET (${fmt(value)} vs target ${fmt(target)}; ${margin.toFixed(2)}× the requirement)`;
  }
  const by = higherIsBetter ? (1 - value / target) * 100 : (value / target - 1) * 100;
  const factor = higherIsBetter ? target / value : value / target;
  return `${name}: MISSED by ${by.toFixed(1)}% (${fmt(value)} vs target ${fmt(target)}; needs ${factor.toFixed(2)}× ${higherIsBetter ? 'faster' : 'smaller'})`;
}

function main(): void {
  const started = performance.now();
  const cpus = os.cpus();
  console.log('Faultline bench');
  console.log(`node ${process.version} on ${os.platform()} ${os.arch()}; CPU: ${cpus[0]?.model ?? 'unknown'}; ${cpus.length} cores; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  console.log(`load average at start (1/5/15 min): ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} — other processes on this machine make wall-clock rates noisy`);
  console.log('Rates: best of N repetitions after a warm-up (median shown beside it); ratios and verdicts use the best.');
  console.log('');

  log('(a) hold model, 1,000 pending');
  const hold1k = benchHold(1_000, 1_000_000, 3_000_000, 5);
  log('(a) hold model, 100,000 pending');
  const hold100k = benchHold(100_000, 500_000, 2_000_000, 5);
  const floor1k = hold1k.floor.best;
  log('(b) M/M/1 via runScenario');
  const mm1 = benchMm1(3);
  log('(b2) messages through one queue and one consumer');
  const queue = benchQueue(3);
  log('(c1) ping-pong');
  const ping = benchPingPong(500_000, 3_000_000, 5);
  log('(c2) gossip, unordered links');
  const gossipUnordered = benchGossip(10_000, 1_000, false, 300_000, 1_000_000, 4);
  log('(c2) gossip, FIFO links');
  const gossipOrdered = benchGossip(10_000, 1_000, true, 300_000, 1_000_000, 4);
  log('(d) 100,000 idle ServiceNodes (child process)');
  const idleService = benchIdle('service', 100_000);
  log('(d) 100,000 idle bare SimNodes (child process)');
  const idleBare = benchIdle('bare', 100_000);

  const ratio = (x: number, base: number) => `${(x / base).toFixed(3)}×`;
  const mb = (v: number) => `${v.toFixed(1)} MB`;
  const rows: Row[] = [
    ['(a) floor heap, 1,000 pending (events)', fmtRate(hold1k.floor.best), fmtRate(hold1k.floor.median), '—', '1.000×', ''],
    ['(a) engine hold, 1,000 pending (events)', fmtRate(hold1k.engine.best), fmtRate(hold1k.engine.median), fmtRate(floor1k), ratio(hold1k.engine.best, floor1k), '≥ 0.5×'],
    ['(a) floor heap, 100,000 pending (events)', fmtRate(hold100k.floor.best), fmtRate(hold100k.floor.median), '—', '1.000×', ''],
    ['(a) engine hold, 100,000 pending (events)', fmtRate(hold100k.engine.best), fmtRate(hold100k.engine.median), fmtRate(hold100k.floor.best), ratio(hold100k.engine.best, hold100k.floor.best), '≥ 0.35×'],
    ['(b) M/M/1 runScenario (requests)', fmtRate(mm1.rate.best), fmtRate(mm1.rate.median), fmtRate(floor1k), ratio(mm1.rate.best, floor1k), '≥ 1.00 M/s'],
    ['(b2) queue → consumer (messages processed)', fmtRate(queue.rate.best), fmtRate(queue.rate.median), fmtRate(ping.best), ratio(queue.rate.best, ping.best), '(info)'],
    ['(c1) ping-pong, 2 nodes (messages)', fmtRate(ping.best), fmtRate(ping.median), fmtRate(floor1k), ratio(ping.best, floor1k), '≥ 2.00 M/s'],
    ['(c2) gossip 10k nodes, unordered (messages)', fmtRate(gossipUnordered.best), fmtRate(gossipUnordered.median), fmtRate(floor1k), ratio(gossipUnordered.best, floor1k), '(info)'],
    ['(c2) gossip 10k nodes, FIFO links (messages)', fmtRate(gossipOrdered.best), fmtRate(gossipOrdered.median), fmtRate(floor1k), ratio(gossipOrdered.best, floor1k), '(info)'],
    ['(d) 100k idle ServiceNodes: heap+external Δ', mb(idleService.retainedDeltaMB), '—', 'pre-build', '—', '≤ 200 MB'],
    ['(d) 100k idle bare SimNodes: heap+external Δ', mb(idleBare.retainedDeltaMB), '—', 'pre-build', '—', '(info)'],
  ];
  console.log(table(rows));
  console.log('');
  console.log('Details:');
  console.log(`  (a) same popped times in engine and floor: 1,000 pending ${hold1k.sameTimes ? 'yes' : 'NO'}; 100,000 pending ${hold100k.sameTimes ? 'yes' : 'NO'}`);
  console.log(`  (b) ${mm1.requests.toLocaleString('en-US')} requests, ${mm1.events.toLocaleString('en-US')} engine events per run (${(mm1.events / mm1.requests).toFixed(2)} events/request; ${fmtRate(mm1.rate.best * (mm1.events / mm1.requests))} events)`);
  if (mm1.note !== null) console.log(`  (b) note: ${mm1.note}`);
  console.log(`  (b2) ${queue.messages.toLocaleString('en-US')} messages published, received, processed and deleted per run; its baseline is ping-pong's messages/s`);
  for (const r of [idleService, idleBare]) {
    console.log(`  (d) ${r.mode}: heapUsed Δ ${mb(r.heapUsedDeltaMB)}, external Δ ${mb(r.externalDeltaMB)}, RSS Δ ${mb(r.rssDeltaMB)}, peak RSS of the process ${mb(r.peakRssMB)} (${((r.retainedDeltaMB * 1024) / r.count).toFixed(2)} KB per node)`);
  }
  console.log('');
  console.log('Targets:');
  const x = (v: number) => `${v.toFixed(3)}×`;
  console.log(verdict('(a) engine/floor at 1,000 pending ≥ 0.5×', hold1k.engine.best / floor1k, 0.5, true, x));
  console.log(verdict('(a) engine/floor at 100,000 pending ≥ 0.35×', hold100k.engine.best / hold100k.floor.best, 0.35, true, x));
  console.log(verdict('(b) M/M/1 ≥ 1,000,000 requests/s', mm1.rate.best, 1e6, true, fmtRate));
  console.log(verdict('(c1) ping-pong ≥ 2,000,000 messages/s', ping.best, 2e6, true, fmtRate));
  console.log(verdict('(d) 100,000 idle ServiceNodes ≤ 200 MB', idleService.retainedDeltaMB, 200, false, mb));
  console.log('');
  console.log(`load average at end (1/5/15 min): ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
