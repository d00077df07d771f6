/** Keyboard shortcuts and the help overlay that lists them, in Chromium. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHORTCUTS, PRESENTER_SHORTCUTS } from '../../ui/HelpOverlay.tsx';
import { cursorUs, open, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

describe('keyboard controls', () => {
  it('? opens the help overlay listing every shortcut; Esc, the close button and a click outside close it', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'network/crash-restart');
    await page.locator('body').press('?');
    const help = page.getByTestId('help');
    await help.waitFor();
    // The sandbox's keys, then presenter mode's (ui/HelpOverlay.tsx).
    expect(await help.locator('tr').count()).toBe(SHORTCUTS.length + PRESENTER_SHORTCUTS.length);
    expect(await help.locator('tr').first().textContent()).toContain('Space');
    await page.screenshot({ path: join(SCREENSHOTS, 'help.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    await page.getByTestId('help-button').click();
    await help.waitFor();
    await page.getByRole('button', { name: 'Close help' }).click();
    await expect.poll(() => help.count()).toBe(0);
    await page.getByTestId('help-button').click();
    await page.getByTestId('help-backdrop').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => help.count()).toBe(0);
    // Typing ? in the seed box is typing, not a shortcut.
    await page.getByTestId('seed').press('?');
    expect(await help.count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('Home, End, arrows and [ ] move the cursor and change the speed', async () => {
    const { page, problems } = await open();
    await chooseScenario(page, 'network/crash-restart');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    await seek(page, 5_000_000);
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('End');
    await expect.poll(() => cursorUs(page)).toBe(30_000_000);
    await page.keyboard.press('Home');
    await expect.poll(() => cursorUs(page)).toBe(0);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => cursorUs(page)).toBeGreaterThan(0);
    const speed = Number(await page.getByTestId('speed').inputValue());
    await page.keyboard.press(']');
    await expect.poll(async () => Number(await page.getByTestId('speed').inputValue())).toBeCloseTo(speed + 0.2, 5);
    await page.keyboard.press('[');
    await page.keyboard.press('[');
    await expect.poll(async () => Number(await page.getByTestId('speed').inputValue())).toBeCloseTo(speed - 0.2, 5);
    expect(problems).toEqual([]);
    await page.close();
  });
});
