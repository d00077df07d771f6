/**
 * End-to-end: the event log and the inspector in Chromium, on network/crash-restart. The log
 * shows the records up to the cursor (the same records Node records, in the same order), its
 * kind and text filters narrow them, a click on a row shows the message's whole flight in the
 * inspector, and a click on the crashed server shows it CRASHED at 12 s with its traffic.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import { formatNumber, formatSimTime } from '../../ui/format.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { cursorUs, nextFrames, open, ROOT, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

const FILE = 'network/crash-restart';
const AT_US = 12_000_000;

/** The run's records as Node computes them (the page records the same ones, in this order). */
function nodeRecords(file = FILE): TraceRecord[] {
  const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8'));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const records: TraceRecord[] = [];
  new ScenarioRun(loaded.scenario, { listeners: [(r) => records.push({ ...r })] }).finish();
  return records;
}

/** Waits until the log has applied its filters (a long search runs in slices) and shows `rows` rows. */
async function logShows(page: Page, rows: number, timeout = 30_000): Promise<void> {
  await page.locator(`[data-testid="log-summary"][data-complete="true"][data-rows="${rows}"]`).waitFor({ timeout });
  await nextFrames(page);
}

/** The rows in the DOM: record index, kind and text. */
async function visibleRows(page: Page): Promise<{ index: number; kind: string; text: string }[]> {
  return page.getByTestId('log-row').evaluateAll((els) =>
    els.map((e) => ({ index: Number(e.getAttribute('data-index')), kind: e.getAttribute('data-kind') ?? '', text: e.querySelector('.log-text')?.textContent ?? '' })),
  );
}

describe('the event log and the inspector', () => {
  it('filters the records up to the cursor, shows a message’s flight and a crashed node', async () => {
    const records = nodeRecords();
    const upTo = records.filter((r) => r.t <= AT_US);
    const drops = upTo.map((r, i) => ({ r, i })).filter(({ r }) => r.k === 'drop');
    expect(drops.length).toBeGreaterThan(10);

    const { page, problems } = await open();
    await chooseScenario(page, FILE);
    await expect.poll(() => page.getByTestId('inspector').textContent()).toContain('Click a node');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, AT_US);
    expect(await cursorUs(page)).toBe(AT_US);

    await page.getByTestId('view-tab-log').click();
    // Every record up to the cursor, but only the rows on screen are in the DOM.
    await logShows(page, upTo.length);
    const all = await visibleRows(page);
    expect(all.length).toBeGreaterThan(5);
    expect(all.length).toBeLessThan(30);
    // Newest at the bottom: the list follows the cursor.
    expect(all.at(-1)!.index).toBe(upTo.length - 1);

    // Only drops: every row a drop, with its reason.
    await page.getByTestId('log-kinds-none').click();
    await page.getByTestId('log-kind-drop').check();
    await logShows(page, drops.length);
    const dropRows = await visibleRows(page);
    expect(dropRows.length).toBeGreaterThan(0);
    for (const row of dropRows) {
      expect(row.kind).toBe('drop');
      expect(row.text).toMatch(/^request #\d+ users → server: node-down$/);
    }
    expect(dropRows.at(-1)!.index).toBe(drops.at(-1)!.i);

    // Text: one message's id, all kinds again: its send and its drop.
    const target = drops[2];
    await page.getByTestId('log-kinds-all').click();
    await page.getByTestId('log-text').fill(`#${target.r.msg} `);
    await logShows(page, 2);
    const sendIndex = records.findIndex((r) => r.k === 'send' && r.msg === target.r.msg);
    expect(await visibleRows(page)).toEqual([
      { index: sendIndex, kind: 'send', text: `request #${target.r.msg} users → server` },
      { index: target.i, kind: 'drop', text: `request #${target.r.msg} users → server: node-down` },
    ]);

    // A click on the drop: the inspector shows the whole flight.
    await page.locator(`[data-testid="log-row"][data-index="${target.i}"]`).click();
    const inspector = page.getByTestId('inspector-record');
    await inspector.waitFor();
    expect(await inspector.getAttribute('data-kind')).toBe('drop');
    const flight = page.getByTestId('inspector-flight');
    expect(await flight.getAttribute('data-end')).toBe('dropped');
    const flightText = (await flight.textContent()) ?? '';
    expect(flightText).toContain(`request #${target.r.msg}`);
    expect(flightText).toContain('users → server');
    expect(await page.getByTestId('inspector-flight-end').textContent()).toContain(': node-down');
    expect(flightText).toContain(`flight time${formatSimTime(target.r.t - records[sendIndex].t)}`);
    expect(await page.locator('.log-row.selected').getAttribute('data-index')).toBe(String(target.i));
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.getByTestId('views').screenshot({ path: join(SCREENSHOTS, 'log-inspector.png') });

    // The other end of the flight: the send, selected here and highlighted in the log.
    await page.getByTestId('inspector-other-end').click();
    await expect.poll(() => inspector.getAttribute('data-index')).toBe(String(sendIndex));
    expect(await inspector.getAttribute('data-kind')).toBe('send');
    expect(await page.locator('.log-row.selected').getAttribute('data-index')).toBe(String(sendIndex));

    // "go to" moves the cursor to the selected record's time.
    await page.getByTestId('log-goto').click();
    await expect.poll(() => cursorUs(page)).toBe(records[sendIndex].t);
    expect(await page.getByTestId('inspector-flight').textContent()).toContain('at the cursorin flight');

    // A node clicked in the topology (its menu opens too; Escape closes it): CRASHED at 12 s.
    await seek(page, AT_US);
    await page.locator('g.node[data-node="server"]').click();
    await page.getByTestId('node-menu').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('node-menu').count()).toBe(0);
    const node = page.getByTestId('inspector-node');
    await node.waitFor();
    expect(await node.getAttribute('data-node')).toBe('server');
    expect(await page.getByTestId('inspector-status').textContent()).toBe('CRASHED');
    expect(await page.getByTestId('inspector-received').textContent()).toBe(formatNumber(upTo.filter((r) => r.k === 'deliver' && r.node === 'server').length));
    expect(await page.getByTestId('inspector-dropped').textContent()).toBe(`0 of its sends · ${formatNumber(drops.length)} sent to it`);
    expect(await page.getByTestId('inspector-config').textContent()).toContain('workers: 8');
    // The inspector follows the cursor: up again at 16 s.
    await seek(page, 16_000_000);
    await expect.poll(() => page.getByTestId('inspector-status').textContent()).toBe('UP');
    await seek(page, AT_US);
    await page.getByTestId('views').screenshot({ path: join(SCREENSHOTS, 'log-inspector-node.png') });

    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps a few hundred thousand records in a list of a few rows, from the first to the last, and searches them', async () => {
    const records = nodeRecords('resilience/cascading-failure');
    const total = records.length;
    const opened = records.filter((r) => r.k === 'state' && String(r.key).endsWith('breaker.state') && r.value === 'OPEN').length;
    expect(opened).toBeGreaterThan(0);
    const { page, problems } = await open();
    await chooseScenario(page, 'resilience/cascading-failure');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, 60_000_000);
    await page.getByTestId('view-tab-log').click();
    await logShows(page, total);
    expect(total).toBeGreaterThan(200_000);
    const rows = await visibleRows(page);
    expect(rows.length).toBeLessThan(30);
    expect(rows.at(-1)!.index).toBe(total - 1);

    // Scrolled to the top: the first record; to the middle: about the middle one.
    const scroll = page.getByTestId('log-scroll');
    await scroll.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect.poll(async () => (await visibleRows(page))[0]?.index).toBe(0);
    await scroll.evaluate((el) => el.scrollTo({ top: (el.scrollHeight - el.clientHeight) / 2 }));
    await expect.poll(async () => Math.abs((await visibleRows(page))[0].index - total / 2) / total).toBeLessThan(0.01);

    // A search over all of them, spread over frames: the breaker's transitions.
    const started = Date.now();
    await page.getByTestId('log-text').fill('breaker.state = OPEN');
    await logShows(page, opened, 90_000);
    console.log(`[perf] searching ${total} records in the page took ${Date.now() - started} ms (reported, not asserted)`);
    const found = await visibleRows(page);
    expect(found.length).toBeGreaterThan(0);
    for (const row of found) {
      expect(row.kind).toBe('state');
      expect(row.text).toMatch(/breaker\.state = OPEN$/);
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});

