/**
 * Faultline against its peers, and at scale — `npm run bench` (after bench.ts), or alone:
 *
 *   npx tsx test/bench/peers.ts [--quick]
 *
 * Every figure is CPU time, not wall time (the machine is shared: wall time measures the
 * neighbours), repeated; tables show the best repetition and the median. Nothing here is
 * asserted — the figures go in the README's performance table.
 *
 * (1) M/M/1, the model of scenarios/queueing/mm1.json (λ, μ and the simulated duration read
 *     from the file, ≈ 1,000,000 requests), in requests per CPU-second:
 *     - Faultline in-process: `runScenario` (build, run with trace hashing and metrics, checks)
 *       after a warm-up; CPU of this process over the call.
 *     - Faultline CLI, whole process: `node sim/cli/launch.mjs run mm1.json --json` — what
 *       `npm run sim -- run …` starts, without npm's own start-up (measured once beside it) —
 *       CPU (user + system) of the child from /usr/bin/time.
 *     - SIM.JS (the `simjs` dev dependency, peers/mm1-simjs.mjs): whole process (node started,
 *       library loaded) and the simulation alone, as the script measures it.
 *     - SimPy (peers/mm1_simpy.py under /usr/bin/python3: SimPy 2 as Debian packages it, or
 *       simpy 3/4): whole process and simulation alone; skipped with a note when neither is
 *       installed.
 * (2) Gossip at 1,000,000 nodes and at 100,000 (peers/gossip-nodes.ts in a child with a big
 *     heap): CPU to build and to run, deliveries/CPU-s, peak RSS of the process.
 * (3) Sweep speed-up with 2 workers against 1 at 400 and 1,000 seeds (sweep-bench.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../sim/cli/scenario-file.ts';
import { runScenario } from '../../sim/scenario/run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const quick = process.argv.includes('--quick');
const REPS = quick ? 2 : 5;
const MM1_FILE = join(root, 'scenarios', 'queueing', 'mm1.json');
const TIME = '/usr/bin/time';

function log(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

/** One measured run: units of work (requests) and the CPU seconds they took. */
interface Run {
  units: number;
  cpuSeconds: number;
  peakRssMB?: number;
}

interface Figure {
  best: number;
  median: number;
  units: number;
  cpuSeconds: number;
}

function figure(runs: Run[]): Figure {
  const rates = runs.map((r) => r.units / r.cpuSeconds).sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const median = rates.length % 2 === 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
  const best = runs.reduce((a, b) => (b.units / b.cpuSeconds > a.units / a.cpuSeconds ? b : a));
  return { best: rates[rates.length - 1], median, units: best.units, cpuSeconds: best.cpuSeconds };
}

function repeat(reps: number, fn: () => Run): Run[] {
  return Array.from({ length: reps }, fn);
}

/** Runs a child under /usr/bin/time: its stdout, and its CPU seconds and peak RSS. */
function timedChild(cmd: string, args: string[]): { stdout: string; stderr: string; status: number | null; cpuSeconds: number; peakRssMB: number } {
  const r = spawnSync(TIME, ['-f', '%U %S %M', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = r.stderr.trimEnd().split('\n');
  const [user, system, maxRssKB] = (lines.pop() ?? '').split(' ').map(Number);
  return { stdout: r.stdout, stderr: lines.join('\n'), status: r.status, cpuSeconds: user + system, peakRssMB: maxRssKB / 1024 };
}

function lastJsonLine<T>(text: string): T {
  return JSON.parse(text.trim().split('\n').pop() ?? '') as T;
}

// ---------------------------------------------------------------------------------------------
// (1) M/M/1
// ---------------------------------------------------------------------------------------------

const mm1 = loadScenarioFile(MM1_FILE);
const workload = mm1.workloads[0] as { arrival: { ratePerSec: number } };
const server = mm1.nodes[0] as { serviceTime: { meanMs: number } };
const LAMBDA = workload.arrival.ratePerSec;
const MU = 1000 / server.serviceTime.meanMs;
const SECONDS = mm1.durationMs / 1000;

function faultlineInProcess(): Run {
  const c0 = process.cpuUsage();
  const result = runScenario(mm1);
  const c = process.cpuUsage(c0);
  return { units: result.metrics['client.requests'] as number, cpuSeconds: (c.user + c.system) / 1e6 };
}

function faultlineCli(viaNpm: boolean): Run {
  const args = ['run', 'scenarios/queueing/mm1.json', '--json'];
  const r = viaNpm ? timedChild('npm', ['run', '--silent', 'sim', '--', ...args]) : timedChild(process.execPath, [join(root, 'sim', 'cli', 'launch.mjs'), ...args]);
  if (r.status !== 0) throw new Error(`the CLI failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { metrics: Record<string, number> };
  return { units: out.metrics['client.requests'], cpuSeconds: r.cpuSeconds, peakRssMB: r.peakRssMB };
}

interface PeerOutput {
  version?: string;
  requests: number;
  meanSojournS: number;
  cpuSeconds: number;
}

/** A peer's script in a child: whole-process CPU (from /usr/bin/time) and its own figure. */
function peer(cmd: string, script: string): { whole: Run; inProcess: Run; out: PeerOutput } | { skipped: string } {
  const r = timedChild(cmd, [join(here, 'peers', script), String(LAMBDA), String(MU), String(SECONDS), '1']);
  if (r.status !== 0) {
    const why = r.stderr.includes('No module named') ? 'neither SimPy 2 (module SimPy) nor simpy 3/4 is installed' : r.stderr.split('\n').slice(-3).join(' ');
    return { skipped: why };
  }
  const out = lastJsonLine<PeerOutput>(r.stdout);
  return { whole: { units: out.requests, cpuSeconds: r.cpuSeconds, peakRssMB: r.peakRssMB }, inProcess: { units: out.requests, cpuSeconds: out.cpuSeconds }, out };
}

function peerRuns(cmd: string, script: string, reps: number) {
  const first = peer(cmd, script);
  if ('skipped' in first) return first;
  const runs = [first];
  for (let i = 1; i < reps; i++) {
    const next = peer(cmd, script);
    if (!('skipped' in next)) runs.push(next);
  }
  return { whole: figure(runs.map((r) => r.whole)), inProcess: figure(runs.map((r) => r.inProcess)), out: first.out };
}

// ---------------------------------------------------------------------------------------------
// (2) gossip at scale, (3) sweeps
// ---------------------------------------------------------------------------------------------

interface GossipOutput {
  nodes: number;
  messages: number;
  delivered: number;
  simulatedSeconds: number;
  buildCpuSeconds: number;
  runCpuSeconds: number;
  deliveriesPerCpuSecond: number;
  heapUsedMB: number;
  peakRssMB: number;
}

function gossip(nodes: number, messages: number, deliveries: number): GossipOutput & { wholeCpuSeconds: number } {
  const r = timedChild(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', join(here, 'peers', 'gossip-nodes.ts'), String(nodes), String(messages), String(deliveries)]);
  if (r.status !== 0) throw new Error(`gossip at ${nodes} nodes failed (${r.status}): ${r.stderr}`);
  return { ...lastJsonLine<GossipOutput>(r.stdout), wholeCpuSeconds: r.cpuSeconds, peakRssMB: r.peakRssMB };
}

function sweep(seeds: number): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'sweep-bench.ts'), '--seeds', String(seeds), '--repeat', quick ? '1' : '2'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sweep-bench at ${seeds} seeds failed: ${r.stderr}`);
  return r.stdout.trimEnd();
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const fmt = (rate: number) => (rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(0)} k`);

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function main(): void {
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed to measure children's CPU time and peak memory`);
  const cpus = os.cpus();
  console.log(`Faultline vs peers${quick ? ' (--quick)' : ''}`);
  console.log(`node ${process.version}; CPU: ${cpus[0]?.model ?? 'unknown'}; ${cpus.length} cores; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`M/M/1: λ = ${LAMBDA}/s, μ = ${MU}/s, ${SECONDS.toLocaleString('en-US')} simulated seconds; CPU time (user + system), best of ${REPS} (median beside it)`);
  console.log('');

  log('M/M/1 Faultline in-process');
  runScenario({ ...mm1, durationMs: mm1.durationMs / 10 });
  const inProcess = figure(repeat(REPS, faultlineInProcess));
  log('M/M/1 Faultline CLI (node sim/cli/launch.mjs)');
  faultlineCli(false); // builds the bundle if sim/ changed, so no repetition pays for that
  const cli = figure(repeat(REPS, () => faultlineCli(false)));
  log('M/M/1 Faultline CLI (npm run sim)');
  const npm = figure(repeat(quick ? 1 : 2, () => faultlineCli(true)));
  log('M/M/1 SIM.JS');
  const simjs = peerRuns(process.execPath, 'mm1-simjs.mjs', REPS);
  log('M/M/1 SimPy');
  const simpy = peerRuns('/usr/bin/python3', 'mm1_simpy.py', quick ? 1 : 3);

  const rows: string[][] = [];
  const row = (name: string, f: Figure, base: Figure | null) => rows.push([name, f.units.toLocaleString('en-US'), f.cpuSeconds.toFixed(2), fmt(f.best), fmt(f.median), base === null ? '' : `${(f.best / base.best).toFixed(2)}×`]);
  row('Faultline in-process (runScenario)', inProcess, null);
  row('Faultline CLI, whole process (node launch.mjs)', cli, null);
  row('Faultline CLI, whole process (npm run sim)', npm, null);
  const notes: string[] = [];
  for (const [name, p] of [['SIM.JS', simjs], ['SimPy', simpy]] as const) {
    if ('skipped' in p) {
      notes.push(`${name} skipped: ${p.skipped}`);
      continue;
    }
    row(`${name}${p.out.version === undefined ? '' : ` (${p.out.version})`} simulation alone`, p.inProcess, null);
    row(`${name}, whole process`, p.whole, null);
    notes.push(`${name}: mean time in system ${p.out.meanSojournS.toFixed(3)} s (theory ${(1 / (MU - LAMBDA)).toFixed(3)} s)`);
  }
  console.log(table(['M/M/1', 'requests', 'CPU s', 'req/CPU-s', 'median', ''], rows).replace(/ +$/gm, ''));
  for (const n of notes) console.log(`  ${n}`);
  const ratio = (a: Figure, b: { best: number }) => `${(a.best / b.best).toFixed(2)}×`;
  if (!('skipped' in simjs)) {
    console.log(`  Faultline / SIM.JS: in-process ${ratio(inProcess, simjs.inProcess)} (target ≥ 1.2×), CLI whole process ${ratio(cli, simjs.whole)} (target ≥ 1×)`);
  }
  if (!('skipped' in simpy)) {
    console.log(`  Faultline / SimPy: in-process ${ratio(inProcess, simpy.inProcess)}, CLI whole process ${ratio(cli, simpy.whole)} (target ≥ 3×)`);
  }
  console.log(`  Faultline in-process: ${fmt(inProcess.best)} requests/CPU-s (target ≥ 1 M)`);
  console.log('');

  log('gossip, 100,000 nodes (child process)');
  const g100k = gossip(100_000, 10_000, quick ? 500_000 : 2_000_000);
  log('gossip, 1,000,000 nodes (child process)');
  const g1m = gossip(1_000_000, 100_000, quick ? 1_000_000 : 3_000_000);
  const grow = (g: GossipOutput & { wholeCpuSeconds: number }) => [
    g.nodes.toLocaleString('en-US'),
    g.messages.toLocaleString('en-US'),
    g.delivered.toLocaleString('en-US'),
    g.simulatedSeconds.toFixed(2),
    g.buildCpuSeconds.toFixed(1),
    g.runCpuSeconds.toFixed(1),
    g.wholeCpuSeconds.toFixed(1),
    fmt(g.deliveriesPerCpuSecond),
    `${g.peakRssMB.toFixed(0)} MB`,
  ];
  console.log(table(['gossip nodes', 'in flight', 'delivered', 'sim s', 'build CPU s', 'run CPU s', 'process CPU s', 'deliveries/CPU-s', 'peak RSS'], [grow(g100k), grow(g1m)]));
  console.log(`  100,000 active nodes: peak RSS ${g100k.peakRssMB.toFixed(0)} MB (target ≤ 1 GB); every node receives and forwards ~${(g100k.delivered / g100k.nodes).toFixed(0)} messages`);
  console.log('');

  for (const seeds of [400, 1000]) {
    log(`sweep, ${seeds} seeds`);
    console.log(sweep(seeds));
  }
}

main();
