/**
 * Benchmark: a sweep with 2 worker threads against 1 (target ≥ 1.7× on a 2-core machine).
 * Times whole sweeps of scenarios/network/crash-restart.json, seeds 1..N (default 1000: the
 * issue's "sweep a thousand seeds"; short sweeps are dominated by worker start-up), as
 * the command runs them — each worker's start-up (loading the simulator, the JIT warming up
 * on the first seeds) included — alternating 1 and 2 workers to spread the machine's noise
 * over both. Also reports the steady state (seeds per second once every worker has finished
 * its first two seeds) and how long a worker takes to start.
 *
 *   npx tsx test/bench/sweep-bench.ts [--seeds N] [--repeat R] [--scenario FILE]
 *
 * Prints figures, asserts nothing (tests never assert timings).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { loadScenarioFile } from '../../sim/cli/scenario-file.ts';
import { runSeedsOnWorkers } from '../../sim/cli/sweep/pool.ts';
import { keyMetricNames } from '../../sim/report/key-metrics.ts';



function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seedsCount = arg('--seeds', 1000);
const repeat = arg('--repeat', 3);
const SCENARIO = process.argv.includes('--scenario') ? process.argv[process.argv.indexOf('--scenario') + 1] : 'scenarios/network/crash-restart.json';
const scenario = loadScenarioFile(SCENARIO);
const metrics = keyMetricNames([scenario]);
const seeds = Array.from({ length: seedsCount }, (_, i) => i + 1);

interface Timing {
  total: number;
  /** CPU time of the process (all threads) over wall time: how many cores the sweep got. */
  cores: number;
  /** Seeds per second after every worker's first two seeds. */
  steady: number;
  hashes: string;
}

async function sweep(workers: number, list: number[] = seeds): Promise<Timing & { first: number }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const stamps: number[] = [];
  const results = await runSeedsOnWorkers({ scenario, metrics, seeds: list, workers, onResult: () => stamps.push(performance.now() - t0) });
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cores = (cpu.user + cpu.system) / 1000 / total;
  const warm = Math.min(2 * workers, stamps.length - 1);
  const steady = (stamps.length - 1 - warm) / ((stamps[stamps.length - 1] - stamps[warm]) / 1000);
  return { total, cores, steady, first: stamps[0], hashes: results.sort((a, b) => a.seed - b.seed).map((r) => r.traceHash).join() };
}

const runs: Record<1 | 2, Timing[]> = { 1: [], 2: [] };
let reference = '';
for (let i = 0; i < repeat; i++) {
  for (const workers of [1, 2] as const) {
    const t = await sweep(workers);
    if (reference === '') reference = t.hashes;
    if (t.hashes !== reference) throw new Error('a sweep gave different trace hashes: not deterministic');
    runs[workers].push(t);
  }
}

// Worker start-up: time to the first result of a one-seed sweep, bundled and through tsx.
const startBundled: number[] = [];
const startTsx: number[] = [];
for (let i = 0; i < repeat; i++) {
  startBundled.push((await sweep(1, [1])).first);
  process.env.FAULTLINE_SWEEP_WORKER = 'tsx';
  startTsx.push((await sweep(1, [1])).first);
  delete process.env.FAULTLINE_SWEEP_WORKER;
}

const best = (xs: number[]) => Math.min(...xs);
const most = (xs: number[]) => Math.max(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const total = (w: 1 | 2) => runs[w].map((r) => r.total);
const steady = (w: 1 | 2) => runs[w].map((r) => r.steady);
console.log(`Sweep: ${SCENARIO}, seeds 1..${seedsCount}, ${repeat} repetitions each`);
console.log(`  machine: ${cpus()[0]?.model ?? 'unknown CPU'}, available parallelism ${availableParallelism()}, Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`  1 worker : best ${s(best(total(1)))}, median ${s(median(total(1)))}  (${total(1).map(s).join(', ')})`);
console.log(`  2 workers: best ${s(best(total(2)))}, median ${s(median(total(2)))}  (${total(2).map(s).join(', ')})`);
console.log(`  speed-up, whole sweep : ${(best(total(1)) / best(total(2))).toFixed(2)}× (best), ${(median(total(1)) / median(total(2))).toFixed(2)}× (median); target ≥ 1.7×`);
console.log(`  steady state          : ${most(steady(1)).toFixed(1)} seeds/s with 1 worker, ${most(steady(2)).toFixed(1)} with 2 → ${(most(steady(2)) / most(steady(1))).toFixed(2)}× (best), ${(median(steady(2)) / median(steady(1))).toFixed(2)}× (median)`);
const cores = (w: 1 | 2) => runs[w].map((r) => r.cores.toFixed(2)).join(', ');
// Two workers on two cores use about 1.9 of them; fewer means other processes had the CPU (the speed-up then measures them too).
const crowded = runs[2].some((r) => r.cores < 1.9);
console.log(`  cores used (CPU time / wall time): 1 worker ${cores(1)}; 2 workers ${cores(2)}${crowded ? ' — below 1.9 with 2 workers: other processes had the CPU' : ''}`);
console.log(`  worker start-up to the first result: bundled ${s(median(startBundled))}, through tsx ${s(median(startTsx))} (medians)`);
