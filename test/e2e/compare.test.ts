/**
 * Compare mode in Chromium: a scenario as written against its variant, run in two workers at
 * once, played side by side on one clock. Each side must compute exactly the run Node computes
 * for that side (the variant applied with the command line's applyVariant), the delta table must
 * show the difference with the right sign and colour, both topologies and both sets of charts
 * must draw, and the compare code must arrive only when compare mode is opened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { applyVariant, readScenarioJson } from '../../sim/scenario/load.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import type { Scenario } from '../../sim/scenario/schema.ts';
import { formatChange } from '../../ui/compare/delta.ts';
import { loadScenarioText, loadScenarioValue } from '../../ui/load.ts';
import { canvasInk, cursorUs, nextFrames, open, ROOT, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

const ID = 'resilience/cascading-failure';
const VARIANT = 'no-protection';

function scenarios(): { base: Scenario; variant: Scenario } {
  const text = readFileSync(join(ROOT, 'scenarios', `${ID}.json`), 'utf8');
  const base = loadScenarioText(text);
  const read = readScenarioJson(text);
  if (!base.ok || !read.ok) throw new Error(`${ID} does not load`);
  const variant = loadScenarioValue(applyVariant(read.value, VARIANT));
  if (!variant.ok) throw new Error(`${ID} --variant ${VARIANT} does not load: ${JSON.stringify(variant.errors)}`);
  return { base: base.scenario, variant: variant.scenario };
}

/** Opaque pixels of one side's topology canvas. */
async function canvasInkOf(page: Page, side: 'a' | 'b'): Promise<number> {
  return page
    .getByTestId(`compare-topology-${side}`)
    .locator('canvas')
    .evaluate((el) => {
      const canvas = el as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
      return n;
    });
}

function metric(result: RunResult, name: string): number {
  const v = result.metrics[name];
  if (typeof v !== 'number') throw new Error(`no metric ${name}`);
  return v;
}

describe('compare mode in Chromium', () => {
  it(`runs ${ID} as written and --variant ${VARIANT} side by side, to Node's trace hashes, with the deltas`, async () => {
    const { page, problems } = await open();
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url());
    });
    const { base, variant } = scenarios();
    const seed = base.seed;

    await chooseScenario(page, ID);
    expect(await page.getByTestId('seed').inputValue()).toBe(String(seed));
    // The compare code is not part of the first load: it arrives when compare mode opens.
    expect(scripts.filter((u) => /CompareView/.test(u))).toEqual([]);
    await page.getByTestId('compare-mode').click();
    await page.getByTestId('compare').waitFor({ timeout: 30_000 });
    expect(scripts.filter((u) => /CompareView/.test(u))).toHaveLength(1);
    expect(await page.getByTestId('sandbox').count()).toBe(0);

    // Defaults: as written against the scenario's only variant.
    expect(await page.getByTestId('compare-side-a-choice').inputValue()).toBe('as-written');
    expect(await page.getByTestId('compare-side-b-choice').inputValue()).toBe(`variant:${VARIANT}`);
    expect(await page.getByTestId('compare-no-variants').count()).toBe(0);

    await page.getByTestId('compare-run').click();
    // Both workers run at once; the machine is shared, so be patient.
    await page.locator('[data-testid="compare-status"][data-phase="done"]').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('compare-side-a-label').textContent()).toBe('as written');
    expect(await page.getByTestId('compare-side-b-label').textContent()).toBe(`variant ${VARIANT}`);

    // Each side is exactly Node's run of that side.
    const nodeA = runScenario(base, { seed });
    const nodeB = runScenario(variant, { seed });
    expect(nodeA.traceHash).not.toBe(nodeB.traceHash);
    expect(await page.getByTestId('compare-trace-hash-a').textContent()).toBe(nodeA.traceHash);
    expect(await page.getByTestId('compare-trace-hash-b').textContent()).toBe(nodeB.traceHash);

    // Each side's checks: all of A's pass; B is judged by the variant's own checks.
    const checksA = page.getByTestId('compare-checks-a').locator('.checks li');
    const checksB = page.getByTestId('compare-checks-b').locator('.checks li');
    expect(await checksA.count()).toBe(nodeA.checks.length);
    expect(await checksB.count()).toBe(nodeB.checks.length);
    expect(await checksA.locator('.check-name').allTextContents()).toEqual(nodeA.checks.map((c) => c.name));
    expect(await checksA.locator('.verdict').allTextContents()).toEqual(nodeA.checks.map((c) => (c.ok ? 'PASS' : 'FAIL')));
    expect(await checksB.locator('.verdict').allTextContents()).toEqual(nodeB.checks.map((c) => (c.ok ? 'PASS' : 'FAIL')));

    // The delta table: without protection clients time out far more (worse, red) and get fewer ok answers.
    const timeouts = page.locator('[data-testid="compare-delta"] tr[data-metric="client.timeout"]');
    const timeoutChange = metric(nodeB, 'client.timeout') - metric(nodeA, 'client.timeout');
    expect(timeoutChange).toBeGreaterThan(0);
    expect(await timeouts.locator('td').allTextContents()).toEqual([
      'client.timeout',
      metric(nodeA, 'client.timeout').toLocaleString('en-US'),
      metric(nodeB, 'client.timeout').toLocaleString('en-US'),
      formatChange(timeoutChange),
      expect.stringMatching(/^\+\d+%$|^new$/),
    ]);
    expect(await timeouts.getAttribute('data-verdict')).toBe('worse');
    const okRow = page.locator('[data-testid="compare-delta"] tr[data-metric="client.ok"]');
    const okChange = metric(nodeB, 'client.ok') - metric(nodeA, 'client.ok');
    expect(okChange).toBeLessThan(0);
    expect(await okRow.locator('td.delta-change').textContent()).toBe(formatChange(okChange));
    expect(await okRow.getAttribute('data-verdict')).toBe('worse');
    // Coloured as bad.
    const red = await okRow.locator('td.delta-change').evaluate((el) => getComputedStyle(el).color);
    expect(red).toBe('rgb(179, 38, 30)');

    // One clock: move it into the slowdown (payments slow from 20 s) and both sides draw that moment.
    await page.getByTestId('scrubber').fill('28000000');
    await nextFrames(page);
    await nextFrames(page);
    expect(Number(await page.getByTestId('clock').getAttribute('data-cursor-us'))).toBe(28_000_000);
    for (const side of ['a', 'b'] as const) {
      const topology = page.getByTestId(`compare-topology-${side}`);
      expect(await topology.locator('g.node').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')))).toEqual(['api', 'payments', 'client']);
      expect(await canvasInkOf(page, side)).toBeGreaterThan(500);
      for (const chart of ['throughput', 'latency']) {
        const path = page.getByTestId(`compare-chart-${side}-${chart}`).locator('path.series');
        expect((await path.evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? '').join(''))).length).toBeGreaterThan(50);
      }
    }
    // Both charts' cursors sit at the same place: one clock.
    const cursorX = (side: 'a' | 'b') =>
      page.getByTestId(`compare-side-${side}`).locator('.chart-cursor').first().evaluate((el) => el.getBoundingClientRect().left - el.parentElement!.getBoundingClientRect().left);
    expect(Math.abs((await cursorX('a')) - (await cursorX('b')))).toBeLessThan(1);
    // One y scale per chart for both sides: the same axis labels (the latency peaks differ ~9×).
    const yTicks = (side: 'a' | 'b', chart: string) =>
      page.getByTestId(`compare-chart-${side}-${chart}`).locator('g.axis').last().locator('text').allTextContents();
    for (const chart of ['throughput', 'latency', 'failures']) {
      expect(await yTicks('a', chart), chart).toEqual(await yTicks('b', chart));
    }

    await page.screenshot({ path: join(SCREENSHOTS, 'compare.png'), fullPage: true });
    // Side by side at 1280 px the two-hop chain would draw the API's box under payments': the
    // panes start one above the other, each topology the full width; the user can put them side by side.
    const width = (side: 'a' | 'b') => page.getByTestId(`compare-topology-${side}`).evaluate((el) => el.clientWidth);
    expect(await page.getByTestId('compare-stacked').isChecked()).toBe(true);
    const stackedWidth = await width('a');
    await page.getByTestId('compare-stacked').uncheck();
    await expect.poll(() => width('a')).toBeLessThan(stackedWidth / 1.8);
    await page.getByTestId('compare-stacked').check();
    await expect.poll(() => width('a')).toBe(stackedWidth);
    await nextFrames(page);
    expect(await canvasInkOf(page, 'b')).toBeGreaterThan(500);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a scenario without variants offers the same scenario under two seeds, and runs them to Node’s hashes', async () => {
    const { page, problems } = await open();
    const id = 'network/crash-restart';
    const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${id}.json`), 'utf8'));
    if (!loaded.ok) throw new Error(`${id} does not load`);
    await chooseScenario(page, id);
    await page.getByTestId('seed').fill('5');
    await page.getByTestId('compare-mode').click();
    await page.getByTestId('compare-no-variants').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('compare-side-b-choice').inputValue()).toBe('seed');
    expect(await page.getByTestId('compare-side-b-seed').inputValue()).toBe('6');
    // A seed that is not a whole number cannot run.
    await page.getByTestId('compare-side-b-seed').fill('x');
    expect(await page.getByTestId('compare-run').isDisabled()).toBe(true);
    await page.getByTestId('compare-side-b-seed').fill('77');
    await page.getByTestId('compare-run').click();
    await page.locator('[data-testid="compare-status"][data-phase="done"]').waitFor({ timeout: 240_000 });
    expect(await page.getByTestId('compare-side-b-label').textContent()).toBe('as written, seed 77');
    expect(await page.getByTestId('compare-trace-hash-a').textContent()).toBe(runScenario(loaded.scenario, { seed: 5 }).traceHash);
    expect(await page.getByTestId('compare-trace-hash-b').textContent()).toBe(runScenario(loaded.scenario, { seed: 77 }).traceHash);
    // Back to the single sandbox, whose frame loop shares the compare view's frame gate (ui/frame-gate.ts):
    // it still draws at a seek and plays.
    await page.getByTestId('compare-mode').click();
    await page.getByTestId('sandbox').waitFor();
    expect(await page.getByTestId('compare').count()).toBe(0);
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, 10_050_000);
    expect(await cursorUs(page)).toBe(10_050_000);
    expect(await canvasInk(page)).toBeGreaterThan(500);
    await page.getByTestId('play').click();
    await expect.poll(() => cursorUs(page), { timeout: 30_000 }).toBeGreaterThan(10_050_000);
    expect(problems).toEqual([]);
    await page.close();
  });
});
