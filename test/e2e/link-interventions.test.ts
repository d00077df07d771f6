/**
 * End-to-end: link interventions and parameter sliders in the sandbox, in Chromium. A click on
 * a link cuts it or slows it as a what-if branch whose fault log holds the fault and whose
 * export replays in Node to the hash the page shows; the partition panel splits the network
 * into groups; a slider reruns a changed scenario whose export holds the new value; a value
 * the validator refuses is explained and nothing runs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../sim/faults/faults.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { open, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

const FILE = 'resilience/cascading-failure';
/** Link hit areas are named by their ends in layout order: the scenario's nodes, then its workloads. */
const API_PAYMENTS = '.link-hit[data-link="api|payments"]';
const API_CLIENT = '.link-hit[data-link="api|client"]';

useSandbox();

async function lastResult(page: Page): Promise<RunResult> {
  const result = (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult | null;
  if (!result) throw new Error('no finished run on the page');
  return result;
}

/** Opens the cascading-failure scenario and runs it with its own seed. */
async function runCascading(): Promise<{ page: Page; problems: string[]; before: RunResult }> {
  const { page, problems } = await open();
  await chooseScenario(page, FILE);
  await page.getByTestId('run').click();
  await waitForDone(page, 1);
  return { page, problems, before: await lastResult(page) };
}

function injected(result: RunResult): FaultSpec[] {
  return result.faultLog.filter((e) => e.source === 'injected').map((e) => e.fault);
}

/** Exports the scenario as the page has it, checks it replays in Node to the shown trace hash, and returns its JSON. */
async function exportAndReplay(page: Page): Promise<Record<string, unknown>> {
  const shownHash = await page.getByTestId('trace-hash').textContent();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
  const text = readFileSync((await download.path())!, 'utf8');
  const loaded = loadScenarioText(text);
  if (!loaded.ok) throw new Error(`the exported scenario does not load: ${JSON.stringify(loaded.errors)}`);
  expect(runScenario(loaded.scenario).traceHash).toBe(shownHash);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('link interventions', () => {
  it('a click on a link cuts it: the run branches, the fault log holds the partition, and the export replays in Node', async () => {
    const { page, problems, before } = await runCascading();
    await seek(page, 10_000_000);

    await page.locator(API_PAYMENTS).hover();
    expect(await page.locator(API_PAYMENTS).evaluate((el) => getComputedStyle(el).fill)).not.toBe('rgba(0, 0, 0, 0)');
    mkdirSync(SCREENSHOTS, { recursive: true });
    // A page screenshot clipped to the topology keeps the hover (an element screenshot may not).
    const box = await page.getByTestId('topology').boundingBox();
    await page.screenshot({ path: join(SCREENSHOTS, 'link-hover.png'), clip: box ?? undefined });
    await page.locator(API_PAYMENTS).click();
    const menu = page.getByTestId('link-menu');
    await menu.waitFor();
    expect(await menu.locator('.node-menu-title').textContent()).toContain('↔');
    expect(await page.locator(API_PAYMENTS).getAttribute('class')).toContain('selected');
    // The whole menu inside the topology (which clips what sticks out), wherever the link is.
    const menuBox = (await menu.boundingBox())!;
    const room = (await page.getByTestId('topology').boundingBox())!;
    expect(menuBox.x).toBeGreaterThanOrEqual(room.x);
    expect(menuBox.x + menuBox.width).toBeLessThanOrEqual(room.x + room.width);
    expect(menuBox.y + menuBox.height).toBeLessThanOrEqual(room.y + room.height);
    // …and off the view's own buttons (Partition…, Fit).
    for (const button of await page.locator('[data-testid="topology"] [data-keep-clear]').all()) {
      const b = (await button.boundingBox())!;
      const apart = menuBox.x >= b.x + b.width || b.x >= menuBox.x + menuBox.width || menuBox.y >= b.y + b.height || b.y >= menuBox.y + menuBox.height;
      expect(apart, `the link menu covers "${await button.textContent()}"`).toBe(true);
    }
    await page.getByTestId('topology').screenshot({ path: join(SCREENSHOTS, 'link-menu.png') });

    await menu.locator('[data-action="cut"]').click();
    await waitForDone(page, 2);
    const after = await lastResult(page);
    expect(injected(after)).toEqual([{ type: 'partition', groups: [['api'], ['payments']], durationMs: null, atMs: 10_000.001 }]);
    expect(await page.getByTestId('trace-hash').textContent()).toBe(after.traceHash);
    expect(after.traceHash).not.toBe(before.traceHash);
    // Every call to payments now times out, the breaker opens and the API answers with its
    // fallback at once: more fallbacks, faster answers for the clients.
    const fallbacks = (r: RunResult) => r.metrics['api->payments.fallback.fallbacks'] as number;
    expect(fallbacks(after)).toBeGreaterThan(fallbacks(before) + 1000);
    const meanLatency = (r: RunResult) => (r.metrics['client.latencyMs'] as { mean: number }).mean;
    expect(meanLatency(after)).toBeLessThan(meanLatency(before) * 0.8);
    expect(await page.getByTestId('interventions').textContent()).toContain('cut api ↔ payments');
    await seek(page, 12_000_000);
    expect(await page.locator('.network-fault').allTextContents()).toContain('partition: api | payments');

    const exported = await exportAndReplay(page);
    expect((exported.faults as FaultSpec[]).at(-1)).toEqual(injected(after)[0]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('latency on a link, both ways for 5 s, makes the requests sent meanwhile about 200 ms slower', async () => {
    const { page, problems, before } = await runCascading();
    await seek(page, 10_000_000);
    await page.locator(API_CLIENT).click();
    const menu = page.getByTestId('link-menu');
    await menu.getByTestId('link-latency').fill('100');
    await menu.getByTestId('link-seconds').fill('5');
    expect(await menu.locator('[data-lasting="seconds"]').isChecked()).toBe(true);
    await menu.locator('[data-action="latency"]').click();
    // Two faults (one per direction), one what-if branch.
    await waitForDone(page, 2);
    const after = await lastResult(page);
    expect(injected(after)).toEqual([
      { type: 'latency', extraMs: 100, link: { from: 'api', to: 'client' }, durationMs: 5000, atMs: 10_000.001 },
      { type: 'latency', extraMs: 100, link: { from: 'client', to: 'api' }, durationMs: 5000, atMs: 10_000.001 },
    ]);
    // A twelfth of the run's requests (5 s of 60) each take 2 × 100 ms longer: the mean rises by ~17 ms.
    const latency = (r: RunResult) => r.metrics['client.latencyMs'] as { mean: number; count: number };
    const rise = latency(after).mean - latency(before).mean;
    expect(rise).toBeGreaterThan(12);
    expect(rise).toBeLessThan(22);
    expect(latency(after).count).toBe(latency(before).count);
    const list = await page.getByTestId('interventions').locator('li').allTextContents();
    expect(list.join(' | ')).toContain('latency +100 ms on client → api for 5 s');
    await seek(page, 12_000_000);
    expect(await page.locator('.network-fault').allTextContents()).toContain('latency +100 ms on client → api');
    await exportAndReplay(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the partition panel splits the network into two groups; "heal all partitions" undoes it', async () => {
    const { page, problems, before } = await runCascading();
    await seek(page, 10_000_000);
    await page.getByTestId('partition-open').click();
    const panel = page.getByTestId('partition-panel');
    await panel.waitFor();
    await panel.locator('[data-partition-node="client"] [data-side="A"]').check();
    await panel.locator('[data-partition-node="api"] [data-side="A"]').check();
    await panel.locator('[data-partition-node="payments"] [data-side="B"]').check();
    await page.getByTestId('topology').screenshot({ path: join(SCREENSHOTS, 'partition-panel.png') });
    await panel.getByTestId('partition-apply').click();
    await waitForDone(page, 2);
    expect(injected(await lastResult(page))).toEqual([{ type: 'partition', groups: [['api', 'client'], ['payments']], durationMs: null, atMs: 10_000.001 }]);

    // Two seconds later, heal it from a link's menu.
    await seek(page, 12_000_000);
    expect(await page.locator('.network-fault').allTextContents()).toContain('partition: api, client | payments');
    await page.locator(API_PAYMENTS).click();
    await page.getByTestId('link-menu').locator('[data-action="heal"]').click();
    await waitForDone(page, 3);
    const after = await lastResult(page);
    expect(injected(after).map((f) => [f.type, f.atMs])).toEqual([
      ['partition', 10_000.001],
      ['heal', 12_000.001],
    ]);
    const fallbacks = (r: RunResult) => r.metrics['api->payments.fallback.fallbacks'] as number;
    expect(fallbacks(after)).toBeGreaterThan(fallbacks(before) + 100);
    expect(await page.getByTestId('interventions').textContent()).toContain('heal all partitions');
    await seek(page, 13_000_000);
    expect(await page.locator('.network-fault').allTextContents()).toEqual([]);
    await exportAndReplay(page);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('parameter sliders', () => {
  it('a slider and a number change rerun the changed scenario; the export holds the new values', async () => {
    const { page, problems, before } = await runCascading();
    const status = page.getByTestId('run-status');
    const runs = Number(await status.getAttribute('data-run'));
    const scenarioHash = await page.getByTestId('scenario-hash').textContent();

    const params = page.getByTestId('params');
    await params.locator('summary').click();
    const rate = params.locator('[data-param="workloads[0].arrival.ratePerSec"]');
    expect(await rate.locator('input[type="number"]').inputValue()).toBe('400');
    await rate.locator('input[type="number"]').fill('200');
    const workers = params.locator('[data-param="nodes[0].workers"]');
    await workers.locator('input[type="range"]').fill('8');
    expect(await workers.locator('input[type="number"]').inputValue()).toBe('8');
    expect(await params.getByTestId('params-apply').textContent()).toContain('2 changed');
    await params.screenshot({ path: join(SCREENSHOTS, 'params.png') });

    await params.getByTestId('params-apply').click();
    await page.locator(`[data-testid="run-status"][data-run="${runs + 1}"][data-phase="done"]`).waitFor({ timeout: 90_000 });
    const after = await lastResult(page);
    expect(await page.getByTestId('scenario-hash').textContent()).not.toBe(scenarioHash);
    expect(after.scenarioHash).not.toBe(before.scenarioHash);
    expect(after.seed).toBe(before.seed);
    // Half the arrival rate: about half the requests.
    const requests = (r: RunResult) => r.metrics['client.requests'] as number;
    expect(requests(after) / requests(before)).toBeGreaterThan(0.45);
    expect(requests(after) / requests(before)).toBeLessThan(0.55);
    expect(await page.getByTestId('params-applied').textContent()).toContain('--set workloads[0].arrival.ratePerSec=200 --set nodes[0].workers=8');
    expect(await page.locator('.scenario-source').textContent()).toContain('(parameters changed)');
    expect(await page.getByTestId('determinism-badge').textContent()).toContain(
      `npm run sim -- run scenarios/${FILE}.json --seed ${before.seed} --set workloads[0].arrival.ratePerSec=200 --set nodes[0].workers=8`,
    );
    // The sliders now start from the new values.
    expect(await page.locator('[data-param="nodes[0].workers"] input[type="number"]').inputValue()).toBe('8');

    const exported = (await exportAndReplay(page)) as { workloads: { arrival: { ratePerSec: number } }[]; nodes: { workers: number }[] };
    expect(exported.workloads[0].arrival.ratePerSec).toBe(200);
    expect(exported.nodes[0].workers).toBe(8);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('an invalid value is explained with its field path, and nothing runs', async () => {
    const { page, problems } = await runCascading();
    const runs = await page.getByTestId('run-status').getAttribute('data-run');
    const params = page.getByTestId('params');
    await params.locator('summary').click();
    await params.locator('[data-param="workloads[0].arrival.ratePerSec"] input[type="number"]').fill('0');
    await params.locator('[data-param="nodes[1].workers"] input[type="number"]').fill('2.5');
    await params.getByTestId('params-apply').click();
    const errors = params.getByTestId('params-errors');
    await errors.waitFor();
    const lines = await errors.locator('li').allTextContents();
    expect(lines).toContain('workloads[0].arrival.ratePerSec: expected a number > 0, got 0');
    expect(lines.some((l) => l.startsWith('nodes[1].workers: expected an integer'))).toBe(true);
    expect(await page.getByTestId('run-status').getAttribute('data-run')).toBe(runs);
    expect(await page.getByTestId('run-status').getAttribute('data-phase')).toBe('done');
    await params.screenshot({ path: join(SCREENSHOTS, 'params-invalid.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
