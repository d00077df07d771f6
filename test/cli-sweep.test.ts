/**
 * `sweep` on worker threads and `merge` of its shards: the same seeds give the same results
 * whatever the number of workers or shards, and two merged shards print exactly what one
 * sweep of the whole range prints.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main, type Output } from '../sim/cli/main.ts';
import { loadScenarioFile } from '../sim/cli/scenario-file.ts';
import { ProgressBar } from '../sim/cli/sweep/progress.ts';
import { describe as stats, studentT975 } from '../sim/cli/sweep/stats.ts';
import { runScenario } from '../sim/scenario/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-sweep-'));
const CRASH = 'scenarios/network/crash-restart.json';
const SEEDS = '1..6';

async function cli(argv: string[], opts: Partial<Output> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), ...opts });
  return { code, stdout, stderr };
}

interface JsonSummary {
  runs: number;
  failed: number;
  combinedTraceHash: string;
  metrics: Record<string, { n: number; mean: number; sd: number; min: number; max: number; ci95: [number, number] }>;
  results: { seed: number; traceHash: string; checks: { passed: string[]; failed: string[] } }[];
  failingSeeds: { seed: number; replay: string }[];
}

let single: { code: number; stdout: string; stderr: string };
let singleJson: JsonSummary;

beforeAll(async () => {
  single = await cli(['sweep', CRASH, '--seeds', SEEDS, '--workers', '2']);
  singleJson = JSON.parse((await cli(['sweep', CRASH, '--seeds', SEEDS, '--workers', '2', '--json'])).stdout) as JsonSummary;
});

describe('sweep', () => {
  it('prints mean, spread and a 95% interval per metric; exit 0 when every seed passes', () => {
    expect(single.code).toBe(0);
    expect(single.stderr).toBe(''); // not a terminal: no progress bar
    expect(single.stdout).toMatch(/^Sweep: A server crashes and restarts\n {2}scenarios\/network\/crash-restart\.json · scenario [0-9a-f]{16} · seeds 1\.\.6\n/);
    expect(single.stdout).toContain('6 runs (6 completed): 6 passed every check, 0 failed a check');
    expect(single.stdout).toMatch(/metric +n +mean +sd +min +max +95% CI of mean/);
    expect(single.stdout).toMatch(/users\.latencyMs\.p99 +6 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ … [\d.]+/);
    expect(single.stdout).toContain("Student's t with n−1 degrees of freedom");
    expect(single.stdout).toContain('Every seed passed every check.');
  });

  it('each seed is the run `run --seed` gives: the same trace hash', () => {
    const scenario = loadScenarioFile(CRASH);
    expect(singleJson.results.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of singleJson.results.filter((x) => x.seed % 3 === 0)) expect(r.traceHash).toBe(runScenario(scenario, { seed: r.seed }).traceHash);
  });

  it('one worker and two workers give the same summary, byte for byte', async () => {
    const one = await cli(['sweep', CRASH, '--seeds', SEEDS, '--workers', '1']);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(single.stdout);
  });

  it('the statistics are those of the per-seed values', () => {
    const m = singleJson.metrics['users.ok'];
    expect(m.n).toBe(6);
    const values = singleJson.results.map((r) => (r as unknown as { metrics: Record<string, number> }).metrics['users.ok']);
    expect(m.min).toBe(Math.min(...values));
    expect(m.max).toBe(Math.max(...values));
    expect(m.mean).toBeCloseTo(values.reduce((a, b) => a + b) / 6, 9);
    const half = (m.ci95[1] - m.ci95[0]) / 2;
    expect(half).toBeCloseTo((2.5706 * m.sd) / Math.sqrt(6), 3);
  });

  it('lists failing seeds with the command that replays each; exit 1', async () => {
    const r = await cli(['sweep', CRASH, '--seeds', '4..5', '--workers', '2', '--set', 'faults[0].restartAfterMs=null']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('2 runs (2 completed): 0 passed every check, 2 failed a check');
    expect(r.stdout).toContain('and restarted once — on 2 of 2 seeds');
    expect(r.stdout).toContain("Failing seeds (2) — replay each with:\n  npm run sim -- run scenarios/network/crash-restart.json --seed 4 --set 'faults[0].restartAfterMs=null'\n  npm run sim -- run scenarios/network/crash-restart.json --seed 5 --set 'faults[0].restartAfterMs=null'");
    // The replay command reproduces the failure.
    const replay = await cli(['run', CRASH, '--seed', '5', '--set', 'faults[0].restartAfterMs=null']);
    expect(replay.code).toBe(1);
  });

  it('workers started through tsx instead of the cached bundle give the same results', async () => {
    process.env.FAULTLINE_SWEEP_WORKER = 'tsx';
    try {
      const r = await cli(['sweep', CRASH, '--seeds', '1..2', '--workers', '1', '--json']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as JsonSummary).results.map((x) => x.traceHash)).toEqual(singleJson.results.slice(0, 2).map((x) => x.traceHash));
    } finally {
      delete process.env.FAULTLINE_SWEEP_WORKER;
    }
  });

  it('draws a progress bar with an ETA on stderr only when stderr is a terminal', async () => {
    const r = await cli(['sweep', CRASH, '--seeds', '1..2', '--workers', '1'], { stderrIsTTY: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[█+░*\] [12]\/2 seeds · \d+% · [\d.]+ s elapsed · ETA /);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true); // cleared at the end
    expect(r.stdout).not.toContain('█');
  });

  it('the progress bar estimates the time left from the pace so far', () => {
    let t = 0;
    const bar = new ProgressBar(10, () => {}, () => t, 10);
    t = 4000;
    expect(bar.line(4, 1, t)).toBe('  [████░░░░░░] 4/10 seeds · 40% · 1 failed · 4.0 s elapsed · ETA 6.0 s');
  });
});

describe('shards and merge', () => {
  let shard0 = '';
  let shard1 = '';
  beforeAll(async () => {
    shard0 = join(dir, 'shard-0.jsonl');
    shard1 = join(dir, 'shard-1.jsonl');
    const a = await cli(['sweep', CRASH, '--seeds', SEEDS, '--shard', '0/2', '--out', shard0, '--workers', '1']);
    const b = await cli(['sweep', CRASH, '--seeds', SEEDS, '--shard', '1/2', '--out', shard1, '--workers', '2']);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toContain('seeds 1..6, shard 0/2 (every 2nd seed from 1)');
    expect(a.stdout).toContain('3 runs');
  });

  it('--shard i/n runs every n-th seed, from 0-based shard i', () => {
    const seeds = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l).seed).sort((x: number, y: number) => x - y);
    expect(seeds(shard0)).toEqual([1, 3, 5]);
    expect(seeds(shard1)).toEqual([2, 4, 6]);
  });

  it('--out writes a header, then one line per seed: seed, trace hash, outcome, checks, metrics', () => {
    const [header, ...lines] = readFileSync(shard0, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ k: 'faultline-sweep', version: 1, file: CRASH, seeds: { from: 1, to: 6 }, shard: { index: 0, count: 2 }, variant: null, sets: [] });
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0])).toEqual(['k', 'seed', 'traceHash', 'outcome', 'checks', 'metrics']);
    expect(lines[0].outcome).toBe('completed');
    expect(lines[0].checks.failed).toEqual([]);
    expect(lines[0].checks.passed).toContain('and restarted once');
    expect(typeof lines[0].metrics['users.latencyMs.p99']).toBe('number');
  });

  it('merge of two shards prints exactly the single sweep\'s summary, and the same trace hashes', async () => {
    const merged = await cli(['merge', shard1, shard0]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(single.stdout);
    const mergedJson = JSON.parse((await cli(['merge', shard0, shard1, '--json'])).stdout) as JsonSummary;
    expect(mergedJson.results.map((r) => [r.seed, r.traceHash])).toEqual(singleJson.results.map((r) => [r.seed, r.traceHash]));
    expect(mergedJson.combinedTraceHash).toBe(singleJson.combinedTraceHash);
    expect(mergedJson).toEqual(singleJson);
  });

  it('merge refuses incomplete or mixed shards (exit 2)', async () => {
    const partial = await cli(['merge', shard0]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/3 seeds of 1\.\.6 missing \(e\.g\. 2, 4, 6\); shards given: 0\/2/);

    const other = join(dir, 'other.jsonl');
    expect((await cli(['sweep', CRASH, '--seeds', SEEDS, '--shard', '1/2', '--out', other, '--workers', '1', '--set', 'nodes[0].workers=4'])).code).toBe(0);
    const mixed = await cli(['merge', shard0, other]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/is from another sweep than .*: its scenarioHash is/);

    const notSweep = join(dir, 'not-a-sweep.jsonl');
    writeFileSync(notSweep, '{"k":"header"}\n');
    expect((await cli(['merge', notSweep])).stderr).toMatch(/not a sweep's --out file/);
    expect((await cli(['merge', join(dir, 'nope.jsonl')])).stderr).toMatch(/no such file/);
  });
});

describe('statistics', () => {
  it("the 95% interval uses Student's t with n−1 degrees of freedom", () => {
    expect(studentT975(1)).toBeCloseTo(12.7062, 3);
    expect(studentT975(5)).toBeCloseTo(2.5706, 4);
    expect(studentT975(29)).toBeCloseTo(2.0452, 4);
    expect(studentT975(1000)).toBeCloseTo(1.9623, 4);
    const s = stats([2, 4, 4, 4, 5, 5, 7, 9, null]);
    expect(s).toMatchObject({ n: 8, mean: 5, min: 2, max: 9 });
    expect(s.sd).toBeCloseTo(2.13809, 5);
    expect(s.ci95![1] - 5).toBeCloseTo(2.36462 * (2.13809 / Math.sqrt(8)), 4);
    expect(stats([3])).toEqual({ n: 1, mean: 3, sd: null, min: 3, max: 3, ci95: null });
    expect(stats([null])).toEqual({ n: 0, mean: null, sd: null, min: null, max: null, ci95: null });
  });
});

describe('the real command', () => {
  it('npm run sim -- sweep runs its worker threads from the real command', () => {
    const r = spawnSync('npm', ['run', '--silent', 'sim', '--', 'sweep', CRASH, '--seeds', '1..3', '--workers', '2', '--json'], { encoding: 'utf8' });
    expect(r.stderr.replace(/npm warn[^\n]*\n/gi, '')).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as JsonSummary;
    expect(out.results.map((x) => x.traceHash)).toEqual(singleJson.results.slice(0, 3).map((x) => x.traceHash));
  });
});
