/**
 * A run a limit cut short is not a complete run: every command that runs a scenario exits 3
 * for it, whatever its checks say, unless the scenario lists that limit in `limits.expected`.
 * Sweeps count such seeds as cut short, not passed.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../sim/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-limits-'));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** A constant stream of requests to one server: about 4 events a request, 4,000 over the second. */
function scenarioFile(name: string, changes: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      title: 'steady',
      description: 'a steady stream of requests',
      durationMs: 1000,
      nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
      workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 1000 } }],
      checks: [{ type: 'metric', metric: 'c.requests', op: '>', value: 10 }],
      ...changes,
    }),
  );
  return path;
}

const CUT = scenarioFile('cut.json', { limits: { maxEvents: 200 } });
const EXPECTED = scenarioFile('expected.json', { limits: { maxEvents: 200, expected: ['maxEvents'] } });
const COMPLETE = scenarioFile('complete.json');

describe('run: a limit that cuts the run short exits 3', () => {
  it('even when every check passes, and the summary says why', async () => {
    const r = await cli('run', CUT);
    expect(r.stdout).toContain('stopped by limit: maxEvents');
    expect(r.stdout).toContain('Checks: 1 passed, 0 failed');
    expect(r.stdout).toContain('Cut short by the limit maxEvents: exit 3. If the scenario is meant to end there, list it in limits.expected');
    expect(r.code).toBe(3);
  });

  it('before a failed check: the checks judged a part of the run', async () => {
    const r = await cli('run', CUT, '--set', 'checks[0].value=1000000');
    expect(r.stdout).toContain('Checks: 0 passed, 1 failed');
    expect(r.code).toBe(3);
  });

  it('a limit the scenario lists in limits.expected exits by the checks: 0, or 1 when one fails', async () => {
    const r = await cli('run', EXPECTED);
    expect(r.stdout).toContain('stopped by limit: maxEvents (expected: listed in limits.expected)');
    expect(r.stdout).not.toContain('Cut short');
    expect(r.code).toBe(0);
    expect((await cli('run', EXPECTED, '--set', 'checks[0].value=1000000')).code).toBe(1);
  });

  it('a complete run exits 0, and --json reports the limit as the outcome', async () => {
    expect((await cli('run', COMPLETE)).code).toBe(0);
    const r = await cli('run', CUT, '--json');
    expect(JSON.parse(r.stdout).outcome).toEqual({ status: 'limit', reason: 'maxEvents' });
    expect(r.code).toBe(3);
  });

  it('limits.expected names limits that can end a run', async () => {
    const r = await cli('run', CUT, '--set', 'limits.expected=["maxEvents","maxNodes","lunch"]');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('limits.expected[1]: expected the name of a limit that can end a run ("maxEvents", "maxMessagesInFlight", "maxPendingEvents", "maxQueuedRequests", "maxKeptRecords"), got "maxNodes"');
    expect(r.stderr).toContain('limits.expected[2]:');
  });
});

describe('trace, report and diagram exit 3 too, their file written anyway', () => {
  for (const command of ['trace', 'report', 'diagram']) {
    it(command, async () => {
      const file = join(dir, `${command}.out`);
      const r = await cli(command, CUT, '--out', file);
      expect(r.stdout).toContain('Cut short by the limit maxEvents');
      expect(r.code).toBe(3);
      expect(existsSync(file) && readFileSync(file, 'utf8').length > 0).toBe(true);
      expect((await cli(command, EXPECTED, '--out', file)).code).toBe(0);
    });
  }
});

describe('compare', () => {
  it('exits 3 when a limit cut any run short (its numbers are not the whole run), 0 when every run expects it', async () => {
    const variants = [{ name: 'short', set: { 'limits.maxEvents': 200 } }];
    expect((await cli('compare', scenarioFile('cmp.json', { variants }))).code).toBe(3);
    const expected = [{ name: 'short', set: { 'limits.maxEvents': 200, 'limits.expected': ['maxEvents'] } }];
    expect((await cli('compare', scenarioFile('cmp-expected.json', { variants: expected }))).code).toBe(0);
  });
});

describe('sweep and merge: a seed a limit cut short counts as cut short, not passed', () => {
  it('sweep lists the seeds cut short for replay and exits 3', async () => {
    const r = await cli('sweep', CUT, '--seeds', '1..3', '--workers', '1');
    expect(r.stdout).toContain('3 runs (3 stopped by a limit): 0 passed every check, 0 failed a check, 3 cut short by a limit');
    expect(r.stdout).toContain('Seeds cut short by a limit: 3 of 3 (exit 3;');
    expect(r.stdout).toContain(`run ${CUT} --seed 2    # limit: maxEvents`);
    expect(r.code).toBe(3);
    const json = JSON.parse((await cli('sweep', CUT, '--seeds', '1..3', '--workers', '1', '--json')).stdout);
    expect({ passed: json.passed, failed: json.failed, limited: json.limited }).toEqual({ passed: 0, failed: 0, limited: 3 });
  });

  it('with the limit expected, the same seeds pass', async () => {
    const r = await cli('sweep', EXPECTED, '--seeds', '1..3', '--workers', '1');
    expect(r.stdout).toContain('3 runs (3 stopped by a limit): 3 passed every check, 0 failed a check');
    expect(r.code).toBe(0);
  });

  it("merge of the shards' files says the same and exits 3", async () => {
    const shards = [0, 1].map((i) => join(dir, `shard-${i}.jsonl`));
    for (const [i, path] of shards.entries()) await cli('sweep', CUT, '--seeds', '1..4', '--workers', '1', '--shard', `${i}/2`, '--out', path);
    const merged = await cli('merge', ...shards);
    expect(merged.stdout).toContain('4 runs (4 stopped by a limit): 0 passed every check, 0 failed a check, 4 cut short by a limit');
    expect(merged.code).toBe(3);
  });
});
