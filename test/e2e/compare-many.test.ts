/**
 * End-to-end: compare mode with more than two runs. The four architecture styles
 * (topology/architecture-styles: microservices as written, then the monolith, SOA and
 * event-driven variants) compared at once with "All variants": four panes in a 2 × 2 grid on
 * one clock, each side's trace hash equal to Node's run of that variant, one table with a
 * column per side and each side's change from A; a side can be added and removed.
 * Screenshots: compare-many.png (1440×900) and compare-many-1280.png.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyVariant, readScenarioJson } from '../../sim/scenario/load.ts';
import { runScenario } from '../../sim/scenario/run.ts';
import { loadScenarioValue } from '../../ui/load.ts';
import { chooseScenario, open, ROOT, SCREENSHOTS, useSandbox } from './harness.ts';

useSandbox();

const ID = 'topology/architecture-styles';

/** Node's trace hash of the scenario as written (null) or a variant, with the file's seed. */
function nodeHash(variant: string | null): string {
  const read = readScenarioJson(readFileSync(join(ROOT, 'scenarios', `${ID}.json`), 'utf8'));
  if (!read.ok) throw new Error(ID);
  const loaded = loadScenarioValue(variant === null ? read.value : applyVariant(read.value, variant));
  if (!loaded.ok) throw new Error(`${ID} ${variant}`);
  return runScenario(loaded.scenario).traceHash;
}

describe('compare mode with four runs', () => {
  it('compares the four architecture styles at once, each to Node\'s trace hash', async () => {
    const file = JSON.parse(readFileSync(join(ROOT, 'scenarios', `${ID}.json`), 'utf8')) as { variants: { name: string }[] };
    const variants = file.variants.slice(0, 3).map((v) => v.name);
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await chooseScenario(page, ID);
    await page.getByTestId('compare-mode').click();
    await page.getByTestId('compare').waitFor({ timeout: 30_000 });
    // Add a third side, take it away again, then all variants.
    await page.getByTestId('compare-add').click();
    expect(await page.getByTestId('compare-side-c-choice').inputValue()).toBe(`variant:${file.variants[1].name}`);
    await page.getByTestId('compare-remove-c').click();
    expect(await page.getByTestId('compare-side-c-choice').count()).toBe(0);
    await page.getByTestId('compare-all-variants').click();
    expect(await page.getByTestId('compare-add').count()).toBe(0);
    const choices = await Promise.all(['a', 'b', 'c', 'd'].map((s) => page.getByTestId(`compare-side-${s}-choice`).inputValue()));
    expect(choices).toEqual(['as-written', ...variants.map((v) => `variant:${v}`)]);

    await page.getByTestId('compare-run').click();
    await page.locator('[data-testid="compare-status"][data-phase="done"]').waitFor({ timeout: 300_000 });
    expect(await page.getByTestId('compare-status').textContent()).toBe('All 4 runs done');
    const expected = [nodeHash(null), ...variants.map(nodeHash)];
    const shown = await Promise.all(['a', 'b', 'c', 'd'].map((s) => page.getByTestId(`compare-trace-hash-${s}`).textContent()));
    expect(shown).toEqual(expected);
    const heads = await page.locator('[data-testid="compare-delta-side"]').allTextContents();
    expect(heads).toEqual(['A as written', ...variants.map((v, i) => `${'BCD'[i]} variant ${v}`)]);
    // Each compared side has a value and a change column for every metric row.
    const firstRow = page.locator('[data-testid="compare-delta"] tbody tr').first();
    expect(await firstRow.locator('td').count()).toBe(1 + 1 + 3 * 2);

    // Four panes, two by two, every one drawn (the architecture styles are too wide for a
    // pane half the page wide, so they start one above the other; the user chose the grid).
    expect(await page.getByTestId('compare-stacked').isChecked()).toBe(true);
    await page.getByTestId('compare-stacked').uncheck();
    const boxes = await Promise.all(['a', 'b', 'c', 'd'].map(async (s) => (await page.getByTestId(`compare-side-${s}`).boundingBox())!));
    expect(boxes[0].y).toBe(boxes[1].y);
    expect(boxes[2].y).toBeGreaterThan(boxes[0].y + boxes[0].height - 1);
    expect(boxes[2].x).toBe(boxes[0].x);
    for (const [w, h] of [[1440, 900], [1280, 720]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('compare-sides').scrollIntoViewIfNeeded();
      const tooSmall = await page.locator('[data-testid="compare-sides"] text, [data-testid="compare-sides"] span').evaluateAll((els) => els.filter((e) => (e.textContent ?? '').trim() !== '' && parseFloat(getComputedStyle(e).fontSize) < 11).map((e) => e.textContent));
      expect(tooSmall, `text under 11 px at ${w}×${h}`).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, w === 1440 ? 'compare-many.png' : `compare-many-${w}.png`) });
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 400_000);
});
