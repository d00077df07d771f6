/**
 * Share by URL in Chromium: a link to a built-in scenario and seed, and a link to a what-if
 * branch (the scenario by name, its interventions compressed into the link), each open in a fresh page and run to
 * the same trace hash; damaged, oversized and unknown links (and oversized files) explain themselves; labels that
 * arrive in a link are text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type RunResult } from '../../sim/scenario/run.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { MAX_SHARE_CHARS, textFragment } from '../../ui/share.ts';
import { MAX_SCENARIO_BYTES } from '../../sim/scenario/load.ts';
import { open, openFile, ROOT, runInPage, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

const fragmentOf = (url: string) => url.slice(url.indexOf('#'));

describe('share by URL', () => {
  it('a link to a built-in scenario and seed opens it in a fresh page and runs to the same hash', async () => {
    const first = await open();
    await chooseScenario(first.page, 'network/crash-restart');
    await first.page.getByTestId('seed').fill('5');
    await first.page.getByTestId('share').click();
    const url = await first.page.getByTestId('share-url').inputValue();
    expect(fragmentOf(url)).toBe('#scenario=network/crash-restart&seed=5');
    expect(first.page.url()).toBe(url);
    expect(first.problems).toEqual([]);
    await first.page.close();

    const second = await open(fragmentOf(url));
    await expect.poll(() => second.page.getByTestId('seed').inputValue()).toBe('5');
    expect(await second.page.locator('.gallery-item.selected').getAttribute('data-scenario-id')).toBe('network/crash-restart');
    const run = await runInPage(second.page, 5);
    const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios/network/crash-restart.json'), 'utf8'));
    if (!loaded.ok) throw new Error('crash-restart does not load');
    expect(run.shownHash).toBe(runScenario(loaded.scenario, { seed: 5 }).traceHash);
    expect(second.problems).toEqual([]);
    await second.page.close();
  });

  it('a link to a what-if branch opens under its scenario with its interventions and replays to the same hash', async () => {
    const first = await open();
    await chooseScenario(first.page, 'resilience/cascading-failure');
    await first.page.getByTestId('run').click();
    await waitForDone(first.page, 1);
    await seek(first.page, 10_000_000);
    await first.page.locator('g.node[data-node="payments"]').click();
    await first.page.locator('[data-action="crash"]').click();
    await waitForDone(first.page, 2);
    const branch = (await first.page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;
    await first.page.getByTestId('share').click();
    const url = await first.page.getByTestId('share-url').inputValue();
    expect(fragmentOf(url)).toMatch(/^#scenario=resilience\/cascading-failure&seed=\d+&i=[A-Za-z0-9_-]+&t=10000000$/);
    expect(first.problems).toEqual([]);
    await first.page.close();

    // It opens as the built-in (not a new anonymous scenario) and runs the what-if at once.
    const second = await open(fragmentOf(url));
    await waitForDone(second.page, 1);
    expect(await second.page.locator('.gallery-item.selected').getAttribute('data-scenario-id')).toBe('resilience/cascading-failure');
    expect(await second.page.getByTestId('interventions').textContent()).toContain('crash payments');
    expect(await second.page.getByTestId('trace-hash').textContent()).toBe(branch.traceHash);
    const seed = Number(await second.page.getByTestId('seed').inputValue());
    const run = await runInPage(second.page, seed);
    expect(run.shownHash).not.toBe(branch.traceHash); // Run starts the scenario afresh, without the what-if
    expect(second.problems).toEqual([]);
    await second.page.close();
  });

  it('explains damaged, oversized and unknown links instead of showing a blank page', async () => {
    const text = readFileSync(join(ROOT, 'scenarios/network/crash-restart.json'), 'utf8');
    const made = await textFragment(text);
    if (!made.ok) throw new Error(made.message);
    const cases: [string, RegExp][] = [
      [made.fragment.slice(0, Math.floor(made.fragment.length / 2)), /damaged/],
      ['#s=%%%not-base64%%%', /damaged|not base64url/],
      [`#s=${'A'.repeat(MAX_SHARE_CHARS + 10)}`, /more than the limit/],
      ['#scenario=resilience/no-such-thing', /no built-in scenario "resilience\/no-such-thing"/],
    ];
    for (const [fragment, message] of cases) {
      const { page, problems } = await open(fragment);
      const errors = page.getByTestId('scenario-errors');
      await errors.waitFor();
      expect(await errors.textContent()).toMatch(message);
      expect(await page.getByTestId('scenario-invalid').textContent()).toContain('This shared link does not hold a valid scenario');
      expect(await page.locator('h1').textContent()).toBe('Faultline');
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('explains a file over the size limit without reading it', async () => {
    const { page, problems } = await open();
    const big = Buffer.alloc(MAX_SCENARIO_BYTES + 1, 32);
    await openFile(page, 'huge.json', big);
    await expect.poll(() => page.getByTestId('scenario-errors').textContent()).toMatch(/more than the limit of 5,242,880/);
    expect(await page.getByTestId('scenario-invalid').textContent()).toContain('This file is not a valid scenario');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders labels from a link as text, and validates its scenario like a file', async () => {
    const markup = '<img src=x onerror=alert(1)>';
    const json = JSON.parse(readFileSync(join(ROOT, 'scenarios/network/crash-restart.json'), 'utf8'));
    json.title = `Linked ${markup}`;
    const good = await textFragment(JSON.stringify(json));
    if (!good.ok) throw new Error(good.message);
    const shown = await open(good.fragment);
    await expect.poll(() => shown.page.getByTestId('scenario-title').textContent()).toBe(`Linked ${markup}`);
    expect(await shown.page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);
    expect(shown.problems).toEqual([]);
    await shown.page.close();

    json.network.latency = { type: 'constant', ms: -5 };
    const bad = await textFragment(JSON.stringify(json));
    if (!bad.ok) throw new Error(bad.message);
    const invalid = await open(bad.fragment);
    await expect.poll(() => invalid.page.getByTestId('scenario-errors').textContent()).toContain('network.latency.ms: expected a number ≥ 0, got -5');
    expect(invalid.problems).toEqual([]);
    await invalid.page.close();
  });
});
