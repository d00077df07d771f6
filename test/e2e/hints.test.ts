/**
 * End-to-end: the design hints view in Chromium. Before anything runs, the Design hints tab
 * lists the hints Node computes for the scenario (sim/design/hints.ts), grouped by kind with
 * their field paths; "Show" selects the node in the inspector. Readable at 1440×900 and
 * 1280×720. Screenshot: test/e2e/screenshots/design-hints.png (in the README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { designHints } from '../../sim/design/hints.ts';
import { loadScenarioText } from '../../ui/load.ts';
import { chooseScenario, open, ROOT, SCREENSHOTS, useSandbox } from './harness.ts';

useSandbox();

function hintsInNode(file: string) {
  const loaded = loadScenarioText(readFileSync(join(ROOT, 'scenarios', `${file}.json`), 'utf8'));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  return designHints(loaded.scenario);
}

describe('design hints in the sandbox', () => {
  it('lists what Node computes, before a run, and points at the node', async () => {
    const file = 'resilience/bulkhead';
    const expected = hintsInNode(file);
    expect(expected.length).toBeGreaterThan(2);
    const { page, problems } = await open();
    await chooseScenario(page, file);
    await page.getByTestId('view-tab-hints').click();
    await page.getByTestId('hints').waitFor({ timeout: 30_000 });
    const shown = await page.locator('.hint .hint-text').allTextContents();
    expect(shown).toEqual(expect.arrayContaining(expected.map((h) => h.message)));
    expect(shown).toHaveLength(expected.length);
    const first = expected.find((h) => h.kind === 'unprotected-dependency');
    expect(first).toBeDefined();
    await page.getByTestId('hints-unprotected-dependency').getByRole('button', { name: `Show ${first?.node}` }).first().click();
    await expect.poll(() => page.getByTestId('inspector').textContent()).toContain(first?.node ?? '?');
    for (const [w, h] of [[1440, 900], [1280, 720]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('hints').scrollIntoViewIfNeeded();
      const tooSmall = await page.locator('.hints *').evaluateAll((els) => els.filter((e) => e.childNodes.length > 0 && [...e.childNodes].some((c) => c.nodeType === 3 && (c.textContent ?? '').trim() !== '') && parseFloat(getComputedStyle(e).fontSize) < 11).map((e) => e.textContent));
      expect(tooSmall, `text under 11 px at ${w}×${h}`).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, w === 1440 ? 'design-hints.png' : `design-hints-${w}.png`) });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says so when a design has no hints', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'data/occ-contention');
    await page.getByTestId('view-tab-hints').click();
    await page.getByTestId('hints-none').waitFor({ timeout: 30_000 });
    expect(hintsInNode('data/occ-contention')).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
