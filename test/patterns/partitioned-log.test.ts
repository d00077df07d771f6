/**
 * The partitioned log: keys to partitions and offsets, a group's assignment and rebalance on a
 * member's death (after the session timeout), commits before and after processing, and the
 * consumption check's teeth.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { LogConsumer } from '../../sim/patterns/log-consumer.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { scenario } from '../helpers.ts';

interface Setup {
  log?: Record<string, unknown>;
  consume?: Record<string, unknown>;
  members?: number;
  arrival?: Record<string, unknown>;
  keySpace?: number;
  faults?: Record<string, unknown>[];
  durationMs?: number;
  serviceMs?: number;
  stopMs?: number;
  /** m1 leaves the group gracefully at this time. */
  leaveM1AtMs?: number;
}

/** `prod` → log `l` → members m0…m(n-1) of group `g`; constant 1 ms links. */
function kafka(s: Setup = {}): Scenario {
  const members = s.members ?? 1;
  return scenario({
    durationMs: s.durationMs ?? 5000,
    seed: 1,
    network: { latency: { type: 'constant', ms: 1 } },
    nodes: [
      { id: 'l', kind: 'log', partitions: 2, rebalanceMs: 100, sessionTimeoutMs: 1000, ...s.log },
      ...Array.from({ length: members }, (_, i) => ({
        id: `m${i}`,
        kind: 'service',
        serviceTime: { type: 'constant', ms: s.serviceMs ?? 1 },
        consumeLog: { from: 'l', group: 'g', autoOffsetReset: 'earliest', heartbeatIntervalMs: 200, fetchWaitMs: 50, ...s.consume, ...(i === 1 && s.leaveM1AtMs !== undefined ? { leaveAtMs: s.leaveM1AtMs } : {}) },
      })),
    ],
    workloads: [{ id: 'prod', kind: 'open', target: 'l', ...(s.keySpace ? { keySpace: s.keySpace } : {}), ...(s.stopMs === undefined ? {} : { stopMs: s.stopMs }), arrival: s.arrival ?? { type: 'bursts', bursts: [{ atMs: 500, count: 6 }] } }],
    faults: s.faults ?? [],
  });
}

function run(sc: Scenario): { result: RunResult; log: string[]; members: TraceRecord[] } {
  const log: string[] = [];
  const members: TraceRecord[] = [];
  const listener = Object.assign((r: TraceRecord) => {
    if (r.k !== 'call') return;
    if (r.layer === 'log') log.push(`${r.event}@${r.t / 1000}`);
    else if (r.layer === 'log:l') members.push(r);
  }, { kinds: ['call'] as const });
  return { result: runScenario(sc, { listeners: [listener] }), log, members };
}

const metric = (r: RunResult, name: string) => r.metrics[name] as number;
const check = (r: RunResult) => r.checks.find((c) => c.name.startsWith('every record appended to l '))!;

describe('the partitioned log', () => {
  it('appends each key to one partition at consecutive offsets, and the member processes them in order', () => {
    const { result, log, members } = run(kafka({ keySpace: 3, arrival: { type: 'bursts', bursts: [{ atMs: 500, count: 12 }] } }));
    const appended = log.filter((e) => e.startsWith('appended:'));
    expect(appended).toHaveLength(12);
    // Per partition the offsets count up from 0 without gaps.
    for (const p of ['p0', 'p1']) {
      const offsets = appended.filter((e) => e.startsWith(`appended:${p}:`)).map((e) => Number(e.split(':')[2].split('@')[0]));
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const processed = members.filter((r) => String(r.event).startsWith('processed:')).map((r) => String(r.event));
    expect(processed).toHaveLength(12);
    expect(check(result)).toMatchObject({ ok: true });
    expect(check(result).detail).toMatch(/12 appended; g: 12 processed, 0 waiting/);
  });

  it('joins, rebalances for rebalanceMs, assigns every partition, and starts the group where auto.offset.reset says', () => {
    const { log, members } = run(kafka({ members: 2 }));
    // Both members join at 1 ms (the second join restarts the wait), assigned at 101 ms as generation 1.
    expect(log.filter((e) => e.startsWith('reset:'))).toEqual(['reset:g:p0:0@101', 'reset:g:p1:0@101']);
    expect(members.filter((r) => String(r.event).startsWith('assigned:')).map((r) => `${r.node} ${r.event}`)).toEqual(['m0 assigned:g:1', 'm1 assigned:g:1']);
    const latest = run(kafka({ consume: { autoOffsetReset: 'latest' }, arrival: { type: 'bursts', bursts: [{ atMs: 0, count: 4 }, { atMs: 500, count: 2 }] } }));
    // The four records produced before the assignment are skipped: the group starts at the end.
    expect(check(latest.result).detail).toMatch(/6 appended; g: 2 processed, 0 waiting, 0 lost to commit-before, 4 skipped by offset reset/);
  });

  it('removes a silent member after the session timeout and gives its partitions to the survivor', () => {
    const { result, members } = run(kafka({ members: 2, consume: { commit: 'after' }, arrival: { type: 'poisson', ratePerSec: 100 }, faults: [{ atMs: 1000, type: 'crash', node: 'm1' }], stopMs: 4000, durationMs: 12_000 }));
    const assigned = members.filter((r) => String(r.event).startsWith('assigned:')).map((r) => `${r.node}@${Math.round((r.t as number) / 1000)}`);
    // The crash at 1 s goes unnoticed until the session check after 1 s of silence (m1's last
    // heartbeat was at 801 ms): the rebalance starts at about 1.8–2 s and m0 gets both partitions 100 ms later.
    const afterCrash = assigned.filter((a) => Number(a.split('@')[1]) > 1000);
    expect(afterCrash).toHaveLength(1);
    expect(afterCrash[0]).toMatch(/^m0@(19|20|21)\d\d$/);
    expect(result.metrics['l.g.members']).toMatchObject({ value: 1 });
    expect(result.metrics['l.g.lag']).toMatchObject({ value: 0 });
    // Per partition too: m1's partition (p1) waited for the session timeout and the rebalance,
    // about a second; m0's, committed after every batch, never lagged more than a batch.
    const p0 = result.metrics['l.g.p0.lagMs'] as { max: number };
    const p1 = result.metrics['l.g.p1.lagMs'] as { max: number };
    expect(result.metrics['l.g.p1.lag']).toMatchObject({ value: 0 });
    expect(p1.max).toBeGreaterThan(800);
    expect(p0.max).toBeLessThan(300);
    expect(check(result)).toMatchObject({ ok: true });
  });

  it('a member that leaves gracefully commits first and is replaced at once: no session timeout, no duplicates', () => {
    const leave = run(kafka({ members: 2, consume: { commit: 'after' }, arrival: { type: 'poisson', ratePerSec: 100 }, stopMs: 4000, durationMs: 8000, leaveM1AtMs: 1000 }));
    const assigned = leave.members.filter((r) => String(r.event).startsWith('assigned:')).map((r) => `${r.node}@${Math.round((r.t as number) / 1000)}`);
    expect(leave.members.filter((r) => String(r.event).startsWith('left:')).map((r) => r.node)).toEqual(['m1']);
    // m1 leaves at about 1 s; the rebalance takes rebalanceMs (100 ms): m0 has both partitions by about 1.1 s.
    expect(assigned.filter((a) => Number(a.split('@')[1]) > 500)).toEqual([expect.stringMatching(/^m0@11\d\d$/)]);
    expect(leave.result.metrics['l.g.duplicates']).toBe(0);
    expect(check(leave.result)).toMatchObject({ ok: true });
  });

  it('commits after processing: a crash repeats the uncommitted batch; before: it loses the rest of it', () => {
    const crash = { serviceMs: 10, consume: { maxPollRecords: 50 }, arrival: { type: 'bursts', bursts: [{ atMs: 500, count: 200 }] }, faults: [{ atMs: 1000, type: 'crash', node: 'm0', restartAfterMs: 100 }] };
    const after = run(kafka({ ...crash, consume: { ...crash.consume, commit: 'after' } }));
    expect(metric(after.result, 'l.g.duplicates')).toBeGreaterThan(0);
    expect(check(after.result).detail).toMatch(/200 appended; g: 200 processed, 0 waiting, 0 lost to commit-before/);
    const claimed = check(run(kafka({ ...crash, consume: { ...crash.consume, commit: 'after', claimsExactlyOnce: true } })).result);
    expect(claimed.ok).toBe(false);
    expect(claimed.detail).toMatch(/a second time, but group g claims exactly-once processing/);
    const before = run(kafka({ ...crash, consume: { ...crash.consume, commit: 'before' } }));
    expect(metric(before.result, 'l.g.duplicates')).toBe(0);
    expect(check(before.result)).toMatchObject({ ok: true });
    expect(check(before.result).detail).toMatch(/g: 1\d\d processed, 0 waiting, [1-9]\d* lost to commit-before/);
  });
});

describe('the consumption check catches planted bugs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a member that says it commits after processing but commits each batch as it arrives', () => {
    type Internals = { p: { commit: string }; fetched(reply: unknown): void };
    const proto = LogConsumer.prototype as unknown as Internals;
    const original = proto.fetched;
    vi.spyOn(proto, 'fetched').mockImplementation(function (this: Internals, reply) {
      const mode = this.p.commit;
      (this.p as { commit: string }).commit = 'before';
      original.call(this, reply);
      (this.p as { commit: string }).commit = mode;
    });
    const c = check(run(kafka({ serviceMs: 10, consume: { commit: 'after', maxPollRecords: 50 }, arrival: { type: 'bursts', bursts: [{ atMs: 500, count: 200 }] }, faults: [{ atMs: 1000, type: 'crash', node: 'm0', restartAfterMs: 100 }] })).result);
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/committed p\d at \d+, but the record at offset \d+ was never processed: it is lost/);
  });

  it('a member that skips a record', () => {
    type Internals = { pos: number; batch: unknown[]; processNext(): void };
    const proto = LogConsumer.prototype as unknown as Internals;
    const original = proto.processNext;
    let skipped = false;
    vi.spyOn(proto, 'processNext').mockImplementation(function (this: Internals) {
      if (!skipped && this.pos === 2 && this.batch.length > 3) {
        skipped = true;
        this.pos++;
      }
      original.call(this);
    });
    const c = check(run(kafka({ consume: { commit: 'after' }, arrival: { type: 'bursts', bursts: [{ atMs: 500, count: 20 }] } })).result);
    expect(c.ok).toBe(false);
    expect(c.detail).toMatch(/was never processed: it is lost/);
  });
});
