/**
 * End-to-end: the space-time diagram in Chromium. A built-in run (a server crashing at 10 s)
 * seen just after the crash: the canvas has ink, the number of messages drawn is what the run's
 * own records say overlap the window (counted here in Node, from the same seed's records),
 * hovering a drop tells its reason, clicking a message selects its send record, clicking a
 * lane's name selects the node, zoom widens the window, playing moves it. Then 200 nodes:
 * thin lanes that scroll. Screenshots: test/e2e/screenshots/spacetime*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { AXIS_H, distanceToSegment, LANE_MIN_H, timeToX } from '../../ui/views/spacetime/geometry.ts';
import { cursorUs, nextFrames, open, openFile, ROOT, runInPage, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

/** A message's flight, paired the simple way: a send (or dup) ends at the first deliver/drop of its id. */
interface Flight {
  rec: number;
  from: string;
  to: string;
  sent: number;
  ended: number;
  how: 'open' | 'deliver' | 'drop';
  reason: string;
}

function runRecords(file: string, seed?: number): { records: TraceRecord[]; nodeNames: string[] } {
  const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8'));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return recordRun(loaded.scenario, seed);
}

function recordRun(scenario: Scenario, seed?: number): { records: TraceRecord[]; nodeNames: string[] } {
  const records: TraceRecord[] = [];
  const run = new ScenarioRun(scenario, { seed, listeners: [(r) => records.push({ ...r })] });
  run.finish();
  return { records, nodeNames: run.built.nodeNames };
}

function flightsOf(records: readonly TraceRecord[]): Flight[] {
  const flights: Flight[] = [];
  const open = new Map<number, Flight[]>();
  records.forEach((r, rec) => {
    const id = Number(r.msg);
    if (r.k === 'send' || r.k === 'dup') {
      const f: Flight = { rec, from: r.node, to: String(r.to), sent: r.t, ended: Infinity, how: 'open', reason: '' };
      flights.push(f);
      open.set(id, [...(open.get(id) ?? []), f]);
    } else if (r.k === 'deliver' || r.k === 'drop') {
      const f = open.get(id)?.shift();
      if (!f) return;
      f.ended = r.t;
      f.how = r.k;
      f.reason = r.k === 'drop' ? String(r.reason) : '';
    }
  });
  return flights;
}

const overlapping = (flights: Flight[], fromUs: number, toUs: number) => flights.filter((f) => f.sent <= toUs && f.ended > fromUs);

interface ViewState {
  drawn: number;
  inWindow: number;
  fromUs: number;
  toUs: number;
  windowUs: number;
  selectedRecord: number;
  selectedNode: number;
}

async function viewState(page: Page): Promise<ViewState> {
  const view = page.getByTestId('spacetime');
  const num = async (name: string) => Number(await view.getAttribute(`data-${name}`));
  return {
    drawn: await num('drawn'),
    inWindow: await num('in-window'),
    fromUs: await num('from-us'),
    toUs: await num('to-us'),
    windowUs: await num('window-us'),
    selectedRecord: await num('selected-record'),
    selectedNode: await num('selected-node'),
  };
}

/** Where a point of the diagram is on the page: time → x in the canvas, node → its lane label's centre. */
async function pointer(page: Page, state: ViewState) {
  const box = (await page.getByTestId('spacetime-canvas').boundingBox())!;
  const laneY = new Map<string, number>();
  for (const lane of await page.getByTestId('spacetime-lane').all()) {
    const b = (await lane.boundingBox())!;
    laneY.set((await lane.textContent()) ?? '', b.y + b.height / 2);
  }
  return {
    box,
    x: (us: number) => box.x + timeToX(us, state.fromUs, state.toUs, box.width),
    y: (node: string) => laneY.get(node)!,
  };
}

/** Saturated, mostly opaque pixels of the canvas left of the cursor's mark and below the axis: message lines and marks. */
async function colouredInk(page: Page): Promise<number> {
  return page.getByTestId('spacetime-canvas').evaluate(
    (el, axis) => {
      const canvas = el as HTMLCanvasElement;
      const dpr = canvas.width / canvas.clientWidth;
      const w = Math.floor(canvas.width - 30 * dpr);
      const top = Math.ceil(axis * dpr);
      const data = canvas.getContext('2d')!.getImageData(0, top, w, canvas.height - top).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const max = Math.max(data[i], data[i + 1], data[i + 2]);
        const min = Math.min(data[i], data[i + 1], data[i + 2]);
        if (data[i + 3] > 128 && max - min > 60) n++;
      }
      return n;
    },
    AXIS_H,
  );
}

/** Over the next `n` animation frames: each frame's time stamp and the diagram's window end. */
async function sampleFrames(page: Page, n: number): Promise<{ ts: number; toUs: number }[]> {
  return page.evaluate(
    (count) =>
      new Promise<{ ts: number; toUs: number }[]>((done) => {
        const view = document.querySelector<HTMLElement>('[data-testid="spacetime"]')!;
        const out: { ts: number; toUs: number }[] = [];
        const tick = (ts: number) => {
          out.push({ ts, toUs: Number(view.dataset.toUs) });
          if (out.length < count) requestAnimationFrame(tick);
          else done(out);
        };
        requestAnimationFrame(tick);
      }),
    n,
  );
}

// ---------------------------------------------------------------------------------------------

describe('the space-time diagram', () => {
  it('draws the messages around a crash, as the records say, and selects what is clicked', async () => {
    const { page, problems } = await open();
    const file = 'network/crash-restart';
    const { records } = runRecords(file, 3);
    const flights = flightsOf(records);
    await chooseScenario(page, file);
    await runInPage(page, 3);
    await page.getByTestId('view-tab-spacetime').click();
    await page.getByTestId('spacetime-canvas').waitFor();
    // Just after the crash at 10 s: requests to the server dropped (node-down).
    await seek(page, 10_020_000);
    await page.getByTestId('spacetime-canvas').scrollIntoViewIfNeeded();
    await nextFrames(page);

    let state = await viewState(page);
    expect(state.toUs).toBe(await cursorUs(page));
    expect(state.toUs - state.fromUs).toBe(state.windowUs);
    // The default window: about twenty 1–3 ms flights, on the 1-2-5 ladder.
    expect(state.windowUs).toBe(50_000);
    const inWindow = overlapping(flights, state.fromUs, state.toUs);
    expect(inWindow.length).toBeGreaterThan(3);
    expect(state.inWindow).toBe(inWindow.length);
    expect(state.drawn).toBe(inWindow.length);
    expect(await colouredInk(page)).toBeGreaterThan(400);
    const range = await page.getByTestId('spacetime-range').textContent();
    expect(range).toBe(`9.97 s – 10.02 s · ${inWindow.length} messages`);
    expect(await page.getByTestId('spacetime-lane').allTextContents()).toEqual(['users', 'server']);

    // Hovering a drop names its reason.
    const dropped = inWindow.find((f) => f.how === 'drop' && f.ended <= state.toUs && f.ended > state.fromUs + 5_000);
    expect(dropped, 'a drop in the window').toBeDefined();
    let at = await pointer(page, state);
    await page.mouse.move(at.x(dropped!.ended), at.y(dropped!.to));
    const tip = page.getByTestId('spacetime-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    const tipText = await tip.textContent();
    expect(tipText).toContain(`request #${records[dropped!.rec].msg}: users → server`);
    expect(tipText).toMatch(/dropped 10(\.\d+)? s: node-down$/);

    // Clicking a message selects its send record: one delivered inside the window, clear of the others.
    const segment = (f: Flight): [number, number, number, number] => {
      const x0 = at.x(f.sent);
      const y0 = at.y(f.from);
      const end = Math.min(f.ended, state.toUs);
      return [x0, y0, at.x(end), f.ended <= state.toUs ? at.y(f.to) : y0 + (at.y(f.to) - y0) * ((end - f.sent) / (f.ended - f.sent))];
    };
    const mid = (f: Flight) => {
      const [x0, y0, x1, y1] = segment(f);
      return [(x0 + x1) / 2, (y0 + y1) / 2];
    };
    const clear = inWindow.find((f) => {
      if (f.how !== 'deliver' || f.sent < state.fromUs || f.ended > state.toUs) return false;
      const [mx, my] = mid(f);
      return inWindow.every((g) => g === f || distanceToSegment(mx, my, ...segment(g)) > 10);
    });
    expect(clear, 'a message clear of the others').toBeDefined();
    const [cx, cy] = mid(clear!);
    await page.mouse.click(cx, cy);
    await expect.poll(async () => (await viewState(page)).selectedRecord).toBe(clear!.rec);
    expect(records[clear!.rec].k).toBe('send');

    // Clicking a lane's name selects the node.
    const server = page.getByTestId('spacetime-lane').filter({ hasText: 'server' });
    await server.click();
    await expect.poll(async () => (await viewState(page)).selectedNode).toBe(Number(await server.getAttribute('data-node')));
    expect(await server.getAttribute('class')).toContain('selected');

    // Wider window: twice as wide, and again exactly what the records say is in it.
    await page.getByTestId('spacetime-zoom-out').click();
    await nextFrames(page);
    state = await viewState(page);
    expect(state.windowUs).toBe(100_000);
    expect(await page.getByTestId('spacetime-window').textContent()).toBe('100 ms');
    expect(state.inWindow).toBe(overlapping(flights, state.fromUs, state.toUs).length);
    expect(state.drawn).toBe(state.inWindow);

    // Select a message again (for the screenshot), then look at it.
    at = await pointer(page, state);
    const again = overlapping(flights, state.fromUs, state.toUs).find((f) => f.how === 'deliver' && f.from === 'server' && f.sent > state.fromUs + 40_000);
    if (again) {
      const [x0, y0] = [at.x(again.sent), at.y(again.from)];
      const [x1, y1] = [at.x(again.ended), at.y(again.to)];
      await page.mouse.click((x0 + x1) / 2, (y0 + y1) / 2);
      await nextFrames(page);
    }
    await page.mouse.move(at.x(dropped!.ended), at.y(dropped!.to));
    await expect.poll(() => tip.isVisible()).toBe(true);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('views').screenshot({ path: join(SCREENSHOTS, 'spacetime.png') });

    // Playing: the window follows the cursor, frame by frame.
    await page.getByTestId('speed').fill('-2');
    await page.getByTestId('play').click();
    // The play button is at the top of the page: bring the diagram back into view (off screen it does not draw).
    await page.getByTestId('spacetime-canvas').scrollIntoViewIfNeeded();
    const ends = (await sampleFrames(page, 30)).map((f) => f.toUs);
    await page.getByTestId('play').click();
    expect(new Set(ends).size).toBeGreaterThan(10);
    expect(ends[ends.length - 1]).toBeGreaterThan(ends[0]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps 200 nodes readable: thin lanes that scroll, the canvas following', async () => {
    const { page, problems } = await open();
    const scenario = pairsScenario(100);
    await openFile(page, 'pairs.json', JSON.stringify(scenario));
    await page.getByTestId('scenario-title').waitFor();
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await page.getByTestId('view-tab-spacetime').click();
    await seek(page, 1_000_000);
    await page.getByTestId('spacetime-canvas').scrollIntoViewIfNeeded();
    await nextFrames(page);

    const names = await page.getByTestId('spacetime-lane').allTextContents();
    expect(names).toHaveLength(200);
    // Each client's lane right above its own service's: its messages cross no other lane.
    for (const i of [0, 37, 99]) expect(names.indexOf(`s${i}`)).toBe(names.indexOf(`c${i}`) + 1);
    const view = page.getByTestId('spacetime');
    expect(Number(await view.getAttribute('data-lane-height'))).toBe(LANE_MIN_H);
    const scroll = page.getByTestId('spacetime-scroll');
    const [scrollHeight, clientHeight] = await scroll.evaluate((el) => [el.scrollHeight, el.clientHeight]);
    expect(scrollHeight).toBeGreaterThan(clientHeight * 4);

    const loaded = loadScenarioText(JSON.stringify(scenario));
    if (!loaded.ok) throw new Error('the pairs scenario does not load');
    const flights = flightsOf(recordRun(loaded.scenario).records);
    const state = await viewState(page);
    expect(state.inWindow).toBe(overlapping(flights, state.fromUs, state.toUs).length);
    expect(state.drawn).toBeGreaterThan(0);
    expect(state.drawn).toBeLessThanOrEqual(4000);
    const top = await colouredInk(page);
    expect(top).toBeGreaterThan(400);

    // Scrolled to the bottom, the last lanes show their messages, and their names select them.
    await scroll.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await nextFrames(page);
    expect(await colouredInk(page)).toBeGreaterThan(400);
    const last = page.getByTestId('spacetime-lane').last();
    await last.click();
    await expect.poll(async () => (await viewState(page)).selectedNode).toBe(Number(await last.getAttribute('data-node')));
    await page.getByTestId('views').screenshot({ path: join(SCREENSHOTS, 'spacetime-200-nodes.png') });

    // Playing with thousands of lines: frame intervals, reported (tests never assert wall-clock times).
    await page.getByTestId('speed').fill('-1');
    await page.getByTestId('play').click();
    // The play button is at the top of the page: bring the diagram back into view (off screen it does not draw).
    await page.getByTestId('spacetime-canvas').scrollIntoViewIfNeeded();
    const frames = await sampleFrames(page, 121);
    const deltas = frames.slice(1).map((f, i) => f.ts - frames[i].ts);
    await page.getByTestId('play').click();
    const sorted = [...deltas].sort((a, b) => a - b);
    console.log(`[perf] space-time, 200 lanes, ${state.drawn} messages drawn: frame interval p50 ${sorted[60].toFixed(1)} ms, p95 ${sorted[113].toFixed(1)} ms`);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/** `pairs` open-loop clients c0, c1… each calling its own service s0, s1… over a 20 ms link. */
function pairsScenario(pairs: number): Record<string, unknown> {
  const nodes: Record<string, unknown>[] = [];
  const workloads: Record<string, unknown>[] = [];
  for (let i = 0; i < pairs; i++) {
    nodes.push({ id: `s${i}`, kind: 'service', workers: 4, serviceTime: { type: 'exponential', meanMs: 5 } });
    workloads.push({ id: `c${i}`, kind: 'open', target: `s${i}`, arrival: { type: 'poisson', ratePerSec: 50 } });
  }
  const network = { latency: { type: 'constant', ms: 20 } };
  return { version: 1, title: `${pairs} clients, each with its own service`, description: 'Many lanes.', seed: 1, durationMs: 1500, network, nodes, workloads };
}
