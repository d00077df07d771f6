/**
 * The event log's and the inspector's logic, on trace stores filled from real runs exactly as
 * the page fills them (records → TraceEncoder batches → TraceStore): records as text, the
 * filters (kind, node, text) and their incremental cache, message flights from either end,
 * per-node traffic at a cursor, and which rows of a long list are on screen.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { configLines, trafficOf } from '../../ui/views/inspector/facts.ts';
import { FilterCache, FilteredRecords, narrows, NO_FILTER, shortcutToken, type LogFilter } from '../../ui/views/log/filter.ts';
import { flightOfRecord, flightsOfMessage } from '../../ui/views/log/flight.ts';
import { describeFaultRecord, describeRecord, recordLine } from '../../ui/views/log/records.ts';
import { contentHeight, MAX_CONTENT_PX, maxScrollTop, rowInView, rowWindow, scrollTopForRow } from '../../ui/views/log/rows.ts';
import { builtIn, scenario } from '../helpers.ts';
import { appendRecords, recordRun, type RecordedRun } from './recorded.ts';

/** Runs a scenario and records its trace as the page does, in `batches` batches. */
function record(s: Scenario, batches = 1, seed = s.seed): RecordedRun {
  return recordRun(s, { batches, seed });
}

function filter(changes: Partial<LogFilter>): LogFilter {
  return { ...NO_FILTER, ...changes };
}

function listOf(f: FilteredRecords): number[] {
  return Array.from(f.indexes.a.subarray(0, f.count));
}

const crash = builtIn('network/crash-restart.json');
const recorded = record(crash, 7);
const { store, records } = recorded;
const indexesWhere = (test: (r: TraceRecord) => boolean) => records.flatMap((r, i) => (test(r) ? [i] : []));
const SERVER = recorded.nodeNames.indexOf('server');

describe('records as text', () => {
  it('gives every kind of the crash-restart run a readable line', () => {
    const first = (test: (r: TraceRecord) => boolean) => describeRecord(store, records.findIndex(test));
    expect(store.count).toBe(records.length);
    expect(first((r) => r.k === 'send')).toBe('request #0 users → server');
    expect(first((r) => r.k === 'send' && r.type === 'response')).toMatch(/^response #\d+ server → users \(for #\d+\)$/);
    expect(first((r) => r.k === 'deliver' && r.type === 'request')).toMatch(/^request #\d+ users → server$/);
    expect(first((r) => r.k === 'drop')).toBe(`request #${records.find((r) => r.k === 'drop')!.msg} users → server: node-down`);
    expect(first((r) => r.k === 'state')).toBe('status = crashed');
    expect(first((r) => r.k === 'fault')).toBe('crash restartAfterMs 5000');
    expect(first((r) => r.k === 'work')).toBe('#0 start');
    expect(first((r) => r.k === 'timer')).toBe('think-done');
    expect(first((r) => r.k === 'span')).toBe('request 6: ok in 5.001 ms');
    expect(first((r) => r.k === 'call')).toMatch(/^call \d+ users\.timeout: timeout$/);
    expect(first((r) => r.k === 'check')).toBe('✓ no message is delivered to a down node — held over 4354 deliveries');
    // The text filter's line adds the node and the kind.
    expect(recordLine(store, records.findIndex((r) => r.k === 'drop'))).toMatch(/^users drop request #\d+ users → server: node-down$/);
  });

  it('shows a fault detail that is not JSON as it is, and leaves out what other columns show', () => {
    expect(describeFaultRecord('partition', '{"id":3,"type":"partition","groups":[["a","b"],["c"]]}')).toBe('partition groups [[a, b], [c]]');
    expect(describeFaultRecord('slow-end', '{"id":4}')).toBe('slow-end');
    expect(describeFaultRecord('odd', 'not json')).toBe('odd not json');
  });
});

describe('the log filters', () => {
  it('passes every record with no filter', () => {
    const all = new FilteredRecords(store, NO_FILTER);
    all.update();
    expect(listOf(all)).toEqual(records.map((_, i) => i));
  });

  it('filters by kind, by node (its own records and messages naming it) and by both', () => {
    const kinds = store.kinds.map((k) => k.name);
    const onlyDrops = new FilteredRecords(store, filter({ hiddenKinds: new Set(kinds.filter((k) => k !== 'drop')) }));
    onlyDrops.update();
    expect(listOf(onlyDrops)).toEqual(indexesWhere((r) => r.k === 'drop'));
    expect(onlyDrops.count).toBe(89);

    const server = new FilteredRecords(store, filter({ node: SERVER }));
    server.update();
    expect(listOf(server)).toEqual(indexesWhere((r) => r.node === 'server' || r.to === 'server' || r.from === 'server'));

    const serverNoWork = new FilteredRecords(store, filter({ node: SERVER, hiddenKinds: new Set(['work', 'deliver']) }));
    serverNoWork.update();
    expect(listOf(serverNoWork)).toEqual(indexesWhere((r) => r.k !== 'work' && r.k !== 'deliver' && (r.node === 'server' || r.to === 'server' || r.from === 'server')));
  });

  it('filters by text in the line, ignoring case; with a kind filter it finds one message', () => {
    const text = new FilteredRecords(store, filter({ text: 'NODE-down' }));
    text.update();
    const found = listOf(text);
    // Every drop (all node-down), and nothing that does not mention node-down.
    expect(found).toEqual(expect.arrayContaining(indexesWhere((r) => r.k === 'drop')));
    for (const i of found) expect(JSON.stringify(records[i])).toContain('node-down');

    const drop = records.find((r) => r.k === 'drop')!;
    const one = new FilteredRecords(store, filter({ text: `#${drop.msg} `, hiddenKinds: new Set(['send', 'deliver', 'work']) }));
    one.update();
    expect(listOf(one)).toEqual([records.indexOf(drop)]);
  });

  it('counts the passing records up to a cursor and finds a record in the list', () => {
    const kinds = store.kinds.map((k) => k.name);
    const onlyDrops = new FilteredRecords(store, filter({ hiddenKinds: new Set(kinds.filter((k) => k !== 'drop')) }));
    onlyDrops.update();
    expect(onlyDrops.countBelow(store.upperBound(12_000_000))).toBe(records.filter((r) => r.k === 'drop' && r.t <= 12_000_000).length);
    expect(onlyDrops.countBelow(store.upperBound(9_999_999))).toBe(0);
    const third = indexesWhere((r) => r.k === 'drop')[2];
    expect(onlyDrops.positionOf(third)).toBe(2);
    expect(onlyDrops.at(2)).toBe(third);
    expect(onlyDrops.positionOf(third - 1)).toBe(-1);
  });

  it('extends a cached list as records arrive and rebuilds it when a branch cuts the recording back', () => {
    const { store: growing, records: all } = record(crash, 1);
    const fresh = (s: TraceStore, f: LogFilter) => {
      const list = new FilteredRecords(s, f);
      list.update();
      return listOf(list);
    };
    const partial = new TraceStore(growing.setup);
    const cache = new FilterCache();
    const byServer = filter({ node: SERVER, text: 'request' });
    const half = all.findIndex((r) => r.t > 12_000_000);
    appendRecords(partial, all, 0, half, 3);
    const first = cache.get(partial, byServer);
    first.update();
    expect(listOf(first)).toEqual(fresh(partial, byServer));
    appendRecords(partial, all, half, all.length, 4);
    const second = cache.get(partial, byServer);
    expect(second).toBe(first);
    expect(second.complete).toBe(false);
    second.update(); // the same list, extended
    expect(listOf(second)).toEqual(fresh(growing, byServer));

    // A what-if branch keeps the records up to 11 s, then the new run streams different ones.
    partial.truncateAfter(11_000_000);
    const cut = cache.get(partial, byServer);
    cut.update();
    expect(cut).not.toBe(first);
    expect(listOf(cut)).toEqual(fresh(partial, byServer));
    expect(Math.max(...listOf(cut))).toBeLessThan(partial.count);
  });

  it('narrows a looser list as more text is typed, and spreads a search over several updates', () => {
    const cache = new FilterCache();
    const drops = filter({ hiddenKinds: new Set(['work']), text: 'node' });
    const wide = cache.get(store, drops);
    wide.update();
    for (const text of ['node-', 'node-do', 'NODE-DOWN']) {
      const narrow = cache.get(store, { ...drops, text });
      // Passing a deadline already gone: each update still tests a slice, and gets there in the end.
      while (!narrow.update(-Infinity));
      expect(narrow.progress).toBe(1);
      const fresh = new FilteredRecords(store, { ...drops, text });
      fresh.update();
      expect(listOf(narrow)).toEqual(listOf(fresh));
    }
    const slow = new FilteredRecords(store, filter({ text: 'request' }));
    let slices = 0;
    while (!slow.update(-Infinity)) {
      slices++;
      expect(slow.progress).toBeLessThan(1);
    }
    expect(slices).toBeGreaterThan(10);
    const fresh = new FilteredRecords(store, filter({ text: 'request' }));
    fresh.update();
    expect(listOf(slow)).toEqual(listOf(fresh));
  });

  it('finds exactly the lines that contain the text, with or without the shortcut through single strings', () => {
    const queries = ['node-down', 'NODE', 'down', 'users → server', 'server: node', 'status = crashed', 'crash', 'think-done', 'ok in 5', 'timeout',
      '#18', '1817', 'request #1', 'requests', 'for #', 'dropped', '✓', 'restartafterms', 'users.timeout: t', 'sers', 'x', 'no such thing'];
    expect(shortcutToken('node-down')).toBe('node-down');
    expect(shortcutToken('status = crashed')).toBe('crashed');
    expect(shortcutToken('request #1817 ')).toBeNull(); // 'request' is a word of the lines, 1817 a number
    expect(shortcutToken('ok in 5')).toBe('ok');
    const lossy = record(scenario({
      seed: 2,
      durationMs: 1000,
      network: { latency: { type: 'constant', ms: 2 }, duplicateProbability: 0.2, lossProbability: 0.2 },
      nodes: [{ id: 'server', kind: 'service', workers: 2, serviceTime: { type: 'constant', ms: 3 } }],
      workloads: [{ id: 'client', kind: 'open', target: 'server', arrival: { type: 'poisson', ratePerSec: 100 } }],
    }), 3);
    for (const { store: s, records: rs } of [recorded, lossy]) {
      const lines = rs.map((_, i) => recordLine(s, i).toLowerCase());
      for (const text of [...queries, 'duplicated', 'request duplicated', 'loss', 'client → server: loss', 'response', 'onse #']) {
        const list = new FilteredRecords(s, filter({ text }));
        list.update();
        const expected = lines.flatMap((line, i) => (line.includes(text.toLowerCase()) ? [i] : []));
        expect(listOf(list), text).toEqual(expected);
      }
    }
  });

  it('knows which filters only narrow others', () => {
    const wide = filter({ hiddenKinds: new Set(['work']), text: 'node' });
    expect(narrows(filter({ hiddenKinds: new Set(['work', 'send']), text: 'Node-down', node: 0 }), wide)).toBe(true);
    expect(narrows(filter({ hiddenKinds: new Set(), text: 'node-down' }), wide)).toBe(false);
    expect(narrows(filter({ hiddenKinds: new Set(['work']), text: 'nod' }), wide)).toBe(false);
    expect(narrows(filter({ hiddenKinds: new Set(['work']), text: 'node', node: 1 }), { ...wide, node: 0 })).toBe(false);
  });
});

describe('message flights', () => {
  it('finds a dropped request from its drop and from its send, with reason, ends and times', () => {
    const dropIndex = records.findIndex((r) => r.k === 'drop');
    const drop = records[dropIndex];
    const sendIndex = records.findIndex((r) => r.k === 'send' && r.msg === drop.msg);
    const f = flightOfRecord(store, dropIndex)!;
    expect(f).toMatchObject({
      msg: drop.msg,
      type: 'request',
      from: recorded.nodeNames.indexOf('users'),
      to: SERVER,
      sentUs: records[sendIndex].t,
      sendRecord: sendIndex,
      end: 'dropped',
      endUs: drop.t,
      endRecord: dropIndex,
      reason: 'node-down',
      parent: -1,
      duplicate: false,
    });
    expect(flightOfRecord(store, sendIndex)).toEqual(f);
    expect(flightOfRecord(store, records.findIndex((r) => r.k === 'timer'))).toBeNull();
  });

  it('links a response to the request it answers', () => {
    const responseSend = records.findIndex((r) => r.k === 'send' && r.type === 'response');
    const f = flightOfRecord(store, responseSend)!;
    expect(f.type).toBe('response');
    expect(f.parent).toBe(records[responseSend].parent);
    expect(f.end).toBe('delivered');
    expect(records[f.endRecord]).toMatchObject({ k: 'deliver', msg: f.msg, node: 'users', from: 'server' });
    const request = flightsOfMessage(store, f.parent);
    expect(request.length).toBe(1);
    expect(records[store.messages.rec.a[request[0]]]).toMatchObject({ k: 'send', msg: f.parent, type: 'request' });
  });

  it('pairs every send and copy with its end and back, on a network that duplicates and loses messages', () => {
    const lossy = scenario({
      seed: 5,
      durationMs: 3000,
      network: { latency: { type: 'uniform', minMs: 1, maxMs: 5 }, duplicateProbability: 0.3, lossProbability: 0.1 },
      nodes: [{ id: 'server', kind: 'service', workers: 2, serviceTime: { type: 'exponential', meanMs: 5 } }],
      workloads: [{ id: 'client', kind: 'open', target: 'server', arrival: { type: 'poisson', ratePerSec: 200 }, timeoutMs: 500 }],
    });
    const { store: s, records: rs } = record(lossy, 5);
    const kinds = new Set(rs.map((r) => r.k));
    expect(kinds).toContain('dup');
    expect(kinds).toContain('drop');
    let ended = 0;
    rs.forEach((r, i) => {
      if (r.k !== 'send' && r.k !== 'dup') return;
      const f = flightOfRecord(s, i)!;
      expect(f.sendRecord).toBe(i);
      expect(f.duplicate).toBe(r.k === 'dup');
      if (f.endRecord < 0) return;
      ended++;
      const end = rs[f.endRecord];
      expect(end.msg).toBe(r.msg);
      expect(end.k).toBe(f.end === 'delivered' ? 'deliver' : 'drop');
      expect(flightOfRecord(s, f.endRecord)!.sendRecord).toBe(i);
    });
    // Every deliver and drop is the end of exactly one flight.
    expect(ended).toBe(rs.filter((r) => r.k === 'deliver' || r.k === 'drop').length);
  });
});

describe('the inspector’s node facts', () => {
  it('counts what the server sent, received and lost up to a cursor', () => {
    for (const cursor of [5_000_000, 12_000_000, 30_000_000]) {
      const upTo = records.filter((r) => r.t <= cursor);
      expect(trafficOf(store, SERVER, store.upperBound(cursor))).toEqual({
        sent: upTo.filter((r) => (r.k === 'send' || r.k === 'dup') && r.node === 'server').length,
        received: upTo.filter((r) => r.k === 'deliver' && r.node === 'server').length,
        droppedSent: upTo.filter((r) => r.k === 'drop' && r.node === 'server').length,
        droppedTo: upTo.filter((r) => r.k === 'drop' && r.to === 'server').length,
      });
    }
    expect(trafficOf(store, SERVER, store.upperBound(12_000_000)).droppedTo).toBeGreaterThan(0);
  });

  it('summarises a node’s configuration, policies one per line', () => {
    expect(configLines(crash, 'server')).toEqual(expect.arrayContaining(['workers: 8', 'serviceTime: {type: exponential, meanMs: 20}']));
    expect(configLines(crash, 'users')).toEqual(expect.arrayContaining(['target: server', 'clients: 20', 'timeoutMs: 1000']));
    const cascading = builtIn('resilience/cascading-failure.json');
    const api = configLines(cascading, 'api');
    expect(api[0]).toBe('calls payments {propagateDeadline: true}');
    expect(api.slice(1, 4).map((l) => l.trim().split(' ')[0])).toEqual(['fallback', 'circuit-breaker', 'timeout']);
    expect(api).toContain('  timeout {timeoutMs: 200}');
    expect(configLines(cascading, 'nobody')).toEqual([]);
  });
});

describe('rows on screen', () => {
  const ROW = 22;
  const VIEW = 330;

  it('maps pixels to rows one to one below the height cap', () => {
    expect(rowWindow(0, VIEW, 1000, ROW)).toEqual({ first: 0, count: 16, topPx: 0 });
    expect(rowWindow(22 * 100 + 5, VIEW, 1000, ROW)).toMatchObject({ first: 100, topPx: 2200 });
    const bottom = maxScrollTop(1000, ROW, VIEW);
    expect(bottom).toBe(22_000 - VIEW);
    const w = rowWindow(bottom, VIEW, 1000, ROW);
    expect(w.first + w.count).toBe(1000);
    expect(w.topPx + (999 - w.first) * ROW + ROW).toBeCloseTo(bottom + VIEW);
    expect(rowWindow(0, VIEW, 3, ROW)).toEqual({ first: 0, count: 3, topPx: 0 });
    expect(rowWindow(0, VIEW, 0, ROW).count).toBe(0);
  });

  it('reaches the first and the last of 5 million rows within the height cap', () => {
    const rows = 5_000_000;
    expect(contentHeight(rows, ROW)).toBe(MAX_CONTENT_PX);
    const bottom = maxScrollTop(rows, ROW, VIEW);
    const last = rowWindow(bottom, VIEW, rows, ROW);
    expect(last.first + last.count).toBe(rows);
    // The last row ends exactly at the bottom of the view.
    expect(last.topPx + (rows - 1 - last.first) * ROW + ROW - bottom).toBeCloseTo(VIEW, 6);
    expect(rowWindow(0, VIEW, rows, ROW).first).toBe(0);
  });

  it('scrolls a row to the middle of the view, above and below the cap', () => {
    for (const rows of [1000, 5_000_000]) {
      for (const row of [0, 500, rows / 2, rows - 1]) {
        const top = scrollTopForRow(row, VIEW, rows, ROW);
        const w = rowWindow(top, VIEW, rows, ROW);
        expect(rowInView(row, w, top, VIEW, ROW)).toBe(true);
      }
      const middle = rows / 2;
      const top = scrollTopForRow(middle, VIEW, rows, ROW);
      const w = rowWindow(top, VIEW, rows, ROW);
      const y = w.topPx + (middle - w.first) * ROW - top;
      expect(Math.abs(y + ROW / 2 - VIEW / 2)).toBeLessThan(1);
    }
    expect(rowInView(0, rowWindow(22 * 50, VIEW, 1000, ROW), 22 * 50, VIEW, ROW)).toBe(false);
  });
});
