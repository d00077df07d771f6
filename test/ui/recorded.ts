/**
 * Trace stores filled the way the sandbox fills them (records → TraceEncoder batches →
 * TraceStore), for the tests of the page's views.
 */
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { TraceEncoder } from '../../ui/trace/codec.ts';
import { TraceStore } from '../../ui/trace/store.ts';

/**
 * Appends records [from, to) in `batches` batches. Each batch is complete up to just before the
 * next record's time (records at one instant may straddle batches); the last of all up to
 * `finalUs` (default: its own last record's time).
 */
export function appendRecords(store: TraceStore, records: readonly TraceRecord[], from = 0, to = records.length, batches = 1, finalUs?: number): void {
  const encoder = new TraceEncoder(store.strings, store.kinds);
  const size = Math.max(1, Math.ceil((to - from) / batches));
  for (let start = from; start < to; start += size) {
    const end = Math.min(to, start + size);
    for (let i = start; i < end; i++) encoder.add(records[i]);
    store.append(encoder.take(), end < records.length ? records[end].t - 1 : (finalUs ?? records[end - 1].t));
  }
}

/** A store over `nodeNames` holding `records`, appended in `batches` batches. */
export function storeOf(nodeNames: string[], records: readonly TraceRecord[], batches = 1): TraceStore {
  const store = new TraceStore({ nodeNames, queueing: nodeNames.map(() => false), endUs: 60_000_000, windowUs: 1_000_000 });
  appendRecords(store, records, 0, records.length, batches);
  return store;
}

export interface RecordedRun {
  store: TraceStore;
  records: TraceRecord[];
  nodeNames: string[];
  result: RunResult;
}

/** Runs a scenario in Node and records its whole trace into a store, in `batches` batches (or batches of `batchSize` records). */
export function recordRun(s: Scenario, { batches = 1, batchSize, seed = s.seed }: { batches?: number; batchSize?: number; seed?: number } = {}): RecordedRun {
  const records: TraceRecord[] = [];
  const run = new ScenarioRun(s, { seed, listeners: [(r) => records.push({ ...r })] });
  const result = run.finish();
  const nodeNames = run.built.nodeNames;
  const store = new TraceStore({
    nodeNames,
    queueing: nodeNames.map((id) => s.nodes.some((n) => n.id === id && n.kind === 'service')),
    endUs: Math.round(s.durationMs * 1000),
    windowUs: Math.round(s.metrics.windowMs * 1000),
  });
  const count = batchSize === undefined ? batches : Math.ceil(records.length / batchSize);
  appendRecords(store, records, 0, records.length, count, result.simTimeUs);
  return { store, records, nodeNames, result };
}
