import { describe, expect, it } from 'vitest';
import { hashTraceRecords, listenTo, Trace, TRACE_KIND_NAMES, TraceKind, type TraceRecord } from '../../sim/engine/trace.ts';

/** One record of every kind, with distinct values in every field. */
function emitOneOfEach(trace: Trace): void {
  trace.emit(TraceKind.send, 10, 0, 1, 7, -1, 'request');
  trace.emit(TraceKind.deliver, 20, 1, 0, 7, 'request');
  trace.emit(TraceKind.drop, 30, 1, 0, 8, 'loss');
  trace.emit(TraceKind.dup, 40, 0, 1, 9);
  trace.emit(TraceKind.timer, 50, 1, 'think-done');
  trace.emit(TraceKind.state, 60, 0, 'status', 'crashed');
  trace.emit(TraceKind.work, 70, 0, 7, 'start');
  trace.emit(TraceKind.fault, 80, -1, 'crash', '{"node":"a"}');
  trace.emit(TraceKind.span, 90, 1, 3, 'ok', 2_500);
  trace.emit(TraceKind.call, 100, 1, 3, 'b.retry', 'admitted');
  trace.emit(TraceKind.check, 110, -1, 'no loss', 1, 'held over 2 deliveries');
  trace.emit(TraceKind.limit, 120, -1, 'maxEvents');
}

describe('trace records', () => {
  it('carry every field of their kind under its name: re-hashing them gives the trace hash', () => {
    const nodes = ['a', 'b'];
    const trace = new Trace(nodes);
    const records: TraceRecord[] = [];
    trace.listen((r) => records.push(r));
    emitOneOfEach(trace);
    expect(records.map((r) => r.k)).toEqual(TRACE_KIND_NAMES);
    expect(records[0]).toEqual({ t: 10, k: 'send', node: 'a', to: 'b', msg: 7, parent: -1, type: 'request' });
    expect(records[7]).toEqual({ t: 80, k: 'fault', node: '', fault: 'crash', detail: '{"node":"a"}' });
    expect(hashTraceRecords(nodes, records)).toBe(trace.hex());
  });

  it('go only to listeners of their kind, and listening does not change the hash', () => {
    const plain = new Trace(['a', 'b']);
    emitOneOfEach(plain);
    const watched = new Trace(['a', 'b']);
    const states: string[] = [];
    const all: string[] = [];
    watched.listen(listenTo(['state', 'limit'], (r) => states.push(r.k)));
    watched.listen((r) => all.push(r.k));
    emitOneOfEach(watched);
    expect(states).toEqual(['state', 'limit']);
    expect(all).toHaveLength(TRACE_KIND_NAMES.length);
    expect(watched.hex()).toBe(plain.hex());
  });
});
