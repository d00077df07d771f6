/**
 * The space-time diagram's logic (ui/views/spacetime), without a browser: which messages
 * overlap the window ending at the cursor (against a brute-force count over the raw records of
 * a real run), the default window width and the zoom ladder, finding a selected record's
 * message, lane order and geometry, faults as spans, and the tooltip text.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import type { Layout, LayoutNode } from '../../ui/layout.ts';
import type { FaultMark } from '../../ui/trace/store.ts';
import { TraceStore } from '../../ui/trace/store.ts';
import { describeMessage } from '../../ui/views/spacetime/describe.ts';
import { describeFault, faultSpans } from '../../ui/views/spacetime/faults.ts';
import {
  AXIS_H,
  contentHeight,
  distanceToSegment,
  formatTick,
  LANE_MAX_H,
  LANE_MIN_H,
  laneAt,
  laneCenter,
  laneHeight,
  laneOfNode,
  laneOrder,
  PLOT_PAD_LEFT,
  PLOT_PAD_RIGHT,
  timeToX,
  VIEW_MAX_H,
} from '../../ui/views/spacetime/geometry.ts';
import {
  defaultWindowUs,
  FALLBACK_WINDOW_US,
  MAX_WINDOW_US,
  messageOfRecord,
  MIN_WINDOW_US,
  niceCeil,
  typicalFlightUs,
  visitWindow,
  zoomStep,
} from '../../ui/views/spacetime/window.ts';
import { builtIn } from '../helpers.ts';
import { storeOf } from './recorded.ts';
import { colorOfType, OTHER_COLOR, otherTypeColors, REQUEST_COLOR, RESPONSE_COLOR } from '../../ui/trace/colors.ts';

const send = (t: number, from: string, to: string, msg: number, type = 'request'): TraceRecord => ({ t, k: 'send', node: from, to, msg, parent: -1, type });
const deliver = (t: number, at: string, from: string, msg: number, type = 'request'): TraceRecord => ({ t, k: 'deliver', node: at, from, msg, type });
const drop = (t: number, at: string, to: string, msg: number, reason: string): TraceRecord => ({ t, k: 'drop', node: at, to, msg, reason });
const timer = (t: number, node: string): TraceRecord => ({ t, k: 'timer', node, tag: 'tick' });

/** Brute force over raw records: flights (a send or dup, ended by the first deliver/drop of its id) overlapping (from, to]. */
function countOverlapping(records: readonly TraceRecord[], fromUs: number, toUs: number): number {
  const flights: { sent: number; ended: number }[] = [];
  const open = new Map<number, number[]>();
  for (const r of records) {
    const id = Number(r.msg);
    if (r.k === 'send' || r.k === 'dup') {
      open.set(id, [...(open.get(id) ?? []), flights.length]);
      flights.push({ sent: r.t, ended: Infinity });
    } else if (r.k === 'deliver' || r.k === 'drop') {
      const f = open.get(id)?.shift();
      if (f !== undefined) flights[f].ended = r.t;
    }
  }
  return flights.filter((f) => f.sent <= toUs && f.ended > fromUs).length;
}

function visited(store: TraceStore, fromUs: number, toUs: number, max = 100_000): { total: number; indexes: number[] } {
  const indexes: number[] = [];
  const total = visitWindow(store.messages, fromUs, toUs, max, (idx) => indexes.push(idx));
  return { total, indexes };
}

// ---------------------------------------------------------------------------------------------

describe('messages overlapping the window', () => {
  // a→b: #1 sent 100 delivered 110; #2 sent 150, dropped 150 on the way; #3 sent 200, never ends;
  // #4 sent 300 delivered 900 (long flight); b→a #5 sent 400 delivered 405.
  const records = [
    send(100, 'a', 'b', 1),
    deliver(110, 'b', 'a', 1),
    send(150, 'a', 'b', 2),
    drop(150, 'a', 'b', 2, 'loss'),
    send(200, 'a', 'b', 3),
    timer(250, 'a'),
    send(300, 'a', 'b', 4),
    send(400, 'b', 'a', 5, 'response'),
    deliver(405, 'a', 'b', 5, 'response'),
    deliver(900, 'b', 'a', 4),
  ];
  const store = storeOf(['a', 'b'], records);

  it('are those sent by its end and not ended by its start: in flight at the left edge, or sent inside', () => {
    const sentAt = (idxs: number[]) => idxs.map((i) => store.messages.sendT.a[i]).sort((x, y) => x - y);
    // (105, 160]: #1 still in flight at 105, #2 sent inside (dropped at once, inside).
    expect(sentAt(visited(store, 105, 160).indexes)).toEqual([100, 150]);
    // (110, 160]: #1 delivered exactly at the left edge is gone.
    expect(sentAt(visited(store, 110, 160).indexes)).toEqual([150]);
    // (500, 600]: only the never-ending #3 and the long #4.
    expect(sentAt(visited(store, 500, 600).indexes)).toEqual([200, 300]);
    // (0, 1000]: all five.
    expect(visited(store, 0, 1000).total).toBe(5);
    // (950, 1000]: #3 alone.
    expect(sentAt(visited(store, 950, 1000).indexes)).toEqual([200]);
  });

  it('agree with a brute-force count over the raw records for every window', () => {
    for (let from = 0; from <= 1000; from += 25) {
      for (const width of [1, 10, 60, 300, 1000]) {
        const { total, indexes } = visited(store, from, from + width);
        expect(total, `(${from}, ${from + width}]`).toBe(countOverlapping(records, from, from + width));
        expect(new Set(indexes).size).toBe(indexes.length);
        expect(indexes.length).toBe(total);
      }
    }
  });

  it('agree with the brute force on a real run (crash-restart, streamed in batches), windows all over it', () => {
    const scenario = builtIn('network/crash-restart.json', { durationMs: 16_000 });
    const records: TraceRecord[] = [];
    const run = new ScenarioRun(scenario, { listeners: [(r) => records.push({ ...r })] });
    run.finish();
    const real = storeOf(run.built.nodeNames, records, 9);
    let nonEmpty = 0;
    for (const to of [5_000, 1_000_000, 9_990_000, 10_003_000, 10_500_000, 14_999_000, 15_020_000]) {
      for (const width of [2_000, 50_000, 1_000_000]) {
        const { total, indexes } = visited(real, to - width, to);
        expect(total, `window ending ${to}, ${width} wide`).toBe(countOverlapping(records, to - width, to));
        expect(indexes.length).toBe(total);
        if (total > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(10);
  });

  it('thin out evenly past the drawing budget, still counting them all', () => {
    const many: TraceRecord[] = [];
    for (let i = 0; i < 1000; i++) many.push(send(i * 10, 'a', 'b', i + 1), deliver(i * 10 + 5, 'b', 'a', i + 1));
    const s = storeOf(['a', 'b'], many);
    const { total, indexes } = visited(s, -1, 10_000, 100);
    expect(total).toBe(1000);
    expect(indexes.length).toBe(100);
    expect(new Set(indexes).size).toBe(100);
    // Spread over the whole window, not the first hundred.
    expect(Math.max(...indexes)).toBeGreaterThan(900);
    expect(Math.min(...indexes)).toBeLessThan(20);
  });
});

describe('the window width', () => {
  it('steps along 1-2-5 values', () => {
    expect([10, 11, 20, 21, 260, 500, 999, 1000, 3_000_000].map(niceCeil)).toEqual([10, 20, 20, 50, 500, 500, 1000, 1000, 5_000_000]);
    expect(zoomStep(50_000, 1)).toBe(100_000);
    expect(zoomStep(100_000, 1)).toBe(200_000);
    expect(zoomStep(200_000, 1)).toBe(500_000);
    expect(zoomStep(50_000, -1)).toBe(20_000);
    expect(zoomStep(20_000, -1)).toBe(10_000);
    expect(zoomStep(10_000, -1)).toBe(5_000);
    // From a value off the ladder, to the nearest step in that direction.
    expect(zoomStep(30_000, 1)).toBe(50_000);
    expect(zoomStep(30_000, -1)).toBe(20_000);
    // And no further than the ends.
    expect(zoomStep(MIN_WINDOW_US, -1)).toBe(MIN_WINDOW_US);
    expect(zoomStep(MAX_WINDOW_US, 1)).toBe(MAX_WINDOW_US);
  });

  it('defaults to about twenty typical (median) flight times, on the ladder', () => {
    // Flights of 1, 2 and 3 ms and one of 500 ms: the median is 3 ms (upper median of four)…
    const store = storeOf(
      ['a', 'b'],
      [send(0, 'a', 'b', 1), deliver(1_000, 'b', 'a', 1), send(10, 'a', 'b', 2), deliver(2_010, 'b', 'a', 2), send(20, 'a', 'b', 3), deliver(3_020, 'b', 'a', 3), send(30, 'a', 'b', 4), deliver(500_030, 'b', 'a', 4)],
    );
    expect(typicalFlightUs(store.messages)).toBe(3_000);
    // …so 60 ms, rounded up to 100 ms.
    expect(defaultWindowUs(store.messages)).toBe(100_000);
  });

  it('falls back to a fixed width before anything is delivered', () => {
    const store = storeOf(['a', 'b'], [send(0, 'a', 'b', 1), drop(0, 'a', 'b', 1, 'loss')]);
    expect(typicalFlightUs(store.messages)).toBeNull();
    expect(defaultWindowUs(store.messages)).toBe(FALLBACK_WINDOW_US);
  });
});

describe('the message a selected record belongs to', () => {
  const records = [send(100, 'a', 'b', 1), timer(105, 'a'), send(106, 'b', 'a', 2), deliver(110, 'b', 'a', 1), drop(120, 'a', 'a', 2, 'node-down')];
  const store = storeOf(['a', 'b'], records);

  it('is the flight a send starts or a delivery or drop ends; nothing for other records', () => {
    expect(messageOfRecord(store, 0)).toBe(0);
    expect(messageOfRecord(store, 2)).toBe(1);
    expect(messageOfRecord(store, 3)).toBe(0);
    expect(messageOfRecord(store, 4)).toBe(1);
    expect(messageOfRecord(store, 1)).toBe(-1);
    expect(messageOfRecord(store, -1)).toBe(-1);
    expect(messageOfRecord(store, 99)).toBe(-1);
    // And the send record is what a click on the line selects.
    expect(store.messages.rec.a[messageOfRecord(store, 3)]).toBe(0);
  });
});

describe('lanes and time on the canvas', () => {
  const node = (index: number, x: number, y: number): LayoutNode => ({ index, id: `n${index}`, label: `N${index}`, kind: 'service', workers: 1, queueCapacity: null, x, y, drawnAs: index, group: null });

  it('orders lanes as the topology reads, left to right then top to bottom', () => {
    const layout: Layout = { nodes: [node(0, 400, 0), node(1, 0, 50), node(2, 400, -100), node(3, 0, 50)], links: [] };
    const order = laneOrder(layout);
    expect(order).toEqual([1, 3, 2, 0]);
    expect(Array.from(laneOfNode(order, 4))).toEqual([3, 0, 2, 1]);
  });

  it('keeps pairs that talk side by side when reading order would pull them apart', () => {
    // Clients c0..c2 (indexes 3..5) at the left, each calling its own service (0..2) at the right.
    const pairs: Layout = {
      nodes: [node(0, 400, 0), node(1, 400, 100), node(2, 400, 200), node(3, 0, 0), node(4, 0, 100), node(5, 0, 200)],
      links: [
        [0, 3],
        [1, 4],
        [2, 5],
      ],
    };
    expect(laneOrder(pairs)).toEqual([3, 0, 4, 1, 5, 2]);
    // Two clients (0, 1) of one api (2) with two backends (3, 4): reading order is already tight.
    const shared: Layout = {
      nodes: [node(0, 0, 0), node(1, 0, 100), node(2, 400, 50), node(3, 800, 0), node(4, 800, 100)],
      links: [
        [0, 2],
        [1, 2],
        [2, 3],
        [2, 4],
      ],
    };
    expect(laneOrder(shared)).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives few nodes tall lanes and many nodes thin lanes that scroll', () => {
    expect(laneHeight(2)).toBe(LANE_MAX_H);
    expect(laneHeight(200)).toBe(LANE_MIN_H);
    const few = contentHeight(5, laneHeight(5));
    expect(few.visible).toBe(few.content);
    const many = contentHeight(200, laneHeight(200));
    expect(many.content).toBe(AXIS_H + 200 * LANE_MIN_H + 8);
    expect(many.visible).toBe(VIEW_MAX_H);
    // Somewhere in between, lanes share the height.
    const h = laneHeight(20);
    expect(h).toBeGreaterThan(LANE_MIN_H);
    expect(h).toBeLessThan(LANE_MAX_H);
    expect(contentHeight(20, h).content).toBeLessThanOrEqual(VIEW_MAX_H);
  });

  it('maps lanes and times to pixels and back', () => {
    for (let i = 0; i < 10; i++) expect(laneAt(laneCenter(i, 20), 10, 20)).toBe(i);
    expect(laneAt(AXIS_H - 1, 10, 20)).toBe(-1);
    expect(laneAt(AXIS_H + 200, 10, 20)).toBe(-1);
    expect(timeToX(1000, 1000, 2000, 500)).toBe(PLOT_PAD_LEFT);
    expect(timeToX(2000, 1000, 2000, 500)).toBe(500 - PLOT_PAD_RIGHT);
    expect(distanceToSegment(5, 5, 0, 0, 10, 0)).toBe(5);
    expect(distanceToSegment(-3, 4, 0, 0, 10, 0)).toBe(5);
  });

  it('labels ticks with just enough digits', () => {
    expect(formatTick(10_050_000, 10_000)).toBe('10.05 s');
    expect(formatTick(10_005_000, 5_000)).toBe('10.005 s');
    expect(formatTick(20_000, 5_000)).toBe('20 ms');
    expect(formatTick(2_500, 500)).toBe('2.5 ms');
    expect(formatTick(3_000_000, 1_000_000)).toBe('3 s');
  });
});

describe('faults as spans on the lanes', () => {
  const mark = (t: number, node: number, type: string, detail: Record<string, unknown>): FaultMark => ({ t, node, type, detail: JSON.stringify(detail) });

  it('lasts from a crash to the restart, a pause to its end, a partition to the heal', () => {
    const spans = faultSpans([
      mark(10, 0, 'crash', { id: 1, node: 'server', restartAfterMs: 5 }),
      mark(15, 0, 'restart', { id: 2, node: 'server', bootMs: 0 }),
      mark(20, 1, 'pause', { id: 3, node: 'db', durationMs: 1 }),
      mark(21, 1, 'pause-end', { id: 3 }),
      mark(30, -1, 'partition', { id: 4, groups: [['a'], ['b']] }),
      mark(35, 1, 'clock-skew', { id: 5, node: 'db', skewMs: 3 }),
      mark(40, -1, 'heal', { id: 6 }),
      mark(50, 1, 'slow', { id: 7, node: 'db', factor: 3 }),
      mark(60, 0, 'crash', { id: 8, node: 'server' }),
      mark(70, 0, 'restart', { id: 9, node: 'server', bootMs: 2 }),
      mark(72, 0, 'restart-end', { id: 9 }),
    ]);
    expect(spans.map((s) => [s.type, s.node, s.fromUs, s.toUs])).toEqual([
      ['crash', 0, 10, 15],
      ['restart', 0, 15, 15],
      ['pause', 1, 20, 21],
      ['partition', -1, 30, 40],
      ['clock-skew', 1, 35, 35],
      ['heal', -1, 40, 40],
      ['slow', 1, 50, Infinity],
      ['crash', 0, 60, 70],
      ['restart', 0, 70, 72],
    ]);
    const fmt = (us: number) => `${us}us`;
    expect(describeFault(spans[0], 'server', fmt)).toBe('crash of server, 10us → 15us (restartAfterMs 5)');
    expect(describeFault(spans[3], '', fmt)).toBe('partition (network), 30us → 40us (groups [["a"],["b"]])');
    expect(describeFault(spans[6], 'db', fmt)).toBe('slow of db, from 50us (factor 3)');
  });
});

describe('the tooltip of a message', () => {
  const store = storeOf(['a', 'b'], [send(1_000, 'a', 'b', 7), deliver(3_000, 'b', 'a', 7), send(4_000, 'b', 'a', 8, 'response'), drop(9_000, 'b', 'a', 8, 'node-down')]);
  const label = (n: number) => ['alpha', 'beta'][n];

  it('says how it ended only once the cursor has passed the end', () => {
    expect(describeMessage(store, 0, 2_000, label)).toBe('request #7: alpha → beta\nsent 1 ms, still in flight');
    expect(describeMessage(store, 0, 3_000, label)).toBe('request #7: alpha → beta\nsent 1 ms, delivered 3 ms (2 ms on the wire)');
    expect(describeMessage(store, 1, 8_000, label)).toBe('response #8: beta → alpha\nsent 4 ms, still in flight');
    expect(describeMessage(store, 1, 9_000, label)).toBe('response #8: beta → alpha\nsent 4 ms, dropped 9 ms: node-down');
  });
});

describe('message colours by type', () => {
  it('keeps blue and green for requests and responses, and gives other types their own colours in first-seen order', () => {
    const store = storeOf(
      ['c', 'p'],
      [
        send(1, 'c', 'p', 1, '2pc.prepare'),
        send(2, 'p', 'c', 2, '2pc.vote-yes'),
        send(3, 'c', 'p', 3, '2pc.commit'),
        send(4, 'c', 'p', 4, 'request'),
        send(5, 'p', 'c', 5, 'response'),
        send(6, 'c', 'p', 6, '2pc.prepare'),
      ],
    );
    const others = otherTypeColors(store);
    expect(others.map((t) => t.name)).toEqual(['2pc.prepare', '2pc.vote-yes', '2pc.commit']);
    expect(new Set(others.map((t) => t.color)).size).toBe(3);
    expect(colorOfType(store, store.stringId('request'))).toBe(REQUEST_COLOR);
    expect(colorOfType(store, store.stringId('response'))).toBe(RESPONSE_COLOR);
    expect(colorOfType(store, store.stringId('2pc.commit'))).toBe(others[2].color);
    expect([REQUEST_COLOR, RESPONSE_COLOR]).not.toContain(others[0].color);
  });

  it('gives types past the palette the shared "other" colour', () => {
    const names = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const store = storeOf(['a', 'b'], names.map((n, i) => send(i + 1, 'a', 'b', i + 1, n)));
    expect(otherTypeColors(store).length).toBe(6);
    expect(colorOfType(store, store.stringId('t8'))).toBe(OTHER_COLOR);
  });
});
