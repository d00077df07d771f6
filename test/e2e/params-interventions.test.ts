/**
 * End-to-end (Chromium): the parameters panel offers only the settings the configured policy
 * reads, and its choices and switches rerun the scenario as `--set` does; the variant picker
 * runs a variant outside compare mode; interventions made at an earlier time than others are
 * kept as a list, each removable on its own; and a what-if link opens under the original
 * scenario with its interventions listed and the cursor where it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { applyVariant, readScenarioJson } from '../../sim/scenario/load.ts';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioValue } from '../../ui/load.ts';
import { cursorUs, open, ROOT, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

const RETRY = 'workloads[0].callPath[0]';
const lastResult = async (page: Page) => (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;
const interventionTexts = (page: Page) => page.getByTestId('interventions').locator('li code').allTextContents();

async function openScenario(id: string): Promise<{ page: Page; problems: string[] }> {
  const opened = await open();
  await chooseScenario(opened.page, id);
  return opened;
}

describe('parameters that matter', () => {
  it('shows the fields full jitter reads; choosing exponential brings up its multiplier; a budget turns off; Apply reruns with those --sets', async () => {
    const { page, problems } = await openScenario('resilience/retry-storm');
    const params = page.getByTestId('params');
    await params.locator('summary').click();
    const row = (path: string) => params.locator(`[data-param="${path}"]`);
    expect(await row(`${RETRY}.multiplier`).count()).toBe(0);
    expect(await row(`${RETRY}.capMs`).count()).toBe(1);
    // Units and the schema's description are shown.
    expect(await row(`${RETRY}.baseMs`).textContent()).toMatch(/baseMs \(ms\).*first wait/);

    await row(`${RETRY}.backoff`).locator('select').selectOption('exponential');
    await row(`${RETRY}.multiplier`).waitFor();
    expect(await row(`${RETRY}.multiplier`).locator('input[type="number"]').inputValue()).toBe('1.5');
    await row(`${RETRY}.budget`).locator('input[type="checkbox"]').uncheck();
    await row(`${RETRY}.budget.ratio`).waitFor({ state: 'detached' });
    for (const size of [{ width: 1440, height: 900 }, { width: 1280, height: 720 }]) {
      await page.setViewportSize(size);
      await params.screenshot({ path: join(SCREENSHOTS, `params-choices-${size.width}.png`) });
    }

    await params.getByTestId('params-apply').click();
    await page.locator('[data-testid="run-status"][data-run="1"][data-phase="done"]').waitFor({ timeout: 90_000 });
    const applied = await page.getByTestId('params-applied').textContent();
    expect(applied).toContain(`--set ${RETRY}.backoff=exponential`);
    expect(applied).toContain(`--set '${RETRY}={"type":"retry","maxAttempts":4,"backoff":"exponential","baseMs":50,"capMs":1000}'`);
    // No budget: no retry was ever denied by one, and the run is the file with those sets.
    const result = await lastResult(page);
    expect(result.metrics['client.retry.budgetDenied'] ?? 0).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('runs a variant from the picker beside Run, to the hash --variant gives', async () => {
    const { page, problems } = await openScenario('resilience/cascading-failure');
    await page.getByTestId('variant').selectOption('no-protection');
    await waitForDone(page, 1);
    expect(await page.locator('.scenario-source').textContent()).toContain('(variant no-protection)');
    expect(await page.getByTestId('determinism-badge').textContent()).toContain('--variant no-protection');
    const file = readScenarioJson(readFileSync(join(ROOT, 'scenarios/resilience/cascading-failure.json'), 'utf8'));
    const loaded = file.ok ? loadScenarioValue(applyVariant(file.value, 'no-protection')) : file;
    if (!loaded.ok) throw new Error('the variant does not load');
    const result = await lastResult(page);
    expect(result.traceHash).toBe(runScenario(loaded.scenario, { seed: result.seed }).traceHash);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('interventions are kept', () => {
  it('keeps a later intervention when branching earlier, removes one on its own, and a link reopens the what-if under its scenario at its cursor', async () => {
    const { page, problems } = await openScenario('resilience/cascading-failure');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    const node = (id: string) => page.locator(`g.node[data-node="${id}"]`);

    await seek(page, 10_000_000);
    await node('payments').click();
    await page.locator('[data-action="crash"]').click();
    await waitForDone(page, 2);
    const crashOnly = await lastResult(page);

    // An earlier branch keeps the crash at 10 s: both are listed, in time order.
    await seek(page, 5_000_000);
    await node('api').click();
    await page.locator('[data-action="slow"]').click();
    await waitForDone(page, 3);
    expect(await interventionTexts(page)).toEqual(['5 s', '10 s']);
    const both = await lastResult(page);
    expect(both.faultLog.filter((e) => e.source === 'injected').map((e) => e.fault.type)).toEqual(['slow', 'crash']);
    for (const size of [{ width: 1440, height: 900 }, { width: 1280, height: 720 }]) {
      await page.setViewportSize(size);
      await page.getByTestId('interventions').screenshot({ path: join(SCREENSHOTS, `interventions-list-${size.width}.png`) });
    }

    // Share it from 7 s: the link names the built-in, carries both interventions and the cursor.
    await seek(page, 7_000_000);
    await page.getByTestId('share').click();
    const url = await page.getByTestId('share-url').inputValue();
    const fragment = url.slice(url.indexOf('#'));
    expect(fragment).toMatch(/^#scenario=resilience\/cascading-failure&seed=\d+&i=[A-Za-z0-9_-]+&t=7000000$/);

    // Remove the slow-down: the run re-branches at 5 s and is exactly the crash-only branch.
    await page.getByTestId('remove-intervention').first().click();
    await waitForDone(page, 4);
    expect((await interventionTexts(page)).length).toBe(1);
    expect(await page.getByTestId('interventions').textContent()).toContain('crash payments');
    expect((await lastResult(page)).traceHash).toBe(crashOnly.traceHash);
    expect(problems).toEqual([]);
    await page.close();

    const shared = await open(fragment);
    await shared.page.locator('[data-testid="run-status"][data-phase="done"]').waitFor({ timeout: 90_000 });
    expect(await shared.page.locator('.gallery-item.selected').getAttribute('data-scenario-id')).toBe('resilience/cascading-failure');
    expect(await shared.page.locator('.scenario-source').textContent()).toBe('scenarios/resilience/cascading-failure.json');
    const listed = await shared.page.getByTestId('interventions').textContent();
    expect(listed).toContain('slow api');
    expect(listed).toContain('crash payments');
    expect(await cursorUs(shared.page)).toBe(7_000_000);
    expect((await lastResult(shared.page)).traceHash).toBe(both.traceHash);
    expect(shared.problems).toEqual([]);
    await shared.page.close();
  }, 400_000);
});
