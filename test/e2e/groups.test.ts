/**
 * A node group of thousands in the sandbox (issue 17): drawn as one box with its count, how
 * many members are down and how busy they are (median, p99, busiest); a click on it picks the member to act on, and the intervention lands
 * on that member only.
 */
import { join } from 'node:path';
import type { RunResult } from '../../sim/scenario/run.ts';
import { describe, expect, it } from 'vitest';
import { nextFrames, open, SCREENSHOTS, seek, useSandbox, waitForDone, chooseScenario } from './harness.ts';

useSandbox();

describe('a big node group', () => {
  it('is one box with its count and members down; its menu crashes the member picked', async () => {
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1440, height: 900 });
    await chooseScenario(page, 'scale/service-mesh');
    await page.getByTestId('run').click();
    await waitForDone(page, 1);
    // 2,000 web servers, 1,000 users and the edge: three boxes.
    expect(await page.locator('g.node').count()).toBe(3);
    const web = page.locator('g.node[data-node="web-0"]');
    expect(await web.locator('.node-label').textContent()).toBe('web ×2,000');
    // web-7 is down from 5 s to 7 s.
    await seek(page, 6_000_000);
    await expect.poll(() => web.locator('.node-sub').textContent()).toBe('2,000 instances · 1 down');
    await seek(page, 3_000_000);
    await expect.poll(() => web.locator('.node-sub').textContent()).toBe('2,000 instances · 0 down');
    // How the busy workers are spread over the 2,000 (one worker each): median, p99, busiest.
    const spread = (await web.locator('.nb-row').allTextContents()).find((t) => t.includes('busy workers per instance')) ?? '';
    const [p50, p99, max] = (/median (\d+), 99th percentile (\d+), busiest (\d+) of 1/.exec(spread) ?? [spread, -1, -1, -1]).slice(1).map(Number);
    expect(p50, spread).toBeGreaterThanOrEqual(0);
    expect(p50).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(max);
    expect(max).toBeLessThanOrEqual(1);
    // And their queues: median, p99 and the longest, out of each instance's queue capacity.
    const queues = (await web.locator('.nb-row').allTextContents()).find((t) => t.includes('queued requests per instance')) ?? '';
    const [q50, q99, qmax] = (/median (\d+), 99th percentile (\d+), longest (\d+)/.exec(queues) ?? [queues, -1, -1, -1]).slice(1).map(Number);
    expect(q50, queues).toBeGreaterThanOrEqual(0);
    expect(q50).toBeLessThanOrEqual(q99);
    expect(q99).toBeLessThanOrEqual(qmax);

    await web.click();
    const menu = page.getByTestId('node-menu');
    await menu.waitFor();
    await page.getByTestId('node-menu-member').fill('12');
    await expect.poll(() => menu.locator('.node-menu-title').textContent()).toBe('web-12 · up');
    // The box is at the topology's right edge: the menu is moved back inside, not clipped.
    const inside = await page.evaluate(() => {
      const m = document.querySelector('[data-testid="node-menu"]')!.getBoundingClientRect();
      const t = document.querySelector('[data-testid="topology"]')!.getBoundingClientRect();
      return m.left >= t.left && m.right <= t.right && m.top >= t.top && m.bottom <= t.bottom;
    });
    expect(inside).toBe(true);
    await page.getByTestId('topology').scrollIntoViewIfNeeded();
    await nextFrames(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'group-box.png') });
    await page.locator('[data-action="crash"]').click();
    await waitForDone(page, 2);
    const after = (await page.evaluate(() => window.__faultline?.lastResult ?? null)) as RunResult;
    expect(after.faultLog.filter((e) => e.source === 'injected').map((e) => e.fault)).toMatchObject([{ type: 'crash', node: 'web-12' }]);
    await seek(page, 4_000_000);
    await expect.poll(() => web.locator('.node-sub').textContent()).toBe('2,000 instances · 1 down');
    // A number out of range picks the nearest member.
    await web.click();
    await page.getByTestId('node-menu-member').fill('99999');
    await expect.poll(() => page.getByTestId('node-menu').locator('.node-menu-title').textContent()).toMatch(/^web-1999 · /);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);
});
