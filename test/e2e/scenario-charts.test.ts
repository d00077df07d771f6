/**
 * Declared charts in Chromium: a scenario's own charts (sim/scenario/charts.ts) draw in the
 * sandbox from the metric windows the worker streams — the same windows Node records — after
 * the client charts, and a scenario without workloads (2PC, sagas) shows only its own charts
 * instead of three empty client charts. Compare mode draws them on both sides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { nextFrames, open, ROOT, runInPage, SCREENSHOTS, seek, useSandbox, chooseScenario } from './harness.ts';

useSandbox();

/** A page at `width`×`height` with built-in scenario `id` picked in the gallery, and the scenario as Node loads it. */
async function openScenario(id: string, width: number, height: number) {
  const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${id}.json`), 'utf8'));
  if (!loaded.ok) throw new Error(`${id} does not load`);
  const { page, problems } = await open();
  await page.setViewportSize({ width, height });
  await chooseScenario(page, id);
  return { page, problems, scenario: loaded.scenario };
}

/** Titles of the sandbox's charts, in order. */
async function chartTitles(page: Page): Promise<string[]> {
  return page.getByTestId('charts').locator('.chart-title').evaluateAll((els) => els.map((e) => (e.firstChild?.textContent ?? '').trim()));
}

/** Length of the path data drawn in a chart (0: nothing drawn). */
async function inkOf(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).locator('path.series').evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? '').join('').length);
}

describe('declared charts in Chromium', () => {
  it('cascading failure: fallbacks, the breaker and the API queue are charted from the windows Node records', async () => {
    const { page, problems, scenario } = await openScenario('resilience/cascading-failure', 1440, 900);
    // The charts are there before the run: client charts first, then the scenario's.
    expect(await chartTitles(page)).toEqual(['Throughput', 'Latency of successful requests', 'Failures and rejections', ...scenario.charts.map((c) => c.title)]);
    const { result } = await runInPage(page, scenario.seed);
    const node = runScenario(scenario);
    // The worker recorded exactly Node's windows (the run is the same run).
    expect(result?.chartWindows).toEqual(node.chartWindows);
    const fallbacks = node.chartWindows.metrics['api->payments.breaker.notPermitted'];
    expect(Math.max(...fallbacks)).toBeGreaterThan(100);

    await seek(page, 40_000_000);
    await nextFrames(page);
    for (let i = 0; i < scenario.charts.length; i++) {
      expect(await inkOf(page, `chart-declared-${i}`), scenario.charts[i].title).toBeGreaterThan(200);
    }
    // The fallback chart's y axis reaches the highest rate (breaker rejections per second of a window).
    const windowSec = node.chartWindows.windowMs / 1000;
    const peakPerSec = Math.max(...fallbacks.slice(0, Math.floor(40 / windowSec))) / windowSec;
    // The second axis group is the y axis (the first is time).
    const ticks = await page.getByTestId('chart-declared-0').locator('g.axis').nth(1).locator('text').allTextContents();
    const top = Math.max(...ticks.map((t) => Number(t.replace(/,/g, ''))));
    expect(top).toBeGreaterThanOrEqual(peakPerSec);
    expect(await page.getByTestId('chart-declared-0').locator('..').locator('..').locator('.legend-item').allTextContents()).toEqual(['breaker rejected', 'timeouts', 'fallbacks']);
    await page.getByTestId('chart-declared-0').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'scenario-charts.png') });
    await page.setViewportSize({ width: 1280, height: 720 });
    await nextFrames(page);
    await page.screenshot({ path: '/tmp/scenario-charts-1280.png' });
    expect(problems).toEqual([]);
  }, 180_000);

  it('2PC: no empty client charts, the in-doubt participants and the transactions instead', async () => {
    const { page, problems, scenario } = await openScenario('transactions/2pc-coordinator-crash', 1280, 720);
    expect(await chartTitles(page)).toEqual(scenario.charts.map((c) => c.title));
    expect(await page.getByTestId('chart-throughput').count()).toBe(0);
    await runInPage(page, scenario.seed);
    await seek(page, 8_000_000);
    await nextFrames(page);
    const inDoubt = scenario.charts.findIndex((c) => c.title === 'Participants in doubt');
    expect(inDoubt).toBeGreaterThanOrEqual(0);
    expect(await inkOf(page, `chart-declared-${inDoubt}`)).toBeGreaterThan(100);
    expect(await page.getByTestId(`chart-declared-${inDoubt}`).getAttribute('data-empty')).toBeNull();
    await page.getByTestId(`chart-declared-${inDoubt}`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/scenario-charts-2pc-1280.png' });
    await page.setViewportSize({ width: 1440, height: 900 });
    await nextFrames(page);
    await page.screenshot({ path: '/tmp/scenario-charts-2pc-1440.png' });
    expect(problems).toEqual([]);
  }, 180_000);
});
