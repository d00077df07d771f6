/**
 * Linear checkers and lock tables (issue 16): `npm run bench` runs this after bench.ts. Each of
 * the four is measured at two sizes, 10,000 and 30,000 transactions, and the ratio of the
 * times is printed: about 3 means the cost grows linearly with the run; about 9 would mean it
 * grows with its square (each transaction rescanning what every earlier one left behind).
 * The figure is the CPU time of this process (user + system, `process.cpuUsage`), which other
 * processes on a shared machine disturb far less than wall-clock time (shown beside it); the
 * best of `--reps N` repetitions (default 2) is shown. Timing is fine here: test/bench is
 * outside sim/.
 *
 * (L1) saga checkers: the state records of a run of N order sagas (orchestrated, one card in
 *      five declined so a fifth are compensated, balances large enough that the rest
 *      complete) are recorded once, then replayed into fresh checkers — the orchestrator's
 *      flow invariant and each data service's ledger, through the run's own dispatch. Only
 *      the checkers are timed.
 * (L2) data-service holds: a whole run in which N sagas are in flight at once (they arrive in
 *      one second and their last step takes 10 s), so the payments service holds N debits
 *      while it takes them and while its reporting job reads balances (lockedByOther and the
 *      reads used to scan every hold).
 * (L3) 2PC lock-wait queue: a whole run of N transactions arriving faster than their 20 keys
 *      can serve them, so the participant's lock-wait queue grows to thousands (each PREPARE
 *      and each release used to rescan it).
 * (L4) breaker invariants: a whole run of N calls from N/10 clients, each with its own circuit
 *      breaker (so 1,000 and 3,000 breakers), each breaker's invariant hearing only its own
 *      client's records (it used to hear every record of the run).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChecks } from '../../sim/check/checks.ts';
import { listenTo, type TraceRecord } from '../../sim/engine/trace.ts';
import { NODE_KINDS } from '../../sim/patterns/node-kinds.ts';
import { validateScenario } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const SIZES = [10_000, 30_000] as const;
const repsFlag = process.argv.indexOf('--reps');
const REPS = repsFlag > 0 ? Math.max(1, Number(process.argv[repsFlag + 1]) || 1) : 2;

interface Timing {
  /** Seconds of CPU time, best repetition. */
  cpu: number;
  /** Seconds of wall-clock time of that repetition. */
  wall: number;
}

function time(reps: number, fn: () => void): Timing {
  const runs: Timing[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const c = process.cpuUsage(c0);
    runs.push({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 });
  }
  return runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
}

function load(input: unknown): Scenario {
  const loaded = validateScenario(input);
  if (!loaded.ok) throw new Error(`bench scenario does not validate: ${JSON.stringify(loaded.errors.slice(0, 3))}`);
  return loaded.scenario;
}

function builtIn(path: string): Record<string, unknown> {
  const { $schema: _hint, ...rest } = JSON.parse(readFileSync(join(root, 'scenarios', path), 'utf8')) as Record<string, unknown>;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// (L1) saga checkers
// ---------------------------------------------------------------------------------------------

/** saga-payment-fails with N sagas at 100/s and balances and stock that never run out. */
function sagaScenario(sagas: number): Scenario {
  const s = builtIn('transactions/saga-payment-fails.json') as { nodes: Record<string, unknown>[] } & Record<string, unknown>;
  const stopMs = sagas * 10;
  const plenty = (resources: Record<string, number>) => Object.fromEntries(Object.keys(resources).map((k) => [k, 1e12]));
  const nodes = s.nodes.map((n) => {
    if (n.kind === 'saga-orchestrator') return { ...n, sagasPerSec: 100, stopMs };
    if (n.operation === 'debit') return { ...n, resources: plenty(n.resources as Record<string, number>) };
    return n;
  });
  return load({ ...s, nodes, durationMs: stopMs + 5_000, checks: [] });
}

interface Replay {
  sagas: number;
  records: number;
  timing: Timing;
}

function benchSagaCheckers(sagas: number): Replay {
  const scenario = sagaScenario(sagas);
  const records: TraceRecord[] = [];
  const result = runScenario(scenario, { listeners: [listenTo(['state'], (r) => records.push(r))] });
  const started = result.metrics['orch.sagas.started'] as number;
  const timing = time(REPS, () => {
    const automatic = scenario.nodes.flatMap((n) => (n.kind === 'service' ? [] : NODE_KINDS[n.kind].invariants?.(n, scenario.nodes) ?? []));
    const listener = createChecks(scenario, automatic).listener!;
    for (const r of records) listener(r);
    const broken = automatic.find((a) => a.invariant.violation !== null);
    if (broken !== undefined) throw new Error(`(L1) ${broken.name}: ${JSON.stringify(broken.invariant.violation)}`);
  });
  return { sagas: started, records: records.length, timing };
}

// ---------------------------------------------------------------------------------------------
// Whole runs
// ---------------------------------------------------------------------------------------------

interface WholeRun {
  transactions: number;
  events: number;
  timing: Timing;
}

function benchRun(scenario: Scenario, count: (metrics: Record<string, unknown>) => number): WholeRun {
  let transactions = 0;
  let events = 0;
  const timing = time(REPS, () => {
    const result = runScenario(scenario);
    const failed = result.checks.filter((c) => !c.ok);
    if (failed.length > 0) throw new Error(`${scenario.title}: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
    if (result.outcome.status !== 'completed') throw new Error(`${scenario.title}: ${result.outcome.reason}`);
    transactions = count(result.metrics);
    events = result.events;
  });
  return { transactions, events, timing };
}

/** (L2) N sagas in flight at once: they start within one second and their last step takes 10 s. */
function holdsScenario(sagas: number): Scenario {
  return load({
    version: 1,
    title: `bench: ${sagas} sagas in flight`,
    description: 'Every saga holds a debit at payments until its slow last step is done.',
    seed: 1,
    durationMs: 15_000,
    network: { latency: { type: 'uniform', minMs: 1, maxMs: 3 } },
    nodes: [
      { id: 'orch', kind: 'saga-orchestrator', sagasPerSec: sagas, stopMs: 1_000, maxSagas: sagas,
        steps: [
          { service: 'orders', type: 'compensatable' },
          { service: 'payments', type: 'compensatable', amount: 1, amountMax: 5 },
          { service: 'archive', type: 'pivot' },
        ] },
      { id: 'orders', kind: 'data-service', operation: 'record', serviceTimeMs: 1 },
      { id: 'payments', kind: 'data-service', operation: 'debit', serviceTimeMs: 1, readsPerSec: 2_000,
        resources: Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`account${i}`, 1e12])) },
      { id: 'archive', kind: 'data-service', operation: 'record', serviceTimeMs: 10_000 },
    ],
    workloads: [],
    checks: [{ name: 'every saga completed', type: 'metric', metric: 'orch.sagas.running', op: '==', value: 0 }],
  });
}

/** (L3) N transactions on 20 keys, arriving at 20,000/s: far faster than the keys free up. */
function lockQueueScenario(transactions: number): Scenario {
  return load({
    version: 1,
    title: `bench: ${transactions} transactions queueing for 20 keys`,
    description: 'A participant whose lock-wait queue grows to thousands.',
    seed: 1,
    durationMs: 600_000,
    network: { latency: { type: 'uniform', minMs: 1, maxMs: 3 } },
    nodes: [
      { id: 'coordinator', kind: '2pc-coordinator', participants: ['db'], transactionsPerSec: 20_000,
        stopMs: transactions / 20, keySpace: 20, voteTimeoutMs: 1e9, decisionResendMs: 1e9 },
      { id: 'db', kind: '2pc-participant', inquiryIntervalMs: 1e9 },
    ],
    workloads: [],
    checks: [{ name: 'none aborted', type: 'metric', metric: 'coordinator.aborted', op: '==', value: 0 }],
  });
}

/** (L4) N calls from N/10 clients, each with its own circuit breaker, to one service. */
function breakersScenario(calls: number): Scenario {
  const clients = calls / 10;
  return load({
    version: 1,
    title: `bench: ${clients} breakers`,
    description: 'Every client has its own breaker; each breaker invariant should hear only its client.',
    seed: 1,
    durationMs: 10_000,
    network: { latency: { type: 'uniform', minMs: 1, maxMs: 3 } },
    nodes: [{ id: 'api', kind: 'service', workers: 100_000, serviceTime: { type: 'constant', ms: 5 }, errorProbability: 0.05 }],
    workloads: Array.from({ length: clients }, (_, i) => ({
      id: `client${i}`, kind: 'open', target: 'api', arrival: { type: 'poisson', ratePerSec: 1 },
      callPath: [{ type: 'circuit-breaker', slidingWindowSize: 5, minimumNumberOfCalls: 5, failureRateThreshold: 50 }],
    })),
    checks: [],
  });
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

type Row = [string, string, string, string, string];

function table(rows: Row[]): string {
  const header: Row = ['measurement', 'size', 'CPU (best)', 'its wall clock', 'CPU per transaction'];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: Row) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const secs = (s: number) => `${s.toFixed(3)} s`;
const micros = (s: number, n: number) => `${((s / n) * 1e6).toFixed(1)} µs`;

function log(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

function main(): void {
  console.log('Faultline bench: linear checkers and lock tables');
  console.log(`node ${process.version}; ${os.cpus().length} cores; load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`CPU time of this process, best of ${REPS} (its wall-clock time beside it). Ratio = CPU at 30,000 / CPU at 10,000: ≈ 3 is linear, ≈ 9 quadratic.`);
  console.log('');
  const rows: Row[] = [];
  const ratios: string[] = [];
  const measure = (name: string, unit: string, run: (n: number) => { n: number; timing: Timing; note: string }) => {
    const results = SIZES.map((size) => {
      log(`${name}, ${size.toLocaleString('en-US')}`);
      return run(size);
    });
    for (const r of results) rows.push([name, `${r.n.toLocaleString('en-US')} ${unit}`, secs(r.timing.cpu), secs(r.timing.wall), micros(r.timing.cpu, r.n)]);
    const ratio = results[1].timing.cpu / results[0].timing.cpu;
    const sizeRatio = results[1].n / results[0].n;
    ratios.push(`${name}: ${ratio.toFixed(2)}× the CPU for ${sizeRatio.toFixed(2)}× the ${unit} (${results.map((r) => r.note).join('; ')})`);
  };
  measure('(L1) saga checkers, replayed', 'sagas', (n) => {
    const r = benchSagaCheckers(n);
    return { n: r.sagas, timing: r.timing, note: `${r.records.toLocaleString('en-US')} state records` };
  });
  measure('(L2) data-service holds, whole run', 'sagas', (n) => {
    const r = benchRun(holdsScenario(n), (m) => m['orch.sagas.started'] as number);
    return { n: r.transactions, timing: r.timing, note: `${r.events.toLocaleString('en-US')} events` };
  });
  measure('(L3) 2PC lock-wait queue, whole run', 'transactions', (n) => {
    const r = benchRun(lockQueueScenario(n), (m) => m['coordinator.started'] as number);
    return { n: r.transactions, timing: r.timing, note: `${r.events.toLocaleString('en-US')} events` };
  });
  measure('(L4) breaker invariants, whole run', 'calls', (n) => {
    const requests = (m: Record<string, unknown>) => Object.entries(m).reduce((sum, [k, v]) => sum + (/^client\d+\.requests$/.test(k) ? (v as number) : 0), 0);
    const r = benchRun(breakersScenario(n), requests);
    return { n: r.transactions, timing: r.timing, note: `${(n / 10).toLocaleString('en-US')} breakers, ${r.events.toLocaleString('en-US')} events` };
  });
  console.log(table(rows));
  console.log('');
  console.log('Ratios (target ≈ 3, linear):');
  for (const line of ratios) console.log(`  ${line}`);
  console.log('');
  console.log(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main();
