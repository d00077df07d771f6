import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../sim/cli/main.ts';
import { hashTraceRecords, type TraceHeader, type TraceRecord } from '../sim/engine/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-cli-'));
const CRASH = 'scenarios/network/crash-restart.json';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const valid = {
  version: 1, title: 't', description: 'd', durationMs: 1000,
  nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
  workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 10 } }],
};

describe('sim run', () => {
  it('prints a readable summary with seed, hashes, metrics and checks; exit 0 when checks pass', async () => {
    const r = await cli('run', CRASH);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/seed 3 · scenario [0-9a-f]{16} · trace [0-9a-f]{16}/);
    expect(r.stdout).toContain('users.latencyMs');
    expect(r.stdout).toMatch(/Checks: 6 passed, 0 failed/);
  });

  it('shows each call path with its policies in order', async () => {
    const r = await cli('run', 'scenarios/resilience/cascading-failure.json');
    expect(r.stdout).toContain('api->payments: fallback → breaker (circuit-breaker) → timeout → payments');
  });

  it('--json prints one object with the documented fields', async () => {
    const r = await cli('run', CRASH, '--json', '--seed', '11');
    const out = JSON.parse(r.stdout);
    for (const key of ['scenario', 'seed', 'scenarioHash', 'traceHash', 'events', 'simTimeUs', 'outcome', 'metrics', 'checks']) expect(out).toHaveProperty(key);
    expect(out.seed).toBe(11);
    expect(out.outcome).toEqual({ status: 'completed' });
    expect(Object.keys(out.metrics['users.latencyMs']).sort()).toEqual(['count', 'max', 'mean', 'p50', 'p90', 'p99']);
    expect(out.checks[0]).toEqual({ name: expect.any(String), ok: true, detail: expect.any(String) });
  });

  it('--trace writes JSONL whose records re-hash to the reported trace hash', async () => {
    const path = join(dir, 'trace.jsonl');
    const r = JSON.parse((await cli('run', CRASH, '--json', '--trace', path)).stdout);
    const [header, ...records] = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect((header as TraceHeader).nodes).toEqual(['server', 'users']);
    expect(records.length).toBe(r.traceRecords);
    expect(hashTraceRecords(header.nodes, records as TraceRecord[])).toBe(r.traceHash);
  });

  it('--set changes a field; a failing check exits 1 and prints the replay command', async () => {
    const r = await cli('run', CRASH, '--set', 'faults[0].restartAfterMs=null');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  and restarted once');
    expect(r.stdout).toContain("Replay: npm run sim -- run scenarios/network/crash-restart.json --seed 3 --set 'faults[0].restartAfterMs=null'");
  });
});

describe('bad input exits 2 with the field path and what was expected', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['an unknown key', () => ['run', file('unknown.json', JSON.stringify({ ...valid, colour: 'red' }))], /colour: unknown key "colour" \(allowed: /],
    ['a negative latency', () => ['run', file('neg.json', JSON.stringify({ ...valid, network: { latency: { type: 'constant', ms: -1 } } }))], /network\.latency\.ms: expected a number ≥ 0, got -1/],
    ['NaN through --set', () => ['run', file('ok.json', JSON.stringify(valid)), '--set', 'nodes[0].serviceTime.ms=NaN'], /nodes\[0\]\.serviceTime\.ms: expected a number/],
    ['a link to a missing node', () => ['run', file('link.json', JSON.stringify({ ...valid, links: [{ from: 'c', to: 'ghost' }] }))], /links\[0\]\.to: .*"ghost"/],
    ['a file that is not JSON', () => ['run', file('bad.json', '{ not json')], /\(root\): not valid JSON/],
    ['a huge file', () => ['run', file('huge.json', JSON.stringify({ ...valid, description: 'x'.repeat(6 * 1024 * 1024) }))], /\(root\): the file is 6\.0 MB, more than the limit of 5 MB/],
    ['a missing file', () => ['run', join(dir, 'nope.json')], /no such file/],
    ['an unknown variant', () => ['run', CRASH, '--variant', 'nope'], /variant/],
    ['a malformed --set', () => ['run', CRASH, '--set', 'nodes[0'], /nodes\[0/],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const r = await cli(...argv());
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it('bad arguments: unknown command, unknown option, bad seed', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('run', CRASH, '--colour')).code).toBe(2);
    const seed = await cli('run', CRASH, '--seed', '-3');
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('expected a whole number');
  });
});

describe('the real command', () => {
  it('npm run sim exits with the run\'s status code', () => {
    const tsx = join('node_modules', '.bin', 'tsx');
    expect(execFileSync(tsx, ['sim/cli.ts', 'run', CRASH, '--json'], { encoding: 'utf8' })).toContain('"traceHash"');
    expect(spawnSync(tsx, ['sim/cli.ts', 'run', join(dir, 'nope.json')]).status).toBe(2);
    expect(spawnSync(tsx, ['sim/cli.ts', 'run', CRASH, '--set', 'faults[0].restartAfterMs=null']).status).toBe(1);
  });
});
