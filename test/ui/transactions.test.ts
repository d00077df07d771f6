/**
 * The transaction timeline's data (ui/views/transactions/extract.ts), from real runs: a trace
 * recorded the way the sandbox records it (TraceEncoder → TraceStore), read at cursors. The
 * engine's own metrics are the reference: blocked time equals its inDoubtMs, counts equal its
 * started/completed/compensated/committed, compensations follow failures in reverse order.
 */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { transactionTopology } from '../../ui/views/transactions/describe.ts';
import {
  blockedAt,
  lanesAt,
  marksAt,
  outcomeAt,
  rowsAt,
  segmentsAt,
  summarize,
  transactionIndex,
  type Lane,
  type Transaction,
} from '../../ui/views/transactions/extract.ts';
import { recordRun, type RecordedRun } from './recorded.ts';
import { buildLines } from '../../ui/views/transactions/lines.ts';
import { builtIn } from '../helpers.ts';

type Recorded = RecordedRun;

/** Runs a scenario and records its trace into a store, in batches of about `batch` records (as the worker streams it). */
function record(scenario: Scenario, batch?: number): Recorded {
  return recordRun(scenario, { batchSize: batch });
}

const cache = new Map<string, Recorded>();
function recorded(file: string): Recorded {
  let r = cache.get(file);
  if (r === undefined) cache.set(file, (r = record(builtIn(`transactions/${file}.json`))));
  return r;
}

function metric(result: RunResult, name: string): number {
  const v = result.metrics[name];
  if (typeof v !== 'number') throw new Error(`metric ${name} is not a counter: ${JSON.stringify(v)}`);
  return v;
}

function histogram(result: RunResult, name: string): Record<string, number> {
  const v = result.metrics[name];
  if (typeof v !== 'object') throw new Error(`metric ${name} is not a histogram`);
  return v;
}

function laneOf(store: TraceStore, t: Transaction, node: string): Lane {
  const lane = t.lanes.find((l) => store.setup.nodeNames[l.node] === node);
  if (lane === undefined) throw new Error(`${t.id} has no lane for ${node}`);
  return lane;
}

/** A lane at the cursor as short strings: `T1:succeeded`, `C1:open`… */
function phasesAt(lane: Lane, cursorUs: number): string[] {
  return segmentsAt(lane, cursorUs).map((s) => `${s.segment.label}:${s.open ? 'open' : s.segment.outcome}`);
}

const END = Number.MAX_SAFE_INTEGER;

describe('two-phase commit: the coordinator crashes after the votes', () => {
  const { store, result, records } = recorded('2pc-coordinator-crash');
  const index = transactionIndex(store);
  const blocked = index.transactions.find((t) => t.id === 'coordinator:1')!;
  const crashUs = records.find((r) => r.k === 'state' && r.key === 'status' && r.node === 'coordinator' && r.value === 'crashed')!.t;

  it('shows the participants blocked exactly as long as the engine measured them in doubt', () => {
    for (const participant of ['orders', 'payments', 'inventory']) {
      const lanes = index.transactions.flatMap((t) => t.lanes.filter((l) => l.role === 'participant' && store.setup.nodeNames[l.node] === participant));
      const durations = lanes.map((l) => blockedAt(l, END)).filter((b) => b.us > 0);
      expect(durations.every((b) => !b.ongoing)).toBe(true);
      const h = histogram(result, `${participant}.inDoubtMs`);
      expect(durations.length).toBe(h.count);
      expect(Math.max(...durations.map((b) => b.us)) / 1000).toBe(h.max);
      expect(durations.reduce((sum, b) => sum + b.us, 0) / 1000 / durations.length).toBeCloseTo(h.mean, 9);
      // The outage's transaction is the longest: the downtime plus at most one inquiry interval.
      expect(blockedAt(laneOf(store, blocked, participant), END).us / 1000).toBe(h.max);
      expect(h.max).toBeGreaterThanOrEqual(5000);
    }
  });

  it('draws the coordinator losing the undecided transaction in its crash, the participants in doubt until the restart', () => {
    const coordinator = blocked.lanes[0];
    expect(coordinator.role).toBe('coordinator');
    expect(phasesAt(coordinator, END)).toEqual(['WAIT:lost']);
    expect(coordinator.segments[0].endUs).toBe(crashUs);
    expect(marksAt(coordinator, END).map((m) => m.kind)).toEqual(['lost']);
    for (const p of ['orders', 'payments', 'inventory']) {
      expect(phasesAt(laneOf(store, blocked, p), END)).toEqual(['PREPARED:', 'IN_DOUBT:abort']);
    }
    expect(blocked.outcome?.kind).toBe('aborted');
    expect(index.downtime[store.nodeIndex.get('coordinator')!]).toEqual([{ fromUs: crashUs, untilUs: crashUs + 5_000_000, status: 'crashed' }]);
  });

  it('shows only what happened by the cursor', () => {
    const orders = laneOf(store, blocked, 'orders');
    const prepared = orders.segments[0].startUs;
    const inDoubt = orders.segments[1].startUs;
    // Before the votes: the coordinator is voting, the participants have not written anything.
    expect(lanesAt(blocked, prepared - 1).map((l) => l.role)).toEqual(['coordinator']);
    expect(phasesAt(blocked.lanes[0], prepared - 1)).toEqual(['WAIT:open']);
    // Prepared, before the crash: blocked (hatched), not yet in doubt.
    expect(phasesAt(orders, crashUs - 1)).toEqual(['PREPARED:open']);
    expect(phasesAt(blocked.lanes[0], crashUs - 1)).toEqual(['WAIT:open']);
    // Three seconds in: in doubt, blocked two seconds so far, nothing decided.
    const at = 3_000_000;
    expect(phasesAt(orders, at)).toEqual(['PREPARED:', 'IN_DOUBT:open']);
    expect(blockedAt(orders, at)).toEqual({ us: at - prepared, ongoing: true });
    expect(outcomeAt(blocked, at)).toBeNull();
    expect(inDoubt).toBeLessThan(at);
    const summary = summarize(index, at);
    expect(summary.longestBlocked).toMatchObject({ us: at - prepared, txn: 'coordinator:1', ongoing: true });
    expect(summary.twoPc.inDoubtNow).toBeGreaterThanOrEqual(3);
  });

  it('counts what the coordinators counted', () => {
    const s = summarize(index, END);
    const started = metric(result, 'coordinator.started') + metric(result, 'coordinator-2.started');
    expect(s.twoPc.started).toBe(started);
    expect(s.twoPc.committed).toBe(metric(result, '2pc.committed'));
    // The crashed coordinator never decided coordinator:1; its participants learned ABORT.
    expect(s.twoPc.aborted).toBe(metric(result, '2pc.aborted') + metric(result, 'coordinator.lostInCrash'));
    expect(s.twoPc.running).toBe(0);
    expect(s.sagas.started).toBe(0);
    expect(s.longestBlocked?.txn).toBe('coordinator:1');
  });
});

describe('two-phase commit across a partition', () => {
  const { store, result } = recorded('2pc-partition');
  const index = transactionIndex(store);

  it('shows a transaction whose PREPAREs never arrived as the coordinator alone, aborted on its vote timeout', () => {
    const lonely = index.transactions.filter((t) => t.lanes.length === 1);
    expect(lonely.length).toBe(metric(result, 'coordinator.abortedByTimeout'));
    for (const t of lonely) {
      expect(phasesAt(t.lanes[0], END)).toEqual(['WAIT:abort']);
      expect(t.outcome?.kind).toBe('aborted');
    }
    // …and the scenario's participants still get (empty) lines, so the missing votes show.
    const topo = transactionTopology(builtIn('transactions/2pc-partition.json'));
    const lines = buildLines([lonely[0]], END, topo, store.setup.nodeNames, store.nodeIndex);
    expect(lines.map((l) => [l.name, l.lane?.role ?? null])).toEqual([
      [lonely[0].id, 'coordinator'],
      ['orders', null],
      ['payments', null],
      ['inventory', null],
    ]);
  });

  it('shows participants cut off from the COMMIT in doubt, and their blocked time as the engine measured it', () => {
    let inDoubt = 0;
    for (const t of index.transactions) {
      for (const lane of t.lanes) {
        if (lane.segments.some((s) => s.kind === 'in-doubt')) inDoubt++;
      }
    }
    expect(inDoubt).toBeGreaterThan(0);
    const all = index.transactions.flatMap((t) => t.lanes.map((l) => blockedAt(l, END).us)).filter((us) => us > 0);
    expect(Math.max(...all) / 1000).toBe(histogram(result, '2pc.inDoubtMs').max);
    expect(all.length).toBe(histogram(result, '2pc.inDoubtMs').count);
  });
});

describe('sagas', () => {
  it('show compensations after a failed step, in reverse order, as the orchestrator counted them', () => {
    const { store, result } = recorded('saga-payment-fails');
    const index = transactionIndex(store);
    const compensated = index.transactions.filter((t) => t.outcome?.kind === 'compensated');
    expect(compensated.length).toBe(metric(result, 'orch.sagas.compensated'));
    expect(compensated.length).toBeGreaterThan(0);
    expect(index.transactions.filter((t) => t.outcome?.kind === 'completed').length).toBe(metric(result, 'orch.sagas.completed'));
    let compensations = 0;
    for (const t of compensated) {
      const segs = t.lanes[0].segments;
      const failed = segs.findIndex((s) => s.kind === 'step' && (s.outcome === 'failed' || s.outcome === 'timed-out'));
      expect(failed).toBeGreaterThanOrEqual(0);
      const before = segs.slice(0, failed);
      const after = segs.slice(failed + 1);
      expect(before.every((s) => s.kind === 'step' && s.outcome === 'succeeded')).toBe(true);
      // C(k-1)…C1 after a NO at step k: the completed steps undone, last first.
      expect(after.map((s) => s.label)).toEqual(before.map((s) => `C${s.step}`).reverse());
      expect(after.every((s) => s.kind === 'compensation' && s.outcome === 'compensated')).toBe(true);
      expect(marksAt(t.lanes[0], END).map((m) => m.kind)).toEqual(['failed', 'compensated']);
      compensations += after.length;
    }
    expect(compensations).toBe(metric(result, 'orch.compensations'));
    const summary = summarize(index, END);
    expect(summary.sagas).toEqual({
      started: metric(result, 'orch.sagas.started'),
      completed: metric(result, 'orch.sagas.completed'),
      compensated: metric(result, 'orch.sagas.compensated'),
      running: 0,
    });
    expect(summary.longestBlocked).toBeNull();
  });

  it('travel back in time: the compensation and the outcome vanish before they happened', () => {
    const { store } = recorded('saga-payment-fails');
    const t = transactionIndex(store).transactions.find((x) => x.outcome?.kind === 'compensated')!;
    const lane = t.lanes[0];
    const comp = lane.segments.find((s) => s.kind === 'compensation')!;
    const failedStep = lane.segments.find((s) => s.outcome === 'failed')!;
    expect(phasesAt(lane, END).slice(-2)).toEqual([`${failedStep.label}:failed`, `${comp.label}:compensated`]);
    expect(outcomeAt(t, END)?.kind).toBe('compensated');
    const midway = (comp.startUs + comp.endUs) / 2;
    expect(phasesAt(lane, midway).slice(-2)).toEqual([`${failedStep.label}:failed`, `${comp.label}:open`]);
    expect(outcomeAt(t, midway)).toBeNull();
    expect(marksAt(lane, midway).map((m) => m.kind)).toEqual(['failed']);
    const beforeFailure = failedStep.endUs - 1;
    expect(phasesAt(lane, beforeFailure).slice(-1)).toEqual([`${failedStep.label}:open`]);
    expect(marksAt(lane, beforeFailure)).toEqual([]);
    expect(segmentsAt(lane, t.startUs - 1)).toEqual([]);
  });

  it('follow a choreographed saga across the services that record its steps', () => {
    const { store, result } = recorded('saga-choreography');
    const index = transactionIndex(store);
    const chor = index.transactions.filter((t) => t.owner === 'shop');
    expect(chor.length).toBe(metric(result, 'shop.sagas.started'));
    expect(chor.filter((t) => t.outcome?.kind === 'compensated').length).toBe(metric(result, 'shop.sagas.compensated'));
    const names = new Set(chor[0].lanes[0].segments.map((s) => store.setup.nodeNames[s.node]));
    expect([...names]).toEqual(['c-orders', 'c-payments', 'c-inventory', 'c-shipping']);
    const topo = transactionTopology(builtIn('transactions/saga-choreography.json'));
    expect(topo.style.get('shop')).toBe('choreographed');
    expect(topo.style.get('orch')).toBe('orchestrated');
  });

  it('show an orchestrator crash as downtime, and the steps it resumed from its log as retries', () => {
    const { store, result } = recorded('saga-orchestrator-crash');
    const index = transactionIndex(store);
    const orch = store.nodeIndex.get('orch')!;
    expect(index.downtime[orch]).toEqual([{ fromUs: 2_000_000, untilUs: 3_000_000, status: 'crashed' }]);
    const resumed = index.transactions.filter((t) => t.lanes[0].marks.some((m) => m.kind === 'retry' && m.t === 3_000_000));
    expect(resumed.length).toBe(metric(result, 'orch.recoveries'));
    for (const t of resumed) {
      // The step in progress at the crash stays one segment across the downtime.
      const step = t.lanes[0].segments.find((s) => s.startUs < 2_000_000 && s.endUs > 3_000_000);
      expect(step?.kind).toMatch(/^(step|compensation)$/);
    }
  });
});

describe('the index', () => {
  it('is the same whether the trace arrives in one batch or in many', () => {
    const scenario = builtIn('transactions/2pc-vote-no.json');
    const whole = transactionIndex(record(scenario).store).transactions;
    const streamed = transactionIndex(record(scenario, 777).store).transactions;
    expect(streamed).toEqual(whole);
    expect(whole.length).toBeGreaterThan(100);
  });

  it('reads only new records, and starts over when a what-if branch truncates the store', () => {
    const { store } = record(builtIn('transactions/saga-orchestrator-crash.json'), 500);
    const index = transactionIndex(store);
    expect(transactionIndex(store)).toBe(index);
    expect(index.scanned).toBe(store.count);
    store.truncateAfter(2_500_000);
    const after = transactionIndex(store);
    expect(after).not.toBe(index);
    expect(after.scanned).toBe(store.count);
    for (const t of after.transactions) {
      expect(t.startUs).toBeLessThanOrEqual(2_500_000);
      for (const s of t.lanes[0].segments) expect(s.endUs === Infinity || s.endUs <= 2_500_000).toBe(true);
    }
    // Sagas caught by the crash at 2 s are still open at the truncation: no outcome yet.
    expect(after.transactions.some((t) => t.endUs === Infinity && t.outcome === null)).toBe(true);
  });

  it('lists the transactions on the axis newest first, at most the cap', () => {
    const { store } = recorded('2pc-coordinator-crash');
    const index = transactionIndex(store);
    const at = 3_000_000;
    const all = rowsAt(index, at, 0, 10_000);
    expect(all.total).toBe(index.transactions.filter((t) => t.startUs <= at).length);
    const starts = all.rows.map((t) => t.startUs);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const window = rowsAt(index, at, at - 100_000, 10_000);
    // The blocked transaction from 1 s is still going, so it is on a 100 ms axis at 3 s.
    expect(window.rows.map((t) => t.id)).toContain('coordinator:1');
    expect(window.rows.every((t) => t.endUs >= at - 100_000 && t.startUs <= at)).toBe(true);
    const capped = rowsAt(index, at, 0, 5);
    expect(capped.rows.length).toBe(5);
    expect(capped.total).toBe(all.total);
  });

  it('is empty for a scenario without transactions', () => {
    const { store } = record(builtIn('network/crash-restart.json'));
    expect(transactionIndex(store).transactions).toEqual([]);
    expect(transactionTopology(builtIn('network/crash-restart.json')).any).toBe(false);
  });
});
