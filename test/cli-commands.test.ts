/**
 * The command line beyond `run`: list, validate, compare, report, trace, diagram, and the
 * usage every command gives on bad arguments. In process, with captured output.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../sim/cli/main.ts';
import { hashTraceRecords, type TraceRecord } from '../sim/engine/trace.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-cli-commands-'));
const CRASH = 'scenarios/network/crash-restart.json';
const CASCADE = 'scenarios/resilience/cascading-failure.json';
/** A short run of the cascading failure: the slowdown at 20 s, 6 s of it. */
const SHORT_CASCADE = [CASCADE, '--set', 'durationMs=26000'];

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const valid = {
  version: 1, title: 't', description: 'd', durationMs: 1000,
  nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 } }],
  workloads: [{ id: 'c', kind: 'open', target: 's', arrival: { type: 'constant', ratePerSec: 10 } }],
};

describe('list', () => {
  it('lists the built-in scenarios by folder, with titles and variants', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^network\/$/m);
    expect(r.stdout).toMatch(/^resilience\/$/m);
    expect(r.stdout).toMatch(/network\/crash-restart +A server crashes and restarts/);
    expect(r.stdout).toMatch(/resilience\/cascading-failure +Cascading failure from a slow dependency[^\n]*\n +variants: no-protection/);
    expect(r.stdout.indexOf('network/')).toBeLessThan(r.stdout.indexOf('queueing/'));
  });

  it('--json gives each scenario its folder, file, title and variants', async () => {
    const listed = JSON.parse((await cli('list', '--json')).stdout) as {
      scenarios: { folder: string; name: string; file: string; title: string; variants: { name: string }[] }[];
      courses: { folder: string; title: string; entries: { name: string; kind: string; title: string }[] }[];
    };
    const list = listed.scenarios;
    const cascade = list.find((s) => s.name === 'cascading-failure');
    expect(cascade).toMatchObject({ folder: 'resilience', file: CASCADE, variants: [{ name: 'no-protection' }] });
    for (const s of list) expect(existsSync(s.file)).toBe(true);
    // Courses in their order, each entry a lesson or challenge file that exists.
    expect(listed.courses[0].folder).toBe('start');
    const entries = listed.courses.flatMap((c) => c.entries);
    expect(entries).toContainEqual(expect.objectContaining({ name: 'workshop/timeouts', kind: 'lesson' }));
    expect(entries).toContainEqual(expect.objectContaining({ name: 'challenges/retry-budget', kind: 'challenge' }));
    for (const e of entries) expect(existsSync(`lessons/${e.name}.json`)).toBe(true);
  });

  it('lists the courses, their lessons and challenges after the scenarios', async () => {
    const r = await cli('list');
    expect(r.stdout).toMatch(/Courses \(lessons\/<course>\/\)/);
    expect(r.stdout).toMatch(/challenges\/retry-budget\s+challenge\s+Stop the retry storm/);
  });

  it('a built-in name works wherever a scenario file does', async () => {
    const r = await cli('run', 'network/crash-restart', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).replay).toBe('npm run sim -- run network/crash-restart --seed 3');
  });
});

describe('validate', () => {
  it('prints "valid" and exits 0 for a good file, its variants included', async () => {
    const r = await cli('validate', CASCADE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid: scenarios\/resilience\/cascading-failure\.json \(".*" and its 1 variant\)\n$/);
  });

  it('exits 2 with every problem and its field path', async () => {
    const bad = { ...valid, durationMs: -5, colour: 'red', nodes: [{ id: 's', kind: 'service', serviceTime: { type: 'constant', ms: 1 }, workers: 0 }] };
    const r = await cli('validate', file('bad.json', bad));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid scenario \(3 problems\)/);
    expect(r.stderr).toMatch(/^ {2}durationMs: /m);
    expect(r.stderr).toMatch(/^ {2}colour: unknown key "colour"/m);
    expect(r.stderr).toMatch(/^ {2}nodes\[0\]\.workers: /m);
  });

  it('checks each variant: a variant that makes the scenario invalid is a problem', async () => {
    const path = file('badvariant.json', { ...valid, variants: [{ name: 'broken', set: { 'nodes[0].workers': -1 } }, { name: 'fine', set: { 'nodes[0].workers': 2 } }] });
    const r = await cli('validate', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/variant "broken": nodes\[0\]\.workers: expected/);
    expect(r.stderr).not.toMatch(/fine/);
  });

  it('a file that is not JSON, or missing, exits 2', async () => {
    expect((await cli('validate', file('notjson.json', '{ nope'))).stderr).toMatch(/\(root\): not valid JSON/);
    const missing = await cli('validate', join(dir, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});

describe('compare', () => {
  it("shows the breaker's effect in numbers: base against no-protection on the same seed", async () => {
    const r = await cli('compare', CASCADE);
    expect(r.code).toBe(0);
    const row = (metric: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${metric} `))!.trim().split(/ {2,}/);
    // metric, base, no-protection, Δ, Δ%
    const timeouts = row('client.timeout');
    expect(Number(timeouts[1])).toBeLessThan(100);
    expect(Number(timeouts[2])).toBeGreaterThan(100);
    expect(timeouts[3]).toMatch(/^\+\d+/);
    const rejected = row('api.rejected');
    expect(rejected[1]).toBe('0');
    expect(Number(rejected[2])).toBeGreaterThan(1000);
    expect(rejected[4]).toBe('new');
    expect(row('client.ok')[4]).toMatch(/^-\d+(\.\d)?%$/);
    expect(r.stdout).toMatch(/seed 1, the same for every run/);
    expect(r.stdout).toMatch(/Checks — base: 6 passed, 0 failed/);
    expect(r.stdout).toMatch(/Checks — no-protection \(The API calls payments with no timeout, no breaker and no fallback\.\): 4 passed, 0 failed/);
    expect(r.stdout).toContain('no-protection  npm run sim -- run scenarios/resilience/cascading-failure.json --seed 1 --variant no-protection');
    // Without protection a quarter fewer requests succeed: its latency is over different requests, so not judged.
    expect(r.stdout).toMatch(/client\.latencyMs\.p99, no-protection against base \(A = base, B = no-protection\): not judged: B answered 2\d% fewer requests ok per second/);
  });

  it('--json: metrics, deltas and checks per run', async () => {
    const r = await cli('compare', ...SHORT_CASCADE, '--variant', 'no-protection', '--json', '--seed', '2');
    const out = JSON.parse(r.stdout);
    expect(out.seed).toBe(2);
    expect(out.runs.map((x: { name: string }) => x.name)).toEqual(['base', 'no-protection']);
    const [base, noProtection] = out.runs;
    expect(base.delta).toBeUndefined();
    const d = noProtection.delta['client.timeout'];
    expect(d.abs).toBe(noProtection.metrics['client.timeout'] - base.metrics['client.timeout']);
    expect(noProtection.metrics['client.timeout']).toBeGreaterThan(base.metrics['client.timeout']);
    expect(out.metrics).toContain('client.latencyMs.p99');
    expect(out.metrics).toContain('api->payments.breaker.opened');
    expect(base.checks.length).toBeGreaterThan(0);
    expect(base.notJudged).toBeUndefined();
    expect(Object.keys(noProtection.notJudged)).toEqual(out.metrics.filter((m: string) => /^client\.latencyMs\./.test(m)));
    expect(noProtection.notJudged['client.latencyMs.p99']).toMatch(/^not judged: B answered \d+% fewer requests ok per second/);
  });

  it('exits 0 even when a run fails its checks (a study tool), 2 for an unknown variant', async () => {
    const r = await cli('compare', CRASH, '--set', 'faults[0].restartAfterMs=null');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FAIL {2}and restarted once/);
    const bad = await cli('compare', CRASH, '--variant', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown variant "nope": this scenario has no variants/);
    expect(bad.stderr).toMatch(/Usage: npm run sim -- compare \[options\] <scenario>/);
  });
});

describe('report, trace and diagram', () => {
  it('report writes one self-contained HTML file', async () => {
    const out = join(dir, 'report.html');
    const r = await cli('report', CASCADE, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Report: .*report\.html/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    expect(html).toContain('api-&gt;payments.breaker.state');
    expect(html).toContain('<code>npm run sim -- run scenarios/resilience/cascading-failure.json --seed 1</code>');
  });

  it('run --report writes the same report as report', async () => {
    const a = join(dir, 'a.html');
    const b = join(dir, 'b.html');
    expect((await cli('run', CRASH, '--report', a)).code).toBe(0);
    expect((await cli('report', CRASH, '--out', b)).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
  });

  it('trace writes the same JSONL as run --trace, re-hashing to the trace hash', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const run = JSON.parse((await cli('run', CRASH, '--json', '--trace', a)).stdout);
    const r = await cli('trace', CRASH, '--out', b);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`trace ${run.traceHash}`);
    const text = readFileSync(b, 'utf8');
    expect(text).toBe(readFileSync(a, 'utf8'));
    const [header, ...records] = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(hashTraceRecords(header.nodes, records as TraceRecord[])).toBe(run.traceHash);
  });

  it("a trace holds the records emitted while the world is built (a breaker's initial state) and re-hashes", async () => {
    const out = join(dir, 'cascade.jsonl');
    const r = await cli('trace', ...SHORT_CASCADE, '--out', out);
    const hash = /trace ([0-9a-f]{16})/.exec(r.stdout)![1];
    const [header, ...records] = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ t: 0, k: 'state', key: 'api->payments.breaker.state', value: 'CLOSED' });
    expect(hashTraceRecords(header.nodes, records as TraceRecord[])).toBe(hash);
  });

  it('diagram writes an SVG of the first N messages', async () => {
    const out = join(dir, 'messages.svg');
    const r = await cli('diagram', 'scenarios/network/lossy-partition.json', '--out', out, '--first', '40');
    expect(r.code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="spacetime"/);
    expect(svg).toContain('aria-label="Space-time diagram of the first 40 messages"');
    expect(svg).toContain('>loss</text>');
  });

  it('a failed check exits 1, the file written anyway', async () => {
    const out = join(dir, 'failed.html');
    const r = await cli('report', CRASH, '--out', out, '--set', 'faults[0].restartAfterMs=null');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}and restarted once/);
    expect(r.stdout).toMatch(/Replay: npm run sim -- run /);
    expect(readFileSync(out, 'utf8')).toContain('<tr class="fail">');
  });
});

describe('every command has --help, and bad arguments exit 2 with usage', () => {
  const commands = ['list', 'validate', 'run', 'compare', 'sweep', 'merge', 'report', 'trace', 'diagram'];
  for (const name of commands) {
    it(`${name} --help`, async () => {
      const r = await cli(name, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: npm run sim -- ${name} `));
    });
  }

  const cases: [string, string[], RegExp][] = [
    ['an unknown scenario', ['run', 'no/such-scenario'], /no\/such-scenario: no such file, and no built-in scenario of that name \(npm run sim -- list shows them\)/],
    ['an unknown variant', ['report', CASCADE, '--out', join(dir, 'x.html'), '--variant', 'nope'], /unknown variant "nope" \(known: "no-protection"\)/],
    ['a missing --out', ['report', CRASH], /required option '--out <file>' not specified/],
    ['a missing --seeds', ['sweep', CRASH], /required option '--seeds <A\.\.B>' not specified/],
    ['an empty seed range', ['sweep', CRASH, '--seeds', '5..1'], /the range is empty: 5 is greater than 1/],
    ['a seed range of letters', ['sweep', CRASH, '--seeds', 'a..b'], /expected a range of seeds A\.\.B/],
    ['a seed range without an end', ['sweep', CRASH, '--seeds', '1..'], /expected a range of seeds A\.\.B/],
    ['a shard out of range', ['sweep', CRASH, '--seeds', '1..10', '--shard', '2/2'], /shards are numbered 0\.\.1/],
    ['a malformed shard', ['sweep', CRASH, '--seeds', '1..10', '--shard', '1-2'], /expected i\/n/],
    ['zero workers', ['sweep', CRASH, '--seeds', '1..10', '--workers', '0'], /expected a whole number from 1 to 1024/],
    ['a bad --first', ['diagram', CRASH, '--out', join(dir, 'x.svg'), '--first', 'many'], /expected a whole number from 1 to 10000/],
    ['an output folder that does not exist', ['trace', CRASH, '--out', join(dir, 'no', 'such', 'dir', 't.jsonl')], /cannot write .*the folder .* does not exist/],
    ['merge without files', ['merge'], /missing required argument 'files'/],
    ['an unknown option', ['compare', CRASH, '--colour'], /unknown option '--colour'/],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(new RegExp(`Usage: npm run sim -- ${argv[0]} \\[options\\]`));
    });
  }
});

describe('grade', () => {
  const fixture = (kind: string) => `test/fixtures/challenges/retry-budget.${kind}.json`;

  it('passes a correct submission (exit 0) and prints its cost and each seed', async () => {
    const r = await cli('grade', 'challenges/retry-budget', fixture('right'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/retry-budget\.right\.json\s+passed\s+3/);
    expect(r.stdout).toContain('1 of 1 submission passed');
  });

  it('refuses a submission that changed an undeclared field, naming it (exit 1), in --json too', async () => {
    const r = await cli('grade', 'retry-budget', fixture('right'), fixture('tampered'), '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { passed: number; submissions: { file: string; status: string; errors?: { path: string }[] }[] };
    expect(out.passed).toBe(1);
    const tampered = out.submissions.find((s) => s.file.endsWith('tampered.json'));
    expect(tampered?.status).toBe('refused');
    expect(tampered?.errors?.[0].path).toBe('workloads[0].arrival.ratePerSec');
  });

  it('exits 2 on an unknown challenge or a file that is not one', async () => {
    expect((await cli('grade', 'challenges/nope', fixture('right'))).code).toBe(2);
    expect((await cli('grade', CRASH, fixture('right'))).code).toBe(2);
  });

  it('validate accepts a lesson, a challenge and a course, and names the field of a bad one', async () => {
    for (const f of ['lessons/workshop/timeouts.json', 'lessons/challenges/retry-budget.json', 'lessons/workshop/course.json']) {
      const r = await cli('validate', f);
      expect(r.code, f + r.stderr).toBe(0);
    }
    const bad = file('bad-lesson.json', { kind: 'lesson', version: 1, title: 't', summary: '', scenario: 'resilience/cascading-failure', steps: [{ narration: '' }] });
    const r = await cli('validate', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('steps[0].narration');
  });
});
